"""The MLP estimators inside scikit-learn's meta-estimators and tools."""

import numpy as np
import pandas as pd
import pytest
from sklearn import config_context
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import StackingClassifier, StackingRegressor, VotingClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    check_cv,
    cross_validate,
)
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skmlp import MLPKerasClassifier, MLPKerasRegressor

FAST = dict(hidden_layer_sizes=(8,), max_iter=10, learning_rate_init=0.01)


@pytest.fixture(scope="module")
def multiclass():
    return make_classification(
        150, 5, n_informative=4, n_redundant=0, n_classes=3, random_state=0
    )


@pytest.fixture(scope="module")
def binary():
    return make_classification(150, 5, random_state=0)


def test_pipeline_and_column_transformer_on_a_dataframe(binary):
    X, y = binary
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(5)])
    df["colour"] = np.where(y == 1, "red", "blue")
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), [f"x{i}" for i in range(5)]),
            ("cat", OneHotEncoder(), ["colour"]),
        ]
    )
    pipe = make_pipeline(pre, MLPKerasClassifier(random_state=0, **FAST)).fit(df, y)
    assert pipe.score(df, y) > 0.9


def test_cross_validate_picks_stratified_folds_and_scorers(multiclass):
    X, y = multiclass
    clf = MLPKerasClassifier(random_state=0, **FAST)
    assert isinstance(check_cv(3, y, classifier=True), StratifiedKFold)
    res = cross_validate(clf, X, y, cv=3, scoring=["roc_auc_ovr", "neg_log_loss"])
    assert np.all(res["test_roc_auc_ovr"] > 0.6)
    assert np.all(np.isfinite(res["test_neg_log_loss"]))


@pytest.mark.parametrize("search", [GridSearchCV, RandomizedSearchCV])
def test_searches(multiclass, search):
    X, y = multiclass
    grid = {"alpha": [1e-4, 1e-2], "hidden_layer_sizes": [(4,), (8,)]}
    kw = (
        {"param_grid": grid}
        if search is GridSearchCV
        else {"param_distributions": grid, "n_iter": 2, "random_state": 0}
    )
    fitted = search(MLPKerasClassifier(random_state=0, max_iter=5), cv=2, **kw)
    fitted.fit(X, y)
    assert fitted.best_estimator_.n_iter_ == 5
    assert fitted.predict(X).shape == (150,)


def test_ensembles_and_calibration(multiclass, binary):
    X, y = multiclass
    mlp = MLPKerasClassifier(random_state=0, **FAST)
    voting = VotingClassifier(
        [("mlp", mlp), ("lr", LogisticRegression())], voting="soft"
    ).fit(X, y)
    assert voting.predict_proba(X).shape == (150, 3)
    stack = StackingClassifier([("mlp", mlp)], LogisticRegression(), cv=2).fit(X, y)
    assert stack.score(X, y) > 0.5
    calibrated = CalibratedClassifierCV(mlp, cv=2).fit(X, y)
    assert np.allclose(calibrated.predict_proba(X).sum(axis=1), 1)
    Xb, yb = binary
    tuned = TunedThresholdClassifierCV(mlp, cv=2).fit(Xb, yb)
    assert 0 < tuned.best_threshold_ < 1


def test_regression_meta_estimators():
    X, Y = make_regression(120, 4, n_targets=2, noise=1.0, random_state=0)
    reg = MLPKerasRegressor(random_state=0, **FAST)
    multi = MultiOutputRegressor(reg).fit(X, Y)
    assert multi.predict(X).shape == (120, 2)
    stack = StackingRegressor([("mlp", reg)], Ridge(), cv=2).fit(X, Y[:, 0])
    assert stack.predict(X).shape == (120,)
    ttr = TransformedTargetRegressor(reg, transformer=StandardScaler())
    assert ttr.fit(X, Y[:, 0]).predict(X).shape == (120,)


def test_metadata_routing_passes_sample_weight(binary):
    X, y = binary
    sw = np.where(y == 1, 5.0, 1.0)
    with config_context(enable_metadata_routing=True):
        clf = MLPKerasClassifier(random_state=0, **FAST)
        clf.set_fit_request(sample_weight=True).set_score_request(sample_weight=True)
        pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=False), clf)
        pipe.fit(X, y, sample_weight=sw)
        direct = MLPKerasClassifier(random_state=0, **FAST).fit(
            StandardScaler().fit_transform(X), y, sample_weight=sw
        )
        np.testing.assert_allclose(
            pipe.predict_proba(X),
            direct.predict_proba(StandardScaler().fit_transform(X)),
            atol=1e-6,
        )
        # The search scores the pipeline with the weights: scikit-learn < 1.8's
        # default scorer asks the pipeline's own score request for them (later
        # versions follow the pipeline's routing to its last step).
        pipe.set_score_request(sample_weight=True)
        search = GridSearchCV(pipe, {"mlpkerasclassifier__alpha": [1e-4]}, cv=2)
        search.fit(X, y, sample_weight=sw)
        assert search.best_score_ > 0.5
