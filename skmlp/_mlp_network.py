"""The fitted network of an MLP estimator: its weights, ``model_``, the
trainer behind them (one owner of its life), prediction and pickling.

The weights have one source of truth: the trainer's Keras model.

``coefs_`` and ``intercepts_`` are properties over the live weights (setting
them writes into the model); ``model_`` hands the model out, after which the
weights are read from it, so whatever was done through it (``set_weights``,
``load_weights``, ``fit``) is what ``predict``, ``coefs_`` and pickles see.
An unpickled estimator (or a copy) rebuilds its trainer from the weights on
first need, with the parameters of the fit that built the network
(``_fitted_params``): ``set_params`` after fit changes only the next fit.

The trainer's life: :meth:`LiveNetwork._training` checks a fit's trainer out
of the pool (``_engine._pool``) or builds it, gives it its weights, restores
or checks it in on failure and leaves it held by the estimator on success.
The pool may reclaim a held trainer whose model was never handed out
(:meth:`LiveNetwork._give_up_trainer`): the estimator keeps what a pickle
keeps and rebuilds a trainer on first need (:meth:`LiveNetwork._live_trainer`).
"""

import contextlib
import dataclasses
import threading

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from . import _forward, _source
from ._config import TrainConfig
from ._estimator_state import (
    check_pickled_version,
    pickled_state,
    restore_record,
    saved_versions,
)
from ._mlp_data import NUMPY_PREDICT_MAX_ROWS, plain_rows
from ._targets import TargetSpec

#: Serializes rebuilding the Keras model of an unpickled estimator.
_BUILD_LOCK = threading.RLock()


#: Parameters that say how to train, not what network to build: a rebuilt
#: network does not need their fitted values (nor a pickle a second copy).
TRAINING_ONLY = ("callbacks", "distribution", "metrics")


class LiveNetwork:
    """Mixin of :class:`~skmlp._mlp_base._BaseMLPKeras`: its weights,
    ``model_``, the trainer behind them, prediction and pickling."""

    def _as_fitted(self):
        """The estimator as the fit that built its network saw it: a shallow
        stand-in with the fitted parameters (self if none were recorded)."""
        fitted = self.__dict__.get("_fitted_params")
        if not fitted:
            return self
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin.__dict__.update(fitted)
        return twin

    def _check_same_network(self):
        """partial_fit continues the fitted network: refuse it if
        ``hidden_layer_sizes`` or ``activation`` were changed since."""
        from ._forward import keras_activation

        fitted = self._as_fitted()
        changed = [
            name
            for name, same in (
                ("hidden_layer_sizes", fitted._hidden_sizes() == self._hidden_sizes()),
                (
                    "activation",
                    keras_activation(fitted.activation)
                    == keras_activation(self.activation),
                ),
            )
            if not same
        ]
        if changed:
            was = ", ".join(f"{k}={getattr(fitted, k)!r}" for k in changed)
            now = ", ".join(f"{k}={getattr(self, k)!r}" for k in changed)
            raise ValueError(
                f"partial_fit continues the fitted network, built with {was}, "
                f"but the estimator now has {now}. Set it back with "
                f"set_params({was}), or call fit to train a new network."
            )

    def _current_weights(self):
        """The weights, read from the live model when the user holds it
        (``model_``): whatever was done through it is what predicts."""
        trainer = self.__dict__.get("_trainer")
        if trainer is not None and trainer.exposed:
            self._weights = read_only(trainer.get_weights())
        return self._weights

    def _dense_weights(self):
        if self._builtin_model():
            weights = self._current_weights()
            return weights[0::2], weights[1::2]
        layers = self._live_trainer().dense_layers()
        return (
            read_only(np.asarray(layer.kernel).copy() for layer in layers),
            read_only(np.asarray(layer.bias).copy() for layer in layers),
        )

    @property
    def coefs_(self):
        """``coefs_[i]``: the kernel of Dense layer i, (n_in, n_out)."""
        self._check_weights()
        return self._dense_weights()[0]

    @coefs_.setter
    def coefs_(self, value):
        self._set_dense(value, 0)

    @property
    def intercepts_(self):
        """``intercepts_[i]``: the bias of Dense layer i, (n_out,)."""
        self._check_weights()
        return self._dense_weights()[1]

    @intercepts_.setter
    def intercepts_(self, value):
        self._set_dense(value, 1)

    def _check_weights(self):
        if "_weights" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__} has no coefs_ or intercepts_ before fit."
            )

    def _set_dense(self, arrays, which):
        self._check_weights()
        if not self._builtin_model():
            raise AttributeError(
                "coefs_ and intercepts_ of a custom architecture are read-only; "
                "set its weights through model_.set_weights()."
            )
        weights = list(self._current_weights())
        if len(arrays) != len(weights) // 2:
            raise ValueError(
                f"Expected {len(weights) // 2} arrays, one per layer; got "
                f"{len(arrays)}."
            )
        for i, array in enumerate(arrays):
            array = np.array(array, dtype=weights[2 * i + which].dtype)
            if array.shape != weights[2 * i + which].shape:
                raise ValueError(
                    f"Layer {i} has shape {weights[2 * i + which].shape}, got "
                    f"{array.shape}."
                )
            weights[2 * i + which] = array
        self._weights = read_only(weights)
        if self.__dict__.get("_trainer") is not None:
            with self._using_trainer() as trainer:
                trainer.set_weights(weights)

    # -- the live Keras model --------------------------------------------------

    @property
    def model_(self):
        """The compiled Keras model (rebuilt from the weights after unpickling).

        It is the estimator's own network: weights set through it
        (``set_weights``, ``load_weights``, ``fit``) are what ``predict``,
        ``coefs_`` and pickles use from then on.
        """
        if "_weights" not in self.__dict__:
            # NotFittedError is an AttributeError: hasattr(est, "model_") is False.
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet: model_ "
                "exists after fit."
            )
        with self._using_trainer() as trainer:
            trainer.exposed = True  # the caller holds it: never reuse it elsewhere
        from ._engine import _handout  # the fit's metrics, quiet calls, export

        return _handout.prepare(trainer, self.__dict__.get("_metric_specs"))

    # -- the trainer: one owner ------------------------------------------------

    @contextlib.contextmanager
    def _training(self, config, n_features, spec, rng, reuse, incremental):
        """The trainer a fit trains, from start to end: partial_fit's live one
        (its state saved, to undo a failure), or one checked out of the pool
        or built, with the fitted weights (warm_start) or scikit-learn's
        initial ones. A failure restores partial_fit's trainer or checks the
        new one in; success leaves it held by the estimator (and checks in
        the one it replaces). Meanwhile the estimator's previous trainer is
        this fit's: the pool does not reclaim it."""
        from . import _engine

        previous = self.__dict__.get("_trainer")
        if previous is not None:
            with previous.lock:
                if self.__dict__.get("_trainer") is previous:
                    _engine.POOL.release(previous)
                else:  # reclaimed meanwhile
                    previous = None
        trainer = undo = None
        try:
            if reuse and incremental:
                trainer = previous or self._rebuilt_trainer()
                trainer.continue_with(config)
                undo = trainer.training_state()
            else:
                seed = 0 if self._builtin_model() else int(rng.randint(2**31 - 1))
                trainer = _engine.checkout_or_build(
                    self, config, n_features=n_features, spec=spec, seed=seed
                )
                if reuse:  # the fitted weights, a fresh optimizer (scikit-learn's)
                    _engine.set_warm_weights(
                        trainer, self._current_weights(), self.hidden_layer_sizes
                    )
                elif trainer.builtin:
                    sizes = [n_features, *self._hidden_sizes(), spec.n_outputs]
                    initial = _engine.sklearn_initial_weights(
                        sizes, self.activation, rng, trainer.config.dtype
                    )
                    trainer.set_weights(initial)
            yield trainer
        except BaseException:
            if trainer is not None and trainer is previous:
                if undo is not None:  # partial_fit trained the live model
                    trainer.restore(undo)
            elif trainer is not None:  # the new trainer is nobody's
                _engine.POOL.check_in(trainer)
            if previous is not None:  # the restored estimator's
                _engine.POOL.hold(previous, self)
            raise
        if previous is not None and previous is not trainer:
            _engine.POOL.check_in(previous)  # the estimator no longer holds it
        _engine.POOL.hold(trainer, self)

    def _rebuilt_trainer(self):
        """A trainer for the fitted network (of an unpickled or reclaimed
        estimator): built as fitted, whatever set_params did since, with the
        weights and the pickled optimizer state (partial_fit continues it)."""
        from . import _engine

        fitted = self._as_fitted()
        trainer = _engine.checkout_or_build(
            fitted,
            self._config,
            n_features=self.n_features_in_,
            spec=self._spec,
            seed=0,
        )
        optimizer = self.__dict__.get("_optimizer_state")
        if optimizer is None or len(optimizer) != len(trainer.optimizer.variables):
            trainer.set_weights(self._weights)  # none (lbfgs), or another Keras's
        else:
            trainer.restore((self._weights, optimizer))
        return trainer

    def _live_trainer(self):
        """The estimator's trainer, rebuilt if it has none (unpickled, or
        reclaimed by the pool)."""
        if self.__dict__.get("_trainer") is None:
            # Threads predicting on a freshly unpickled estimator build it once.
            with _BUILD_LOCK:
                if self.__dict__.get("_trainer") is None:
                    from . import _engine

                    trainer = self._rebuilt_trainer()
                    self.__dict__.pop("_optimizer_state", None)
                    self._trainer = trainer
                    _engine.POOL.hold(trainer, self)
        return self._trainer

    @contextlib.contextmanager
    def _using_trainer(self):
        """The estimator's trainer, which the pool does not reclaim meanwhile
        (predicting through it, reading its optimizer, handing out model_)."""
        while True:
            trainer = self._live_trainer()
            with trainer.lock:
                if self.__dict__.get("_trainer") is trainer:
                    yield trainer
                    return

    def _give_up_trainer(self, trainer):
        """The pool reclaims ``trainer`` (``trainer.lock`` held): keep what a
        pickle keeps (the weights are NumPy already; the optimizer state),
        then let it go. False if it is not the estimator's to give up."""
        if self.__dict__.get("_trainer") is not trainer or trainer.exposed:
            return False
        if self._config.stochastic:
            self._optimizer_state = trainer.read(trainer.optimizer.variables)
        del self._trainer
        return True

    # -- predict ---------------------------------------------------------------

    def _forward(self, X):
        """The network's output for ``X``: (n_samples, n_outputs), in the
        network's dtype."""
        d, rows = self.__dict__, None
        if "_weights" in d and "feature_names_in_" not in d:  # fitted on arrays
            rows = plain_rows(X, d["n_features_in_"], d["_dtype"])
        if rows is None:
            check_is_fitted(self)
            memmap = _source.FileRows.from_memmap(X)
            if memmap is not None:  # a memmap: predicted chunk by chunk
                return _source.predict_in_chunks(memmap, self._forward)
            rows = self._validate_X(X, reset=False, dtype=self._dtype)
        rows = rows.astype(self._dtype, copy=False)
        activations = self.__dict__.get("_activations")
        if activations is not None and (
            rows.shape[0] <= NUMPY_PREDICT_MAX_ROWS or not _gpu()
        ):
            weights = self._current_weights()
            return _forward.forward(rows, weights[0::2], weights[1::2], activations)
        with self._using_trainer() as trainer:
            return trainer.predict(rows)

    # -- persistence -----------------------------------------------------------

    def __getstate__(self):
        # A copy: BaseEstimator returns the instance's own __dict__, which
        # pickling must not change (the live model stays with the estimator).
        if self.__dict__.get("_trainer") is None:
            state = dict(super().__getstate__())
        else:
            with self._using_trainer() as trainer:
                self._current_weights()
                state = dict(super().__getstate__())
                if self._config.stochastic:
                    # As scikit-learn pickles its optimizer: partial_fit on a
                    # copy continues as on the original (_rebuilt_trainer).
                    optimizer = trainer.optimizer.variables
                    state["_optimizer_state"] = trainer.read(optimizer)
        state.pop("_trainer", None)
        # Plain data only (skops trusts it): the configuration and the
        # target description as a dict and a tuple.
        if "_config" in state:
            state["_config"] = dataclasses.asdict(state["_config"])
            state["_spec"] = tuple(state["_spec"])
        return pickled_state(state)

    def __setstate__(self, state):
        versions = saved_versions(state)
        state = check_pickled_version(self, state)
        if "_config" in state:
            state["_config"] = restore_record(
                TrainConfig, state["_config"], self, versions
            )
            state["_spec"] = restore_record(TargetSpec, state["_spec"], self, versions)
        if "_weights" in state:
            state["_weights"] = read_only(np.array(w) for w in state["_weights"])
        super().__setstate__(state)


def read_only(arrays):
    """``arrays`` (the weights ``coefs_``, ``intercepts_`` and the NumPy
    predictions share), made read-only: written in place, they would change
    those predictions but not ``model_`` or pickles. Assigning ``coefs_``
    or ``model_.set_weights`` changes them everywhere."""
    arrays = list(arrays)
    for array in arrays:
        array.flags.writeable = False
    return arrays


def _gpu():
    import sys

    if "tensorflow" not in sys.modules:
        return False
    from ._tf import has_gpu

    return has_gpu()
