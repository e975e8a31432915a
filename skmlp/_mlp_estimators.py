"""MLPKerasClassifier and MLPKerasRegressor: thin estimators over _BaseMLPKeras.

Each one encodes its targets for Keras, and decodes the network's output into
scikit-learn's predictions. Everything else lives in the base class.
"""

import re
from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import column_or_1d

from ._mlp import _BaseMLPKeras
from ._targets import encode_classification_targets, sample_weights

_SHARED_PARAMETERS = """\
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The i-th element is the number of neurons in the i-th hidden layer.
    activation : str, default="relu"
        Activation of the hidden layers: scikit-learn's "identity",
        "logistic", "tanh", "relu", or a Keras name such as "elu", "selu",
        "gelu", "softplus", "swish".
    solver : str, default="adam"
        "adam" or "sgd" (configured by the parameters below), or a Keras
        optimizer name: "rmsprop", "adamw", "nadam", "adamax", "adagrad",
        "adadelta", "adafactor", "ftrl", "lion", "lamb". There is no "lbfgs".
    alpha : float, default=1e-4
        Strength of the L2 penalty, scaled by the batch's total sample weight
        as in scikit-learn.
    batch_size : int or "auto", default="auto"
        Size of the minibatches; "auto" is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Learning-rate schedule of "sgd" (as scikit-learn's).
    learning_rate_init : float, default=0.001
        The initial learning rate.
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Whether to shuffle the samples in each epoch (with a seeded order).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling and the validation split. An
        int gives bit-identical fits on CPU, without changing any global seed.
    tol : float, default=1e-4
        Minimum improvement of the loss (or validation score) that counts.
    verbose : int, default=0
        0 prints nothing, 1 a Keras progress bar, 2 one line per epoch.
    warm_start : bool, default=False
        Continue training the previous model on the next ``fit``.
    momentum : float, default=0.9
        Momentum of "sgd".
    nesterovs_momentum : bool, default=True
        Whether "sgd" uses Nesterov's momentum.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (or use
        ``validation_data``), stop when its score stops improving by ``tol``
        for ``n_iter_no_change`` epochs, and restore the best weights.
    validation_fraction : float, default=0.1
        The share of the training data held out for early stopping.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Parameters of "adam".
    n_iter_no_change : int, default=10
        Epochs without improvement to wait before stopping.
    max_fun : int, default=15000
        Accepted for compatibility with scikit-learn; only its "lbfgs" solver
        uses it.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Extra Keras callbacks, run after skmlp's own.
    distribution : {"mirrored", "multi_worker"}, callable, tf.distribute.Strategy \
or None, default=None
        Data-parallel training: the model is built and compiled inside this
        ``tf.distribute`` strategy's scope, and Keras splits each batch over
        its replicas. "mirrored" is ``tf.distribute.MirroredStrategy()`` (the
        local GPUs, or logical devices), "multi_worker" is
        ``tf.distribute.MultiWorkerMirroredStrategy()`` (workers described by
        ``TF_CONFIG``; one per process, made at its first such fit, before
        TensorFlow runs anything else); a zero-argument callable returns a
        strategy. The fit is the single-device fit, up to rounding. A string
        or a picklable callable keeps the estimator clonable and picklable; a
        strategy instance works for fitting but not for ``clone`` or pickles.
        None trains on TensorFlow's default device."""

_SHARED_ATTRIBUTES = """\
    model_ : keras.Model
        The trained, compiled Keras model (``model_.summary()``,
        ``model_.layers``, ``get_weights``).
    history_ : dict of list
        Per-epoch values reported by Keras: "loss", the score metric and their
        ``val_`` counterparts when validating.
    loss_ : float
        The training loss of the last epoch (including the L2 penalty).
    loss_curve_ : list of float
        The training loss of every epoch (including the L2 penalty).
    best_loss_ : float or None
        The smallest training loss; None with early stopping.
    validation_scores_ : list of float or None
        The validation score of every epoch with early stopping, else None.
    best_validation_score_ : float or None
        The best validation score with early stopping, else None.
    n_iter_ : int
        Epochs run.
    t_ : int
        Training samples seen.
    coefs_ : list of ndarray
        ``coefs_[i]`` has shape (n_units_in, n_units_out) of layer i.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` has shape (n_units_out,).
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output units.
    out_activation_ : str
        Name of the output activation.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape ``(n_features_in_,)``
        Names of the features, defined only when X has string column names."""


def _document(cls):
    """Put the shared blocks in place of the ``{parameters}`` and
    ``{attributes}`` lines of ``cls``'s docstring (indented like its other
    lines, so that formatters leave the docstring as it is)."""
    doc = re.sub(
        r"^ *\{parameters\}$", lambda _: _SHARED_PARAMETERS, cls.__doc__, flags=re.M
    )
    cls.__doc__ = re.sub(
        r"^ *\{attributes\}$", lambda _: _SHARED_ATTRIBUTES, doc, flags=re.M
    )
    return cls


@_document
class MLPKerasClassifier(ClassifierMixin, _BaseMLPKeras):
    """Multi-layer perceptron classifier trained by Keras.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`:
    the same parameters, defaults and fitted attributes, with a Keras 3 model
    underneath (Keras optimizers and activations, ``model_.summary()``, GPUs).
    Binary targets train one sigmoid unit with binary cross-entropy, multiclass
    targets a softmax layer, multilabel indicator matrices one sigmoid per
    label.

    Parameters
    ----------
    {parameters}
    class_weight : dict, "balanced" or None, default=None
        Weights keyed by the original class labels, multiplying each sample's
        loss; "balanced" uses ``n_samples / (n_classes * np.bincount(y))``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, as given.
    {attributes}

    See Also
    --------
    MLPKerasRegressor : The regressor.
    sklearn.neural_network.MLPClassifier : scikit-learn's NumPy implementation.

    Notes
    -----
    Predictions for up to 2,048 rows run a NumPy forward pass over the cached
    weights (no TensorFlow call); larger inputs use Keras's batched
    ``predict``. To use another architecture, subclass and override
    ``_build_model(n_features_in, n_outputs, out_activation)``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skmlp import MLPKerasClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPKerasClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
    ...                          max_iter=100, random_state=0).fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    """

    _ravel_column_y = True

    _parameter_constraints: dict = {
        **_BaseMLPKeras._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

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
        class_weight=None,
        callbacks=None,
        distribution=None,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            callbacks=callbacks,
            distribution=distribution,
        )
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _encode_targets(self, y, sample_weight, X, classes, reuse):
        if classes is None and reuse:
            classes = self.classes_
        classes_, T, kind = encode_classification_targets(y, classes=classes)
        sw = sample_weights(y, sample_weight, X, self.class_weight, classes_, kind)
        if kind == "multiclass":
            Y = T.argmax(axis=1)[:, None].astype(np.float32)
            loss, out = "multiclass_log_loss", "softmax"
        else:
            Y, loss, out = T.astype(np.float32), "binary_log_loss", "sigmoid"
        n_outputs = len(classes_) if kind == "multiclass" else T.shape[1]
        spec = dict(kind=kind, loss=loss, out_activation=out, n_outputs=n_outputs)
        spec["attrs"] = {"classes_": classes_}
        return Y, sw, spec

    def _stratify(self, y):
        return type_of_target(y) != "multilabel-indicator"

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, validation_data=None):
        """Fit the model to data X and labels y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.
        validation_data : tuple, default=None
            ``(X_val, y_val)`` or ``(X_val, y_val, sample_weight_val)``,
            evaluated after each epoch (``history_["val_loss"]``) and used
            by early stopping instead of a held-out fraction.

        Returns
        -------
        self : MLPKerasClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, validation_data=validation_data)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        classes : array-like of shape (n_classes,), default=None
            Every class that may appear; required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : MLPKerasClassifier
            The updated estimator.
        """
        fitted = hasattr(self, "classes_")
        if (
            not fitted
            and classes is None
            and type_of_target(y) != "multilabel-indicator"
        ):
            raise ValueError(
                "classes must be passed on the first call to partial_fit: "
                "partial_fit(X, y, classes=np.unique(y_all))."
            )
        if (
            fitted
            and classes is not None
            and not np.array_equal(np.unique(classes), self.classes_)
        ):
            raise ValueError(
                f"classes={list(classes)} differs from the classes of the first "
                f"call to partial_fit, {self.classes_.tolist()}."
            )
        return self._fit(X, y, sample_weight, classes=classes, incremental=True)

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probability of each class, in the order of ``classes_``
            (for multilabel targets, of each label).
        """
        p = self._forward(X).astype(np.float64)
        kind = self._spec["kind"]
        if kind == "binary":
            return np.hstack([1.0 - p, p])
        if kind == "multiclass":
            # A float32 softmax sums to 1 within ~1e-7, not within float64's
            # tolerance: renormalize, so scorers such as log_loss do not warn.
            p /= p.sum(axis=1, keepdims=True)
        return p

    def predict_log_proba(self, X):
        """Logarithm of the probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``np.log(predict_proba(X))``.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predict using the multi-layer perceptron classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            The predicted classes.
        """
        p = self._forward(X)
        kind = self._spec["kind"]
        if kind == "binary":
            return self.classes_[(p[:, 0] > 0.5).astype(int)]
        if kind == "multiclass":
            return self.classes_[p.argmax(axis=1)]
        return (p > 0.5).astype(int)


@_document
class MLPKerasRegressor(RegressorMixin, _BaseMLPKeras):
    """Multi-layer perceptron regressor trained by Keras.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`,
    with a Keras 3 model underneath. 1-D targets give 1-D predictions; 2-D
    targets train one output unit per column.

    Parameters
    ----------
    {parameters}
    loss : {"squared_error", "absolute_error", "huber", "poisson"}, \
default="squared_error"
        The loss: half the squared error (as scikit-learn), the absolute
        error, Huber's loss (``huber_delta``), or the Poisson deviance (with
        an exponential output unless ``output_activation`` is set).
    huber_delta : float, default=1.0
        Where Huber's loss turns from quadratic to linear.
    output_activation : str or None, default=None
        Activation of the output layer: None is the identity (exp for
        "poisson"); "relu" or "softplus" keep predictions non-negative.

    Attributes
    ----------
    {attributes}

    See Also
    --------
    MLPKerasClassifier : The classifier.
    sklearn.neural_network.MLPRegressor : scikit-learn's NumPy implementation.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import MLPKerasRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, (200, 2))
    >>> y = X[:, 0] - 2 * X[:, 1]
    >>> reg = MLPKerasRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01,
    ...                         max_iter=200, random_state=0).fit(X, y)
    >>> bool(reg.score(X, y) > 0.95)
    True
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    _parameter_constraints: dict = {
        **_BaseMLPKeras._parameter_constraints,
        "loss": [StrOptions({"squared_error", "absolute_error", "huber", "poisson"})],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
        "output_activation": [
            StrOptions({"relu", "softplus", "exponential", "linear", "sigmoid"}),
            None,
        ],
    }

    def __init__(
        self,
        loss="squared_error",
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
        huber_delta=1.0,
        output_activation=None,
        callbacks=None,
        distribution=None,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            callbacks=callbacks,
            distribution=distribution,
        )
        self.loss = loss
        self.huber_delta = huber_delta
        self.output_activation = output_activation

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _encode_targets(self, y, sample_weight, X, classes, reuse):
        y = np.asarray(y, dtype=np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError("Input y contains NaN or infinity; remove or impute them.")
        if np.any(np.abs(y) > np.finfo(np.float32).max):
            raise ValueError(
                "Input y contains a value too large for dtype('float32'), in which "
                "the network trains; scale y (e.g. with TransformedTargetRegressor)."
            )
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some values of y are negative; loss='poisson' requires y >= 0."
            )
        one_d = y.ndim == 1
        Y = (y.reshape(-1, 1) if y.ndim == 1 else y).astype(np.float32)
        sw = sample_weights(y, sample_weight, X, None, None, "regression")
        out = self.output_activation or (
            "exponential" if self.loss == "poisson" else "linear"
        )
        spec = dict(
            kind="regression",
            loss=self.loss,
            out_activation=out,
            n_outputs=Y.shape[1],
            attrs={"_y_1d": one_d},
        )
        return Y, sw, spec

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, validation_data=None):
        """Fit the model to data X and targets y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.
        validation_data : tuple, default=None
            ``(X_val, y_val)`` or ``(X_val, y_val, sample_weight_val)``,
            evaluated after each epoch and used by early stopping.

        Returns
        -------
        self : MLPKerasRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, validation_data=validation_data)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : MLPKerasRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict using the multi-layer perceptron regressor.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        out = self._forward(X).astype(np.float64)
        return column_or_1d(out) if self._y_1d else out
