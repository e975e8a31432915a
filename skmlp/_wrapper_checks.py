"""The data checks of the bring-your-own-model wrappers: scikit-learn's
``validate_data`` with scikeras's options, and the checks scikeras makes,
with its messages (users match them) and skmlp's fix: data that changed
between ``fit`` and ``partial_fit``, ``batch_size=-1`` without a shape.
NumPy and scikit-learn; Keras only for the float type of object ``X``.
"""

import inspect

import numpy as np
from sklearn.utils.validation import validate_data

from ._targets import check_known_labels


def validate(est, X, y="no_validation", reset=False):
    """``X`` (and ``y``) checked as ``est``'s data: ``reset`` records their
    shapes, dtypes and target type, otherwise they must continue the fit."""
    # CSR: Keras's data adapter mishandles other sparse formats (CSC).
    kw = dict(accept_sparse="csr", allow_nd=True, reset=reset)
    if getattr(getattr(X, "dtype", None), "kind", None) == "O":
        from ._tf import keras

        kw["dtype"] = keras.backend.floatx()  # as scikeras: Keras's float type
    X_only = isinstance(y, str) and y == "no_validation"
    if y is None and not est.__sklearn_tags__().target_tags.required:
        X_only = True  # a BaseWrapper transformer: initialize(X)
    if X_only:
        X, y = validate_data(est, X, **kw), None
    else:  # y=None: scikit-learn's "requires y to be passed" error
        X, y = validate_data(
            est, X, y, multi_output=True, y_numeric=est._y_numeric, **kw
        )
    if reset:
        est.X_shape_, est.X_dtype_ = X.shape, X.dtype
        if y is not None:
            est.y_dtype_, est.y_ndim_ = y.dtype, y.ndim
            est.target_type_ = est._type_of_target(y)
    else:
        same_data(est, X, y)
        if y is not None and est._labels_known():
            # Before the encoder meets them (its message names no fix).
            check_known_labels(
                y,
                est.classes_,
                "pass every label in `classes` on the first call to "
                "partial_fit, or fit from scratch (warm_start=False).",
            )
    return X, y


def same_data(est, X, y):
    """Raise a ValueError when ``X`` (and ``y``, if given) cannot continue a
    fit of ``est``: a dtype that does not cast safely to the fitted one, or
    another number of dimensions or sample shape."""
    name = type(est).__name__
    if y is not None and hasattr(est, "y_dtype_"):
        if not np.can_cast(y.dtype, est.y_dtype_):
            raise ValueError(
                f"Got y with dtype {y.dtype}, but this {name} expected "
                f"{est.y_dtype_} and casting from {y.dtype} to {est.y_dtype_} is "
                f"not safe! Pass y as {est.y_dtype_}, or refit from scratch."
            )
        if y.ndim != est.y_ndim_:
            raise ValueError(
                f"y has {y.ndim} dimensions, but this {name} is expecting "
                f"{est.y_ndim_} dimensions in y; reshape y as in the first fit."
            )
    if y is not None and not np.can_cast(X.dtype, est.X_dtype_):
        raise ValueError(
            f"Got X with dtype {X.dtype}, but this {name} expected {est.X_dtype_} "
            f"and casting from {X.dtype} to {est.X_dtype_} is not safe! Pass X "
            f"as {est.X_dtype_}, or refit from scratch."
        )
    if X.shape[1:] != est.X_shape_[1:]:
        dims = (
            f"X has {X.ndim} dimensions, but this {name} is expecting "
            f"{len(est.X_shape_)} dimensions in X: "
            if X.ndim != len(est.X_shape_)
            else ""
        )
        raise ValueError(
            f"{dims}X has samples of shape {X.shape[1:]}, but {name} was fitted "
            f"on samples of shape {est.X_shape_[1:]}; reshape X as in fit."
        )


def no_epochs(kwargs):
    """partial_fit takes neither ``epochs`` nor ``initial_epoch``."""
    for name in ("epochs", "initial_epoch"):
        if name in kwargs:
            raise TypeError(
                f"Invalid argument `{name}` to `partial_fit`: partial_fit "
                "trains one epoch from the current one (use fit for several "
                "epochs)."
            )


def all_rows(args, X, keys=("batch_size", "validation_batch_size")):
    """Replace ``-1`` (all samples) in ``args[key]`` by the rows of the
    encoded ``X``."""
    for key in keys:
        if args.get(key) == -1:
            if not hasattr(X, "shape"):
                raise ValueError(
                    f"`{key}=-1` requires that `X` implement `shape`, but the "
                    f"feature encoder gives a {type(X).__name__}; pass a number "
                    f"of rows as {key}."
                )
            args[key] = X.shape[0]
    return args


def default_loss(est):
    """The default of ``loss`` in ``est``'s constructor (a subclass may give
    one), or None."""
    param = inspect.signature(type(est).__init__).parameters.get("loss")
    return None if param is None or param.default is param.empty else param.default
