"""MLPKerasClassifier and MLPKerasRegressor: targets, attributes, quality, weights."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import (
    load_diabetes,
    load_digits,
    load_iris,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss, recall_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPKerasClassifier, MLPKerasRegressor
from skmlp._mlp import NUMPY_PREDICT_MAX_ROWS

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])


def _beyond_numpy_path(X):
    """``X`` tiled past NUMPY_PREDICT_MAX_ROWS: predicted by Keras's batched path."""
    big = np.tile(X, (-(-(NUMPY_PREDICT_MAX_ROWS + 1) // len(X)), 1))
    assert big.shape[0] > NUMPY_PREDICT_MAX_ROWS
    return big


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def digits_default(digits):
    """The default MLPKerasClassifier on scaled digits (fitted once)."""
    X_train, _, y_train, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return make_pipeline(StandardScaler(), MLPKerasClassifier(random_state=0)).fit(
            X_train, y_train
        )


@pytest.fixture(scope="module")
def small_clf():
    X, y = make_classification(200, 6, n_informative=4, n_classes=3, random_state=0)
    clf = MLPKerasClassifier((8,), max_iter=5, random_state=0, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X, y), X, y


def _quiet_fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def test_digits_default_accuracy(digits, digits_default):
    _, X_test, _, y_test = digits
    assert digits_default.score(X_test, y_test) >= 0.95


def test_fitted_attributes_mirror_sklearn(digits_default):
    clf = digits_default[-1]
    assert is_classifier(clf) and is_regressor(MLPKerasRegressor())
    assert [c.shape for c in clf.coefs_] == [(64, 100), (100, 10)]
    assert [b.shape for b in clf.intercepts_] == [(100,), (10,)]
    assert clf.n_layers_ == 3 and clf.n_outputs_ == 10
    assert clf.out_activation_ == "softmax"
    assert len(clf.loss_curve_) == clf.n_iter_ == len(clf.history_["loss"])
    assert clf.best_loss_ == pytest.approx(min(clf.loss_curve_))
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    assert clf.t_ == clf.n_iter_ * 1347
    assert_array_equal(clf.classes_, np.arange(10))
    assert [w.shape for w in clf.model_.get_weights()] == [
        (64, 100),
        (100,),
        (100, 10),
        (10,),
    ]


def test_numpy_forward_equals_keras_predict(digits, digits_default):
    _, X_test, _, _ = digits
    clf = digits_default[-1]
    X = digits_default[0].transform(X_test).astype(np.float32)
    fast = clf.predict_proba(X[:100])
    keras_out = clf.model_.predict(X[:100], verbose=0)
    assert_allclose(fast, keras_out, atol=1e-5)
    # Large inputs take Keras's batched path; both paths agree.
    big = _beyond_numpy_path(X)
    assert_allclose(clf.predict_proba(big)[:100], fast, atol=1e-5)


def test_multiclass_probabilities_sum_to_one_in_float64(digits, digits_default):
    """float32 softmax outputs are renormalized in float64, on both predict
    paths, so that log_loss and other probability scorers do not warn."""
    _, X_test, _, y_test = digits
    clf = digits_default
    for X in (X_test[:100], _beyond_numpy_path(X_test)):
        proba = clf.predict_proba(X)
        assert proba.dtype == np.float64
        assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert log_loss(y_test, clf.predict_proba(X_test)) < 0.5


def test_plain_rows_shortcut_agrees_with_validate_data(small_clf):
    # A finite float ndarray skips validate_data's generic checks; every other
    # input goes through them, and both give the same answers and errors.
    clf, X, _ = small_clf
    X64 = np.asarray(X[:5], dtype=np.float64)
    expected = clf.predict_proba(X64.tolist())
    assert_allclose(clf.predict_proba(X64), expected, rtol=0, atol=0)
    X32 = X64.astype(np.float32)  # cast to the network's float64
    assert_allclose(clf.predict_proba(X32), clf.predict_proba(X32.tolist()), atol=0)
    assert_allclose(clf.predict_proba(np.asfortranarray(X64)), expected, atol=0)
    bad = X64.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(bad)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X64[:, :-1])
    with pytest.raises(ValueError, match="minimum of 1 is required"):
        clf.predict(X64[:0])


def test_float32_network_refuses_values_too_large_for_float32(small_clf):
    _, X, y = small_clf
    clf = _quiet_fit(
        MLPKerasClassifier((4,), max_iter=2, random_state=0), X.astype(np.float32), y
    )
    huge = np.array(X[:5], dtype=np.float64)  # a copy: X is the fixture's
    huge[0, 0] = 1e300  # finite in float64, infinite once cast to float32
    for X_huge in (huge, huge.tolist()):  # the shortcut and validate_data
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the error alone, no overflow warning
            with pytest.raises(ValueError, match="infinity|too large"):
                clf.predict(X_huge)


def test_set_weights_through_model_is_seen_by_predict(small_clf):
    clf, X, _ = small_clf
    clf = pickle.loads(pickle.dumps(clf))
    weights = clf.model_.get_weights()
    clf.model_.set_weights([np.zeros_like(w) for w in weights])
    assert_allclose(clf.predict_proba(X[:3]), np.full((3, 3), 1 / 3), atol=1e-6)


@pytest.mark.parametrize(
    "activation",
    ["identity", "logistic", "tanh", "elu", "selu", "gelu", "softplus", "swish"],
)
def test_activations_fast_path_matches_keras(activation):
    X, y = make_classification(60, 5, random_state=0)
    clf = _quiet_fit(
        MLPKerasClassifier((6,), activation, max_iter=2, random_state=0), X, y
    )
    keras_out = clf.model_.predict(X.astype(np.float32), verbose=0)
    assert_allclose(clf.predict_proba(X)[:, 1:], keras_out, atol=1e-5)


def test_targets_binary_multilabel_strings():
    X, y = make_classification(120, 4, random_state=0)
    labels = np.array(["no", "yes"])[y]
    clf = _quiet_fit(MLPKerasClassifier((8,), max_iter=20, random_state=0), X, labels)
    assert clf.predict_proba(X).shape == (120, 2)
    assert set(clf.predict(X)) <= {"no", "yes"} and clf.n_outputs_ == 1
    assert clf.out_activation_ == "logistic"
    Y = np.column_stack([y, 1 - y, (X[:, 0] > 0).astype(int)])
    ml = _quiet_fit(MLPKerasClassifier((8,), max_iter=20, random_state=0), X, Y)
    assert ml.predict(X).shape == (120, 3) and set(np.unique(ml.predict(X))) <= {0, 1}
    assert ml.predict_proba(X).shape == (120, 3)


def test_regressor_outputs_and_1d_shapes():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (150, 3))
    Y = np.column_stack([X.sum(1), X[:, 0] - X[:, 1]])
    reg = _quiet_fit(
        MLPKerasRegressor(hidden_layer_sizes=(16,), max_iter=20, random_state=0), X, Y
    )
    assert reg.predict(X).shape == (150, 2) and reg.n_outputs_ == 2
    reg1 = _quiet_fit(
        MLPKerasRegressor(hidden_layer_sizes=(16,), max_iter=20, random_state=0),
        X,
        Y[:, 0],
    )
    assert reg1.predict(X).shape == (150,)
    assert reg1.out_activation_ == "identity"


def test_xor_is_solved():
    clf = _quiet_fit(
        MLPKerasClassifier(
            (4,), "tanh", learning_rate_init=0.05, max_iter=300, random_state=0
        ),
        XOR_X,
        XOR_Y,
    )
    assert clf.score(XOR_X, XOR_Y) == 1.0


def test_diabetes_close_to_sklearn():
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    params = dict(
        hidden_layer_sizes=(32,), max_iter=150, learning_rate_init=0.01, random_state=0
    )
    ours = _quiet_fit(
        make_pipeline(StandardScaler(), MLPKerasRegressor(**params)), X_train, y_train
    )
    theirs = _quiet_fit(
        make_pipeline(StandardScaler(), MLPRegressor(**params)), X_train, y_train
    )
    assert ours.score(X_test, y_test) >= theirs.score(X_test, y_test) - 0.05


def test_determinism_without_global_seed(small_clf):
    clf, X, y = small_clf
    again = _quiet_fit(clone(clf), X, y)
    assert_array_equal(clf.predict_proba(X), again.predict_proba(X))
    a = _quiet_fit(clone(clf).set_params(random_state=None), X, y)
    b = _quiet_fit(clone(clf).set_params(random_state=None), X, y)
    assert not np.array_equal(a.predict_proba(X), b.predict_proba(X))


def test_class_weight_balanced_raises_minority_recall():
    X, y = make_classification(
        600, 5, weights=[0.93], flip_y=0, class_sep=0.5, random_state=0
    )
    base = MLPKerasClassifier((8,), max_iter=30, random_state=0)
    plain = _quiet_fit(clone(base), X, y)
    balanced = _quiet_fit(clone(base).set_params(class_weight="balanced"), X, y)
    assert recall_score(y, balanced.predict(X)) > recall_score(y, plain.predict(X))


def test_zero_weight_equals_dropping_and_two_equals_duplicating():
    # Full-batch training (batch >= n): the loss is sum(w * l) / sum(w), as in
    # scikit-learn, so weights act exactly as removed or repeated rows.
    X, y = make_classification(60, 4, random_state=1)
    sw = np.ones(60)
    sw[:20] = 0
    base = MLPKerasClassifier((6,), max_iter=15, random_state=0)
    weighted = _quiet_fit(clone(base), X, y, sample_weight=sw)
    dropped = _quiet_fit(clone(base), X[20:], y[20:])
    assert_allclose(weighted.predict_proba(X), dropped.predict_proba(X), atol=1e-5)
    sw2 = np.where(np.arange(60) < 20, 2.0, 1.0)
    doubled = _quiet_fit(clone(base), X, y, sample_weight=sw2)
    repeated = _quiet_fit(
        clone(base), np.vstack([X, X[:20]]), np.concatenate([y, y[:20]])
    )
    assert_allclose(doubled.predict_proba(X), repeated.predict_proba(X), atol=1e-5)


def test_robust_losses_resist_outliers():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (300, 2))
    y = 3 * X[:, 0] - 2 * X[:, 1]
    y_dirty = y.copy()
    y_dirty[:30] += 50
    errors = {}
    for loss in ["squared_error", "absolute_error", "huber"]:
        reg = _quiet_fit(
            MLPKerasRegressor(
                hidden_layer_sizes=(16,),
                loss=loss,
                learning_rate_init=0.03,
                max_iter=60,
                random_state=0,
            ),
            X,
            y_dirty,
        )
        errors[loss] = np.median(np.abs(reg.predict(X[30:]) - y[30:]))
    assert errors["absolute_error"] < errors["squared_error"]
    assert errors["huber"] < errors["squared_error"]


def test_softplus_output_is_never_negative():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 3))
    y = np.exp(X[:, 0])
    reg = _quiet_fit(
        MLPKerasRegressor(
            hidden_layer_sizes=(8,),
            output_activation="softplus",
            max_iter=20,
            random_state=0,
        ),
        X,
        y,
    )
    assert reg.predict(rng.normal(scale=10, size=(1000, 3))).min() >= 0
    assert reg.out_activation_ == "softplus"


def test_early_stopping_restores_best_weights():
    X, y = make_classification(300, 6, random_state=0)
    clf = _quiet_fit(
        MLPKerasClassifier(
            (8,), early_stopping=True, n_iter_no_change=3, max_iter=200, random_state=0
        ),
        X,
        y,
    )
    assert len(clf.validation_scores_) == clf.n_iter_ < 200
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None and "val_accuracy" in clf.history_


def test_validation_data_is_reported(small_clf):
    clf, X, y = small_clf
    fitted = _quiet_fit(
        clone(clf), X[:150], y[:150], validation_data=(X[150:], y[150:])
    )
    assert len(fitted.history_["val_loss"]) == fitted.n_iter_
    assert len(fitted.history_["val_accuracy"]) == fitted.n_iter_


def test_convergence_warning_when_max_iter_is_reached(small_clf):
    _, X, y = small_clf
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPKerasClassifier((4,), max_iter=2, random_state=0).fit(X, y)


@pytest.mark.parametrize("solver", ["sgd", "rmsprop", "adamw"])
@pytest.mark.parametrize("learning_rate", ["constant", "invscaling", "adaptive"])
def test_solvers_and_schedules_train(small_clf, solver, learning_rate):
    _, X, y = small_clf
    clf = _quiet_fit(
        MLPKerasClassifier(
            (8,), solver=solver, max_iter=3, learning_rate=learning_rate, random_state=0
        ),
        X,
        y,
    )
    assert np.isfinite(clf.loss_curve_).all() and clf.n_iter_ == 3


def test_partial_fit_and_warm_start_accumulate(small_clf):
    _, X, y = small_clf
    clf = MLPKerasClassifier((8,), random_state=0)
    for _ in range(3):
        clf.partial_fit(X, y, classes=np.unique(y))
    # As scikit-learn: n_iter_ counts the epochs of the last call; the loss
    # curve and the samples seen (t_) accumulate.
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 3 and clf.t_ == 600
    warm = _quiet_fit(
        MLPKerasClassifier((8,), max_iter=2, tol=0, warm_start=True, random_state=0),
        X,
        y,
    )
    first = warm.coefs_[0].copy()
    _quiet_fit(warm, X, y)
    assert warm.n_iter_ == 2 and len(warm.loss_curve_) == 4
    assert not np.array_equal(first, warm.coefs_[0])


class DropoutMLP(MLPKerasClassifier):
    """A custom architecture through the documented hook."""

    def _build_model(self, n_features_in, n_outputs, out_activation):
        import keras

        return keras.Sequential(
            [
                keras.Input((n_features_in,)),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dropout(0.1, seed=0),
                keras.layers.Dense(n_outputs, activation=out_activation),
            ]
        )


def test_custom_architecture_hook(small_clf):
    import keras

    _, X, y = small_clf
    clf = _quiet_fit(DropoutMLP(max_iter=3, random_state=0), X, y)
    assert any(isinstance(layer, keras.layers.Dropout) for layer in clf.model_.layers)
    restored = pickle.loads(pickle.dumps(clf))
    assert_allclose(restored.predict_proba(X), clf.predict_proba(X), atol=1e-6)
    assert [c.shape for c in clf.coefs_] == [(6, 8), (8, 3)]


def test_sparse_int_and_list_inputs(small_clf):
    import scipy.sparse as sp

    clf, X, y = small_clf
    expected = clf.predict_proba(X)
    assert_allclose(clf.predict_proba(sp.csr_matrix(X)), expected, atol=1e-6)
    assert_allclose(clf.predict_proba(X.tolist()), expected, atol=1e-6)
    ints = _quiet_fit(clone(clf), np.round(X * 10).astype(np.int64), y)
    assert ints.predict(np.round(X * 10).astype(np.int64)).shape == (200,)


def test_model_summary_is_available(small_clf, capsys):
    clf, _, _ = small_clf
    clf.model_.summary()
    out = capsys.readouterr().out
    assert "hidden_1" in out and "output" in out


def test_signatures_match_scikit_learn():
    """Positional and keyword parameters line up with scikit-learn's MLPs."""
    import inspect

    from sklearn.neural_network import MLPClassifier

    for ours, theirs in [
        (MLPKerasClassifier, MLPClassifier),
        (MLPKerasRegressor, MLPRegressor),
    ]:
        ours_params = inspect.signature(ours).parameters
        for name, param in inspect.signature(theirs).parameters.items():
            assert name in ours_params, name
            assert ours_params[name].kind == param.kind, name
            if name != "verbose":  # scikit-learn's False is our 0
                assert ours_params[name].default == param.default, name


def test_loss_attribute_is_the_last_epoch(small_clf):
    clf, _, _ = small_clf
    assert clf.loss_ == clf.loss_curve_[-1]


def test_integer_hyperparameters_are_accepted(small_clf):
    _, X, y = small_clf
    clf = MLPKerasClassifier(
        (4,), solver="sgd", momentum=0, learning_rate_init=1, max_iter=1, random_state=0
    )
    assert _quiet_fit(clf, X, y).n_iter_ == 1


def test_keras_early_stopping_decides_when_given():
    """A Keras EarlyStopping in ``callbacks`` decides when to stop: the
    built-in rule (here it would stop after 3 epochs) stands aside."""
    import keras

    X, y = load_iris(return_X_y=True)
    es = keras.callbacks.EarlyStopping(monitor="loss", patience=4, min_delta=1e9)
    clf = MLPKerasClassifier(
        (8,), max_iter=20, tol=10.0, n_iter_no_change=1, random_state=0, callbacks=[es]
    )
    clf.fit(X, y)
    # Keras's rule: the first epoch improves on nothing, the next four do not.
    assert es.stopped_epoch == 4
    assert clf.n_iter_ == 5
    without = MLPKerasClassifier(
        (8,), max_iter=20, tol=10.0, n_iter_no_change=1, random_state=0
    ).fit(X, y)
    assert without.n_iter_ == 3


def test_fitted_weights_written_in_place_raise():
    """``coefs_[0][:] = 0`` would change the NumPy predictions but not
    ``model_`` or a pickle: it raises; assigning ``coefs_`` works everywhere."""
    X, y = load_iris(return_X_y=True)
    clf = MLPKerasClassifier((5,), max_iter=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="read-only"):
        clf.coefs_[0][:] = 0
    with pytest.raises(ValueError, match="read-only"):
        clf.intercepts_[1][0] = 1.0
    zeroed = [np.zeros_like(c) for c in clf.coefs_]
    clf.coefs_ = zeroed
    zeroed[0][:] = 1.0  # the caller's array is copied, not kept
    assert not clf.coefs_[0].any()
    proba = clf.predict_proba(X[:3])
    assert_allclose(clf.model_(X[:3]), proba, rtol=1e-6)
    assert_allclose(pickle.loads(pickle.dumps(clf)).predict_proba(X[:3]), proba)
    with pytest.raises(ValueError, match="read-only"):
        pickle.loads(pickle.dumps(clf)).coefs_[0][:] = 0
