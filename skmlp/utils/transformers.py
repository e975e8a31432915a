"""scikeras's ``scikeras.utils.transformers``: the target encoders of
:class:`~skmlp.KerasClassifier` and :class:`~skmlp.KerasRegressor`, to
subclass (``from scikeras.utils.transformers import ClassifierLabelEncoder``
becomes ``from skmlp.utils.transformers import ClassifierLabelEncoder``).
"""

from .._wrapper_encoders import (
    ClassifierLabelEncoder,
    RegressorTargetEncoder,
    TargetReshaper,
)

__all__ = ["ClassifierLabelEncoder", "RegressorTargetEncoder", "TargetReshaper"]
