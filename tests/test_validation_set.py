"""A validation set routed through a pipeline, from a user's side (issue 23).

``make_pipeline(StandardScaler(), MLPKerasRegressor(...))`` with
``validation_data`` fed the network unscaled X: early stopping stopped on
nonsense. scikit-learn 1.9's answer is ``fit(..., X_val=, y_val=,
sample_weight_val=)`` requested through metadata routing, and
``Pipeline(transform_input=["X_val"])``, inside searches too.
"""

import keras
import numpy as np
import pytest
from _keras_models import dynamic_classifier, dynamic_regressor
from sklearn import config_context
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.datasets import load_iris, make_regression
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import KerasClassifier, KerasRegressor, MLPKerasClassifier, MLPKerasRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    """Features on very different scales (the scaler matters), and a
    validation set of another size than the training set (a search passes
    it whole instead of splitting it with the folds)."""
    X, y = make_regression(400, 6, n_informative=4, noise=10.0, random_state=0)
    X = X * [1, 10, 100, 0.1, 5, 50] + [3, -20, 500, 0, 1, 10]
    y = y / y.std()
    return X[:300], y[:300], X[300:], y[300:]


def _mlp(**kw):
    params = dict(
        hidden_layer_sizes=(32,),
        learning_rate_init=0.01,
        max_iter=60,
        early_stopping=True,
        n_iter_no_change=3,
        random_state=0,
    )
    return MLPKerasRegressor(**{**params, **kw}).set_fit_request(X_val=True, y_val=True)


def _pipeline(est, transform_input=("X_val",)):
    transform_input = None if transform_input is None else list(transform_input)
    return Pipeline(
        [("scale", StandardScaler()), ("mlp", est)], transform_input=transform_input
    )


@pytest.fixture(scope="module")
def fits(data):
    """The pipeline with a transformed validation set, and the same network
    fitted on the data scaled by hand."""
    X, y, X_val, y_val = data
    with config_context(enable_metadata_routing=True):
        pipe = _pipeline(_mlp()).fit(X, y, X_val=X_val, y_val=y_val)
        scaler = StandardScaler().fit(X)
        by_hand = _mlp().fit(
            scaler.transform(X), y, X_val=scaler.transform(X_val), y_val=y_val
        )
    return pipe, by_hand, scaler


def test_pipeline_validation_scores_are_those_of_the_transformed_set(data, fits):
    X, y, X_val, y_val = data
    pipe, by_hand, scaler = fits
    mlp = pipe[-1]
    # Early stopping ran on the validation set and stopped before max_iter.
    assert mlp.n_iter_ < mlp.max_iter
    assert len(mlp.validation_scores_) == mlp.n_iter_
    # The best weights are kept: the recorded best score is the R² of the
    # network's predictions on the *transformed* validation set, computed by
    # hand, and the pipeline's own score on the raw set.
    by_hand_score = r2_score(y_val, mlp.predict(scaler.transform(X_val)))
    assert mlp.best_validation_score_ == pytest.approx(by_hand_score, rel=1e-6)
    assert pipe.score(X_val, y_val) == pytest.approx(by_hand_score, rel=1e-6)
    assert mlp.best_validation_score_ > 0.5
    np.testing.assert_allclose(mlp.history_["val_r2"], mlp.validation_scores_)


def test_pipeline_early_stopping_picks_the_epoch_of_the_hand_transformed_data(fits):
    pipe, by_hand, _ = fits
    mlp = pipe[-1]
    assert mlp.n_iter_ == by_hand.n_iter_
    assert np.argmax(mlp.validation_scores_) == np.argmax(by_hand.validation_scores_)
    np.testing.assert_allclose(
        mlp.validation_scores_, by_hand.validation_scores_, rtol=1e-5
    )


def test_without_transform_input_the_validation_set_is_raw(data, fits):
    """The reported bug, still there when the pipeline is not asked to
    transform X_val: this is what the tests above tell apart."""
    X, y, X_val, y_val = data
    with config_context(enable_metadata_routing=True):
        raw = _pipeline(_mlp(), transform_input=None).fit(
            X, y, X_val=X_val, y_val=y_val
        )
    assert raw[-1].best_validation_score_ < 0
    assert fits[0][-1].best_validation_score_ > 0.5


def test_cross_validate_and_grid_search_route_the_transformed_set(data):
    X, y, X_val, y_val = data
    with config_context(enable_metadata_routing=True):
        pipe = _pipeline(_mlp(max_iter=15))
        cv = cross_validate(
            pipe,
            X,
            y,
            cv=2,
            params={"X_val": X_val, "y_val": y_val},
            return_estimator=True,
        )
        for fold in cv["estimator"]:  # each fold's scaler transformed X_val
            assert fold[-1].best_validation_score_ == pytest.approx(
                fold.score(X_val, y_val), rel=1e-6
            )
        search = GridSearchCV(pipe, {"mlp__alpha": [1e-4, 1e-2]}, cv=2)
        search.fit(X, y, X_val=X_val, y_val=y_val)
    best = search.best_estimator_
    assert best[-1].best_validation_score_ == pytest.approx(
        best.score(X_val, y_val), rel=1e-6
    )
    assert len(best[-1].validation_scores_) == best[-1].n_iter_


def test_validation_data_is_the_same_set_as_X_val(data):
    X, y, X_val, y_val = data
    w = np.linspace(0.5, 2.0, len(y_val))
    est = MLPKerasRegressor(hidden_layer_sizes=(8,), max_iter=4, random_state=0)
    a = clone(est).fit(X / 100, y, X_val=X_val / 100, y_val=y_val, sample_weight_val=w)
    b = clone(est).fit(X / 100, y, validation_data=(X_val / 100, y_val, w))
    np.testing.assert_allclose(a.history_["val_loss"], b.history_["val_loss"])
    np.testing.assert_allclose(a.history_["val_r2"], b.history_["val_r2"])
    # The validation weights are used: R² weighted by w, of the final network.
    expected = r2_score(y_val, a.predict(X_val / 100), sample_weight=w)
    assert a.history_["val_r2"][-1] == pytest.approx(expected, rel=1e-6)


def test_classifier_y_val_is_encoded_like_y():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    X_val, y_val = X[1::3], labels[1::3]
    clf = MLPKerasClassifier(
        hidden_layer_sizes=(16,),
        learning_rate_init=0.02,
        max_iter=30,
        early_stopping=True,
        random_state=0,
    ).fit(X, labels, X_val=X_val, y_val=y_val)
    assert clf.best_validation_score_ == pytest.approx(clf.score(X_val, y_val))
    assert clf.best_validation_score_ > 0.6


# -- the bring-your-own-model wrappers ----------------------------------------

FAST = dict(optimizer="adam", optimizer__learning_rate=0.02, random_state=0)


def test_wrapper_in_a_pipeline_evaluates_the_transformed_set(data):
    X, y, X_val, y_val = data
    with config_context(enable_metadata_routing=True):
        reg = KerasRegressor(dynamic_regressor, epochs=3, **FAST)
        pipe = _pipeline(reg.set_fit_request(X_val=True, y_val=True))
        pipe.fit(X, y, X_val=X_val, y_val=y_val)
    model = pipe[-1].model_
    expected = model.evaluate(pipe[0].transform(X_val), y_val, verbose=0)
    assert pipe[-1].history_["val_loss"][-1] == pytest.approx(expected, rel=1e-4)


class TwoInputs(BaseEstimator, TransformerMixin):
    """X to the two named inputs of a Functional model."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return {"a": X[:, :2], "b": X[:, 2:]}


def two_input_classifier(meta):
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    hidden = keras.layers.Dense(8, activation="relu")(keras.layers.concatenate([a, b]))
    out = keras.layers.Dense(meta["n_classes_"], activation="softmax")(hidden)
    return keras.Model(inputs=[a, b], outputs=out)


class TwoInputClassifier(KerasClassifier):
    @property
    def feature_encoder(self):
        return TwoInputs()


@pytest.mark.parametrize("spelling", ["X_val", "validation_data"])
def test_wrapper_validation_set_goes_through_both_encoders(spelling):
    """X_val through feature_encoder_ (two named inputs), string y_val
    through target_encoder_: the issue's "expects 2 named input(s)"."""
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    kw = (
        dict(X_val=X[1::2], y_val=labels[1::2])
        if spelling == "X_val"
        else dict(validation_data=(X[1::2], labels[1::2]))
    )
    clf = TwoInputClassifier(
        two_input_classifier,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        epochs=3,
        **FAST,
    ).fit(X[::2], labels[::2], **kw)
    assert len(clf.history_["val_accuracy"]) == 3
    assert clf.history_["val_accuracy"][-1] == pytest.approx(
        clf.score(X[1::2], labels[1::2]), abs=1e-6
    )


def test_wrapper_both_spellings_is_an_error():
    X, y = load_iris(return_X_y=True)
    clf = KerasClassifier(dynamic_classifier, epochs=1, **FAST)
    with pytest.raises(ValueError, match="Got validation_data and X_val, y_val"):
        clf.fit(X, y, X_val=X, y_val=y, validation_data=(X, y))
    assert not hasattr(clf, "model_")
    with pytest.raises(ValueError, match="X_val is provided, but y_val was not"):
        clf.fit(X, y, X_val=X)
