"""BaseWrapper: the parameters, routing and fit / predict orchestration of
KerasClassifier and KerasRegressor (``_wrappers``).

scikeras 0.13's behaviour with scikit-learn's conventions: every routed
parameter is a real parameter (``get_params`` / ``set_params`` / ``clone``),
``random_state`` touches no global seed, predict is quiet and compiled, and
pickles hold the model as Keras's own .keras bytes. The routed parameters
and the build function's arguments are ``_routing``'s; the Keras work is in
``_wrapper_keras``, imported on first use.
"""

import copy
from collections import defaultdict
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import (
    check_is_fitted,
    check_random_state,
    validate_data,
)

from . import _routing, _validation_set, _wrapper_build, _wrapper_checks
from ._estimator_state import check_pickled_version, fit_transaction, pickled_state
from ._sk_callbacks import CallbackSupportMixin, FitReport, keras_epochs
from ._targets import check_sample_weight

_BATCH = [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1}), None]
_SEED_MAX = np.iinfo(np.int32).max


def _keras():
    from . import _wrapper_keras

    return _wrapper_keras


class BaseWrapper(CallbackSupportMixin, _routing.RoutedParams, BaseEstimator):
    """Base class of :class:`KerasClassifier` and :class:`KerasRegressor`
    (scikeras's ``scikeras.wrappers.BaseWrapper``).

    Subclass it for estimators that are neither classifiers nor regressors,
    such as scikeras's autoencoder tutorial: ``class AutoEncoder(BaseWrapper,
    TransformerMixin)`` with ``transform`` calling ``predict``. It has no
    target encoding (``y`` passes through), no default ``scorer``, and
    ``initialize(X)`` needs no ``y``. The parameters are those of
    :class:`KerasRegressor`.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from sklearn.base import TransformerMixin
    >>> from skmlp import BaseWrapper
    >>> class Embed(BaseWrapper, TransformerMixin):
    ...     def fit(self, X, y=None):
    ...         return self.initialize(X)
    ...     def transform(self, X):
    ...         return self.predict(X)
    >>> encoder = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> Embed(encoder).fit_transform(np.ones((3, 4))).shape
    (3, 2)
    """

    #: The unprefixed parameters that go to ``Model.compile``, ``fit`` and
    #: ``predict`` (scikeras's names).
    _compile_kwargs = _routing.COMPILE_KWARGS
    _fit_kwargs = _routing.FIT_KWARGS
    _predict_kwargs = _routing.PREDICT_KWARGS

    _parameter_constraints_base: dict = {
        "model": "no_validation",  # checked by _wrapper_build, as scikeras
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "optimizer": [str, type, HasMethods(["apply_gradients"]), None],
        "loss": [str, callable, list, tuple, dict, None],
        "metrics": [str, callable, list, tuple, dict, None],
        "batch_size": _BATCH,
        "validation_batch_size": _BATCH,
        "verbose": ["verbose", StrOptions({"auto"})],
        "callbacks": [list, tuple, dict, type, HasMethods(["set_model"]), None],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "shuffle": ["boolean"],
        "run_eagerly": ["boolean"],
        "epochs": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        model=None,
        *,
        warm_start=False,
        random_state=None,
        optimizer="rmsprop",
        loss=None,
        metrics=None,
        batch_size=None,
        validation_batch_size=None,
        verbose=0,
        callbacks=None,
        validation_split=0.0,
        shuffle=True,
        run_eagerly=False,
        epochs=1,
        **kwargs,
    ):
        self.model = model
        self.warm_start = warm_start
        self.random_state = random_state
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
        self.batch_size = batch_size
        self.validation_batch_size = validation_batch_size
        self.verbose = verbose
        self.callbacks = callbacks
        self.validation_split = validation_split
        self.shuffle = shuffle
        self.run_eagerly = run_eagerly
        self.epochs = epochs
        # scikeras's routed (model__hidden=...) and extra (hidden=...)
        # parameters: reported by get_params, changed by set_params.
        self._extra_params = dict(kwargs)

    # -- encoders (override in a subclass) ------------------------------------

    @property
    def target_encoder(self):
        """The transformer of ``y`` (scikeras's hook: override to change it)."""
        from sklearn.preprocessing import FunctionTransformer

        return FunctionTransformer()

    @property
    def feature_encoder(self):
        """The transformer of ``X`` (override to give a multi-input model a
        list or dict of arrays)."""
        from sklearn.preprocessing import FunctionTransformer

        return FunctionTransformer()

    # -- state -----------------------------------------------------------------

    @property
    def __name__(self):
        # scikeras's: messages and scikit-learn's checks name the estimator.
        return type(self).__name__

    @property
    def initialized_(self):
        """Whether the estimator has a model (``fit`` or ``initialize``)."""
        return hasattr(self, "model_")

    @property
    def current_epoch(self):
        """The number of epochs trained so far."""
        return len(getattr(self, "history_", {}).get("loss", []))

    def _meta(self):
        return {
            k: v
            for k, v in vars(self).items()
            if len(k) > 1
            and k.endswith("_")
            and not k.endswith("__")
            and not k.startswith("_")
            and k not in ("model_", "history_")
        }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags

    # -- data --------------------------------------------------------------------

    _y_numeric = False

    def _validate(self, X, y="no_validation", reset=False):
        # CSR: Keras's data adapter mishandles other sparse formats (CSC).
        kw = dict(accept_sparse="csr", allow_nd=True, reset=reset)
        if getattr(getattr(X, "dtype", None), "kind", None) == "O":
            kw["dtype"] = _keras().floatx()  # as scikeras: Keras's float type
        X_only = isinstance(y, str) and y == "no_validation"
        if y is None and not self.__sklearn_tags__().target_tags.required:
            X_only = True  # a BaseWrapper transformer: initialize(X)
        if X_only:
            X, y = validate_data(self, X, **kw), None
        else:  # y=None: scikit-learn's "requires y to be passed" error
            X, y = validate_data(
                self, X, y, multi_output=True, y_numeric=self._y_numeric, **kw
            )
        if reset:
            self.X_shape_, self.X_dtype_ = X.shape, X.dtype
            if y is not None:
                self.y_dtype_, self.y_ndim_ = y.dtype, y.ndim
                self.target_type_ = self._type_of_target(y)
        else:
            _wrapper_checks.same_data(self, X, y)
        return X, y

    def _type_of_target(self, y):
        # scikeras's hook: KerasClassifier counts the classes given to
        # partial_fit, which y may lack.
        from sklearn.utils.multiclass import type_of_target

        return type_of_target(y)

    def _sample_weight(self, X, y, sample_weight):
        if sample_weight is None:
            return None
        return check_sample_weight(sample_weight, X.shape[0]).astype(np.float32)

    # -- fit ---------------------------------------------------------------------

    def _seeds(self):
        """Build and shuffle seeds drawn from ``random_state`` (None: Keras's
        own unseeded behaviour)."""
        if self.random_state is None:
            return None, None
        rng = check_random_state(self.random_state)
        return tuple(int(s) for s in rng.randint(_SEED_MAX, size=2))

    def _initialize(self, X, y=None):
        X, y = self._validate(X, y, reset=True)
        self.target_encoder_ = self.target_encoder.fit(y)
        self.__dict__.update(getattr(self.target_encoder_, "get_metadata", dict)())
        self.feature_encoder_ = self.feature_encoder.fit(X)
        self.__dict__.update(getattr(self.feature_encoder_, "get_metadata", dict)())
        kw, params = _keras(), self.get_params()
        fn = _wrapper_build.build_function(self)
        build_seed, _ = self._seeds()
        with kw.default_seeds(build_seed):
            model = fn(**_wrapper_build.build_kwargs(self, fn, params))
        self.model_ = kw.check_model(model, "The build function")
        self._forward = kw.Forward(model)
        return X, y

    def initialize(self, X, y=None):
        """Build the model without training it (a ``keras.Model`` instance
        given as ``model`` is used as it is, trained or not).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Samples the model will take.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), \
                default=None
            Targets (they set ``classes_``, ``n_outputs_``, ...); a
            transformer subclass needs none.

        Returns
        -------
        self : object
            The estimator, ready to predict.
        """
        with fit_transaction(self):
            self._initialize(X, y)
        return self

    def _fit(
        self,
        X,
        y,
        sample_weight,
        *,
        warm_start,
        epochs,
        initial_epoch,
        kwargs,
        validation=None,
        report=None,
    ):
        if warm_start and self.initialized_:
            X, y = self._validate(X, y, reset=False)
        else:
            X, y = self._initialize(X, y)
        kw, params = _keras(), self.get_params()
        kw.ensure_compiled(self.model_, lambda: kw.compile_kwargs(params))
        kw.check_loss(self.model_, self.loss, _wrapper_checks.default_loss(self))
        if self.run_eagerly:
            self.model_.run_eagerly = True
        sw = self._sample_weight(X, y, sample_weight)
        if sw is not None:
            keep = sw != 0  # as scikit-learn: a zero weight removes the sample
            X, y, sw = X[keep], y[keep], sw[keep]
        Y = self.target_encoder_.transform(y)
        X = self.feature_encoder_.transform(X)
        kw.check_outputs(
            self.model_,
            Y,
            getattr(self, "n_outputs_expected_", None),
            getattr(self, "n_classes_", None),
        )
        fit_args = _routing.route(params, "fit", _routing.FIT_KWARGS, strict=True)
        fit_args.pop("callbacks", None)
        # fit: epochs= given to fit, else fit__epochs, else epochs (scikeras's
        # order); partial_fit: one.
        fit_args.pop("epochs", None)
        epochs = kwargs.pop("epochs", epochs)
        fit_args.update(kwargs)
        fit_args.update(epochs=initial_epoch + epochs, initial_epoch=initial_epoch)
        _wrapper_checks.all_rows(fit_args, X)
        fit_args["callbacks"] = kw.make_callbacks(params, "fit")
        fit_args = _validation_set.wrapper_fit_args(self, fit_args, validation)
        if report is not None:  # scikit-learn's callbacks: each epoch a task
            report.begin(X, y, sw, max_subtasks=epochs)
            fit_args["callbacks"] += filter(None, [keras_epochs(report)])
        _, shuffle_seed = self._seeds()
        if shuffle_seed is not None:
            shuffle_seed = (shuffle_seed + initial_epoch) % _SEED_MAX
        with kw.restore_on_failure(self.model_):  # model_ is trained in place
            history = kw.fit_model(self.model_, X, Y, sw, fit_args, shuffle_seed)
        if not warm_start or initial_epoch == 0 or not hasattr(self, "history_"):
            self.history_ = defaultdict(list)
        for key, values in history.history.items():
            self.history_[kw.history_name(key)] += list(values)
        if report is not None:
            report.end()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
        **kwargs,
    ):
        """Build a new model (unless ``warm_start``) and train it on ``(X, y)``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Training samples (N-D arrays for images or sequences).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; zero-weight samples are dropped.
        X_val : array-like or sparse matrix of shape (n_val, ...), default=None
            Validation samples (Keras's ``validation_data``, through
            ``feature_encoder_`` as X): the ``val_`` entries of
            ``history_``. In a :class:`~sklearn.pipeline.Pipeline`,
            ``Pipeline(..., transform_input=["X_val"])`` runs them through
            the fitted transformers (metadata routing: request them with
            ``set_fit_request(X_val=True, y_val=True)``).
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), \
default=None
            Validation targets, through ``target_encoder_`` as y.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.
        **kwargs : dict
            Passed to ``keras.Model.fit`` (prefer ``fit__*`` parameters).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        report = FitReport(self)  # before the transaction: see _sk_callbacks
        with fit_transaction(self):
            self._fit(
                X,
                y,
                sample_weight,
                warm_start=self.warm_start,
                epochs=self._extra_params.get("fit__epochs", self.epochs),
                initial_epoch=kwargs.pop("initial_epoch", 0),
                kwargs=kwargs,
                validation=(X_val, y_val, sample_weight_val),
                report=report,
            )
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, **kwargs):
        """Train one more epoch, keeping the model and its history.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Training samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.
        **kwargs : dict
            Passed to ``keras.Model.fit``.

        Returns
        -------
        self : object
            The estimator.
        """
        for name in ("epochs", "initial_epoch"):
            if name in kwargs:
                raise TypeError(
                    f"Invalid argument `{name}` to `partial_fit`: partial_fit "
                    "trains one epoch from the current one (use fit for several "
                    "epochs)."
                )
        with fit_transaction(self):
            self._fit(
                X,
                y,
                sample_weight,
                warm_start=True,
                epochs=1,
                initial_epoch=self.current_epoch,
                kwargs=kwargs,
            )
        return self

    # -- predict -----------------------------------------------------------------

    def _predict_raw(self, X, **kwargs):
        check_is_fitted(self, "model_")
        X, _ = self._validate(X)
        X = self.feature_encoder_.transform(X)
        params = self.get_params()
        pred_args = _routing.route(params, "predict", strict=True)
        pred_args.update(kwargs)
        callbacks = _keras().make_callbacks(params, "predict")
        rows = _wrapper_checks.all_rows(pred_args, X, ["batch_size"]).pop(
            "batch_size", None
        )
        verbose = pred_args.pop("verbose", 0)
        pred_args.pop("callbacks", None)
        if sp.issparse(X) or callbacks or verbose or pred_args:
            pred_args.update(verbose=verbose, callbacks=callbacks, batch_size=rows)
            return _keras().predict_loop(self.model_, X, pred_args)
        forward = self._forward
        if forward.model is not self.model_:  # model_ replaced by the user
            forward = _keras().Forward(self.model_)
        return forward(X, rows or _keras().PREDICT_ROWS)

    def predict(self, X, **kwargs):
        """Predictions of the model, decoded by the target encoder.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Samples.
        **kwargs : dict
            Passed to ``keras.Model.predict`` (then used instead of the
            compiled forward pass).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted labels or values.
        """
        raw = self._predict_raw(X, **kwargs)
        return self.target_encoder_.inverse_transform(raw)

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        """The score of ``score``; override in a subclass."""
        raise NotImplementedError("Scoring is not implemented on BaseWrapper.")

    def score(self, X, y, sample_weight=None):
        """``scorer(y, predict(X))``: accuracy (classifier) or R² (regressor).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            The score.
        """
        params = _routing.route(self.get_params(), "score")
        return self.scorer(y, self.predict(X), sample_weight=sample_weight, **params)

    # -- persistence -------------------------------------------------------------

    def __copy__(self):
        # Shares the live model, as a shallow copy should (scikit-learn's
        # callbacks copy the estimator after each epoch): copy.copy would
        # otherwise go through __getstate__ and serialize the model.
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        if "_extra_params" in self.__dict__:
            new._extra_params = dict(self._extra_params)
        return new

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_forward", None)
        if "model_" in state or _is_keras_model(self.model):
            state = _keras().save_models(state)
        return pickled_state(state)

    def __setstate__(self, state):
        state = check_pickled_version(self, dict(state))
        self.__dict__.update(self._restore_models(state))

    def __deepcopy__(self, memo):
        # Through the same bytes as a pickle, but trusted (made here, now):
        # the copy needs neither Keras's unsafe-deserialization opt-in nor
        # registered custom classes.
        copied = type(self).__new__(type(self))
        memo[id(self)] = copied
        state = check_pickled_version(copied, self.__getstate__())
        models = {k: state.pop(k) for k in ("model_", "model") if k in state}
        state = {**copy.deepcopy(state, memo), **models}
        live = {"model_": self.__dict__.get("model_"), "model": self.model}
        copied.__dict__.update(copied._restore_models(state, live))
        return copied

    def _restore_models(self, state, live=None):
        if isinstance(state.get("model_"), bytes) or _is_keras_model_bytes(state):
            kw = _keras()
            state = kw.restore_models(state, type(self).__name__, live)
            if "model_" in state:
                state["_forward"] = kw.Forward(state["model_"])
        return state


def _is_keras_model(obj):
    import sys

    keras = sys.modules.get("keras")  # keras not imported: not a keras.Model
    return keras is not None and isinstance(obj, keras.Model)


#: The key of a ``model`` parameter saved as .keras bytes (``_wrapper_saving``).
MODEL_BYTES = "skmlp.keras_model_bytes"


def _is_keras_model_bytes(state):
    model = state.get("model")
    return isinstance(model, dict) and set(model) == {MODEL_BYTES}
