"""Building the networks: the Dense stack and scikit-learn's initial weights.

A model built here never draws from Python's, NumPy's, Keras's or
TensorFlow's global random state: the Dense stack starts from zeros and gets
scikit-learn's initial weights from the estimator's ``RandomState``, and a
custom ``_build_model`` runs with Keras's source of default seeds replaced by
a ``random.Random`` seeded from that same ``RandomState``
(``_keras_support.keras_default_seeds``).
"""

import numpy as np

from .._forward import keras_activation
from .._tf import keras


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
