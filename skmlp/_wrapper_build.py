"""Building a wrapper's Keras model: which function builds it, its arguments.

``build_function`` picks the ``model`` parameter (a function or a
``keras.Model``) or the subclass's ``_keras_build_fn``; ``build_kwargs``
gathers what that function asks for (``_routing.build_kwargs``). Nothing here
imports Keras until a model is needed.
"""

import warnings

from sklearn.utils._param_validation import InvalidParameterError

from . import _routing


def _keras():
    from . import _wrapper_keras

    return _wrapper_keras


def _compile():
    from . import _wrapper_compile

    return _wrapper_compile


def build_function(est):
    """The function that builds ``est``'s model: ``model`` (a function, or a
    ``keras.Model`` instance, which is used as it is, trained or not), or
    the subclass's ``_keras_build_fn``; scikeras's checks and messages."""
    model = est.model
    if model is None and est._extra_params.get("build_fn") is not None:
        warnings.warn(
            "``build_fn`` will be renamed to ``model`` in a future release, at "
            "which point use of ``build_fn`` will raise an Error instead: pass "
            "model=... (scikeras's old name still works here).",
            UserWarning,
            stacklevel=4,
        )
        model = est._extra_params["build_fn"]
    if model is None:
        if hasattr(est, "_keras_build_fn"):
            return est._keras_build_fn
        raise ValueError(
            "model=None: pass a function that builds a Keras model "
            "(model=build_fn) or a keras.Model instance, or, if not using the "
            "``model`` param, you must implement ``_keras_build_fn`` in a subclass."
        )
    if _keras().is_model(model):
        return lambda: model
    if not callable(model):
        raise InvalidParameterError(
            f"``model`` must be a callable, a Keras Model instance or None; got "
            f"{model!r}. Pass the function that builds the model, or the model."
        )
    if hasattr(est, "_keras_build_fn"):
        raise ValueError(
            f"{type(est).__name__} cannot implement ``_keras_build_fn`` if using "
            "the `model` parameter: pass model=None to use _keras_build_fn, or "
            "drop the method."
        )
    return model


def build_model(est):
    """``est``'s model, built by its build function with Keras's unseeded
    initializers seeded from ``random_state`` (no global seed)."""
    from ._wrapper_fit import seeds

    kw = _keras()
    fn = build_function(est)
    build_seed, _ = seeds(est)
    with kw.default_seeds(build_seed):
        model = fn(**build_kwargs(est, fn, est.get_params()))
    return kw.check_model(model, "The build function")


def meta(est):
    """scikeras's ``meta``: the fitted attributes (``n_features_in_``,
    ``classes_``, the encoders' metadata, ...) but the model and history."""
    return {
        k: v
        for k, v in vars(est).items()
        if len(k) > 1
        and k.endswith("_")
        and not k.endswith("__")
        and not k.startswith("_")
        and k not in ("model_", "history_")
    }


def build_kwargs(est, fn, params):
    """The keyword arguments of ``fn`` from ``est``'s parameters."""
    params = {k: v for k, v in params.items() if k != "build_fn"}
    extra = {k: v for k, v in est._extra_params.items() if k != "build_fn"}
    return _routing.build_kwargs(
        fn,
        params,
        extra,
        meta=lambda: meta(est),
        compile_kwargs=lambda: _compile().compile_kwargs(params),
    )
