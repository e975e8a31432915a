"""Shared by the test modules: a small instance of each public estimator, and
inputs on the Keras side of the MLPs' NumPy/Keras predict threshold."""

import numpy as np

from skmlp import MLPKerasClassifier, MLPKerasRegressor, StepPerceptron
from skmlp._mlp import NUMPY_PREDICT_MAX_ROWS

FACTORIES = {
    "clf": lambda: MLPKerasClassifier(
        hidden_layer_sizes=(8,), max_iter=5, random_state=0
    ),
    "reg": lambda: MLPKerasRegressor(
        hidden_layer_sizes=(8,), max_iter=5, random_state=0
    ),
    "perc": lambda: StepPerceptron(max_iter=5, random_state=0),
}
ALL = tuple(FACTORIES)
MLPS = ("clf", "reg")


def keras_rows(X):
    """``X`` repeated to more rows than the NumPy forward pass serves: the
    MLPs predict them through Keras's batched ``predict``."""
    return np.tile(X, (NUMPY_PREDICT_MAX_ROWS // len(X) + 1, 1))
