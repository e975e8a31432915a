"""skmlp: neural networks as first-class scikit-learn estimators.

``MLPKerasClassifier`` and ``MLPKerasRegressor`` are drop-in replacements for
scikit-learn's MLPs, trained by Keras 3; ``StepPerceptron`` is the textbook
perceptron. Importing skmlp does not import TensorFlow: that happens on first use.
"""

from ._display import HistoryDisplay
from ._keras_names import loss_name, metric_name
from ._mlp import MLPKerasClassifier, MLPKerasRegressor
from ._perceptron import StepPerceptron
from ._wrapper_base import BaseWrapper
from ._wrapper_encoders import (
    ClassifierLabelEncoder,
    RegressorTargetEncoder,
    TargetReshaper,
)
from ._wrappers import KerasClassifier, KerasRegressor

__version__ = "0.1.0"

__all__ = [
    "BaseWrapper",
    "ClassifierLabelEncoder",
    "HistoryDisplay",
    "KerasClassifier",
    "KerasRegressor",
    "MLPKerasClassifier",
    "MLPKerasRegressor",
    "RegressorTargetEncoder",
    "StepPerceptron",
    "TargetReshaper",
    "__version__",
    "loss_name",
    "metric_name",
]
