"""The validation set of a fit, as scikit-learn 1.9's estimators take it.

``fit(X, y, sample_weight=None, *, X_val=None, y_val=None,
sample_weight_val=None)`` (``HistGradientBoostingClassifier``'s spelling):
metadata routing requests them like ``sample_weight``
(``est.set_fit_request(X_val=True, y_val=True)``), so
``Pipeline(transform_input=["X_val"])`` runs ``X_val`` through the fitted
transformers before the estimator receives it, inside ``GridSearchCV`` and
``cross_validate`` too. ``validation_data=(X_val, y_val[, sample_weight_val])``
is Keras's spelling of the same set. Both the MLPs and the wrappers resolve
the two spellings here; the wrappers also encode the set here (X through
``feature_encoder_``, y through ``target_encoder_``), as they encode X and y.
Nothing here imports Keras.
"""

import numpy as np

__all__ = ["resolve", "wrapper_fit_args"]


def resolve(validation_data, X_val, y_val, sample_weight_val):
    """``(X_val, y_val, sample_weight_val)`` from either spelling, or None.

    Raises a ValueError naming the fix when both spellings are given, or
    one of ``X_val`` / ``y_val`` without the other.
    """
    given = [
        name
        for name, value in (
            ("X_val", X_val),
            ("y_val", y_val),
            ("sample_weight_val", sample_weight_val),
        )
        if value is not None
    ]
    if validation_data is not None and given:
        raise ValueError(
            f"Got validation_data and {', '.join(given)}: both give the "
            "validation set. Pass X_val=..., y_val=... (and sample_weight_val=...) "
            "or validation_data=(X_val, y_val[, sample_weight_val]), not both."
        )
    if validation_data is not None:
        if not isinstance(validation_data, tuple | list) or len(
            validation_data
        ) not in (2, 3):
            raise ValueError(
                "validation_data must be a tuple (X_val, y_val) or "
                "(X_val, y_val, sample_weight_val)."
            )
        X_val, y_val, *rest = validation_data
        return X_val, y_val, rest[0] if rest else None
    if not given:
        return None
    # scikit-learn's messages (HistGradientBoosting*), with the fix.
    if y_val is None:
        raise ValueError(
            "X_val is provided, but y_val was not provided: pass both "
            "(in a search or pipeline, request both: "
            "set_fit_request(X_val=True, y_val=True))."
        )
    if X_val is None:
        raise ValueError(
            "y_val is provided, but X_val was not provided: pass both "
            "(in a search or pipeline, request both: "
            "set_fit_request(X_val=True, y_val=True))."
        )
    return X_val, y_val, sample_weight_val


def wrapper_fit_args(est, fit_args, validation):
    """``fit_args`` for ``keras.Model.fit`` with the validation set encoded.

    ``validation`` is the ``(X_val, y_val, sample_weight_val)`` of
    ``fit``'s keyword arguments (or None); ``fit_args`` may hold Keras's
    ``validation_data`` (from ``fit(validation_data=...)`` or the
    ``fit__validation_data`` parameter). The set is validated as X and y
    (``est._validate(reset=False)``), X encoded by ``est.feature_encoder_``,
    y by ``est.target_encoder_``; zero-weight samples are dropped, as from
    the training set.
    """
    X_val, y_val, sw_val = validation or (None, None, None)
    val = resolve(fit_args.get("validation_data"), X_val, y_val, sw_val)
    if val is None:
        return fit_args
    X_val, y_val, sw_val = val
    try:
        X_val, y_val = est._validate(X_val, y_val, reset=False)
        sw_val = est._sample_weight(X_val, y_val, sw_val)
        if sw_val is not None:
            if not np.any(sw_val):
                raise ValueError(
                    "Every sample_weight_val is zero: the validation set is "
                    "empty; give some validation samples a positive weight."
                )
            keep = sw_val != 0  # as from the training set
            X_val, y_val, sw_val = X_val[keep], y_val[keep], sw_val[keep]
        Y_val = est.target_encoder_.transform(y_val)
    except ValueError as exc:
        raise ValueError(
            f"The validation set (X_val, y_val): {exc} Pass a validation set "
            "shaped and labelled like the training set (X, y)."
        ) from exc
    data = (est.feature_encoder_.transform(X_val), Y_val)
    return {**fit_args, "validation_data": data + (() if sw_val is None else (sw_val,))}
