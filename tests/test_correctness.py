"""No silent wrong answers, from a user's point of view (the chapter's code).

Custom architectures through ``_build_model`` (Sequential, Functional,
subclassed), the ``model_`` handle as the one source of truth for the weights,
reproducible custom models without global side effects, every built-in Keras
callback with its semantics, ``model_.evaluate`` and ``.keras`` files, and
float64 input trained in float64.
"""

import copy
import pickle
import random
import subprocess
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from skmlp import MLPKerasClassifier, MLPKerasRegressor, _forward
from skmlp._mlp import NUMPY_PREDICT_MAX_ROWS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_DIA, y_DIA = load_diabetes(return_X_y=True)
X_DIA = StandardScaler().fit_transform(X_DIA)
y_DIA = (y_DIA - y_DIA.mean()) / y_DIA.std()
X_IRIS, y_IRIS = load_iris(return_X_y=True)
X_IRIS = StandardScaler().fit_transform(X_IRIS)
BIG = NUMPY_PREDICT_MAX_ROWS + 100


def _rows(X, n):
    return np.resize(X, (n, X.shape[1]))


# -- custom architectures ---------------------------------------------------------


class WideAndDeep(MLPKerasRegressor):
    """The chapter's wide & deep network (Functional API)."""

    def _build_model(self, n_features_in, n_outputs, out_activation):
        import keras

        inputs = keras.Input(shape=(n_features_in,))
        hidden = keras.layers.Dense(30, activation="relu")(inputs)
        hidden = keras.layers.Dense(30, activation="relu")(hidden)
        concat = keras.layers.Concatenate()([inputs, hidden])
        output = keras.layers.Dense(n_outputs, activation=out_activation)(concat)
        return keras.Model(inputs=inputs, outputs=output)


class Residual(MLPKerasRegressor):
    """A subclassed model (the chapter's Subclassing API), not built."""

    def _build_model(self, n_features_in, n_outputs, out_activation):
        import keras

        class ResidualNet(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = keras.layers.Dense(n_features_in, activation="tanh")
                self.out = keras.layers.Dense(n_outputs, activation=out_activation)

            def call(self, x):
                return self.out(x + self.hidden(x))

        return ResidualNet()


@pytest.fixture(scope="module", params=[WideAndDeep, Residual])
def custom(request):
    est = request.param(max_iter=30, random_state=0, learning_rate_init=0.01)
    return est.fit(X_DIA, y_DIA)


def test_custom_architecture_predicts_its_own_output_at_every_size(custom):
    keras_small = custom.model_.predict(X_DIA, verbose=0)[:, 0]
    assert_allclose(custom.predict(X_DIA), keras_small, rtol=1e-5, atol=1e-6)
    big = _rows(X_DIA, BIG)
    assert_allclose(custom.predict(big)[: len(X_DIA)], custom.predict(X_DIA))
    assert custom.score(X_DIA, y_DIA) > 0.3  # it learned: R2 of the true output


def test_custom_architecture_is_reproducible_without_global_state(custom):
    state = random.getstate(), np.random.get_state()
    again = clone(custom).fit(X_DIA, y_DIA)
    assert random.getstate() == state[0]
    assert np.all(np.random.get_state()[1] == state[1][1])
    assert_array_equal(again.predict(X_DIA), custom.predict(X_DIA))
    other = clone(custom).set_params(random_state=1).fit(X_DIA, y_DIA)
    assert not np.array_equal(other.predict(X_DIA), custom.predict(X_DIA))


def test_custom_architecture_pickles(custom):
    loaded = pickle.loads(pickle.dumps(custom))
    assert_array_equal(loaded.predict(X_DIA), custom.predict(X_DIA))


def test_build_model_must_return_a_fitting_keras_model():
    class NotAModel(MLPKerasRegressor):
        def _build_model(self, n_features_in, n_outputs, out_activation):
            return "a model"

    class TwoOutputs(MLPKerasRegressor):
        def _build_model(self, n_features_in, n_outputs, out_activation):
            import keras

            return keras.Sequential([keras.layers.Dense(2)])

    with pytest.raises(TypeError, match="must return a keras.Model"):
        NotAModel(max_iter=1).fit(X_DIA, y_DIA)
    with pytest.raises(ValueError, match=r"output of shape \(batch, 1\)"):
        TwoOutputs(max_iter=1).fit(X_DIA, y_DIA)


# -- model_: one source of truth ------------------------------------------------


@pytest.fixture
def iris_clf():
    return MLPKerasClassifier((10,), max_iter=40, random_state=0).fit(X_IRIS, y_IRIS)


def test_weights_set_through_a_kept_handle_are_what_predicts(iris_clf):
    m = iris_clf.model_
    iris_clf.predict(X_IRIS)  # a prediction between taking the handle and using it
    rng = np.random.RandomState(1)
    m.set_weights([rng.normal(size=w.shape) for w in m.get_weights()])
    expected = m.predict(X_IRIS, verbose=0)
    assert_allclose(iris_clf.predict_proba(X_IRIS), expected, rtol=1e-6, atol=1e-7)
    assert_allclose(iris_clf.coefs_[0], m.get_weights()[0])
    loaded = pickle.loads(pickle.dumps(iris_clf))
    assert_allclose(loaded.predict_proba(X_IRIS), expected, rtol=1e-6, atol=1e-7)


def test_model_fit_and_checkpoint_rollback_reach_the_estimator(iris_clf, tmp_path):
    m = iris_clf.model_
    path = str(tmp_path / "w.weights.h5")
    m.save_weights(path)
    before = iris_clf.predict_proba(X_IRIS)
    m.fit(X_IRIS, y_IRIS, epochs=3, verbose=0)  # Keras's own fit, integer labels
    assert not np.allclose(iris_clf.predict_proba(X_IRIS), before)
    m.load_weights(path)  # the chapter's rollback
    assert_allclose(iris_clf.predict_proba(X_IRIS), before, rtol=1e-6, atol=1e-7)


def test_numpy_forward_pass_in_chunks_is_the_models_output(iris_clf):
    # More rows than the NumPy pass takes at a time: every chunk lands in its
    # own rows, in order (rows shuffled, so a misplaced chunk shows).
    n = 2 * _forward.CHUNK_ROWS + 7
    X = np.random.RandomState(0).permutation(_rows(X_IRIS, n))
    expected = iris_clf.model_.predict(X, verbose=0, batch_size=4096)
    assert_allclose(iris_clf.predict_proba(X), expected, rtol=1e-5, atol=1e-6)


def test_coefs_set_by_the_user_reach_the_model(iris_clf):
    iris_clf.coefs_ = [np.zeros_like(c) for c in iris_clf.coefs_]
    assert_allclose(iris_clf.model_.get_weights()[0], 0.0)
    assert_allclose(iris_clf.predict_proba(X_IRIS[:2]).sum(axis=1), 1.0)


def test_evaluate_on_1d_targets_is_half_the_squared_error():
    reg = MLPKerasRegressor(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(
        X_DIA, y_DIA
    )
    loss = reg.model_.evaluate(X_DIA, y_DIA, verbose=0)[0]
    half_mse = 0.5 * np.mean((reg.predict(X_DIA) - y_DIA) ** 2)
    assert loss == pytest.approx(half_mse, rel=1e-4)


_LOAD = r"""
import sys, numpy as np
if sys.argv[2] == "skmlp":
    import skmlp  # noqa: F401
import keras
m = keras.models.load_model(sys.argv[1], compile=sys.argv[2] == "skmlp")
np.save(sys.argv[1] + ".npy", m.predict(np.load(sys.argv[1] + ".X.npy"), verbose=0))
"""


@pytest.mark.parametrize("how", ["skmlp", "bare"])
def test_saved_keras_file_loads_in_a_fresh_process(iris_clf, tmp_path, how):
    path = str(tmp_path / "model.keras")
    iris_clf.model_.save(path)
    np.save(path + ".X.npy", X_IRIS)
    done = subprocess.run(
        [sys.executable, "-c", _LOAD, path, how], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert_allclose(np.load(path + ".npy"), iris_clf.predict_proba(X_IRIS), rtol=1e-6)


# -- Keras callbacks ------------------------------------------------------------


def _callbacks(tmp_path):
    import keras

    return [
        keras.callbacks.EarlyStopping(monitor="loss", patience=2),
        keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=1),
        keras.callbacks.ModelCheckpoint(str(tmp_path / "ckpt.keras")),
        keras.callbacks.CSVLogger(str(tmp_path / "log.csv")),
        keras.callbacks.TensorBoard(str(tmp_path / "tb")),
        keras.callbacks.LearningRateScheduler(_schedule),
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.LambdaCallback(on_epoch_end=_noop),
        keras.callbacks.BackupAndRestore(str(tmp_path / "backup")),
    ]


def _schedule(epoch, lr):
    return lr * 0.9


def _noop(epoch, logs):
    return None


def test_estimators_with_every_builtin_callback_pickle_clone_and_search(tmp_path):
    est = MLPKerasClassifier(
        (8,), max_iter=4, random_state=0, callbacks=_callbacks(tmp_path)
    )
    est.fit(X_IRIS, y_IRIS)
    assert (tmp_path / "log.csv").read_text().count("\n") == est.n_iter_ + 1
    assert (tmp_path / "ckpt.keras").exists()
    for other in (pickle.loads(pickle.dumps(est)), copy.deepcopy(est)):
        assert_array_equal(other.predict(X_IRIS), est.predict(X_IRIS))
    clone(est).fit(X_IRIS, y_IRIS)
    search = GridSearchCV(est, {"alpha": [1e-4, 1e-2]}, cv=2).fit(X_IRIS, y_IRIS)
    ran = search.best_estimator_.callbacks
    assert all(a is not b for a, b in zip(ran, est.callbacks))  # its own copies
    assert all(getattr(cb, "_model", None) is None for cb in ran + est.callbacks)


def test_batch_hooks_fire_every_batch_and_stop_training_takes_effect():
    import keras

    class Counter(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches, self.epochs, self.rates = 0, 0, []

        def on_train_batch_end(self, batch, logs=None):
            self.batches += 1
            self.rates.append(float(self.model.optimizer.learning_rate.numpy()))
            if self.batches == 2:
                self.model.optimizer.learning_rate.assign(0.5)

        def on_epoch_end(self, epoch, logs=None):
            self.epochs += 1
            if epoch == 2:
                self.model.stop_training = True

    counter = Counter()
    est = MLPKerasClassifier(
        (4,), batch_size=10, max_iter=10, random_state=0, callbacks=[counter]
    ).fit(X_IRIS, y_IRIS)
    assert counter.epochs == est.n_iter_ == 3
    assert counter.batches == 3 * 15
    assert counter.rates[:3] == [pytest.approx(0.001), pytest.approx(0.001), 0.5]


# -- dtypes -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float64_trains_in_float64_and_float32_in_float32(dtype):
    X = X_DIA.astype(dtype)
    reg = MLPKerasRegressor(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(
        X, y_DIA
    )
    clf = MLPKerasClassifier((5,), max_iter=5, random_state=0).fit(X, y_DIA > 0)
    for est in (reg, clf):
        assert all(c.dtype == dtype for c in est.coefs_ + est.intercepts_)
    assert reg.predict(X).dtype == dtype
    assert clf.predict_proba(X).dtype == dtype
    assert reg.predict(_rows(X, BIG)).dtype == dtype


def test_single_class_fits_as_scikit_learn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPKerasClassifier(max_iter=3).fit(X_IRIS, np.ones(150, dtype=int))
    assert_array_equal(clf.predict(X_IRIS[:3]), [1, 1, 1])
    assert_array_equal(clf.predict_proba(X_IRIS[:3]), [[1.0]] * 3)


def test_verbose_true_prints_scikit_learns_lines_and_zero_nothing(capfd):
    MLPKerasClassifier((4,), max_iter=2, verbose=True).fit(X_IRIS, y_IRIS)
    out = capfd.readouterr()
    assert "Iteration 1, loss = " in out.out and "Iteration 2, loss = " in out.out
    MLPKerasClassifier((4,), max_iter=2, verbose=0).fit(X_IRIS, y_IRIS)
    MLPKerasClassifier((4,), max_iter=2, solver="lbfgs").fit(X_IRIS, y_IRIS)
    out = capfd.readouterr()
    assert out.out == "" and out.err == ""


@pytest.mark.slow
def test_grid_search_with_callbacks_in_worker_processes(tmp_path):
    """n_jobs=2 pickles each candidate (and its callbacks) to a worker."""
    import keras

    callbacks = [
        keras.callbacks.EarlyStopping(monitor="loss", patience=2),
        keras.callbacks.CSVLogger(str(tmp_path / "log.csv")),
    ]
    est = MLPKerasClassifier((8,), max_iter=4, random_state=0, callbacks=callbacks)
    grid = {"alpha": [1e-4, 1e-2]}
    one = GridSearchCV(est, grid, cv=2, n_jobs=1).fit(X_IRIS, y_IRIS)
    two = GridSearchCV(est, grid, cv=2, n_jobs=2).fit(X_IRIS, y_IRIS)
    assert_allclose(
        two.cv_results_["mean_test_score"], one.cv_results_["mean_test_score"]
    )
