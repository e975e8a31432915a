"""Parameter routing of the bring-your-own-model wrappers (scikeras's scheme).

``model__hidden=8`` reaches the build function's ``hidden`` argument,
``optimizer__learning_rate=0.01`` the optimizer's constructor, ``fit__*`` and
``predict__*`` Keras's ``fit`` and ``predict``. Plain functions over
dictionaries, and the mixin that makes routed parameters real estimator
parameters; nothing here imports Keras.
"""

import inspect

from sklearn.utils._param_validation import InvalidParameterError

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


class RoutedParams:
    """``get_params`` / ``set_params`` with the routed (``model__hidden=8``)
    and extra (``hidden=8``) parameters, held in ``self._extra_params``, as
    real parameters: ``clone`` and grid searches see them. Mixed in before
    ``BaseEstimator``; the class gives ``_parameter_constraints_base``.

    As in scikeras, the parameters are what the estimator stores: a
    constructor argument a subclass does not store is not one (scikit-learn
    would raise AttributeError), and a public attribute a subclass's
    ``__init__`` sets is one. Routed and extra parameters read as attributes
    (``est.fit__batch_size``).
    """

    @property
    def _parameter_constraints(self):
        extra = dict.fromkeys(self.__dict__.get("_extra_params", ()), "no_validation")
        return {**self._parameter_constraints_base, **extra}

    def __getattr__(self, name):
        # Only reached when normal lookup fails: routed and extra parameters.
        extra = self.__dict__.get("_extra_params")
        if extra is not None and name in extra:
            return extra[name]
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}"
        )

    def _stored_names(self):
        return [
            k
            for k in self.__dict__
            if not k.startswith("_") and not k.endswith("_") and k != "_extra_params"
        ]

    def _get_param_names(self):
        """The constructor's arguments the estimator stores, then the other
        public attributes it stores (a subclass's ``self.name = value``)."""
        names = [
            name for name in type(self)._signature_names() if name in self.__dict__
        ]
        return sorted(set(names) | set(self._stored_names()))

    @classmethod
    def _signature_names(cls):
        # scikit-learn's _get_param_names, without its error for *args (a
        # scikeras subclass may have them: its parameters are what it stores).
        init = getattr(cls.__init__, "deprecated_original", cls.__init__)
        if init is object.__init__:
            return []
        params = inspect.signature(init).parameters.values()
        skip = (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
        return sorted(p.name for p in params if p.name != "self" and p.kind not in skip)

    def get_params(self, deep=True):
        """Get the parameters of this estimator, routed ones included.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of nested estimators.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep)
        params.update(self.__dict__.get("_extra_params", {}))
        return params

    def set_params(self, **params):
        """Set parameters, routed ones (``optimizer__learning_rate``) included.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : object
            The estimator.
        """
        extra = self.__dict__.setdefault("_extra_params", {})
        plain = {}
        for name, value in params.items():
            if name in self._stored_names():
                setattr(self, name, value)
            elif is_routed(name) or name in extra:
                extra[name] = value
            else:
                plain[name] = value
        try:
            super().set_params(**plain)
        except ValueError as exc:
            name, valid = type(self).__name__, self.get_params(deep=False)
            key = next((k for k in plain if k.split("__")[0] not in valid), None)
            key = next(iter(plain)) if key is None else key
            value = plain[key]
            raise ValueError(
                f"Invalid parameter {key} for estimator {name}. This issue can "
                f"likely be resolved by setting this parameter in the {name} "
                f"constructor: `{name}({key}={value!r})` ({exc}) Routed "
                f"parameters start with one of "
                f"{', '.join(p + '__' for p in ROUTING_PREFIXES)}."
            ) from None
        return self


def build_kwargs(fn, params, extra, *, meta, compile_kwargs):
    """The keyword arguments of the build function ``fn``: the wrapper's own
    ``params`` that ``fn`` names, the ``extra`` unprefixed parameters, the
    ``model__*`` ones without their prefix, and ``meta`` / ``compile_kwargs``
    / ``params`` where ``fn`` asks for them (``meta`` and ``compile_kwargs``
    are called only then). Raises an error naming the parameter and the fix
    for one that ``fn`` cannot take or that nothing gives (an
    ``InvalidParameterError``: a ValueError and, as Python's own error for a
    bad call that scikeras lets through, a TypeError)."""
    names, var_kw = signature_names(fn)
    own = {k: v for k, v in params.items() if k in names and "__" not in k}
    extra = {k: v for k, v in extra.items() if "__" not in k}
    fit_like = COMPILE_KWARGS | FIT_KWARGS | PREDICT_KWARGS
    fn_name = getattr(fn, "__name__", type(fn).__name__)
    for name in extra:
        if name not in names and not var_kw and name not in fit_like:
            raise InvalidParameterError(
                f"{fn_name}() got an unexpected keyword argument {name!r}: "
                f"{name}={extra[name]!r} is not a parameter of the build "
                f"function {fn_name}; add {name} to its signature, or route it "
                "with a prefix (model__, optimizer__, fit__, ...)."
            )
    kwargs = {**own, **{k: v for k, v in extra.items() if k not in fit_like}}
    for name, value in route(params, "model", strict=True).items():
        if name not in names and not var_kw:
            raise InvalidParameterError(
                f"{fn_name}() got an unexpected keyword argument {name!r}: "
                f"model__{name} is given but the build function {fn_name} has "
                f"no parameter {name!r}; add {name} to its signature or remove "
                f"model__{name}."
            )
        kwargs[name] = value
    wants = lambda n: n in names or var_kw  # noqa: E731
    if wants("meta"):
        kwargs["meta"] = meta()
    if wants("compile_kwargs"):
        kwargs["compile_kwargs"] = compile_kwargs()
    if wants("params"):
        kwargs["params"] = params
    missing = [n for n in required_names(fn) if n not in kwargs]
    if missing:
        raise InvalidParameterError(
            f"The build function {fn_name} needs {missing} but nothing gives "
            f"them; pass model__{missing[0]}=... (or give it a default)."
        )
    return kwargs


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


def instantiate(spec, params, what, resolve, base=None):
    """Build ``spec`` (a name, a class, an instance, or a list or dict of them)
    with its routed ``params``, as scikeras does.

    ``params`` are the ``what__*`` parameters without the prefix: ``name=value``
    applies to every class in ``spec``, ``0__name`` / ``key__name`` to one
    item of a list / dict; a class's own argument may itself be a class (or a
    list of them) built from ``name__inner=value``, and digit names are
    positional arguments. ``resolve`` turns a string into a class or object
    (and raises a clear error for an unknown name); None leaves strings as
    they are. ``base`` holds the arguments shared from an enclosing list or
    dict.
    """
    own = {k: v for k, v in params.items() if "__" not in k}
    if isinstance(spec, (list, tuple, dict)):
        items = spec.items() if isinstance(spec, dict) else enumerate(spec)
        built = {
            key: instantiate(
                item, route(params, str(key)), f"{what}__{key}", resolve, base=own
            )
            for key, item in items
        }
        return built if isinstance(spec, dict) else type(spec)(built.values())
    merged = {**(base or {}), **own}
    if isinstance(spec, str) and resolve is not None:
        spec = resolve(spec, bool(merged))
    if inspect.isclass(spec):
        kwargs = {
            k: instantiate(v, route(params, k), f"{what}__{k}", None)
            for k, v in merged.items()
        }
        args = [kwargs.pop(k) for k in sorted(k for k in kwargs if k.isdigit())]
        try:
            return spec(*args, **kwargs)
        except (TypeError, ValueError) as exc:  # Keras raises either
            given = ", ".join(f"{what}__{k}" for k in merged) or "no parameters"
            raise ValueError(
                f"{spec.__name__} could not be built from {given}: {exc}. Check "
                f"the spelling of the routed {what}__* parameters against "
                f"{spec.__name__}'s signature."
            ) from None
    if merged:
        raise TypeError(
            f"{what}={spec!r} does not accept parameters because it's not a "
            f"class, but {', '.join(f'{what}__{k}' for k in merged)} were given; "
            "pass the class (or its name) instead, or drop the routed parameters."
        )
    return spec
