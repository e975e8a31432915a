"""Bad parameters: every parameter of every estimator, a value of the wrong
type and one out of range, raise scikit-learn's InvalidParameterError at
``fit``, and leave a fitted estimator exactly as it was (scikit-learn's
``check_param_validation`` covers unfitted estimators; this covers the
no-damage promise)."""

import pytest
from _estimators import ALL, FACTORIES
from _snapshots import (
    WARNINGS,
    X,
    assert_unchanged,
    params,
    target,
)
from sklearn.utils._param_validation import InvalidParameterError

pytestmark = WARNINGS


_MLP_PARAMS = {
    "hidden_layer_sizes": ("8", 0),
    "activation": (1, "softmax"),
    "solver": (None, "newton"),
    "alpha": ("0.1", -1.0),
    "batch_size": (1.5, 0),
    "learning_rate": (1, "optimal"),
    "learning_rate_init": ("0.1", 0.0),
    "power_t": ("0.5", -0.5),
    "max_iter": (1.5, 0),
    "shuffle": ("yes", None),
    "random_state": ("seed", -1),
    "tol": ("0.1", -1.0),
    "verbose": ("1", -1),
    "warm_start": ("yes", None),
    "momentum": ("0.9", 1.5),
    "nesterovs_momentum": ("yes", None),
    "early_stopping": ("yes", None),
    "validation_fraction": ("0.1", 1.0),
    "beta_1": ("0.9", 1.0),
    "beta_2": ("0.9", -0.1),
    "epsilon": ("1e-8", 0.0),
    "n_iter_no_change": (1.5, 0),
    "max_fun": (1.5, 0),
    "metrics": ("mae", None),
    "callbacks": ("early_stopping", None),
    "distribution": (1.5, "tpu"),
}
_WRAPPER_PARAMS = {
    "warm_start": ("yes", None),
    "random_state": ("seed", -1),
    "optimizer": (1.5, None),
    "loss": (1.5, None),
    "metrics": (1.5, None),
    "batch_size": (1.5, 0),
    "validation_batch_size": (1.5, 0),
    "verbose": ("1", -1),
    "callbacks": (1.5, None),
    "validation_split": ("0.1", 1.0),
    "shuffle": ("yes", None),
    "run_eagerly": ("yes", None),
    "epochs": (1.5, -1),
}
#: Parameters checked elsewhere: the wrappers' ``model`` when it is built
#: (test_wrappers), their routed ones (``model__hidden``) by the build function.
UNVALIDATED = {"model", "model__hidden"}
BAD_PARAMS = {
    "clf": {**_MLP_PARAMS, "class_weight": (1.0, "unbalanced")},
    "reg": {
        **_MLP_PARAMS,
        "loss": (1, "hinge"),
        "huber_delta": ("1", 0.0),
        "output_activation": (1, "softmax"),
    },
    "perc": {
        "step": (1, "sigmoid"),
        "eta0": ("1", 0.0),
        "max_iter": (1.5, 0),
        "tol": ("0.1", -1.0),
        "n_iter_no_change": (1.5, 0),
        "shuffle": ("yes", None),
        "random_state": ("seed", -1),
        "fit_intercept": ("yes", None),
        "class_weight": (1.0, "unbalanced"),
        "average": ("yes", None),
        "warm_start": ("yes", None),
        "verbose": ("1", -1),
    },
    "kclf": {**_WRAPPER_PARAMS, "class_weight": (1.0, "unbalanced")},
    "kreg": _WRAPPER_PARAMS,
}
PARAM_CASES = [
    pytest.param(name, param, value, id=f"{name}-{param}-{kind}")
    for name, table in BAD_PARAMS.items()
    for param, pair in table.items()
    for kind, value in zip(("wrong_type", "out_of_range"), pair)
    if not (kind == "out_of_range" and value is None)
]


@pytest.mark.parametrize("name", ALL)
def test_every_parameter_is_covered(name):
    assert set(BAD_PARAMS[name]) == set(FACTORIES[name]().get_params()) - UNVALIDATED


@pytest.mark.parametrize("name, param, value", PARAM_CASES)
def test_invalid_parameter(fitted, name, param, value):
    est, snap = fitted[name]
    match = rf"The '{param}' parameter of {type(est).__name__} must be .* Got "
    # (As in scikit-learn, partial_fit on a fitted estimator does not validate
    # the parameters again.)
    with params(est, **{param: value}):
        with pytest.raises(InvalidParameterError, match=match):
            est.fit(X, target(name))
    assert_unchanged(est, snap, large=False)
