"""_BaseMLPKeras: parameters, constraints, and fit = prepare -> the trainer
(``_training``) -> train -> commit. The fitted network (weights, ``model_``,
the trainer's life, predict, pickling) is ``_mlp_network.LiveNetwork``.

The concrete estimators (``_mlp.py``) encode targets and decode predictions.
The Keras work lives in ``_engine``, imported on the first fit (or when an
unpickled estimator first needs its model).
"""

import contextvars
import dataclasses
import math
import warnings
from abc import ABC, abstractmethod

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_random_state, column_or_1d, validate_data

from . import _forward, _source
from ._config import TrainConfig
from ._estimator_state import fit_transaction
from ._mlp_data import NUMPY_PREDICT_MAX_ROWS, hold_out, validation_arrays
from ._mlp_network import TRAINING_ONLY, LiveNetwork, read_only
from ._mlp_params import MLPParams
from ._sk_callbacks import (
    CallbackSupportMixin,
    FitReport,
    mlp_epoch_attributes,
    reported,
)
from ._targets import check_same_targets

#: The dtype of the default ``_build_model``'s network during ``_build``.
_BUILD_DTYPE = contextvars.ContextVar("skmlp_build_dtype", default="float32")

__all__ = ["NUMPY_PREDICT_MAX_ROWS", "_BaseMLPKeras", "stochastic_only"]


def stochastic_only(est):
    """partial_fit exists for the stochastic solvers only, as in scikit-learn."""
    if est.solver == "lbfgs":
        raise AttributeError(
            "partial_fit is only available for stochastic optimizers. lbfgs is "
            "not stochastic."
        )
    return True


class _BaseMLPKeras(CallbackSupportMixin, LiveNetwork, MLPParams, BaseEstimator, ABC):
    """Base class of the Keras MLP estimators. Not for direct use."""

    #: The classifier reads a column-vector y as 1-D labels given the wrong
    #: shape (warn and ravel, as scikit-learn); the regressor as one output.
    _ravel_column_y = False

    # -- hooks of the concrete estimators --------------------------------------

    @abstractmethod
    def _encode_targets(self, y, sample_weight, X, classes, reuse, dtype):
        """Return ``(Y, sw, spec, attrs)``: Keras targets, sample weights, a
        ``_targets.TargetSpec`` and the attributes the estimator sets."""

    @abstractmethod
    def _validation_score(self, Y, P, W, kind):
        """The ``score`` of network outputs ``P`` against encoded ``Y``."""

    def _build_model(self, n_features_in, n_outputs, out_activation):
        """Build the Keras model; override for a custom architecture.

        Parameters
        ----------
        n_features_in : int
            Width of the input.
        n_outputs : int
            Width of the output layer.
        out_activation : str
            Keras name of the output activation ("sigmoid", "softmax",
            "linear", ...); the loss expects the output to use it.

        Returns
        -------
        model : keras.Model
            A Sequential, Functional or subclassed model, built or not,
            mapping ``(batch, n_features_in)`` inputs to ``(batch,
            n_outputs)`` outputs. skmlp trains it with scikit-learn's loss,
            pickles its weights, and predicts with it (through a compiled
            Keras call: the NumPy fast path serves only the built-in Dense
            stack). Keras's default initializers are seeded from
            ``random_state``.
        """
        from ._engine import dense_model

        return dense_model(
            n_features_in,
            self._hidden_sizes(),
            self.activation,
            n_outputs,
            out_activation,
            dtype=_BUILD_DTYPE.get(),
        )

    def _build(self, n_features, spec, dtype):
        """``_build_model``'s model; the default one in ``dtype`` (the fit's:
        the overridable signature has no dtype, so it is passed alongside)."""
        token = _BUILD_DTYPE.set(dtype)
        try:
            return self._build_model(n_features, spec.n_outputs, spec.out_activation)
        finally:
            _BUILD_DTYPE.reset(token)

    def _builtin_model(self):
        return type(self)._build_model is _BaseMLPKeras._build_model

    # -- fit -------------------------------------------------------------------

    def _validate_X(self, X, y="no_validation", reset=True, stream=False, dtype=None):
        """Validate X alone, or X and y (``y=None`` raises "requires y").

        float32 X stays float32 and anything else becomes float64, as in
        scikit-learn (``dtype`` forces the fitted network's dtype instead). With
        ``stream=True`` (fit) and y, a memmap X is checked chunk by chunk and
        returned as ``_source.FileRows``: training reads it from its file.
        """
        dtypes = [np.float64, np.float32] if dtype is None else np.dtype(dtype)
        kw = dict(accept_sparse=["csr", "csc"], dtype=dtypes, reset=reset)
        if (getattr(X, "ndim", None) or 0) >= 3:
            raise ValueError(
                f"X has shape {np.shape(X)}, but MLPs take 2-D input; reshape "
                "images to (n_samples, n_features), e.g. X.reshape(len(X), -1)."
            )
        no_y = isinstance(y, str) and y == "no_validation"
        # A float64 too large for float32 overflows to inf in the cast, and
        # validate_data then raises its own error: no RuntimeWarning before it.
        with np.errstate(over="ignore"):
            if no_y:
                X = validate_data(self, X, **kw)
            else:
                rows = None
                if stream and isinstance(X, np.memmap):
                    rows = _source.FileRows.from_memmap(X)
                if rows is None:
                    X, y = validate_data(self, X, y, multi_output=True, **kw)
                else:
                    rows_dtype = dtype or (
                        np.float32 if rows.dtype == np.float32 else np.float64
                    )
                    X, y = rows, _source.validate(self, rows, y, reset, rows_dtype)
        if not no_y and self._ravel_column_y and y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        X = X.toarray() if sp.issparse(X) else X
        return X if no_y else (X, y)

    def _fit(
        self,
        X,
        y,
        sample_weight,
        *,
        validation_set=None,
        classes=None,
        incremental=False,
        initialize=False,
    ):
        fitted = "_weights" in self.__dict__
        reuse = fitted and (incremental or self.warm_start) and not initialize
        if incremental and self.early_stopping and self.solver != "lbfgs":
            raise ValueError("partial_fit does not support early_stopping=True")
        # scikit-learn's callbacks, set on the estimator or by a meta-estimator
        # around it; opened before the transaction (see _sk_callbacks).
        report = None
        if reported(self):
            report = FitReport(self, None, "partial_fit" if incremental else "fit")
        with fit_transaction(self):
            messages = self._fit_checked(
                X,
                y,
                sample_weight,
                validation_set,
                classes,
                incremental,
                reuse,
                report,
                initialize,
            )
        # Warned once the fit is committed (an "error" filter on the warning
        # must not roll back a finished fit), and collected as values, not
        # recorded with warnings.catch_warnings: that swaps the process's
        # warning filters and showwarning, which fits in other threads share.
        for message in messages:
            warnings.warn(message, ConvergenceWarning, stacklevel=3)
        return self

    def _fit_checked(
        self,
        X,
        y,
        sample_weight,
        validation_set,
        classes,
        incremental,
        reuse,
        report,
        initialize=False,
    ):
        self._hidden_sizes()  # checked before any work
        if reuse and incremental:
            self._check_same_network()
        raw = (X, y)  # what scikit-learn's callbacks score each epoch on
        dtype = self._dtype if reuse else None
        X, y = self._validate_X(X, y, reset=not reuse, stream=True, dtype=dtype)
        dtype = "float32" if X.dtype == np.float32 else "float64"
        Y, sw, spec, attrs = self._encode_targets(
            y, sample_weight, X, classes, reuse, dtype
        )
        if reuse:
            check_same_targets(
                "y", spec, self._spec, "refit from scratch (warm_start=False)"
            )
        rng = check_random_state(self.random_state)
        early_stopping = self.early_stopping and self.solver != "lbfgs"
        n_train = X.shape[0]
        if early_stopping and validation_set is None:  # train_test_split's count
            n_train -= math.ceil(self.validation_fraction * n_train)
        params = self.get_params(deep=False)
        config = TrainConfig.from_params(
            params,
            loss=spec.loss,
            kind=spec.kind,
            n_train=n_train,
            dtype=dtype,
            early_stopping=early_stopping,
        )

        from . import _engine

        self._metric_specs = None
        if self.metrics:
            from ._engine import _metrics

            self._metric_specs = _metrics.resolve(self.metrics)
        epochs = 0 if initialize else 1 if incremental else self.max_iter
        training = self._training(config, X.shape[1], spec, rng, reuse, incremental)
        try:
            with training as trainer:
                config = trainer.config  # in the network's dtype
                if report is not None:
                    report.begin(
                        *raw, sample_weight, 0 if config.solver == "lbfgs" else epochs
                    )
                    report.attributes = lambda: mlp_epoch_attributes(
                        trainer, spec, attrs
                    )
                validation = None
                if validation_set is not None:  # (X_val, y_val, sw_val)
                    validation = validation_arrays(self, validation_set, spec, attrs)
                elif early_stopping:
                    X, Y, sw, validation = hold_out(
                        X, Y, sw, spec, self.validation_fraction, rng
                    )
                if validation is not None:
                    Xv, Yv, Wv = validation
                    validation = _engine.Validation(
                        Xv,
                        Yv,
                        Wv,
                        lambda P: self._validation_score(Yv, P, Wv, spec.kind),
                    )
                state = _engine.StoppingState()
                if reuse and "_stopping" in self.__dict__:  # continued
                    state = _engine.continued(self._stopping)
                seed = int(rng.randint(np.iinfo(np.int32).max))
                if initialize:  # built, not trained (see _mlp_init)
                    outcome = _engine.Outcome()
                elif config.solver == "lbfgs":
                    outcome = _engine.fit_lbfgs(trainer, X, Y, sw)
                else:
                    data = _engine.Batches(X, Y, sw, seed, config.dtype)
                    outcome = _engine.train(
                        trainer,
                        data,
                        config=config,
                        state=state,
                        epochs=epochs,
                        callbacks=self.callbacks,
                        validation=validation,
                        incremental=incremental,
                        samples_seen=self.__dict__.get("t_", 0) if reuse else 0,
                        report=report,
                        metrics=self._metric_specs
                        and _metrics.EpochMetrics(trainer, self._metric_specs),
                    )
                weights = trainer.get_weights()
                finite = all(np.isfinite(w).all() for w in weights)
                if not finite or (outcome.diverged and not early_stopping):
                    raise ValueError(
                        "Solver produced non-finite parameter weights. The input "
                        "data may contain large values and need to be preprocessed. "
                        "Training diverged: the loss or the weights became NaN or "
                        f"infinite in epoch {outcome.epochs}. Lower "
                        "learning_rate_init or scale X (e.g. with StandardScaler); "
                        "the estimator was left as it was before this fit."
                    )
                self._commit(trainer, spec, attrs, state, outcome, reuse, weights)
                if not (reuse and incremental):  # what a copy rebuilds it from
                    self._fitted_params = {
                        k: v for k, v in params.items() if k not in TRAINING_ONLY
                    }
                if report is not None:
                    report.end()
        finally:
            if self.callbacks:
                _engine.detach_callbacks(self.callbacks)
        if outcome.convergence_warning:  # lbfgs stopped by max_iter or max_fun
            return [outcome.convergence_warning]
        exhausted = (
            config.solver != "lbfgs"
            and not incremental
            and not outcome.stopped
            and not outcome.diverged
            and outcome.epochs == self.max_iter
        )
        if not exhausted:
            return []
        return [
            f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
            "and the optimization hasn't converged yet."
        ]

    def _commit(self, trainer, spec, attrs, state, outcome, reuse, weights):
        """Set every fitted attribute, in one place, after training succeeded
        (``trainer.config``: the fit's configuration, in the network's dtype;
        ``weights``: the model's, read)."""
        prev = self.__dict__ if reuse else {}
        self.__dict__.pop("_optimizer_state", None)  # a rebuilt one's: spent
        config = trainer.config
        self._trainer, self._config, self._spec = trainer, config, spec
        self._dtype = config.dtype
        self._activations = trainer.numpy_activations
        for name, value in attrs.items():
            setattr(self, name, value)
        self._weights = read_only(weights)
        self.n_iter_ = outcome.epochs
        self.t_ = outcome.samples_seen if config.stochastic else 0
        self.n_outputs_ = spec.n_outputs
        self.n_layers_ = (
            len(self._hidden_sizes()) + 2
            if trainer.builtin
            else len(trainer.dense_layers()) + 1
        )
        self.out_activation_ = _forward.SKLEARN_OUT_NAMES.get(
            spec.out_activation, spec.out_activation
        )
        lbfgs = config.solver == "lbfgs" and outcome.epochs  # trained by lbfgs
        self.loss_ = outcome.loss if lbfgs else None
        if not config.stochastic:
            for name in (
                "loss_curve_",
                "best_loss_",
                "validation_scores_",
                "best_validation_score_",
                "history_",
                "_stopping",
            ):
                self.__dict__.pop(name, None)
            return
        self._stopping = dataclasses.asdict(state)
        old_history = prev.get("history_", {})
        self.history_ = {
            k: old_history.get(k, []) + v for k, v in outcome.history.items()
        }
        self.loss_curve_ = list(state.loss_curve)
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
        self._no_improvement_count = state.no_improvement
        if config.early_stopping:
            self.validation_scores_ = list(state.validation_scores)
            self.best_validation_score_ = state.best_validation_score
            self.best_loss_ = None
        else:
            self.validation_scores_ = self.best_validation_score_ = None
            self.best_loss_ = state.best_loss

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.non_deterministic = False
        return tags
