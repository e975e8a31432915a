"""BaseWrapper: the parameters, routing and fit / predict orchestration of
KerasClassifier and KerasRegressor (``_wrappers``).

scikeras 0.13's behaviour with scikit-learn's conventions: every routed
parameter is a real parameter (``get_params`` / ``set_params`` / ``clone``),
``random_state`` touches no global seed, predict is quiet and compiled, and
pickles hold the model as Keras's own .keras bytes. Where the rest lives:
the routed parameters, ``_routing``; the build function and its arguments,
``_wrapper_build``; the data checks, ``_wrapper_checks``; one training call,
``_wrapper_fit``; compiling, ``_wrapper_compile``; building, training and
predicting with Keras, ``_wrapper_keras`` (imported on first use); pickling,
``_wrapper_pickle``.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import (
    check_is_fitted,
)

from . import _routing, _wrapper_build, _wrapper_checks, _wrapper_fit
from ._estimator_state import fit_transaction
from ._sk_callbacks import CallbackSupportMixin, FitReport
from ._targets import check_sample_weight
from ._wrapper_pickle import KerasModelPickling

_BATCH = [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1}), None]


def _keras():
    from . import _wrapper_keras

    return _wrapper_keras


class BaseWrapper(
    CallbackSupportMixin, _routing.RoutedParams, KerasModelPickling, BaseEstimator
):
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags

    # -- data --------------------------------------------------------------------

    _y_numeric = False

    def _validate(self, X, y="no_validation", reset=False):
        return _wrapper_checks.validate(self, X, y, reset)

    def _type_of_target(self, y):
        # scikeras's hook: KerasClassifier counts the classes given to
        # partial_fit, which y may lack.
        from sklearn.utils.multiclass import type_of_target

        return type_of_target(y)

    # Hooks of KerasClassifier (its classes), run inside the transaction.
    def _forget_targets(self, classes=None):
        """Before a model is built: drop what an earlier fit learnt of y."""

    def _check_classes(self, classes):
        """partial_fit's ``classes`` against the fitted ones."""

    def _labels_known(self):
        """Whether partial_fit's y must hold only the fitted labels."""
        return False

    def _sample_weight(self, X, y, sample_weight):
        if sample_weight is None:
            return None
        return check_sample_weight(sample_weight, X.shape[0]).astype(np.float32)

    # -- fit ---------------------------------------------------------------------

    def _initialize(self, X, y=None):
        X, y = self._validate(X, y, reset=True)
        self.target_encoder_ = self.target_encoder.fit(y)
        self.__dict__.update(getattr(self.target_encoder_, "get_metadata", dict)())
        self.feature_encoder_ = self.feature_encoder.fit(X)
        self.__dict__.update(getattr(self.feature_encoder_, "get_metadata", dict)())
        model = _wrapper_build.build_model(self)
        self.model_ = model
        self._forward = _keras().Forward(model)
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
            self._forget_targets()
            self._initialize(X, y)
        return self

    def _fit(self, X, y, sample_weight, *, warm_start, **train_args):
        continued = warm_start and self.initialized_
        if continued:
            X, y = self._validate(X, y, reset=False)
        else:
            X, y = self._initialize(X, y)
        _wrapper_fit.train(
            self,
            X,
            y,
            sample_weight,
            warm_start=warm_start,
            # A model that existed before this fit is put back if it fails.
            restore=continued or self.model_ is self.model,
            **train_args,
        )

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
            if not (self.warm_start and self.initialized_):
                self._forget_targets()
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
        return self._partial_fit(X, y, sample_weight, kwargs)

    def _partial_fit(self, X, y, sample_weight, kwargs, classes=None):
        _wrapper_checks.no_epochs(kwargs)
        with fit_transaction(self):
            if self.initialized_:
                self._check_classes(classes)
            else:
                self._forget_targets(classes)
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
        return _keras().predict_raw(self, X, kwargs)

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
