"""Parameter routing of the bring-your-own-model wrappers (scikeras's scheme).

``model__hidden=8`` reaches the build function's ``hidden`` argument,
``optimizer__learning_rate=0.01`` the optimizer's constructor, ``fit__*`` and
``predict__*`` Keras's ``fit`` and ``predict``. Plain functions over
dictionaries; nothing here imports Keras.
"""

import inspect

#: The prefixes a routed parameter may start with.
ROUTING_PREFIXES = (
    "model",
    "compile",
    "optimizer",
    "loss",
    "metrics",
    "callbacks",
    "fit",
    "predict",
    "score",
)

#: Unprefixed parameters that go to ``Model.compile``, ``fit`` or ``predict``
#: instead of the build function (``loss_weights=...``, ``validation_freq=2``).
COMPILE_KWARGS = frozenset(
    {"optimizer", "loss", "metrics", "loss_weights", "weighted_metrics", "run_eagerly"}
)
FIT_KWARGS = frozenset(
    {
        "batch_size",
        "epochs",
        "verbose",
        "validation_split",
        "shuffle",
        "initial_epoch",
        "validation_steps",
        "validation_batch_size",
        "validation_freq",
    }
)
PREDICT_KWARGS = frozenset({"batch_size", "verbose", "steps"})


def is_routed(name):
    """Whether ``name`` is a routed parameter (``prefix__rest``)."""
    prefix, sep, rest = name.partition("__")
    return bool(sep and rest) and prefix in ROUTING_PREFIXES


def route(params, destination, pass_filter=(), strict=False):
    """The parameters for ``destination``: the unprefixed ones named in
    ``pass_filter``, then ``destination__name`` ones with the prefix removed
    (with ``strict``, not ``destination__name__inner`` ones)."""
    out = {k: v for k, v in params.items() if "__" not in k and k in pass_filter}
    prefix = destination + "__"
    for key, value in params.items():
        if key.startswith(prefix):
            name = key[len(prefix) :]
            if not (strict and "__" in name):
                out[name] = value
    return out


def signature_names(fn):
    """``(names, takes_kwargs)``: the keyword-passable parameter names of
    ``fn`` and whether it takes ``**kwargs``."""
    params = inspect.signature(fn).parameters.values()
    names = {
        p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    return names, any(p.kind == p.VAR_KEYWORD for p in params)


def required_names(fn):
    """The parameters of ``fn`` that have no default."""
    params = inspect.signature(fn).parameters.values()
    return [
        p.name
        for p in params
        if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]


def instantiate(spec, params, what, resolve):
    """Build ``spec`` (a name, a class, an instance, or a list or dict of them)
    with its routed ``params``, as scikeras does.

    ``params`` are the ``what__*`` parameters without the prefix: ``name=value``
    applies to every class in ``spec``, ``0__name`` / ``key__name`` to one
    item of a list / dict. ``resolve`` turns a string into a class or object
    (and raises a clear error for an unknown name).
    """
    if isinstance(spec, (list, tuple)):
        shared = {k: v for k, v in params.items() if "__" not in k}
        return type(spec)(
            instantiate(
                item, {**shared, **route(params, str(i))}, f"{what}__{i}", resolve
            )
            for i, item in enumerate(spec)
        )
    if isinstance(spec, dict):
        shared = {k: v for k, v in params.items() if "__" not in k}
        return {
            key: instantiate(
                item, {**shared, **route(params, str(key))}, f"{what}__{key}", resolve
            )
            for key, item in spec.items()
        }
    if isinstance(spec, str):
        spec = resolve(spec, bool(params))
    own = {k: v for k, v in params.items() if "__" not in k}
    if inspect.isclass(spec):
        try:
            return spec(**own)
        except (TypeError, ValueError) as exc:  # Keras raises either
            given = ", ".join(f"{what}__{k}" for k in own) or "no parameters"
            raise ValueError(
                f"{spec.__name__} could not be built from {given}: {exc}. Check "
                f"the spelling of the routed {what}__* parameters against "
                f"{spec.__name__}'s signature."
            ) from None
    if own:
        raise ValueError(
            f"{what}={spec!r} is not a class, so it takes no routed parameters, "
            f"but {', '.join(f'{what}__{k}' for k in own)} were given; pass the "
            "class (or its name) instead, or drop the routed parameters."
        )
    return spec
