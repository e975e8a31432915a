"""Target encoding and per-sample weights shared by the classifiers.

Everything here is a plain function over NumPy arrays built on scikit-learn's own
tools (``type_of_target``, ``compute_sample_weight``, ``_check_sample_weight``),
so every estimator reads targets and weights the same way.
"""

from typing import NamedTuple

import numpy as np
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight


def encode_classification_targets(
    y, classes=None, step="heaviside", allow_one_class=False
):
    """Encode class labels as one 0/1 (or -1/+1) target column per unit.

    Returns ``(classes_, T, kind)`` where ``kind`` is "binary" (one unit),
    "multiclass" (one unit per class) or "multilabel" (one unit per label).
    """
    check_classification_targets(y)
    if type_of_target(y) == "multilabel-indicator":
        T = np.asarray(y, dtype=np.float64)
        if classes is not None and len(classes) != T.shape[1]:
            raise ValueError(
                f"y has {T.shape[1]} labels but the estimator was fitted with "
                f"{len(classes)}; pass an indicator matrix with {len(classes)} "
                "columns."
            )
        classes_, kind = np.arange(T.shape[1]), "multilabel"
    else:
        y = np.ravel(y)
        if classes is None:
            classes_ = np.unique(y)
        else:
            classes_ = np.unique(np.asarray(classes))
            check_known_labels(y, classes_)
        if len(classes_) < 2 and not allow_one_class:
            raise ValueError(
                f"The target has only one class ({classes_.tolist()}); a "
                "classifier needs samples of at least two classes."
            )
        codes = np.searchsorted(classes_, y)
        if len(classes_) <= 2:  # one class (allowed): every target is 0
            T, kind = (codes == 1).astype(np.float64)[:, None], "binary"
        else:
            T, kind = np.eye(len(classes_))[codes], "multiclass"
    if step == "sign":
        T = 2 * T - 1
    return classes_, T, kind


def sample_weights(y, sample_weight, X, class_weight, classes_, kind):
    """Per-sample weights: ``sample_weight`` times the weight of the class.

    Raises a ValueError naming the problem for negative, non-finite or wrongly
    shaped weights and for ``class_weight`` keys that are not class labels.
    """
    sw = _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    )
    if class_weight is None:
        return sw
    if kind in ("multilabel", "regression"):
        raise ValueError(
            "class_weight is not supported for multilabel targets; pass "
            "per-sample weights with sample_weight instead."
        )
    if isinstance(class_weight, dict):
        unknown = [k for k in class_weight if k not in set(classes_.tolist())]
        if unknown:
            raise ValueError(
                f"class_weight has keys {unknown} that are not class labels; "
                f"the classes are {classes_.tolist()}."
            )
    return sw * compute_sample_weight(class_weight, np.ravel(y))


def check_known_labels(y, classes_, remedy=None):
    """Raise a ValueError naming the labels of ``y`` not in ``classes_``."""
    unseen = np.setdiff1d(np.unique(y), classes_)
    if unseen.size:
        raise ValueError(
            f"y contains labels {unseen.tolist()} that are not in classes "
            f"{classes_.tolist()}; "
            + (
                remedy
                or "pass every label in `classes` on the first call to partial_fit."
            )
        )


def check_same_classes(classes, classes_):
    """Raise a ValueError if a later ``partial_fit(classes=...)`` differs
    from the classes of the first call (the output layer is built)."""
    if classes is not None and not np.array_equal(
        np.unique(np.asarray(classes)), classes_
    ):
        raise ValueError(
            f"classes={list(classes)} differs from the classes of the first "
            f"call to partial_fit, {classes_.tolist()}."
        )


class TargetSpec(NamedTuple):
    """What the encoded targets ask of the network's output layer."""

    kind: str  # binary, multiclass, multilabel or regression
    loss: str  # the per-sample loss (see _engine._losses.PER_SAMPLE)
    out_activation: str  # Keras name of the output activation
    n_outputs: int
    dtype: str  # the network's dtype, in which Y is encoded


def check_same_targets(name, spec, fitted_spec, remedy):
    """Raise a ValueError if ``spec`` encodes another kind or width of target
    than ``fitted_spec`` (the network's output layer cannot change)."""
    new = (spec.kind, spec.n_outputs)
    old = (fitted_spec.kind, fitted_spec.n_outputs)
    if new != old:
        raise ValueError(
            f"{name} is a {new[0]} target with {new[1]} output(s), but the network "
            f"was built for a {old[0]} target with {old[1]} output(s); {remedy}."
        )
