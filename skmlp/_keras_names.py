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
    from ._tf import keras

    if inspect.isclass(loss):
        loss = loss()
    if not (isinstance(loss, (str, keras.losses.Loss)) or callable(loss)):
        raise TypeError(
            "``loss`` must be a string, a function, an instance of "
            "``keras.losses.Loss`` or a type inheriting from ``keras.losses.Loss``; "
            f"got {loss!r}."
        )
    try:
        found = keras.losses.get(loss)
    except ValueError as exc:
        raise ValueError(
            f"Could not interpret loss identifier: {loss!r} ({exc}); use a Keras "
            "loss name such as 'mse' or 'binary_crossentropy'."
        ) from None
    return _name_of(found, snake_functions=True)


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
    from ._tf import keras

    if inspect.isclass(metric):
        metric = metric()
    if not (isinstance(metric, (str, keras.metrics.Metric)) or callable(metric)):
        raise TypeError(
            "``metric`` must be a string, a function, an instance of "
            "``keras.metrics.Metric`` or a type inheriting from "
            f"``keras.metrics.Metric``; got {metric!r}."
        )
    try:
        found = keras.metrics.get(metric)
    except ValueError as exc:
        raise ValueError(
            f"Could not interpret metric identifier: {metric!r} ({exc}); use a "
            "Keras metric name such as 'accuracy' or 'mse'."
        ) from None
    return _name_of(found, snake_functions=False)
