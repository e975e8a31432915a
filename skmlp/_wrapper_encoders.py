"""Target encoders of KerasClassifier and KerasRegressor (scikeras's).

scikit-learn transformers over ``y``: ``fit`` learns the classes, ``transform``
gives the Keras targets, ``inverse_transform`` turns the model's outputs back
into labels (or probabilities), and ``get_metadata`` tells the wrapper what the
build function receives in ``meta``. Subclass the wrapper and override its
``target_encoder`` property to use another one (a multi-output split, ...).
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from ._targets import indicator_matrix

_CATEGORICAL_CE = {"categorical_crossentropy", "cce", "CategoricalCrossentropy"}


def is_categorical_crossentropy(loss):
    """Whether ``loss`` (a name, function, class or instance) is Keras's
    categorical cross-entropy, which takes one-hot targets."""
    if isinstance(loss, str):
        return loss in _CATEGORICAL_CE
    name = getattr(loss, "__name__", None) or type(loss).__name__
    return name in _CATEGORICAL_CE


class TargetReshaper(BaseEstimator, TransformerMixin):
    """Make 1-D targets a column (for the 2-D encoders) and back.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import TargetReshaper
    >>> TargetReshaper().fit(np.arange(3)).transform(np.arange(3)).shape
    (3, 1)
    """

    def fit(self, y):
        """Record the number of dimensions of ``y``."""
        self.ndim_ = np.ndim(y)
        return self

    def transform(self, y):
        """``y`` as a 2-D array."""
        y = np.asarray(y)
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y):
        """Squeeze a column back to 1-D if ``fit`` saw 1-D targets."""
        check_is_fitted(
            self,
            msg=f"This {type(self).__name__} is not initialized. You must call "
            "``fit`` before using ``inverse_transform``.",
        )
        y = np.asarray(y)
        return y[:, 0] if self.ndim_ == 1 and y.ndim == 2 else y


class ClassifierLabelEncoder(BaseEstimator, TransformerMixin):
    """The default target encoder of :class:`~skmlp.KerasClassifier`.

    Labels become ordinal codes (0 .. n_classes - 1), or one-hot rows when the
    loss is categorical cross-entropy; indicator matrices pass through.

    Parameters
    ----------
    loss : str, keras.losses.Loss or None, default=None
        The wrapper's ``loss``: categorical cross-entropy asks for one-hot
        targets.
    categories : "auto" or list of one array, default="auto"
        All the classes (``partial_fit(classes=...)``), or "auto" to take
        them from ``y``.

    Attributes
    ----------
    classes_ : ndarray or None
        The class labels (None for multiclass-multioutput targets).
    n_classes_ : int or None
        The number of classes.
    n_outputs_ : int
        The number of target columns seen by ``fit`` (1).
    n_outputs_expected_ : int
        The number of outputs the Keras model must have (1).

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import ClassifierLabelEncoder
    >>> enc = ClassifierLabelEncoder().fit(np.array(["b", "a", "b"]))
    >>> enc.transform(np.array(["a", "b"])).ravel()
    array([0., 1.], dtype=float32)
    >>> enc.inverse_transform(np.array([[0.2], [0.9]]))
    array(['a', 'b'], dtype='<U1')
    >>> enc.inverse_transform(np.array([[0.25], [0.75]]), return_proba=True)
    array([[0.75, 0.25],
           [0.25, 0.75]])
    """

    def __init__(self, loss=None, categories="auto"):
        self.loss = loss
        self.categories = categories

    def fit(self, y):
        """Learn the classes of ``y`` and the encoding the loss needs."""
        y = np.asarray(y)
        target_type = type_of_target(y)
        if target_type == "binary" and self.categories != "auto":
            target_type = type_of_target(np.asarray(self.categories[0]))
        # Imported here, not with skmlp: sklearn.preprocessing is slow to load.
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import (
            FunctionTransformer,
            OneHotEncoder,
            OrdinalEncoder,
        )

        ordinal = make_pipeline(
            TargetReshaper(),
            OrdinalEncoder(dtype=np.float32, categories=self.categories),
        )
        encoders = {
            "binary": ordinal,
            "multiclass": ordinal,
            "multiclass-multioutput": FunctionTransformer(),
            "multilabel-indicator": FunctionTransformer(indicator_matrix),
        }
        if is_categorical_crossentropy(self.loss):
            encoders["multiclass"] = make_pipeline(
                TargetReshaper(),
                OneHotEncoder(
                    sparse_output=False, dtype=np.float32, categories=self.categories
                ),
            )
        if target_type not in encoders:
            raise ValueError(
                f"Unknown label type: {target_type}. To train on it, subclass "
                "KerasClassifier and override its `target_encoder` property with "
                "a transformer for this kind of target."
            )
        self._final_encoder = encoders[target_type].fit(y)
        if target_type == "multilabel-indicator":  # 0/1, as the MLPs read it
            y = indicator_matrix(y)
        if (
            target_type == "multilabel-indicator"
            and y.min() == 0
            and (y.sum(axis=1) == 1).all()
        ):
            target_type = "multiclass-onehot"
        self._y_shape, self._target_type = y.shape, target_type
        self.n_outputs_ = self.n_outputs_expected_ = 1
        if target_type in ("binary", "multiclass"):
            self.classes_ = self._final_encoder[1].categories_[0]
            self.n_classes_ = self.classes_.size
        elif target_type in ("multiclass-onehot", "multilabel-indicator"):
            self.classes_, self.n_classes_ = np.arange(y.shape[1]), y.shape[1]
        else:
            self.classes_ = self.n_classes_ = None
        return self

    def transform(self, y):
        """The Keras targets: ordinal codes, one-hot rows or the indicators."""
        return self._final_encoder.transform(np.asarray(y))

    def inverse_transform(self, y, return_proba=False):
        """Labels (or, with ``return_proba``, probabilities) from the model's
        outputs; one sigmoid unit gives two probability columns."""
        y = np.asarray(y)
        kind = self._target_type
        if kind == "binary" and (y.ndim == 1 or y.shape[1] == 1):
            y = np.column_stack([1 - y.ravel(), y.ravel()])
        if return_proba:
            return y
        if kind in ("binary", "multiclass"):
            # One class seen (allowed, as in scikit-learn): always predict it.
            idx = np.minimum(np.argmax(y, axis=-1), self.n_classes_ - 1)
            if kind == "multiclass" and is_categorical_crossentropy(self.loss):
                codes = np.eye(y.shape[1], dtype=int)[idx]
            else:
                codes = idx.reshape(-1, 1)
            labels = self._final_encoder.inverse_transform(codes)
        elif kind == "multiclass-onehot":
            labels = np.eye(y.shape[1], dtype=int)[np.argmax(y, axis=-1)]
        elif kind == "multilabel-indicator":
            labels = np.around(y).astype(int)
        else:
            raise NotImplementedError(
                "Class-predictions are not clearly defined for "
                "'multiclass-multioutput' target types: subclass KerasClassifier "
                "and override its `target_encoder` property to decode them."
            )
        return labels.reshape(-1, *self._y_shape[1:])

    def get_metadata(self):
        """What the build function receives in ``meta``."""
        return {
            "classes_": self.classes_,
            "n_classes_": self.n_classes_,
            "n_outputs_": self.n_outputs_,
            "n_outputs_expected_": self.n_outputs_expected_,
        }


class RegressorTargetEncoder(BaseEstimator, TransformerMixin):
    """The default target encoder of :class:`~skmlp.KerasRegressor`: checks
    the number of target columns and restores the shape of ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import RegressorTargetEncoder
    >>> enc = RegressorTargetEncoder().fit(np.zeros(4))
    >>> enc.get_metadata()
    {'n_outputs_': 1, 'n_outputs_expected_': 1}
    >>> enc.inverse_transform(np.zeros((4, 1))).shape
    (4,)
    """

    def fit(self, y):
        """Record the shape of ``y``."""
        y = np.asarray(y)
        self._y_shape = y.shape
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self.n_outputs_expected_ = 1
        return self

    def transform(self, y):
        """``y`` unchanged, after checking its number of columns."""
        y = np.asarray(y)
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if n_outputs != self.n_outputs_:
            raise ValueError(
                f"Detected ``y`` to have {n_outputs} outputs with ``y.shape = "
                f"{y.shape}``, but this {type(self).__name__} has {self.n_outputs_} "
                f"outputs: pass y with {self.n_outputs_} column(s), as in fit."
            )
        return y

    def inverse_transform(self, y):
        """The model's outputs in the shape of the fitted ``y``."""
        return np.asarray(y).reshape(-1, *self._y_shape[1:])

    def get_metadata(self):
        """What the build function receives in ``meta``."""
        return {"n_outputs_": self.n_outputs_, "n_outputs_expected_": 1}
