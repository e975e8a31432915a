"""scikeras's ``loss_name`` and ``metric_name``: the snake-case name of a
Keras loss or metric given as a string, function, class or instance.

Public as ``skmlp.utils.loss_name`` / ``metric_name`` (and from ``skmlp``);
Keras is imported when one is called, not with skmlp.
"""

import inspect
import re


def _camel_to_snake(name):
    # Keras's own rule (keras.src.utils.naming.to_snake_case): "AUC" gives
    # "auc", "CategoricalCrossentropy" "categorical_crossentropy".
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _name_of(obj, snake_functions):
    if isinstance(obj, str):
        return obj
    if not inspect.isfunction(obj) and not inspect.isbuiltin(obj):
        # An instance (a Loss, a Metric or a LossFunctionWrapper of a
        # function): its class, or the function it wraps.
        fn = getattr(obj, "fn", None)
        if fn is not None and type(obj).__name__ == "LossFunctionWrapper":
            return _name_of(fn, snake_functions)
        return _camel_to_snake(type(obj).__name__)
    name = obj.__name__
    return _camel_to_snake(name) if snake_functions else name


def loss_name(loss):
    """The full snake-case name of a Keras loss (``"mse"`` gives
    ``"mean_squared_error"``).

    Parameters
    ----------
    loss : str, callable, keras.losses.Loss or its class
        A loss name (short or full, snake or camel case), a loss function,
        a ``keras.losses.Loss`` instance or class.

    Returns
    -------
    name : str
        The loss's name in snake case.

    Raises
    ------
    TypeError
        If ``loss`` is none of the above.
    ValueError
        If ``loss`` is a string Keras does not know.

    Examples
    --------
    >>> from skmlp.utils import loss_name
    >>> loss_name("BinaryCrossentropy")
    'binary_crossentropy'
    >>> loss_name("mse")
    'mean_squared_error'
    """
    return _full_name(loss, "loss", "Loss", "'mse' or 'binary_crossentropy'", True)


def metric_name(metric):
    """The full name of a Keras metric (``"mse"`` gives
    ``"mean_squared_error"``; classes and instances give their class's name
    in snake case).

    Parameters
    ----------
    metric : str, callable, keras.metrics.Metric or its class
        A metric name (short or full), a metric function, a
        ``keras.metrics.Metric`` instance or class.

    Returns
    -------
    name : str
        The metric's name.

    Raises
    ------
    TypeError
        If ``metric`` is none of the above.
    ValueError
        If ``metric`` is a string Keras does not know.

    Examples
    --------
    >>> from skmlp.utils import metric_name
    >>> metric_name("mse")
    'mean_squared_error'
    >>> import keras
    >>> metric_name(keras.metrics.BinaryAccuracy())
    'binary_accuracy'
    """
    return _full_name(metric, "metric", "Metric", "'accuracy' or 'mse'", False)


def _full_name(value, kind, base, examples, snake_functions):
    """:func:`loss_name` and :func:`metric_name`: ``kind`` is "loss" or
    "metric", ``base`` its Keras class name (in ``keras.losses`` or
    ``keras.metrics``)."""
    from ._tf import keras

    package = "losses" if kind == "loss" else "metrics"
    module, base_class = getattr(keras, package), f"``keras.{package}.{base}``"
    if inspect.isclass(value):
        value = value()
    if not (isinstance(value, (str, getattr(module, base))) or callable(value)):
        raise TypeError(
            f"``{kind}`` must be a string, a function, an instance of "
            f"{base_class} or a type inheriting from {base_class}; got {value!r}."
        )
    try:
        found = module.get(value)
    except ValueError as exc:
        raise ValueError(
            f"Could not interpret {kind} identifier: {value!r} ({exc}); use a "
            f"Keras {kind} name such as {examples}."
        ) from None
    return _name_of(found, snake_functions=snake_functions)
