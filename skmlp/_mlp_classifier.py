"""MLPKerasClassifier: encodes class labels for the network, scores its
outputs (accuracy) and decodes them into classes and probabilities. The fit
path is the base class's (``_mlp_base.py``)."""

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import StrOptions

from ._mlp_base import _BaseMLPKeras, stochastic_only
from ._mlp_docs import document
from ._mlp_init import InitializeMixin
from ._targets import (
    TargetSpec,
    check_partial_fit_class_weight,
    check_same_classes,
    classification_target_type,
    encode_classification_targets,
    sample_weights,
)
from ._validation_set import resolve


@document
class MLPKerasClassifier(ClassifierMixin, InitializeMixin, _BaseMLPKeras):
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
        loss (finite numbers >= 0; 0 ignores a class); "balanced" uses
        ``n_samples / (n_classes * np.bincount(y))``. It is not available in
        ``partial_fit``, which sees one chunk at a time (pass a dict there).

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
    float32 X trains and predicts in float32, anything else in float64, as
    in scikit-learn. On a CPU, predictions of the built-in Dense stack run a
    NumPy forward pass (chunk by chunk); with a GPU, inputs of more than
    2,048 rows go through a compiled Keras call. To use another
    architecture, subclass and override ``_build_model(n_features_in,
    n_outputs, out_activation)``: its predictions always go through Keras.

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
        "metrics": [list, None],
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
        metrics=None,
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
        self.metrics = metrics

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _encode_targets(self, y, sample_weight, X, classes, reuse, dtype):
        target_type = classification_target_type(y)
        multilabel = target_type == "multilabel-indicator"
        if classes is None and reuse:
            classes = self.classes_
            if self.warm_start and not multilabel:
                seen = np.unique(np.ravel(y))
                if set(seen.tolist()) != set(self.classes_.tolist()):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously got "
                        f"{self.classes_}, `y` has {seen}"
                    )
        classes_, T, kind = encode_classification_targets(
            y, classes=classes, allow_one_class=True, target_type=target_type
        )
        sw = sample_weights(y, sample_weight, X, self.class_weight, classes_, kind)
        if kind == "multiclass":
            loss, out = "multiclass_log_loss", "softmax"
        else:
            loss, out = "binary_log_loss", "sigmoid"
        spec = TargetSpec(kind, loss, out, T.shape[1], dtype)
        return T.astype(dtype), sw.astype(dtype), spec, {"classes_": classes_}

    def _validation_score(self, Y, P, W, kind):
        """Accuracy, as ``score``: subset accuracy for multilabel targets."""
        if not np.isfinite(P).all():
            return float("nan")
        if kind == "multiclass":
            hit = Y.argmax(axis=1) == P.argmax(axis=1)
        else:
            hit = ((P > 0.5) == (Y > 0.5)).all(axis=1)
        return float(np.average(hit, weights=W))

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
        validation_data=None,
    ):
        """Fit the model to data X and labels y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.
        {validation}

        Returns
        -------
        self : MLPKerasClassifier
            The fitted estimator.
        """
        validation = resolve(validation_data, X_val, y_val, sample_weight_val)
        return self._fit(X, y, sample_weight, validation_set=validation)

    @available_if(stochastic_only)
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
        check_partial_fit_class_weight(self.class_weight)
        fitted = hasattr(self, "classes_")
        if (
            not fitted
            and classes is None
            and classification_target_type(y) != "multilabel-indicator"
        ):
            raise ValueError(
                "classes must be passed on the first call to partial_fit: "
                "partial_fit(X, y, classes=np.unique(y_all))."
            )
        if fitted:
            check_same_classes(classes, self.classes_)
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
        p = self._forward(X)
        kind = self._spec.kind
        if kind == "binary":
            if len(self.classes_) == 1:  # fitted on one class: it is certain
                return np.ones_like(p)
            return np.hstack([1.0 - p, p])
        if kind == "multiclass":
            # The softmax sums to 1 within the dtype's rounding: renormalize in
            # it, so scorers such as log_loss do not warn.
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
        kind = self._spec.kind
        if kind == "binary":
            if len(self.classes_) == 1:  # fitted on one class (as scikit-learn)
                return np.repeat(self.classes_, len(p))
            return self.classes_[(p[:, 0] > 0.5).astype(int)]
        if kind == "multiclass":
            return self.classes_[p.argmax(axis=1)]
        return (p > 0.5).astype(int)
