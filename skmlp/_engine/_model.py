"""Building the networks: the Dense stack, seeded custom models, perceptrons.

A model built here never draws from Python's, NumPy's, Keras's or
TensorFlow's global random state: the Dense stack starts from zeros and gets
scikit-learn's initial weights from the estimator's ``RandomState``, and a
custom ``_build_model`` runs with Keras's source of default seeds replaced by
a ``random.Random`` seeded from that same ``RandomState``.
"""

import contextlib
import random
import threading

import numpy as np

from .._forward import keras_activation
from .._tf import keras, ops
from . import _private

_SEED_LOCK = threading.Lock()


def dense_model(
    n_features,
    hidden_layer_sizes,
    activation,
    n_outputs,
    out_activation,
    dtype="float32",
):
    """The MLP as a ``keras.Sequential`` of Dense layers, uncompiled and built.

    The kernels start at zero: the estimator sets scikit-learn's initial
    weights (or the fitted ones) right after.
    """
    act = keras_activation(activation)
    dense = dict(kernel_initializer="zeros", bias_initializer="zeros", dtype=dtype)
    layers = [keras.Input(shape=(n_features,), name="features", dtype=dtype)]
    for i, units in enumerate(hidden_layer_sizes):
        layers.append(
            keras.layers.Dense(units, activation=act, name=f"hidden_{i + 1}", **dense)
        )
    layers.append(
        keras.layers.Dense(n_outputs, activation=out_activation, name="output", **dense)
    )
    return keras.Sequential(layers, name="mlp")


@contextlib.contextmanager
def keras_default_seeds(seed):
    """Within this context, Keras's unseeded initializers and seed generators
    draw their seeds from ``random.Random(seed)`` instead of Python's global
    ``random`` module: a custom model is reproducible, and the global state
    is left alone. Serialised, so concurrent builds do not interleave. Keras's
    private name, its fallback and the check that the seeds apply:
    :func:`skmlp._engine._private.default_seeds`."""
    with _SEED_LOCK, _private.default_seeds(random.Random(seed)):
        yield


def ensure_built(model, n_features, dtype):
    """Build a model that has no weights yet (a subclassed model, a
    Sequential without an Input) by calling it on one row of zeros."""
    if not model.built or not model.weights:
        model(ops.zeros((1, n_features), dtype=dtype))
    return model


def sklearn_initial_weights(sizes, activation, rng, dtype):
    """scikit-learn's Glorot-uniform initialisation of a Dense stack of layer
    ``sizes`` (inputs first), drawn from ``rng`` in scikit-learn's order."""
    factor = 2.0 if activation == "logistic" else 6.0
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = np.sqrt(factor / (fan_in + fan_out))
        weights.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype))
        weights.append(rng.uniform(-bound, bound, fan_out).astype(dtype))
    return weights


def perceptron_model(coef, intercept, step):
    """A Dense layer of threshold logic units carrying the given weights."""
    if step == "heaviside":

        def step_fn(z):
            return ops.cast(z >= 0, z.dtype)

    else:
        step_fn = ops.sign
    model = keras.Sequential(
        [
            keras.Input(shape=(coef.shape[1],), name="features"),
            keras.layers.Dense(coef.shape[0], activation=step_fn, name="tlu"),
        ],
        name="perceptron",
    )
    model.set_weights([coef.T.astype("float32"), intercept.astype("float32")])
    return model
