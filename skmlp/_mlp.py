"""MLPKerasClassifier (``_mlp_classifier.py``) and MLPKerasRegressor
(``_mlp_regressor.py``), thin estimators over ``_mlp_base._BaseMLPKeras``,
under the module name their pickles record: ``skmlp._mlp.MLPKerasClassifier``
is what pickle and skops's trusted types name (``get_untrusted_types``)."""

from ._mlp_base import NUMPY_PREDICT_MAX_ROWS
from ._mlp_classifier import MLPKerasClassifier
from ._mlp_regressor import MLPKerasRegressor

__all__ = ["NUMPY_PREDICT_MAX_ROWS", "MLPKerasClassifier", "MLPKerasRegressor"]

for _estimator in (MLPKerasClassifier, MLPKerasRegressor):
    _estimator.__module__ = __name__
