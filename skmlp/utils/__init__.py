"""scikeras's ``scikeras.utils``: helpers for bring-your-own-model users.

``from scikeras.utils import loss_name`` becomes ``from skmlp.utils import
loss_name``; the target encoders are in :mod:`skmlp.utils.transformers`.
Importing this package does not import TensorFlow.
"""

from .._keras_names import loss_name, metric_name

__all__ = ["loss_name", "metric_name"]
