"""The scikit-learn contract: every public estimator passes every check.

Estimators are found from ``skmlp.__all__``, so a new one is checked without
editing this file.
"""

import inspect

import pytest
from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

import skmlp

ESTIMATORS = [
    obj
    for name in skmlp.__all__
    if inspect.isclass(obj := getattr(skmlp, name)) and issubclass(obj, BaseEstimator)
]

#: Small networks and few epochs keep the ~100 fits of the checks quick; the
#: checks' data sets are tiny.
FAST_PARAMS = {
    "MLPKerasClassifier": dict(hidden_layer_sizes=(16,), max_iter=60,
                               learning_rate_init=0.01),
    "MLPKerasRegressor": dict(hidden_layer_sizes=(16,), max_iter=100,
                              learning_rate_init=0.01),
}


def _instances():
    for cls in ESTIMATORS:
        yield cls(**FAST_PARAMS.get(cls.__name__, {}))


#: Checks that cannot pass, each with its reason. Empty by design.
EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks(
    list(_instances()),
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(
        type(est).__name__, {}
    ),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", list(_instances()), ids=lambda e: type(e).__name__)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)
