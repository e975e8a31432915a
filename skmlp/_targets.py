"""Target encoding and per-sample weights shared by the classifiers.

Everything here is a plain function over NumPy arrays built on scikit-learn's own
tools (``type_of_target``, ``compute_sample_weight``, ``_check_sample_weight``),
so every estimator reads targets and weights the same way.
"""

from contextlib import contextmanager

import numpy as np
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight


def encode_classification_targets(y, classes=None, step="heaviside"):
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
            unseen = np.setdiff1d(np.unique(y), classes_)
            if unseen.size:
                raise ValueError(
                    f"y contains labels {unseen.tolist()} that are not in "
                    f"classes {classes_.tolist()}; pass every label in `classes` "
                    "on the first call to partial_fit."
                )
        if len(classes_) < 2:
            raise ValueError(
                f"The target has only one class ({classes_.tolist()}); a "
                "classifier needs samples of at least two classes."
            )
        codes = np.searchsorted(classes_, y)
        if len(classes_) == 2:
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


@contextmanager
def fit_transaction(estimator):
    """Restore ``estimator.__dict__`` if the body raises: a failed fit changes
    nothing (``validate_data(reset=True)`` sets attributes before training)."""
    saved = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(saved)
        raise


def pickled_state(state):
    """A copy of ``state`` recording the skmlp version that pickles it."""
    from . import __version__

    return {**state, "_skmlp_version": __version__}


def check_pickled_version(estimator, state):
    """Pop the version :func:`pickled_state` recorded from ``state``; warn with
    InconsistentVersionWarning if it is not the running skmlp's."""
    import warnings

    from sklearn.exceptions import InconsistentVersionWarning

    from . import __version__

    saved = state.pop("_skmlp_version", None)
    if saved is not None and saved != __version__:
        warnings.warn(
            InconsistentVersionWarning(
                estimator_name=f"skmlp {type(estimator).__name__}",
                current_sklearn_version=__version__,
                original_sklearn_version=saved,
            ),
            stacklevel=3,  # the caller of pickle.load
        )
    return state
