"""skmlp's training engine for the MLPs: everything that runs TensorFlow.

Imported lazily by the estimators (importing it starts TensorFlow through
``skmlp._tf``). The modules, each with one job:

- ``_losses``: scikit-learn's losses, penalty and metrics in TensorFlow
- ``_optimizers``: the Keras optimizer and scikit-learn's learning-rate rules
- ``_model``: the Dense stack and scikit-learn's initial weights
- ``_trainer``: the compiled model, its optimizer and functions (:class:`Trainer`)
- ``_epochs``: the graphs of one epoch and of many epochs
- ``_backprop``: scikit-learn's backpropagation of the built-in Dense stack
- ``_compiled``: calling compiled functions without tf.function's overhead
- ``_callbacks``: Keras callbacks on the loop (hooks, detaching)
- ``_train``: one fit's rows and epochs, stopping rules, validation, callbacks
- ``_stopping``: scikit-learn's stopping rules, in Python and in the graph
- ``_lbfgs``: solver="lbfgs" (SciPy's L-BFGS-B on a compiled loss and gradient)
- ``_pool``: reuse of compiled trainers across fits (spares, reclaiming)
- ``_distribute``: ``tf.distribute`` strategies

This module holds the few verbs the estimators call.
"""

import dataclasses

import numpy as np

from .._forward import SKLEARN_NAMES
from .._keras_support import check_model, ensure_built, keras_default_seeds
from .._tf import keras
from . import _lbfgs
from ._callbacks import detach_callbacks
from ._distribute import DistributedTrainer, make_strategy, scope
from ._model import dense_model, sklearn_initial_weights
from ._pool import POOL
from ._stopping import StoppingState
from ._train import Batches, Outcome, Validation, train
from ._trainer import Trainer

__all__ = [
    "POOL",
    "Batches",
    "StoppingState",
    "Validation",
    "checkout_or_build",
    "dense_model",
    "detach_callbacks",
    "fit_lbfgs",
    "continued",
    "set_warm_weights",
    "sklearn_initial_weights",
    "train",
]


def continued(previous):
    """The stopping state of a fit continuing ``previous`` (the fitted one, a
    dict: warm_start, partial_fit); a new fit's is ``StoppingState()``."""
    return StoppingState(
        **{
            **previous,
            "loss_curve": list(previous["loss_curve"]),
            "validation_scores": list(previous["validation_scores"]),
        }
    )


def checkout_or_build(est, config, *, n_features, spec, seed):
    """A trainer for ``est``'s network, now the caller's: one checked out of
    the pool (the built-in Dense stack only), or a new one around
    ``est._build``'s model (built with Keras's default seeds drawn from
    ``seed``)."""
    builtin = est._builtin_model()
    strategy = None
    if est.distribution is not None:
        strategy = make_strategy(est.distribution)
    key = None
    if builtin and strategy is None:
        key = (
            type(est).__name__,
            n_features,
            tuple(est._hidden_sizes()),
            SKLEARN_NAMES.get(est.activation, est.activation),  # Keras's name
            spec.n_outputs,
            spec.out_activation,
            bool(config.alpha),
            keras.config.dtype_policy().name,
            *config.compiled_key,
        )
        trainer = POOL.check_out(key)
        if trainer is not None:
            trainer.reset(config)
            return trainer
    with scope(strategy):
        if builtin:  # the Dense stack: built, zeros (no seed drawn), one output
            model = est._build(n_features, spec, config.dtype)
        else:
            with keras_default_seeds(seed):
                model = est._build(n_features, spec, config.dtype)
                check_model(model, "_build_model")
                ensure_built(model, n_features, config.dtype)
        model_dtype = (
            model.trainable_variables[0].dtype
            if model.trainable_variables
            else config.dtype
        )
        config = dataclasses.replace(config, dtype=str(np.dtype(model_dtype)))
        if not builtin:
            _check_output(model, n_features, spec, config.dtype)
        POOL.built += 1
        if strategy is None:
            return Trainer(model, config, n_features, key=key, builtin=builtin)
        return DistributedTrainer(model, config, n_features, strategy, builtin=builtin)


def _check_output(model, n_features, spec, dtype):
    out = model(np.zeros((1, n_features), dtype=dtype))
    if isinstance(out, list | tuple | dict) or tuple(out.shape) != (1, spec.n_outputs):
        raise ValueError(
            "_build_model must return a model with one output of shape "
            f"(batch, {spec.n_outputs}) (n_outputs) for inputs of shape (batch, "
            f"{n_features}); its output for one row is "
            f"{keras.tree.map_structure(lambda t: tuple(t.shape), out)}."
        )


def set_warm_weights(trainer, weights, hidden_layer_sizes):
    """Give ``trainer`` the fitted weights (warm_start=True)."""
    shapes = [tuple(v.shape) for v in trainer.model.weights]
    if shapes != [w.shape for w in weights]:
        raise ValueError(
            "warm_start=True continues the fitted network, whose layers do not "
            f"match hidden_layer_sizes={hidden_layer_sizes!r}; refit with "
            "warm_start=False to change the architecture."
        )
    trainer.set_weights(weights)


def fit_lbfgs(trainer, X, Y, W):
    if not isinstance(X, np.ndarray):  # streamed rows: L-BFGS needs them all
        X = X.read(np.arange(X.shape[0]), dtype=trainer.config.dtype)
    n_iter, loss, message = _lbfgs.minimize(trainer, X, Y, W)
    return Outcome(epochs=n_iter, loss=loss, convergence_warning=message)
