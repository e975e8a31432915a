"""KerasClassifier and KerasRegressor: bring your own Keras model.

scikeras 0.13's API (``from scikeras.wrappers import`` becomes ``from skmlp
import``); the shared machinery is ``_wrapper_base.BaseWrapper``.
"""

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ._targets import (
    check_partial_fit_class_weight,
    check_same_classes,
    sample_weights,
)
from ._wrapper_base import BaseWrapper
from ._wrapper_docs import fill_doc
from ._wrapper_encoders import ClassifierLabelEncoder, RegressorTargetEncoder

__all__ = ["BaseWrapper", "KerasClassifier", "KerasRegressor"]


class KerasClassifier(ClassifierMixin, BaseWrapper):
    __doc__ = fill_doc(
        """A scikit-learn classifier around your own Keras model (scikeras's API).
{parameters}
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes ``{label: weight}`` (finite numbers >= 0),
        multiplied into ``sample_weight``; not available in ``partial_fit``
        as "balanced".
{attributes}
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    n_classes_ : int
        Number of classes.

    See Also
    --------
    KerasRegressor : The regressor.
    MLPKerasClassifier : The same without writing the model.

    Examples
    --------
    >>> import keras
    >>> from sklearn.datasets import load_iris
    >>> from skmlp import KerasClassifier
    >>> def build(meta, hidden=8):
    ...     return keras.Sequential([
    ...         keras.Input((meta["n_features_in_"],)),
    ...         keras.layers.Dense(hidden, activation="relu"),
    ...         keras.layers.Dense(meta["n_classes_"], activation="softmax"),
    ...     ])
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = KerasClassifier(build, loss="sparse_categorical_crossentropy",
    ...                       model__hidden=16, optimizer__learning_rate=0.01,
    ...                       epochs=2, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    >>> clf.get_params()["model__hidden"]
    16
    """
    )

    _parameter_constraints_base = {
        **BaseWrapper._parameter_constraints_base,
        "class_weight": [dict, StrOptions({"balanced"}), None],
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
        class_weight=None,
        **kwargs,
    ):
        super().__init__(
            model,
            warm_start=warm_start,
            random_state=random_state,
            optimizer=optimizer,
            loss=loss,
            metrics=metrics,
            batch_size=batch_size,
            validation_batch_size=validation_batch_size,
            verbose=verbose,
            callbacks=callbacks,
            validation_split=validation_split,
            shuffle=shuffle,
            run_eagerly=run_eagerly,
            epochs=epochs,
            **kwargs,
        )
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        # scikeras's tag: the score is the user's model's (one epoch by
        # default), so scikit-learn's score thresholds are not promised.
        tags.classifier_tags.poor_score = True
        return tags

    @property
    def target_encoder(self):
        """The default :class:`~skmlp.ClassifierLabelEncoder`
        (ordinal codes, one-hot for categorical cross-entropy)."""
        classes = getattr(self, "classes_", None)
        categories = "auto" if classes is None else [classes]
        return ClassifierLabelEncoder(loss=self.loss, categories=categories)

    def _type_of_target(self, y):
        # Classes given to partial_fit count (scikeras's rule): y = [1, 2]
        # with classes [1, 2, 3] is multiclass.
        target_type = super()._type_of_target(y)
        classes = getattr(self, "classes_", None)
        if target_type == "binary" and classes is not None:
            target_type = super()._type_of_target(classes)
        return target_type

    def _labels_known(self):
        return getattr(self, "classes_", None) is not None and getattr(
            self, "target_type_", None
        ) in ("binary", "multiclass")

    def _sample_weight(self, X, y, sample_weight):
        if self.class_weight is None:
            return super()._sample_weight(X, y, sample_weight)
        multi = self.target_type_ in ("multilabel-indicator", "multiclass-multioutput")
        return sample_weights(
            y,
            sample_weight,
            X,
            self.class_weight,
            np.asarray(self.classes_),
            "multilabel" if multi else "multiclass",
        ).astype(np.float32)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        """Train one more epoch; ``classes`` lists every label on the first call.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Training samples.
        y : array-like of shape (n_samples,)
            Labels.
        classes : array-like of shape (n_classes,), default=None
            All the labels, needed on the first call if ``y`` lacks some.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.
        **kwargs : dict
            Passed to ``keras.Model.fit``.

        Returns
        -------
        self : object
            The estimator.
        """
        check_partial_fit_class_weight(self.class_weight)
        return self._partial_fit(X, y, sample_weight, kwargs, classes=classes)

    def _forget_targets(self, classes=None):
        # The encoder takes its classes from y (or partial_fit's classes),
        # not from an earlier fit.
        self.classes_ = None if classes is None else np.unique(np.asarray(classes))

    def _check_classes(self, classes):
        if self._labels_known():
            check_same_classes(classes, self.classes_)

    def predict_proba(self, X, **kwargs):
        """Class probabilities; a binary model's one sigmoid unit gives two
        columns, as in scikit-learn.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, ...)
            Samples.
        **kwargs : dict
            Passed to ``keras.Model.predict``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, in float64.
        """
        raw = self._predict_raw(X, **kwargs)
        proba = self.target_encoder_.inverse_transform(raw, return_proba=True)
        if isinstance(proba, np.ndarray) and proba.ndim == 2 and proba.shape[1] == 1:
            proba = proba[:, 0]  # a one-unit model of a non-binary target
        if isinstance(proba, np.ndarray) and proba.ndim == 2 and proba.shape[1] > 1:
            proba = proba.astype(np.float64)
            sums = proba.sum(axis=1, keepdims=True)
            # float32 softmax rows sum to 1 within ~1e-7: renormalise in
            # float64 (log_loss warns otherwise); logits are left alone.
            if proba.min() >= 0 and np.allclose(sums, 1, atol=1e-4):
                proba /= sums
        return proba

    # BaseWrapper's (through ``scorer``), not ClassifierMixin's.
    score = BaseWrapper.score

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        """Accuracy (:func:`sklearn.metrics.accuracy_score`); override in a
        subclass to change what ``score`` computes."""
        from sklearn.metrics import accuracy_score  # slow to import

        return accuracy_score(y_true, y_pred, **kwargs)


class KerasRegressor(RegressorMixin, BaseWrapper):
    __doc__ = fill_doc(
        """A scikit-learn regressor around your own Keras model (scikeras's API).
{parameters}{attributes}
    See Also
    --------
    KerasClassifier : The classifier.
    MLPKerasRegressor : The same without writing the model.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from skmlp import KerasRegressor
    >>> def build(meta):
    ...     return keras.Sequential([keras.Input((meta["n_features_in_"],)),
    ...                              keras.layers.Dense(1)])
    >>> X = np.random.RandomState(0).normal(size=(50, 3))
    >>> reg = KerasRegressor(build, loss="mse", epochs=2, random_state=0)
    >>> reg.fit(X, X.sum(axis=1)).predict(X[:3]).shape
    (3,)
    """
    )

    _y_numeric = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True  # as KerasClassifier's
        return tags

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
        super().__init__(
            model,
            warm_start=warm_start,
            random_state=random_state,
            optimizer=optimizer,
            loss=loss,
            metrics=metrics,
            batch_size=batch_size,
            validation_batch_size=validation_batch_size,
            verbose=verbose,
            callbacks=callbacks,
            validation_split=validation_split,
            shuffle=shuffle,
            run_eagerly=run_eagerly,
            epochs=epochs,
            **kwargs,
        )

    @property
    def target_encoder(self):
        """The default :class:`~skmlp.RegressorTargetEncoder`."""
        return RegressorTargetEncoder()

    def predict(self, X, **kwargs):
        # float64 X gives float64 predictions, as in scikit-learn (its checks
        # ask for them); other X the model's own float type, as scikeras.
        check_is_fitted(self, "model_")
        X, _ = self._validate(X)
        y = super().predict(X, **kwargs)
        if isinstance(y, np.ndarray) and X.dtype == np.float64:
            return y.astype(np.float64)
        return y

    predict.__doc__ = BaseWrapper.predict.__doc__

    # BaseWrapper's (through ``scorer``), not RegressorMixin's.
    score = BaseWrapper.score

    @staticmethod
    def scorer(y_true, y_pred, **kwargs):
        """R² (:func:`sklearn.metrics.r2_score`); override in a subclass to
        change what ``score`` computes."""
        from sklearn.metrics import r2_score  # slow to import

        return r2_score(y_true, y_pred, **kwargs)
