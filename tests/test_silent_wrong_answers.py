"""No silent wrong answers (issues 24 and 27), each test from a reproducer.

Class targets of several columns, indicator matrices that are not 0/1, class
and sample weights that are negative, NaN, infinite or all zero, copies after
``set_params``, ``class_weight="balanced"`` in ``partial_fit``, and the
held-out rows of a memmap: each either gives the right model or a clear
error, checked side by side with scikit-learn where it has a counterpart.
The errors' "leaves the estimator unchanged" is ``test_bad_input``'s.
"""

import copy
import pickle
import re

import numpy as np
import pytest
from _keras_models import dynamic_classifier, dynamic_regressor
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris, make_multilabel_classification
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier

from skmlp import (
    KerasClassifier,
    KerasRegressor,
    MLPKerasClassifier,
    MLPKerasRegressor,
    StepPerceptron,
    _source,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_IRIS = (X_IRIS - X_IRIS.mean(0)) / X_IRIS.std(0)
X_ML, Y_ML = make_multilabel_classification(
    n_samples=120, n_features=6, n_classes=3, random_state=0
)
MULTIOUTPUT = "Multioutput target data is not supported with label binarization"
KERAS_FAST = dict(optimizer="adam", optimizer__learning_rate=0.02, random_state=0)


def mlp(**kw):
    return MLPKerasClassifier(
        hidden_layer_sizes=(16,),
        max_iter=kw.pop("max_iter", 30),
        learning_rate_init=0.01,
        random_state=0,
        **kw,
    )


def keras_clf(**kw):
    return KerasClassifier(dynamic_classifier, epochs=2, **KERAS_FAST, **kw)


CLASSIFIERS = {
    "MLPKerasClassifier": mlp,
    "StepPerceptron": lambda **kw: StepPerceptron(max_iter=5, random_state=0, **kw),
    "KerasClassifier": keras_clf,
}
ESTIMATORS = {
    **CLASSIFIERS,
    "MLPKerasRegressor": lambda: MLPKerasRegressor(
        hidden_layer_sizes=(8,), max_iter=5, random_state=0
    ),
    "KerasRegressor": lambda: KerasRegressor(dynamic_regressor, epochs=1, **KERAS_FAST),
}


# --------------------------------------------------------------------------
# Class targets of several columns (issue 27, item 1)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["MLPKerasClassifier", "StepPerceptron"])
@pytest.mark.parametrize("dtype", [int, str])
def test_two_label_columns_are_refused_as_scikit_learn_refuses_them(name, dtype):
    # Flattened, row i trained on y[i // 2, i % 2] and scored 0.35.
    Y = np.column_stack([Y_IRIS, Y_IRIS]).astype(dtype)
    with pytest.raises(ValueError, match=MULTIOUTPUT):
        MLPClassifier(max_iter=5).fit(X_IRIS, Y)
    with pytest.raises(ValueError, match=MULTIOUTPUT + ".*MultiOutputClassifier"):
        CLASSIFIERS[name]().fit(X_IRIS, Y)
    with pytest.raises(ValueError, match=MULTIOUTPUT):
        CLASSIFIERS[name]().partial_fit(X_IRIS, Y, classes=np.unique(Y))


@pytest.mark.parametrize("name", ["MLPKerasClassifier", "StepPerceptron"])
def test_an_indicator_matrix_of_0_and_2_trains_as_0_and_1(name):
    # Trained on the raw 2s, the MLP's loss_ ended at -11 (subset accuracy
    # 0.45); scikit-learn's MLPClassifier reads any non-zero as "present".
    ref = MLPClassifier((8,), max_iter=30, random_state=0)
    assert_array_equal(
        ref.fit(X_ML, 2 * Y_ML).predict(X_ML), ref.fit(X_ML, Y_ML).predict(X_ML)
    )
    on_01 = CLASSIFIERS[name]().fit(X_ML, Y_ML)
    on_02 = CLASSIFIERS[name]().fit(X_ML, 2 * Y_ML)
    assert_array_equal(on_02.predict(X_ML), on_01.predict(X_ML))
    assert set(np.unique(on_02.predict(X_ML))) <= {0, 1}
    if name == "MLPKerasClassifier":
        assert_allclose(on_02.loss_curve_, on_01.loss_curve_, rtol=1e-12)
        assert on_02.loss_ > 0


def test_keras_classifier_reads_an_indicator_matrix_of_0_and_2_as_0_and_1():
    on_01 = keras_clf().fit(X_ML, Y_ML)
    on_02 = keras_clf().fit(X_ML, 2 * Y_ML)
    assert_allclose(on_02.history_["loss"], on_01.history_["loss"], rtol=1e-6)
    assert min(on_02.history_["loss"]) > 0
    assert_array_equal(on_02.predict(X_ML), on_01.predict(X_ML))


@pytest.mark.parametrize("name", list(CLASSIFIERS))
@pytest.mark.parametrize("values", [(-1, 1), (1, 2)])
def test_an_indicator_matrix_of_two_nonzero_values_is_refused(name, values):
    # Read as scikit-learn reads it, every label would be present.
    Y = np.where(Y_ML == 1, values[1], values[0])
    msg = rf"label indicator matrix of the values \[{values[0]}, {values[1]}\]"
    with pytest.raises(ValueError, match=msg + r".*\(y == " + str(values[1])):
        CLASSIFIERS[name]().fit(X_ML, Y)


# --------------------------------------------------------------------------
# class_weight validated like sample_weight (issue 27, item 2)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CLASSIFIERS))
@pytest.mark.parametrize("weight", [-1.0, np.nan, np.inf])
def test_a_negative_or_non_finite_class_weight_is_refused(name, weight):
    # -1 made the MLP's loss climb the wrong way (loss_curve_ ending at
    # -35.5, class 0 never predicted); NaN and inf were reported as
    # "Training diverged ... scale X".
    est = CLASSIFIERS[name](class_weight={0: weight})
    msg = rf"class_weight has invalid weights \{{0: {weight}\}}: every weight must"
    with pytest.raises(ValueError, match=msg):
        est.fit(X_IRIS, Y_IRIS)
    assert not hasattr(est, "classes_")


def _scores(est):
    if hasattr(est, "decision_function"):
        return est.decision_function(X_IRIS)
    return est.predict_proba(X_IRIS)


def test_a_bad_class_weight_leaves_a_fitted_keras_classifier_as_it_was():
    est = keras_clf().fit(X_IRIS, Y_IRIS)
    before = est.predict_proba(X_IRIS), est.model_.get_weights(), dict(vars(est))
    est.set_params(class_weight={1: -1.0})
    with pytest.raises(ValueError, match="class_weight has invalid weights"):
        est.fit(X_IRIS, Y_IRIS)
    with pytest.raises(ValueError, match="class_weight has invalid weights"):
        est.partial_fit(X_IRIS, Y_IRIS)
    assert_array_equal(est.predict_proba(X_IRIS), before[0])
    for u, v in zip(est.model_.get_weights(), before[1], strict=True):
        assert_array_equal(u, v)
    assert vars(est).keys() == before[2].keys()
    assert all(vars(est)[k] is v for k, v in before[2].items() if k != "class_weight")


@pytest.mark.parametrize("name", ["MLPKerasClassifier", "StepPerceptron"])
def test_a_zero_class_weight_leaves_the_class_out_as_in_scikit_learn(name):
    # Zero is allowed, as scikit-learn allows it: the class's samples weigh 0.
    SGDClassifier(class_weight={0: 0.0}).fit(X_IRIS, Y_IRIS)
    make = CLASSIFIERS[name]
    by_class = make(class_weight={0: 0.0}).fit(X_IRIS, Y_IRIS)
    by_sample = make().fit(X_IRIS, Y_IRIS, sample_weight=(Y_IRIS != 0) * 1.0)
    assert_allclose(_scores(by_class), _scores(by_sample), rtol=1e-12)
    with pytest.raises(ValueError, match="Every sample's weight is zero once"):
        CLASSIFIERS[name](class_weight={0: 0, 1: 0, 2: 0}).fit(X_IRIS, Y_IRIS)


def test_a_class_weight_dict_works_on_chunks_without_some_of_its_classes():
    # compute_sample_weight refuses such a chunk ("The classes, [1], are not
    # in class_weight"); the weights are looked up by label instead.
    chunk = Y_IRIS < 2
    weights = {0: 2.0, 2: 3.0}
    for est in (mlp(class_weight=weights), StepPerceptron(class_weight=weights)):
        est.partial_fit(X_IRIS[chunk], Y_IRIS[chunk], classes=[0, 1, 2])
        est.partial_fit(X_IRIS, Y_IRIS)
        assert est.classes_.tolist() == [0, 1, 2]


# --------------------------------------------------------------------------
# sample_weight checked by skmlp on every estimator (issue 24)
# --------------------------------------------------------------------------

BAD_WEIGHTS = {
    "all zero": (lambda n: np.zeros(n), "Every sample_weight is zero"),
    "negative": (
        lambda n: np.r_[np.ones(n - 1), -2.0],
        r"sample_weight contains negative values \(-2.0 at sample {last}\)",
    ),
    "nan": (lambda n: np.r_[np.nan, np.ones(n - 1)], r"contains NaN \(at sample 0"),
    "inf": (lambda n: np.r_[np.inf, np.ones(n - 1)], r"contains infinity \(at"),
    "wrong length": (lambda n: np.ones(n - 1), r"has shape \(\d+,\) but X has"),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
@pytest.mark.parametrize("case", list(BAD_WEIGHTS))
def test_bad_sample_weights_get_skmlps_own_error_on_every_estimator(name, case):
    # On scikit-learn 1.6/1.7 StepPerceptron fitted an all-zero model on zero
    # weights and the MLPs reported "Training diverged": the check was
    # scikit-learn's, added later. The messages are skmlp's, on every version.
    X, y = X_IRIS[::4], Y_IRIS[::4]
    if name not in CLASSIFIERS:
        y = X[:, 0] - X[:, 1]
    make, msg = BAD_WEIGHTS[case]
    est = ESTIMATORS[name]()
    with pytest.raises(ValueError, match=msg.format(last=len(y) - 1)):
        est.fit(X, y, sample_weight=make(len(y)))
    assert not hasattr(est, "n_features_in_")


# --------------------------------------------------------------------------
# Copies after set_params (issue 27, item 3)
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def iris_mlp():
    return mlp(max_iter=100).fit(X_IRIS, Y_IRIS)


COPIES = {
    "deepcopy": copy.deepcopy,
    "pickle": lambda est: pickle.loads(pickle.dumps(est)),
}


@pytest.mark.parametrize("how", list(COPIES))
@pytest.mark.parametrize(
    "changed", [{"activation": "tanh"}, {"hidden_layer_sizes": (16, 16)}]
)
def test_a_copy_after_set_params_is_the_fitted_network(iris_mlp, how, changed):
    # The copy's model_ was built from the new parameters: tanh (max
    # difference 0.757 from predict), or "4 values for 6 variables".
    est = copy.deepcopy(iris_mlp)
    est.set_params(**changed)
    twin = COPIES[how](est)
    assert twin.get_params() == est.get_params()
    assert_array_equal(twin.predict(X_IRIS), iris_mlp.predict(X_IRIS))
    keras_out = np.asarray(twin.model_(X_IRIS))
    assert_allclose(keras_out, iris_mlp.predict_proba(X_IRIS), rtol=1e-5, atol=1e-6)
    assert [w.shape for w in twin.model_.get_weights()] == [
        w.shape for w in iris_mlp.model_.get_weights()
    ]
    assert [c.shape for c in twin.coefs_] == [c.shape for c in iris_mlp.coefs_]
    # partial_fit continues the fitted network: refused on the original and
    # the copy alike, with the way out; set back, both train the same.
    for e in (est, twin):
        with pytest.raises(ValueError, match="partial_fit continues the fitted"):
            e.partial_fit(X_IRIS, Y_IRIS)
        e.set_params(activation="relu", hidden_layer_sizes=(16,))
        e.partial_fit(X_IRIS, Y_IRIS)
    assert_allclose(twin.coefs_[0], est.coefs_[0], rtol=1e-12)
    assert twin.score(X_IRIS, Y_IRIS) == est.score(X_IRIS, Y_IRIS)


def test_new_parameters_apply_to_the_next_fit(iris_mlp):
    est = copy.deepcopy(iris_mlp).set_params(hidden_layer_sizes=(16, 16))
    est.fit(X_IRIS, Y_IRIS)
    twin = copy.deepcopy(est)
    assert [c.shape for c in twin.coefs_] == [(4, 16), (16, 16), (16, 3)]
    assert len(twin.model_.get_weights()) == 6
    twin.partial_fit(X_IRIS, Y_IRIS)  # the (16, 16) network, continued
    est.partial_fit(X_IRIS, Y_IRIS)
    assert_allclose(twin.coefs_[1], est.coefs_[1], rtol=1e-12)


def test_a_copy_of_a_custom_architecture_after_set_params(iris_mlp):
    import keras

    class Wide(MLPKerasClassifier):
        def _build_model(self, n_features_in, n_outputs, out_activation):
            return keras.Sequential(
                [
                    keras.Input((n_features_in,)),
                    keras.layers.Dense(self.hidden_layer_sizes[0], "relu"),
                    keras.layers.Dense(n_outputs, out_activation),
                ]
            )

    est = Wide((6,), max_iter=5, random_state=0).fit(X_IRIS, Y_IRIS)
    est.set_params(hidden_layer_sizes=(9,))
    twin = copy.deepcopy(est)  # a local class: deepcopy, not pickle
    assert twin.model_.layers[0].units == 6
    assert_allclose(twin.predict_proba(X_IRIS), est.predict_proba(X_IRIS))


# --------------------------------------------------------------------------
# memmap validation rows (issue 27, item 10)
# --------------------------------------------------------------------------


def test_held_out_memmap_rows_are_read_in_the_training_dtype(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.randn(400, 5) * 1e3 + 1e5  # float32 rounds these by ~0.004
    y = X[:, 0] - X[:, 1] + rng.randn(400)
    path = tmp_path / "X.f64"
    X.tofile(path)
    Xmm = np.memmap(path, dtype=np.float64, mode="r", shape=X.shape)
    held = np.arange(0, 400, 7)
    _, X_val = _source.split(
        _source.FileRows.from_memmap(Xmm), np.arange(1, 400, 7), held, "float64"
    )
    assert X_val.dtype == np.float64
    assert_array_equal(X_val, X[held])
    # The fit: validation_scores_ as in memory (they differed by up to 0.016).
    kw = dict(hidden_layer_sizes=(8,), max_iter=5, early_stopping=True)
    on_disk = MLPKerasRegressor(random_state=0, **kw).fit(Xmm, y)
    in_memory = MLPKerasRegressor(random_state=0, **kw).fit(X, y)
    assert_allclose(
        on_disk.validation_scores_, in_memory.validation_scores_, rtol=0, atol=1e-9
    )


# --------------------------------------------------------------------------
# class_weight="balanced" in partial_fit (issue 27, item 11)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CLASSIFIERS))
def test_balanced_class_weight_in_partial_fit_is_refused_as_sgd_refuses_it(name):
    # MLPKerasClassifier balanced each chunk on its own, silently.
    with pytest.raises(ValueError) as sgd:
        SGDClassifier(class_weight="balanced").partial_fit(
            X_IRIS, Y_IRIS, classes=[0, 1, 2]
        )
    est = CLASSIFIERS[name](class_weight="balanced")
    with pytest.raises(ValueError, match=re.escape(str(sgd.value).rstrip("."))):
        est.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2])
    assert not hasattr(est, "classes_")
    # The way out the message gives: balanced weights of the whole target.
    from sklearn.utils.class_weight import compute_class_weight

    weights = compute_class_weight("balanced", classes=np.arange(3), y=Y_IRIS)
    est.set_params(class_weight=dict(zip(range(3), weights)))
    est.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2])
    assert est.classes_.tolist() == [0, 1, 2]


def test_an_early_stopping_split_with_no_positive_weight_is_refused():
    # One positive weight: one part of the split has none (0/0 losses or
    # scores otherwise).
    w = np.zeros(len(Y_IRIS))
    w[7] = 1.0
    est = MLPKerasRegressor(hidden_layer_sizes=(4,), max_iter=3, early_stopping=True)
    msg = r"Every sample of the (training|validation) part of the early-stopping"
    with pytest.raises(ValueError, match=msg):
        est.fit(X_IRIS, X_IRIS[:, 0], sample_weight=w)
