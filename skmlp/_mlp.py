"""_BaseMLPKeras: parameters, validation and the fit/predict orchestration.

The concrete estimators (``_mlp_estimators.py``) only encode targets and decode
predictions. All Keras work is delegated to ``_keras``, imported on first use.
"""

import threading
import warnings
from abc import ABC, abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import (
    ConvergenceWarning,
    NotFittedError,
)
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import (
    check_is_fitted,
    check_random_state,
    column_or_1d,
    validate_data,
)

from . import _forward, _source
from ._targets import check_pickled_version, fit_transaction, pickled_state

#: Keras optimizers reachable by name, besides scikit-learn's "sgd" and "adam".
KERAS_SOLVERS = {"adamw", "adamax", "adagrad", "adadelta", "adafactor", "nadam"}
KERAS_SOLVERS |= {"rmsprop", "ftrl", "lion", "lamb"}
#: scikit-learn's activation names and the Keras ones we can also run in NumPy.
ACTIVATIONS = {"identity", "logistic", "tanh", "relu"} | set(_forward.ACTIVATIONS)
#: Up to this many rows, predictions take the NumPy forward pass: on a CPU it
#: beats Keras's predict loop at every size measured (benchmarks/LEVERS.md);
#: larger inputs go through Keras's batched predict (and the GPU, if any).
NUMPY_PREDICT_MAX_ROWS = 2048
#: Serializes rebuilding the Keras model of an unpickled estimator.
_BUILD_LOCK = threading.RLock()
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_SKLEARN_NAMES = {"sigmoid": "logistic", "linear": "identity", "exponential": "exp"}


class _BaseMLPKeras(BaseEstimator, ABC):
    """Base class of the Keras MLP estimators. Not for direct use."""

    #: The classifier reads a column-vector y as 1-D labels given the wrong
    #: shape (warn and ravel, as scikit-learn); the regressor as one output.
    _ravel_column_y = False

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(ACTIVATIONS - {"softmax"})],
        "solver": [StrOptions({"sgd", "adam"} | KERAS_SOLVERS)],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": [Interval(Integral, 0, 2, closed="both"), "boolean"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, None],
        "distribution": [
            None,
            StrOptions({"mirrored", "multi_worker"}),
            callable,
            HasMethods(["scope"]),
        ],
    }

    @abstractmethod
    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=0,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        callbacks=None,
        distribution=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.callbacks = callbacks
        self.distribution = distribution

    # -- hooks of the concrete estimators --------------------------------------

    @abstractmethod
    def _encode_targets(self, y, sample_weight, X, classes, reuse):
        """Return ``(Y, sw, spec)``: Keras targets, sample weights, and a dict
        with ``kind``, ``loss``, ``out_activation``, ``n_outputs`` (and
        whatever attributes the estimator sets, under ``attrs``)."""

    def _build_model(self, n_features_in, n_outputs, out_activation):
        """Build the uncompiled Keras model; override for a custom architecture.

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
            A model mapping ``(batch, n_features_in)`` float32 inputs to
            ``(batch, n_outputs)`` outputs. skmlp compiles and trains it,
            pickles its weights, and predicts with it.
        """
        from . import _keras

        return _keras.dense_model(
            n_features_in,
            self._hidden_sizes(),
            self.activation,
            n_outputs,
            out_activation,
        )

    # -- fit -------------------------------------------------------------------

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if np.isscalar(sizes) else list(sizes)
        if not all(isinstance(s, Integral | np.integer) and s > 0 for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must be positive integers, got "
                f"{self.hidden_layer_sizes!r}; e.g. hidden_layer_sizes=(100,)."
            )
        return [int(s) for s in sizes]

    def _validate_X(self, X, y="no_validation", reset=True, stream=False):
        """Validate X alone, or X and y (``y=None`` raises "requires y").

        With ``stream=True`` (fit) and y, a memmap X is checked chunk by chunk
        and returned as ``_source.FileRows``: training reads it from its file.
        """
        kw = dict(accept_sparse=["csr", "csc"], dtype=np.float32, reset=reset)
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
                rows = _source.FileRows.from_memmap(X) if stream else None
                if rows is None:
                    X, y = validate_data(self, X, y, multi_output=True, **kw)
                else:
                    X, y = rows, _source.validate(self, rows, y, reset)
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
        validation_data=None,
        classes=None,
        incremental=False,
    ):
        fitted = "_model_weights" in self.__dict__
        reuse = fitted and (incremental or self.warm_start)
        with fit_transaction(self):
            exhausted = self._fit_checked(
                X, y, sample_weight, validation_data, classes, incremental, reuse
            )
        # Warn only once the fit is committed: an "error" filter on the warning
        # must not roll back a finished fit (nor leave the live model trained
        # while the restored attributes describe the previous weights).
        if exhausted:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=4,  # the caller of fit
            )
        return self

    def _fit_checked(
        self, X, y, sample_weight, validation_data, classes, incremental, reuse
    ):
        hidden = self._hidden_sizes()
        X, y = self._validate_X(X, y, reset=not reuse, stream=True)
        Y, sw, spec = self._encode_targets(y, sample_weight, X, classes, reuse)
        if reuse:
            _check_same_targets(
                "y", spec, self._spec, "refit from scratch (warm_start=False)"
            )
        n = X.shape[0]
        batch_size = n if self.batch_size == "auto" else self.batch_size
        batch_size = (
            min(batch_size, 200, n) if self.batch_size == "auto" else batch_size
        )
        if batch_size > n:
            warnings.warn(
                f"batch_size={batch_size} is larger than the {n} samples; "
                "it is clipped to the sample count.",
                UserWarning,
                stacklevel=5,  # the caller of fit
            )
            batch_size = n
        rng = check_random_state(self.random_state)
        early_stopping = self.early_stopping and not incremental
        validation = None
        if validation_data is not None:
            validation = self._validation_arrays(validation_data, spec)
        elif early_stopping:
            X, Y, sw, validation = self._hold_out(X, Y, sw, y, rng)

        from . import _keras

        p = self.get_params()
        if reuse and incremental:
            # partial_fit continues the live model and its optimizer.
            model = self._live_model()
            before = _keras.training_state(model)
        else:
            # A spare compiled model of the same configuration (see
            # _keras.take_spare) saves tracing a new train step, and the memory
            # Keras keeps of every trace.
            key = self._spare_key(X.shape[1], hidden, spec, p, batch_size)
            model = None if key is None else _keras.take_spare(key, p)
            if model is None:
                with _keras.strategy_scope(self.distribution):
                    model = self._build_model(
                        X.shape[1], spec["n_outputs"], spec["out_activation"]
                    )
                    _keras.compile_model(
                        model, p, spec["kind"], spec["loss"], batch_size
                    )
            if key is not None:
                model._skmlp_key = key
            if reuse:
                # A warm-started fit trains a copy of the network with a fresh
                # optimizer built from the current parameters (as scikit-learn
                # does); the previous model stays intact until the fit succeeds.
                self._set_warm_weights(model)
            else:
                self._init_weights(model, hidden, X.shape[1], spec["n_outputs"], rng)
            before = None
        seed = int(rng.randint(np.iinfo(np.int32).max))
        state = self._stopping_state(reuse, early_stopping)
        score_key = "val_r2" if spec["kind"] == "regression" else "val_accuracy"
        monitor = _keras.SklearnStopping(
            p, early_stopping, score_key, incremental, state
        )
        epochs = 1 if incremental else self.max_iter
        previous = self.__dict__.get("_model")
        try:
            history = _keras.train(
                model,
                X,
                Y,
                sw,
                p=p,
                epochs=epochs,
                batch_size=batch_size,
                seed=seed,
                validation=validation,
                monitor=monitor,
            )
            if monitor.diverged:
                raise ValueError(
                    "Training diverged: the loss or the weights became NaN or "
                    "infinite in epoch "
                    f"{len(state['loss_curve']) + 1}. Lower learning_rate_init or "
                    "scale X (e.g. with StandardScaler); the estimator was left as "
                    "it was before this fit."
                )
            self._commit(
                model,
                spec,
                history,
                state,
                early_stopping,
                reuse,
                n_train=len(Y),
                batch_size=batch_size,
            )
        except BaseException:
            # fit_transaction restores the attributes; the live model is shared
            # with the previous state, so its weights and optimizer are restored
            # here (a diverged optimizer would poison the next partial_fit).
            if before is not None:
                _keras.restore_training_state(model, before)
            else:  # the new model is nobody's: keep it as a spare
                _keras.give_spare(model)
            raise
        if before is None:
            if previous is not None and previous is not model:
                _keras.release(previous)  # the estimator no longer holds it
            if getattr(model, "_skmlp_key", None) is not None:
                _keras.adopt(model, model._skmlp_key, self)
        # Whether max_iter ran out: the caller warns once the fit is committed.
        return (
            not incremental and not monitor.stopped and len(history["loss"]) == epochs
        )

    def _spare_key(self, n_features, hidden, spec, p, batch_size):
        """What a compiled model must match to be reused by this fit: its
        architecture and every parameter compile_model reads (None: never
        reuse, e.g. for a custom _build_model or a distribution strategy)."""
        if (
            type(self)._build_model is not _BaseMLPKeras._build_model
            or p.get("distribution") is not None
        ):
            return None
        from . import _keras

        compiled = (
            "solver",
            "learning_rate",
            "power_t",
            "momentum",
            "nesterovs_momentum",
            "beta_1",
            "beta_2",
            "epsilon",
            "huber_delta",
        )
        key = (
            type(self),
            n_features,
            tuple(hidden),
            p["activation"],
            spec["n_outputs"],
            spec["out_activation"],
            spec["kind"],
            spec["loss"],
            batch_size,
            *_keras.global_config(),
            *(p.get(k) for k in compiled),
            *_keras.tunable_key(p),  # alpha and learning_rate_init: retuned
        )
        try:
            hash(key)
        except TypeError:
            return None
        return key

    def _set_warm_weights(self, model):
        """Give ``model`` the fitted weights (warm_start=True)."""
        previous = self._live_model().get_weights()
        if [w.shape for w in model.get_weights()] != [w.shape for w in previous]:
            raise ValueError(
                "warm_start=True continues the fitted network, whose layers do not "
                f"match hidden_layer_sizes={self.hidden_layer_sizes!r}; refit with "
                "warm_start=False to change the architecture."
            )
        model.set_weights(previous)

    def _init_weights(self, model, hidden, n_features, n_outputs, rng):
        """scikit-learn's initialisation, drawn from ``rng`` (no Keras seed)."""
        sizes = [n_features, *hidden, n_outputs]
        shapes = [w.shape for w in model.get_weights()]
        expected = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            expected += [(fan_in, fan_out), (fan_out,)]
        if shapes != expected:  # a custom architecture keeps its initialisers
            return
        factor = 2.0 if self.activation == "logistic" else 6.0
        weights = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            bound = np.sqrt(factor / (fan_in + fan_out))
            weights.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
            weights.append(rng.uniform(-bound, bound, fan_out))
        model.set_weights([w.astype(np.float32) for w in weights])

    def _validation_arrays(self, validation_data, spec):
        if not isinstance(validation_data, tuple | list) or len(
            validation_data
        ) not in (2, 3):
            raise ValueError(
                "validation_data must be a tuple (X_val, y_val) or "
                "(X_val, y_val, sample_weight_val)."
            )
        X_val, y_val, *rest = validation_data
        X_val = self._validate_X(X_val, reset=False)
        classes = spec.get("attrs", {}).get("classes_")
        Y_val, sw_val, val_spec = self._encode_targets(
            np.asarray(y_val), rest[0] if rest else None, X_val, classes, True
        )
        _check_same_targets("y_val", val_spec, spec, "pass y_val shaped like y")
        return X_val, Y_val, sw_val.astype(np.float32)

    def _hold_out(self, X, Y, sw, y, rng):
        from sklearn.model_selection import train_test_split

        stratify = y if self._stratify(y) else None
        try:
            split = train_test_split(
                np.arange(len(Y)),
                Y,
                sw,
                test_size=self.validation_fraction,
                random_state=rng.randint(np.iinfo(np.int32).max),
                stratify=stratify,
            )
        except ValueError as exc:
            raise ValueError(
                "The validation set is too small for early stopping: "
                f"{exc} Increase 'validation_fraction' or the size of your dataset."
            ) from exc
        train, held_out, Y_tr, Y_val, sw_tr, sw_val = split
        X_tr, X_val = _source.split(X, train, held_out)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        return X_tr, Y_tr, sw_tr, (X_val, Y_val, sw_val.astype(np.float32))

    def _stratify(self, y):
        return False

    def _stopping_state(self, reuse, early_stopping):
        if reuse:
            return {
                "loss_curve": [],
                "validation_scores": [],
                "best_loss": self._best_loss,
                "best_validation_score": self._best_validation_score,
                "no_improvement": self._no_improvement_count,
            }
        return {
            "loss_curve": [],
            "validation_scores": [],
            "best_loss": np.inf,
            "best_validation_score": -np.inf,
            "no_improvement": 0,
        }

    def _commit(
        self, model, spec, history, state, early_stopping, reuse, *, n_train, batch_size
    ):
        """Set every fitted attribute, in one place, after training succeeded."""
        from . import _keras

        epochs = len(state["loss_curve"])
        prev = self.__dict__ if reuse else {}
        self._model, self._batch_size = model, batch_size
        self._spec = {k: v for k, v in spec.items() if k != "attrs"}
        for name, value in spec.get("attrs", {}).items():
            setattr(self, name, value)
        self._store_weights(_keras.get_weights(model))
        self.n_iter_ = prev.get("n_iter_", 0) + epochs
        self.t_ = prev.get("t_", 0) + n_train * epochs
        old_history = prev.get("history_", {})
        self.history_ = {k: old_history.get(k, []) + v for k, v in history.items()}
        self.loss_curve_ = prev.get("loss_curve_", []) + state["loss_curve"]
        self.loss_ = self.loss_curve_[-1]
        self._best_loss = state["best_loss"]
        self._best_validation_score = state["best_validation_score"]
        self._no_improvement_count = state["no_improvement"]
        if early_stopping:
            self.validation_scores_ = state["validation_scores"]
            self.best_validation_score_ = state["best_validation_score"]
            self.best_loss_ = None
        else:
            self.validation_scores_ = self.best_validation_score_ = None
            self.best_loss_ = state["best_loss"]
        self.n_outputs_ = spec["n_outputs"]
        self.n_layers_ = len(self._hidden_sizes()) + 2
        out = spec["out_activation"]
        self.out_activation_ = _SKLEARN_NAMES.get(out, out)

    def _store_weights(self, weights):
        """Cache the weights as NumPy arrays (pickling, the NumPy forward pass).

        Every attribute is computed first and then assigned its final value:
        a prediction running in another thread never sees a transient one.
        """
        dense = [layer for layer in self._model.layers if _is_dense(layer)]
        activations = None
        if len(dense) == len(self._model.layers) and 2 * len(dense) == len(weights):
            coefs, intercepts = weights[0::2], weights[1::2]
            names = [layer.activation.__name__ for layer in dense]
            if all(name in _forward.ACTIVATIONS for name in names):
                activations = names
        else:
            coefs = [np.asarray(layer.kernel) for layer in dense]
            intercepts = [np.asarray(layer.bias) for layer in dense]
        self._model_weights = weights
        self.coefs_, self.intercepts_, self._activations = (
            coefs,
            intercepts,
            activations,
        )
        self._weights_stale = False

    # -- the live Keras model --------------------------------------------------

    @property
    def model_(self):
        """The compiled Keras model (rebuilt from the weights after unpickling)."""
        if "_model_weights" not in self.__dict__:
            # NotFittedError is an AttributeError: hasattr(est, "model_") is False.
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet: model_ "
                "exists after fit."
            )
        model = self._live_model()
        from . import _keras

        _keras.expose(model)  # the caller holds it: never reuse it elsewhere
        # The caller may change the weights (set_weights): re-read them before
        # the next NumPy prediction.
        self._weights_stale = True
        return model

    def _live_model(self):
        if self.__dict__.get("_model") is None:
            # Threads predicting on a freshly unpickled estimator build it once.
            with _BUILD_LOCK:
                if self.__dict__.get("_model") is None:
                    from . import _keras

                    spec = self._spec
                    with _keras.strategy_scope(self.distribution):
                        model = self._build_model(
                            self.n_features_in_,
                            spec["n_outputs"],
                            spec["out_activation"],
                        )
                        _keras.compile_model(
                            model,
                            self.get_params(),
                            spec["kind"],
                            spec["loss"],
                            self._batch_size,
                        )
                    model.set_weights(self._model_weights)
                    self._model = model
        return self._model

    # -- predict -----------------------------------------------------------------

    def _plain_rows(self, X):
        """``X`` as float32 if it is what validate_data would pass unchanged
        but for the dtype (a finite 2-D float ndarray of the fitted width, the
        estimator fitted without feature names), else None.

        validate_data's generic checks cost about 0.2 ms a call, as much as
        the forward pass of a small network on a few rows: predicting one row
        must stay as fast as scikit-learn's own MLPs. Anything else, and every
        error, takes validate_data's path.
        """
        d = self.__dict__
        if (
            type(X) is np.ndarray
            and X.ndim == 2
            and X.dtype in _FLOAT_DTYPES
            and "_model_weights" in d
            and "feature_names_in_" not in d
            and X.shape[0] > 0
            and X.shape[1] == d["n_features_in_"]
        ):
            with np.errstate(over="ignore"):  # too large: validate_data says so
                X = X.astype(np.float32, copy=False)
            if np.isfinite(X).all():
                return X
        return None

    def _forward(self, X):
        """The network's output for ``X``: (n_samples, n_outputs) float32."""
        rows = self._plain_rows(X)
        if rows is None:
            check_is_fitted(self)
            memmap = _source.FileRows.from_memmap(X)
            if memmap is not None:  # a memmap: predicted chunk by chunk
                return _source.predict_in_chunks(memmap, self._forward)
            rows = self._validate_X(X, reset=False)
        X = rows
        if self._weights_stale and self.__dict__.get("_model") is not None:
            from . import _keras

            self._store_weights(_keras.get_weights(self._model))
        if self._activations is not None and X.shape[0] <= NUMPY_PREDICT_MAX_ROWS:
            return _forward.forward(X, self.coefs_, self.intercepts_, self._activations)
        from . import _keras

        return np.asarray(_keras.predict(self._live_model(), X))

    # -- persistence ---------------------------------------------------------

    def __getstate__(self):
        # A copy: BaseEstimator returns the instance's own __dict__, which
        # pickling must not change (the live model stays with the estimator).
        state = dict(super().__getstate__())
        if state.get("_model") is not None:
            from . import _keras

            if state.get("_weights_stale"):
                self._store_weights(_keras.get_weights(self._model))
                state = dict(super().__getstate__())
            state["_model"] = None
        state.pop("_lock", None)
        return pickled_state(state)

    def __setstate__(self, state):
        super().__setstate__(check_pickled_version(self, state))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.non_deterministic = False
        return tags


def _check_same_targets(name, spec, fitted_spec, remedy):
    """Raise a ValueError if ``spec`` encodes another kind or width of target
    than ``fitted_spec`` (the network's output layer cannot change)."""
    new = (spec["kind"], spec["n_outputs"])
    old = (fitted_spec["kind"], fitted_spec["n_outputs"])
    if new != old:
        raise ValueError(
            f"{name} is a {new[0]} target with {new[1]} output(s), but the network "
            f"was built for a {old[0]} target with {old[1]} output(s); {remedy}."
        )


def _is_dense(layer):
    return (
        hasattr(layer, "kernel") and hasattr(layer, "bias") and layer.bias is not None
    )
