"""The MLPs' data handling: the validation set (``validation_data`` or
scikit-learn's early-stopping hold-out), and the fast check of plain
prediction inputs. (X is validated by ``_BaseMLPKeras._validate_X``.)"""

import numpy as np

from . import _source
from ._targets import check_same_targets

#: Up to this many rows a prediction runs the NumPy forward pass even where
#: a GPU is present (on a CPU, NumPy serves every size, chunk by chunk).
NUMPY_PREDICT_MAX_ROWS = 2048
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def validation_arrays(est, validation, spec, attrs):
    """``(X_val, Y_val, sw_val)``, validated and encoded as X and y, from the
    validation set ``(X_val, y_val, sample_weight_val)`` that
    ``_validation_set.resolve`` took from either spelling."""
    X_val, y_val, sw_val = validation
    X_val = est._validate_X(X_val, reset=False, dtype=spec.dtype)
    classes = attrs.get("classes_")
    if classes is not None and spec.kind in ("binary", "multiclass"):
        unseen = np.setdiff1d(np.unique(np.asarray(y_val)), classes)
        if unseen.size:
            raise ValueError(
                f"The validation set: y_val contains labels {unseen.tolist()} that "
                f"y does not (the classes are {classes.tolist()}); the network has "
                "no output for them: drop those samples from the validation set "
                "or add samples of those classes to y."
            )
    try:
        Y_val, sw_val, val_spec, _ = est._encode_targets(
            np.asarray(y_val),
            sw_val,
            X_val,
            classes,
            True,
            spec.dtype,
        )
    except ValueError as exc:
        raise ValueError(f"The validation set (X_val, y_val): {exc}") from exc
    check_same_targets("y_val", val_spec, spec, "pass y_val shaped like y")
    return X_val, Y_val, sw_val


def hold_out(X, Y, sw, spec, validation_fraction, rng):
    """scikit-learn's early-stopping split: ``validation_fraction`` of the
    rows, drawn by ``train_test_split`` from the estimator's RandomState after
    the initial weights (as scikit-learn draws it), stratified for a single
    output column of a classifier."""
    from sklearn.model_selection import train_test_split

    stratify = None
    if spec.kind == "binary":  # as scikit-learn: the (n, 1) boolean target
        stratify = Y[:, :1].astype(bool)
    split = train_test_split(
        np.arange(len(Y)),
        Y,
        sw,
        test_size=validation_fraction,
        random_state=rng,
        stratify=stratify,
    )
    train, held_out, Y_tr, Y_val, sw_tr, sw_val = split
    if len(held_out) < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    for part, weights in (("training", sw_tr), ("validation", sw_val)):
        if not weights.any():
            raise ValueError(
                f"Every sample of the {part} part of the early-stopping split "
                "has weight 0 (sample_weight x class_weight); give more samples "
                "a positive weight, or pass validation_data."
            )
    X_tr, X_val = _source.split(X, train, held_out, spec.dtype)
    return X_tr, Y_tr, sw_tr, (np.asarray(X_val, dtype=spec.dtype), Y_val, sw_val)


def plain_rows(X, n_features, dtype):
    """``X`` in ``dtype`` if it is what validate_data would pass unchanged
    but for the dtype (a finite 2-D float ndarray of ``n_features`` columns),
    else None.

    validate_data's generic checks cost about as much as the forward pass of
    a small network on a few rows; anything else, and every error, takes
    validate_data's path.
    """
    if (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype in _FLOAT_DTYPES
        and X.shape[0] > 0
        and X.shape[1] == n_features
    ):
        with np.errstate(over="ignore"):  # too large: validate_data says so
            X = X.astype(dtype, copy=False)
        if np.isfinite(X).all():
            return X
    return None
