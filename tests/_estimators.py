"""Shared by the test modules: a small instance of each public estimator, and
inputs on the Keras side of the MLPs' NumPy/Keras predict threshold."""

import numpy as np
from _keras_models import dynamic_classifier, dynamic_regressor

from skmlp import (
    KerasClassifier,
    KerasRegressor,
    MLPKerasClassifier,
    MLPKerasRegressor,
    StepPerceptron,
)
from skmlp._mlp import NUMPY_PREDICT_MAX_ROWS

FACTORIES = {
    "clf": lambda: MLPKerasClassifier(
        hidden_layer_sizes=(8,), max_iter=5, random_state=0
    ),
    "reg": lambda: MLPKerasRegressor(
        hidden_layer_sizes=(8,), max_iter=5, random_state=0
    ),
    "perc": lambda: StepPerceptron(max_iter=5, random_state=0),
    # The wrappers with a small build function (module-level: picklable).
    "kclf": lambda: KerasClassifier(
        dynamic_classifier, model__hidden=8, optimizer="adam", epochs=5, random_state=0
    ),
    "kreg": lambda: KerasRegressor(
        dynamic_regressor, model__hidden=8, optimizer="adam", epochs=5, random_state=0
    ),
}
ALL = tuple(FACTORIES)
MLPS = ("clf", "reg")
WRAPPERS = ("kclf", "kreg")
#: The estimators with scikit-learn's own input rules (2-D X, fitted
#: attributes of their own); the wrappers follow scikeras's.
NATIVE = ("clf", "reg", "perc")


def keras_rows(X):
    """``X`` repeated to more rows than the NumPy forward pass serves: the
    MLPs predict them through Keras's batched ``predict``."""
    return np.tile(X, (NUMPY_PREDICT_MAX_ROWS // len(X) + 1, 1))
