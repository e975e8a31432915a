"""Target encoding and per-sample weights shared by the classifiers.

Everything here is a plain function over NumPy arrays, so every estimator
(the MLPs, StepPerceptron, the wrappers) reads targets and weights the same
way, whatever the installed scikit-learn: the weights are checked here, not
by scikit-learn's private ``_check_sample_weight``, whose checks and
messages changed between versions.
"""

from numbers import Real
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target

#: scikit-learn's message for these targets (LabelBinarizer, MLPClassifier).
MULTIOUTPUT = "Multioutput target data is not supported with label binarization"


def classification_target_type(y):
    """``type_of_target(y)``, refusing multi-output class targets (a 2-D y
    that is not a label indicator matrix) as scikit-learn's MLPClassifier
    does, instead of flattening them."""
    kind = type_of_target(y, input_name="y")
    if "multioutput" in kind:
        raise ValueError(
            f"{MULTIOUTPUT}: y has {np.shape(y)[1]} columns of class labels "
            f"({kind}). Pass one column of labels, a 0/1 label indicator "
            "matrix, or fit one classifier per column with "
            "sklearn.multioutput.MultiOutputClassifier."
        )
    return kind


def indicator_matrix(y):
    """A label indicator matrix as 0/1 floats: any non-zero value marks a
    present label (as scikit-learn's MLPClassifier reads it). A matrix of two
    non-zero values (-1/1, 1/2) is refused: read that way every label would
    be present."""
    Y = y.toarray() if sp.issparse(y) else np.asarray(y)
    values = np.unique(Y)
    nonzero = values[values != 0].tolist()
    if len(nonzero) > 1:
        raise ValueError(
            f"y is a label indicator matrix of the values {values.tolist()}; "
            "it must hold 0 for an absent label and one other value (1) for a "
            f"present one. If {nonzero[-1]!r} marks the present labels, pass "
            f"(y == {nonzero[-1]!r}).astype(int)."
        )
    return (Y != 0).astype(np.float64)


def encode_classification_targets(
    y, classes=None, step="heaviside", allow_one_class=False, target_type=None
):
    """Encode class labels as one 0/1 (or -1/+1) target column per unit.

    Returns ``(classes_, T, kind)`` where ``kind`` is "binary" (one unit),
    "multiclass" (one unit per class) or "multilabel" (one unit per label).
    ``target_type``: ``classification_target_type(y)`` where the caller has
    it already (it reads every label: 0.2 ms for wine's 178).
    """
    if target_type is None:
        target_type = classification_target_type(y)
    multilabel = target_type == "multilabel-indicator"
    check_classification_targets(y)
    if multilabel:
        T = indicator_matrix(y)
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


def check_sample_weight(sample_weight, n_samples):
    """``sample_weight`` as a new float64 array of shape ``(n_samples,)``
    (None: ones; a number: that weight for every sample).

    Raises a ValueError naming ``sample_weight`` for weights that are not
    numbers, of another shape, NaN, infinite or negative, or all zero.
    """
    if sample_weight is None:
        return np.ones(n_samples)
    if not sp.issparse(sample_weight):
        sample_weight = np.asarray(sample_weight)
    if sp.issparse(sample_weight) or sample_weight.dtype.kind == "c":
        raise ValueError(
            "sample_weight must be a dense 1-D array of real numbers, one per "
            f"sample; got a {type(sample_weight).__name__} of "
            f"{sample_weight.dtype}."
        )
    try:
        sw = np.array(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"sample_weight must hold numbers, one per sample: {exc}."
        ) from exc
    if sw.ndim == 0:
        sw = np.full(n_samples, sw)
    if sw.shape != (n_samples,):
        raise ValueError(
            f"sample_weight has shape {sw.shape} but X has {n_samples} samples: "
            f"pass one weight per sample, an array of shape ({n_samples},)."
        )
    for bad, name in ((np.isnan(sw), "NaN"), (np.isinf(sw), "infinity")):
        if bad.any():
            raise ValueError(
                f"sample_weight contains {name} (at sample "
                f"{int(np.argmax(bad))}); every weight must be a finite number "
                ">= 0."
            )
    if (sw < 0).any():
        i = int(np.argmax(sw < 0))
        raise ValueError(
            f"sample_weight contains negative values ({float(sw[i])} at sample {i}); "
            "every weight must be a finite number >= 0."
        )
    if not sw.any():
        raise ValueError(
            "Every sample_weight is zero (only zeros were passed in "
            "sample_weight): there is nothing to train on; give some samples "
            "a positive weight."
        )
    return sw


def check_class_weight(class_weight, classes_):
    """Raise a ValueError naming ``class_weight`` if a dict's keys are not
    class labels or its weights are not finite numbers >= 0 (0 ignores a
    class, as in scikit-learn)."""
    if not isinstance(class_weight, dict):
        return
    labels = set(classes_.tolist())
    unknown = [k for k in class_weight if k not in labels]
    if unknown:
        raise ValueError(
            f"class_weight has keys {unknown} that are not class labels; "
            f"the classes are {classes_.tolist()}."
        )
    bad = {
        k: v
        for k, v in class_weight.items()
        if not isinstance(v, Real) or not (np.isfinite(v) and v >= 0)
    }
    if bad:
        raise ValueError(
            f"class_weight has invalid weights {bad}: every weight must be a "
            "finite number >= 0 (0 ignores the class)."
        )


def check_partial_fit_class_weight(class_weight):
    """Refuse ``class_weight="balanced"`` in ``partial_fit`` (it would balance
    each chunk on its own), with scikit-learn's SGD estimators' message."""
    if isinstance(class_weight, str) and class_weight == "balanced":
        raise ValueError(
            "class_weight 'balanced' is not supported for partial_fit. In order "
            "to use 'balanced' weights, use compute_class_weight('balanced', "
            "classes=classes, y=y). In place of y you can use a large enough "
            "sample of the full training set target to properly estimate the "
            "class frequency distributions. Pass the resulting weights as the "
            "class_weight parameter: class_weight=dict(zip(classes, weights))."
        )


def sample_weights(y, sample_weight, X, class_weight, classes_, kind):
    """Per-sample weights: ``sample_weight`` times the weight of the class.

    Raises a ValueError naming the problem for negative, non-finite, all-zero
    or wrongly shaped weights and for ``class_weight`` keys that are not class
    labels or weights that are negative or not finite.
    """
    sw = check_sample_weight(sample_weight, X.shape[0])
    if class_weight is None:
        return sw
    if kind in ("multilabel", "regression"):
        raise ValueError(
            "class_weight is not supported for multilabel targets; pass "
            "per-sample weights with sample_weight instead."
        )
    check_class_weight(class_weight, classes_)
    y = np.ravel(y)
    if isinstance(class_weight, dict):
        # Looked up by label (not compute_sample_weight, which refuses a dict
        # naming a class that this partial_fit chunk lacks).
        by_class = np.array([class_weight.get(c, 1.0) for c in classes_.tolist()])
        codes = np.searchsorted(classes_, y).clip(max=len(classes_) - 1)
        # A label outside classes_ (refused later, by the encoder) weighs 1.
        sw = sw * np.where(classes_[codes] == y, by_class[codes], 1.0)
    else:
        sw = sw * compute_sample_weight(class_weight, y)
    if not sw.any():
        raise ValueError(
            "Every sample's weight is zero once class_weight is applied: "
            f"class_weight={class_weight} gives weight 0 to every class of y "
            "that has a positive sample_weight. Give some of them a positive "
            "weight."
        )
    return sw


def check_known_labels(y, classes_, remedy=None):
    """Raise a ValueError naming the labels of ``y`` not in ``classes_``."""
    unseen = np.setdiff1d(np.unique(y), classes_)
    if unseen.size:
        raise ValueError(
            # "Found unknown categories": the words of scikeras's message.
            "Found unknown categories: "
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
