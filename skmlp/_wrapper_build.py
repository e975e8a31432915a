"""Which function builds a wrapper's Keras model, and its arguments.

``build_function`` picks the ``model`` parameter (a function or a
``keras.Model``) or the subclass's ``_keras_build_fn``; ``build_kwargs``
gathers what that function asks for (``_routing.build_kwargs``). Nothing here
imports Keras until a model is needed.
"""

from . import _routing


def _keras():
    from . import _wrapper_keras

    return _wrapper_keras


def build_function(est):
    """The function that builds ``est``'s model."""
    model = est.model
    if model is None:
        if hasattr(est, "_keras_build_fn"):
            return est._keras_build_fn
        raise ValueError(
            "model=None: pass a function that builds a Keras model "
            "(model=build_fn) or a keras.Model instance, or implement "
            "_keras_build_fn in a subclass."
        )
    if _keras().is_model(model):
        return lambda: _keras().clone_instance(model)
    return model


def build_kwargs(est, fn, params):
    """The keyword arguments of ``fn`` from ``est``'s parameters."""
    return _routing.build_kwargs(
        fn,
        params,
        est._extra_params,
        meta=est._meta,
        compile_kwargs=lambda: _keras().compile_kwargs(params),
    )
