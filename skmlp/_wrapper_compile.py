"""Compiling the user's model for KerasClassifier and KerasRegressor:
``Model.compile``'s arguments built from the routed parameters (names,
classes and instances of optimizers, losses, metrics), the callbacks, and the
checks of the compiled model (a loss and an optimizer, the loss scikeras
compares, outputs that fit the encoded targets), with scikeras's messages;
history keys under scikeras's names. Imported on first use (it imports
Keras).
"""

import numpy as np

from . import _routing
from ._keras_support import check_callbacks
from ._tf import keras

# -- names, classes, instances --------------------------------------------------


def _snake_to_class(name):
    return "".join(part.capitalize() for part in name.split("_"))


def _resolver(module, what, examples):
    def resolve(name, routed):
        try:
            obj = module.get(name)
        except ValueError:
            raise ValueError(
                f"Could not interpret {what.replace('metrics', 'metric')} "
                f"identifier: {name!r}. "
                f"{what}={name!r} is not a Keras {what} name; use one of "
                f"{examples}, a keras.{module.__name__.split('.')[-1]} class or "
                "an instance."
            ) from None
        if routed and not isinstance(obj, type):
            # "sparse_categorical_crossentropy" is a function; its routed
            # parameters (from_logits=...) belong to the class.
            cls = getattr(module, name, None)
            obj = cls if isinstance(cls, type) else obj
            obj = getattr(module, _snake_to_class(name), obj)
        if what == "optimizer" and not isinstance(obj, type):
            obj = type(obj)  # keras.optimizers.get returns an instance
        return obj

    return resolve


def _resolve_metric(name, routed):
    if name in ("acc", "accuracy", "ce", "crossentropy") and not routed:
        return name  # Keras picks the right one from the loss
    return _resolver(keras.metrics, "metrics", "'accuracy', 'mae', 'auc'")(name, routed)


def _fresh(obj):
    """A new optimizer/metric from an instance's config: one instance given
    as a parameter must not carry state from one fit (or model) to the next."""
    if isinstance(obj, (keras.optimizers.Optimizer, keras.metrics.Metric)):
        try:
            return type(obj).from_config(obj.get_config())
        except Exception:  # a custom object without a round-tripping config
            return obj
    return obj


def compile_kwargs(params):
    """``Model.compile`` keyword arguments from the estimator's parameters:
    every key of ``_routing.COMPILE_KWARGS`` (None where unset, as scikeras
    gives them to the build function), then the ``compile__*`` ones."""
    kw = dict.fromkeys(sorted(_routing.COMPILE_KWARGS))
    kw.update(_routing.route(params, "compile", _routing.COMPILE_KWARGS))
    if kw["optimizer"] is not None:
        optimizer = _routing.instantiate(
            kw["optimizer"],
            _routing.route(params, "optimizer", strict=True),
            "optimizer",
            _resolver(keras.optimizers, "optimizer", "'adam', 'sgd', 'rmsprop'"),
        )
        kw["optimizer"] = _fresh(optimizer)
    if kw["loss"] is not None:
        kw["loss"] = _routing.instantiate(
            kw["loss"],
            _routing.route(params, "loss"),
            "loss",
            _resolver(
                keras.losses,
                "loss",
                "'mse', 'binary_crossentropy', 'sparse_categorical_crossentropy'",
            ),
        )
    metrics = kw["metrics"]
    if metrics is not None:
        metrics = _routing.instantiate(
            metrics, _routing.route(params, "metrics"), "metrics", _resolve_metric
        )
        if not isinstance(metrics, (list, tuple, dict)):
            metrics = [metrics]  # Keras wants a list or a dict
        kw["metrics"] = (
            {k: _fresh(m) for k, m in metrics.items()}
            if isinstance(metrics, dict)
            else [_fresh(m) for m in metrics]
        )
    return kw


def make_callbacks(params, destination):
    """The instantiated ``callbacks`` plus ``<destination>__callbacks``."""
    out = []
    for key in ("callbacks", f"{destination}__callbacks"):
        spec = params.get(key)
        if spec is None:
            continue
        routed = _routing.route(params, key) if key == "callbacks" else {}
        made = _routing.instantiate(spec, routed, key, _bad_callback_name)
        if isinstance(made, dict):
            made = list(made.values())
        elif not isinstance(made, (list, tuple)):
            made = [made]
        out.extend(check_callbacks(made, key, "instances or classes (or a dict)"))
    return out


def _bad_callback_name(name, routed):
    raise TypeError(
        f"callbacks={name!r}: callbacks are given as keras.callbacks.Callback "
        "classes or instances, not names."
    )


def ensure_compiled(model, kwargs):
    """Compile ``model`` from ``kwargs()`` unless it is compiled, then check
    that it has a loss and an optimizer (scikeras's rule and messages)."""
    if not model.compiled:
        model.compile(**kwargs())
    loss = getattr(model, "loss", None)
    if isinstance(loss, (list, tuple, dict)):
        values = loss.values() if isinstance(loss, dict) else loss
        if not any(callable(v) or isinstance(v, str) for v in values):
            loss = None
    if not loss:
        raise ValueError(
            "You must provide a loss or a compiled model: no valid loss function "
            "found. Pass loss=... (e.g. loss='sparse_categorical_crossentropy' "
            "or loss='mse'), or compile the model with a loss in the build "
            "function."
        )
    if not getattr(model, "optimizer", None):
        raise ValueError(
            "You must provide an optimizer or a compiled model: pass "
            "optimizer=... (e.g. 'adam'), or compile the model with one."
        )


def check_loss(model, given, default):
    """scikeras's check: a ``loss`` parameter other than the constructor's
    default must be the loss the model was compiled with (a build function
    that compiles its own loss would silently ignore it)."""
    from ._keras_names import loss_name

    kinds = (str, keras.losses.Loss, type)
    if not all(isinstance(x, kinds) for x in (given, model.loss)):
        return  # None, lists and dicts of losses, functions: not compared
    names = [loss_name(x) for x in (given, model.loss)]
    default = None if default is None else loss_name(default)
    if names[0] != default and names[1] != names[0]:
        raise ValueError(
            f"loss={given} but model compiled with {model.loss}. Data may not "
            "match loss function! Compile the model with the loss parameter "
            "(compile_kwargs['loss'] in the build function), or drop loss=."
        )


def history_name(key):
    """scikeras's name of a history key: a metric's full name (``"mse"``
    gives ``"mean_squared_error"``); losses, validation keys and names Keras
    does not know stay as they are."""
    if key == "loss" or key.startswith("val_"):
        return key
    from ._keras_names import metric_name

    try:
        return metric_name(key)
    except (TypeError, ValueError):
        return key


def _width(a):
    return 1 if np.ndim(a) < 2 else a.shape[-1]


def _known_loss_name(loss):
    """The full name of a single Keras built-in loss (one in a list or dict
    included), or None for custom and several losses."""
    if isinstance(loss, (list, tuple)) and len(loss) == 1:
        loss = loss[0]
    elif isinstance(loss, dict) and len(loss) == 1:
        loss = next(iter(loss.values()))
    from ._keras_names import loss_name

    try:
        name = loss_name(loss)
    except (TypeError, ValueError):
        return None
    return name if callable(getattr(keras.losses, name, None)) else None


def check_outputs(model, Y, n_outputs_expected, n_classes):
    """Raise a ValueError naming the fix when the model's outputs cannot
    take the encoded targets ``Y`` (Keras's own message is cryptic)."""
    try:
        outputs = list(model.outputs)
    except (AttributeError, ValueError):  # subclassed models: unknown
        return
    if n_outputs_expected and len(outputs) != n_outputs_expected:
        raise ValueError(
            f"Detected a Keras model input of size {n_outputs_expected}, but the "
            f"model has {len(outputs)} outputs. "
            f"The model has {len(outputs)} output(s) but the target encoder gives "
            f"{n_outputs_expected} (meta['n_outputs_expected_']); build a model "
            f"with {n_outputs_expected} output(s) or override target_encoder."
        )
    if len(outputs) != 1 or isinstance(Y, (list, tuple, dict)):
        return
    units, cols = outputs[0].shape[-1], _width(Y)
    if units is None or len(outputs[0].shape) != 2:
        return
    name = _known_loss_name(model.loss)
    if name is None:  # a custom loss: Keras checks its own inputs
        return
    if name == "sparse_categorical_crossentropy":
        if n_classes and units < n_classes:
            raise ValueError(
                f"The model's output has {units} unit(s) but y has {n_classes} "
                f"classes: with a sparse categorical loss the output layer needs "
                f"meta['n_classes_'] = {n_classes} units."
            )
    elif units != cols:
        raise ValueError(
            f"The model's output has {units} unit(s) but the encoded y has {cols} "
            f"column(s); give the output layer {cols} unit(s) (meta['n_outputs_'] "
            "or meta['n_classes_'] in the build function), or change the loss."
        )
