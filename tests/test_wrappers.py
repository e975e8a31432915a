"""KerasClassifier and KerasRegressor from a user's point of view: the
chapter's Functional and Subclassing APIs, a small CNN, grid searches over
routed parameters, pickles, weights, reproducibility and clear errors."""

import pickle
import random
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import scipy.sparse as sp
from _keras_models import dynamic_classifier, dynamic_regressor
from _snapshots import assert_unchanged, snapshot
from _snapshots import params as params_during
from sklearn.base import (
    BaseEstimator,
    TransformerMixin,
    clone,
    is_classifier,
    is_regressor,
)
from sklearn.datasets import load_digits, load_iris, make_regression
from sklearn.model_selection import GridSearchCV

from skmlp import KerasClassifier, KerasRegressor

FAST = dict(optimizer="adam", optimizer__learning_rate=0.02, random_state=0)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


@pytest.fixture(scope="module")
def fitted(iris):
    return KerasClassifier(dynamic_classifier, epochs=20, **FAST).fit(*iris)


def test_mixins_and_fitted_attributes(fitted, iris):
    assert is_classifier(fitted) and is_regressor(KerasRegressor())
    assert fitted.n_features_in_ == 4 and fitted.classes_.tolist() == [0, 1, 2]
    assert isinstance(fitted.model_, keras.Model)
    assert len(fitted.history_["loss"]) == 20
    assert fitted.score(*iris) > 0.8
    proba = fitted.predict_proba(iris[0][:1])
    assert proba.shape == (1, 3) and np.isclose(proba.sum(), 1)


def test_binary_predict_proba_has_two_columns(iris):
    X, y = iris[0], (iris[1] > 0).astype(int)
    clf = KerasClassifier(dynamic_classifier, epochs=2, **FAST).fit(X, y)
    assert clf.model_.outputs[0].shape[-1] == 1
    assert clf.predict_proba(X[:3]).shape == (3, 2)
    assert clf.predict(X[:3]).shape == (3,)


def test_routed_parameters_are_real_parameters(iris):
    clf = KerasClassifier(dynamic_classifier, model__hidden=4, **FAST)
    params = clf.get_params()
    assert params["model__hidden"] == 4 and params["optimizer__learning_rate"] == 0.02
    clf.set_params(model__hidden=6, fit__batch_size=16)
    assert clone(clf).get_params()["model__hidden"] == 6
    clf.fit(*iris)
    assert clf.model_.layers[1].units == 6
    with pytest.raises(ValueError, match="Routed parameters start with one of"):
        clf.set_params(hiden=3)


def test_build_function_receives_meta_compile_kwargs_and_params(iris):
    seen = {}

    def build(meta, compile_kwargs, params, width=3):
        seen.update(meta=meta, compile_kwargs=compile_kwargs, params=params, w=width)
        return dynamic_classifier(meta, compile_kwargs, hidden=width)

    KerasClassifier(build, width=5, epochs=1, **FAST).fit(*iris)
    meta = seen["meta"]
    for key in ("n_features_in_", "X_shape_", "X_dtype_", "n_classes_", "classes_"):
        assert key in meta
    assert meta["target_type_"] == "multiclass" and meta["n_outputs_expected_"] == 1
    assert "feature_encoder_" in meta and "target_encoder_" in meta
    assert isinstance(seen["compile_kwargs"]["optimizer"], keras.optimizers.Adam)
    assert seen["params"]["width"] == 5 and seen["w"] == 5


def test_reproducible_without_touching_global_seeds(iris):
    py, npy = random.getstate(), np.random.get_state()
    a = KerasClassifier(dynamic_classifier, epochs=3, **FAST).fit(*iris)
    b = KerasClassifier(dynamic_classifier, epochs=3, **FAST).fit(*iris)
    assert random.getstate() == py
    assert all(np.array_equal(u, v) for u, v in zip(npy, np.random.get_state()))
    for u, v in zip(a.model_.get_weights(), b.model_.get_weights()):
        np.testing.assert_array_equal(u, v)
    c = KerasClassifier(dynamic_classifier, epochs=3, **{**FAST, "random_state": 1})
    assert not np.array_equal(
        c.fit(*iris).model_.get_weights()[0], a.model_.get_weights()[0]
    )


def test_quiet_by_default(iris, capfd):
    KerasClassifier(dynamic_classifier, epochs=2, **FAST).fit(*iris).predict(iris[0])
    out, err = capfd.readouterr()
    assert out == ""


def test_partial_fit_and_warm_start_continue(iris):
    clf = KerasClassifier(dynamic_classifier, **FAST)
    clf.partial_fit(*iris, classes=[0, 1, 2]).partial_fit(*iris)
    assert len(clf.history_["loss"]) == 2 and clf.current_epoch == 2
    model = clf.model_
    clf.set_params(warm_start=True).fit(*iris)
    assert clf.model_ is model


def test_a_trained_model_instance_is_used_as_given(iris, tmp_path):
    # scikeras's Basic usage: train with Keras, save, load, wrap the loaded
    # model: it predicts as the loaded model, and fit continues its training.
    X, y = iris
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=3, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    reg = KerasClassifier(loaded).initialize(X, y)
    assert reg.model_ is loaded
    np.testing.assert_allclose(
        reg.predict_proba(X), model.predict(X, verbose=0), rtol=1e-5, atol=1e-6
    )
    before = [w.copy() for w in loaded.get_weights()]
    reg.fit(X, y)  # not re-initialised: the same model, trained further
    assert reg.model_ is loaded and len(reg.history_["loss"]) == 1
    assert not np.allclose(before[0], loaded.get_weights()[0])
    # An uncompiled model is compiled from the parameters, as in scikeras.
    bare = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    clf = KerasClassifier(bare, loss="sparse_categorical_crossentropy").fit(X, y)
    assert clf.model_ is bare and bare.compiled
    # clone (a grid search) copies it: the copy's fit leaves the original alone.
    weights = bare.get_weights()[0].copy()
    twin = clone(clf).fit(X, y)
    assert twin.model_ is not bare
    np.testing.assert_array_equal(bare.get_weights()[0], weights)


def test_sparse_and_sample_weight(iris):
    X = sp.csc_matrix(iris[0])
    reg = KerasRegressor(dynamic_regressor, epochs=2, **FAST)
    reg.fit(X, X[:, 0].toarray().ravel(), sample_weight=np.ones(150))
    assert reg.predict(X).dtype == np.float64


def test_class_weight(iris):
    X, y = iris
    balanced = KerasClassifier(dynamic_classifier, class_weight="balanced", **FAST)
    assert balanced.fit(X[:120], y[:120]).score(X, y) > 0
    # Weight moves the predictions towards the heavy class.
    counts = {}
    for heavy in (1, 2):
        weights = {0: 1.0, 1: 1.0, 2: 1.0, heavy: 20.0}
        clf = KerasClassifier(dynamic_classifier, class_weight=weights, **FAST)
        counts[heavy] = (clf.fit(X, y).predict(X) == 2).sum()
    assert counts[2] > counts[1]
    with pytest.raises(ValueError, match=re.escape("class_weight has keys [7]")):
        KerasClassifier(dynamic_classifier, class_weight={7: 1.0}, **FAST).fit(X, y)


# -- the chapter's Functional API: wide & deep, two inputs, an auxiliary output


class WideDeepInputs(BaseEstimator, TransformerMixin):
    """X to the two named inputs of the wide & deep model."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return {"wide": X[:, :5], "deep": X[:, 2:]}


class MainAndAuxTargets(BaseEstimator, TransformerMixin):
    """y to the two outputs; predictions from the main one."""

    def fit(self, y):
        return self

    def transform(self, y):
        return [y, y]

    def inverse_transform(self, y):
        return y[0].ravel()

    def get_metadata(self):
        return {"n_outputs_expected_": 2}


def wide_and_deep(meta):
    wide, deep = keras.Input((5,), name="wide"), keras.Input((6,), name="deep")
    hidden = keras.layers.Dense(30, activation="relu")(deep)
    hidden = keras.layers.Dense(30, activation="relu")(hidden)
    concat = keras.layers.concatenate([wide, hidden])
    main = keras.layers.Dense(1, name="main")(concat)
    aux = keras.layers.Dense(1, name="aux")(hidden)
    return keras.Model(inputs=[wide, deep], outputs=[main, aux])


class WideDeepRegressor(KerasRegressor):
    @property
    def feature_encoder(self):
        return WideDeepInputs()

    @property
    def target_encoder(self):
        return MainAndAuxTargets()


def test_functional_wide_and_deep_with_auxiliary_output():
    X, y = make_regression(200, 8, noise=1.0, random_state=0)
    reg = WideDeepRegressor(
        wide_and_deep, loss=["mse", "mse"], loss_weights=[0.9, 0.1], epochs=5, **FAST
    ).fit(X, y / y.std())
    assert reg.get_params()["loss_weights"] == [0.9, 0.1]
    assert reg.predict(X[:4]).shape == (4,)
    assert len(reg.history_["loss"]) == 5


# -- the Subclassing API ------------------------------------------------------


@keras.saving.register_keras_serializable(package="skmlp_tests")
class WideAndDeepModel(keras.Model):
    def __init__(self, units=30, n_classes=3, **kwargs):
        super().__init__(**kwargs)
        self.units, self.n_classes = units, n_classes
        self.hidden = keras.layers.Dense(units, activation="relu")
        self.out = keras.layers.Dense(n_classes, activation="softmax")

    def call(self, inputs):
        return self.out(self.hidden(inputs))

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "n_classes": self.n_classes,
        }


def subclassed(meta, units=8):
    return WideAndDeepModel(units, meta["n_classes_"])


def test_subclassing_api_fits_and_pickles(iris):
    clf = KerasClassifier(
        subclassed, loss="sparse_categorical_crossentropy", epochs=3, **FAST
    ).fit(*iris)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(
        again.predict_proba(iris[0]), clf.predict_proba(iris[0])
    )


# -- N-D inputs: a CNN on the 8x8 digits --------------------------------------


def small_cnn(meta, filters=8):
    return keras.Sequential(
        [
            keras.Input(meta["X_shape_"][1:]),
            keras.layers.Conv2D(filters, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


def test_conv2d_on_digit_images():
    X, y = load_digits(return_X_y=True)
    X = X.reshape(-1, 8, 8, 1)[:600] / 16
    clf = KerasClassifier(
        small_cnn, loss="sparse_categorical_crossentropy", epochs=3, **FAST
    ).fit(X, y[:600])
    assert clf.score(X, y[:600]) > 0.5
    with pytest.raises(ValueError, match="samples of shape"):
        clf.predict(X[..., 0])


# -- grid search and pickles ---------------------------------------------------


def test_grid_search_over_routed_parameters(iris):
    search = GridSearchCV(
        KerasClassifier(dynamic_classifier, epochs=2, **FAST),
        {"model__hidden": [4, 8], "optimizer__learning_rate": [0.01, 0.05]},
        cv=2,
        n_jobs=2,
    ).fit(*iris)
    assert set(search.best_params_) == {"model__hidden", "optimizer__learning_rate"}
    assert (
        search.best_estimator_.model_.layers[1].units
        == search.best_params_["model__hidden"]
    )


def test_pickle_predicts_identically_in_a_fresh_process(fitted, iris, tmp_path):
    path = tmp_path / "clf.pkl"
    path.write_bytes(pickle.dumps(fitted))
    np.save(tmp_path / "X.npy", iris[0])
    here, out = str(Path(__file__).parent), str(tmp_path / "P.npy")
    code = (
        f"import pickle, sys, numpy as np; sys.path.insert(0, {here!r}); "
        f"clf = pickle.load(open({str(path)!r}, 'rb')); "
        f"np.save({out!r}, clf.predict_proba(np.load({str(tmp_path / 'X.npy')!r})))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    np.testing.assert_array_equal(
        np.load(tmp_path / "P.npy"), fitted.predict_proba(iris[0])
    )


def test_deepcopy_and_clone_of_a_fitted_estimator(fitted, iris):
    import copy

    twin = copy.deepcopy(fitted)
    assert twin.model_ is not fitted.model_
    np.testing.assert_array_equal(twin.predict(iris[0]), fitted.predict(iris[0]))
    assert not hasattr(clone(fitted), "model_")


# -- bad input -----------------------------------------------------------------


def not_a_model(meta):
    return "model"


def one_unit(meta):
    return keras.Sequential(
        [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1)]
    )


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(model=not_a_model), TypeError, "returned str, not a keras.Model"),
        (
            dict(model=one_unit, loss="sparse_categorical_crossentropy"),
            ValueError,
            "output has 1 unit(s) but y has 3 classes",
        ),
        (
            dict(model=one_unit, loss="msee"),
            ValueError,
            "loss='msee' is not a Keras loss",
        ),
        (
            dict(model=one_unit, loss="mse", optimizer="adamm"),
            ValueError,
            "optimizer='adamm' is not a Keras optimizer",
        ),
        (
            dict(model=one_unit, loss="mse", model__hidden=3),
            ValueError,
            "model__hidden is given but the build function one_unit has no parameter",
        ),
        (
            dict(model=one_unit, loss="mse", optimizer__learning_rat=0.1),
            ValueError,
            "optimizer__learning_rat",
        ),
        (dict(model=one_unit), ValueError, "You must provide a loss or a compiled"),
        (dict(model=None), ValueError, "model=None: pass a function"),
    ],
)
def test_bad_input_is_a_clear_error_and_changes_nothing(
    fitted, iris, params, error, match
):
    est = clone(fitted)
    # a fitted estimator, with parameters of its own
    est.__dict__.update({k: v for k, v in vars(fitted).items() if k != "_extra_params"})
    est.set_params(**params)
    before = snapshot(est)
    with pytest.raises(error, match=re.escape(match)):
        est.fit(*iris)
    assert_unchanged(est, before)


def test_skops_round_trip(fitted, iris, tmp_path):
    sio = pytest.importorskip("skops.io")
    path = tmp_path / "est.skops"
    sio.dump(fitted, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert "skmlp._wrappers.KerasClassifier" in untrusted
    loaded = sio.load(path, trusted=untrusted)
    assert np.array_equal(loaded.predict_proba(iris[0]), fitted.predict_proba(iris[0]))


@pytest.mark.slow
def test_grid_search_on_a_dask_cluster_equals_sequential(iris):
    pytest.importorskip("distributed")
    from _dask import dask_backend

    est = KerasClassifier(dynamic_classifier, epochs=5, **FAST)
    grid = {"optimizer__learning_rate": [0.01, 0.05]}
    sequential = GridSearchCV(est, grid, cv=2).fit(*iris)
    with dask_backend():
        on_dask = GridSearchCV(est, grid, cv=2, n_jobs=-1).fit(*iris)
    np.testing.assert_allclose(
        on_dask.cv_results_["mean_test_score"],
        sequential.cv_results_["mean_test_score"],
    )


# -- seeds: random_state alone -------------------------------------------------


def dropout_classifier(meta):
    """Seeded twice: Keras's initializers and the Dropout layer's draws."""
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


def _global_rngs():
    """The global random states a user may seed (read without changing them)."""
    from keras.src.backend.common import global_state
    from keras.src.utils import rng_utils
    from tensorflow.python.eager import context

    # Where Keras keeps the seed it was given (absent from older Keras).
    GLOBAL_RANDOM_SEED = getattr(rng_utils, "GLOBAL_RANDOM_SEED", None)  # noqa: N806
    numpy_state = np.random.get_state()
    return (
        random.getstate(),
        (numpy_state[0], numpy_state[1].tolist(), *numpy_state[2:]),
        context.global_seed(),
        GLOBAL_RANDOM_SEED and global_state.get_global_attribute(GLOBAL_RANDOM_SEED),
    )


@pytest.fixture
def restore_global_seeds():
    """Put back what ``keras.utils.set_random_seed`` / ``tf.random.set_seed``
    change, for the tests that follow."""
    import tensorflow as tf
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator

    # The name of Keras's global seed generator (a constant from Keras 3.13).
    GLOBAL_SEED_GENERATOR = getattr(  # noqa: N806
        seed_generator, "GLOBAL_SEED_GENERATOR", "global_seed_generator"
    )
    from keras.src.utils import rng_utils
    from tensorflow.python.eager import context

    GLOBAL_RANDOM_SEED = getattr(rng_utils, "GLOBAL_RANDOM_SEED", None)  # noqa: N806
    saved = (
        random.getstate(),
        np.random.get_state(),
        context.global_seed(),
        GLOBAL_RANDOM_SEED and global_state.get_global_attribute(GLOBAL_RANDOM_SEED),
        global_state.get_global_attribute(GLOBAL_SEED_GENERATOR),
    )
    yield
    random.setstate(saved[0])
    np.random.set_state(saved[1])
    tf.random.set_seed(saved[2])
    if GLOBAL_RANDOM_SEED is not None:
        global_state.set_global_attribute(GLOBAL_RANDOM_SEED, saved[3])
    global_state.set_global_attribute(GLOBAL_SEED_GENERATOR, saved[4])


def test_random_state_alone_decides_the_fit(iris, restore_global_seeds):
    """The reproducer: with random_state=0 and shuffle=True, a global seed set
    by the user before fit must not change the predictions (TensorFlow
    combines an op's seed with its global seed), and fit sets none."""
    import tensorflow as tf

    def fit_after(seeding):
        seeding()
        rngs = _global_rngs()
        clf = KerasClassifier(
            dropout_classifier,
            loss="sparse_categorical_crossentropy",
            epochs=3,
            batch_size=16,
            shuffle=True,
            validation_split=0.1,
            **FAST,
        ).fit(*iris)
        assert _global_rngs() == rngs, "fit changed a global random state"
        return clf.predict_proba(iris[0])

    expected = fit_after(lambda: None)
    for seeding in (
        lambda: keras.utils.set_random_seed(1),
        lambda: tf.random.set_seed(2),
    ):
        np.testing.assert_allclose(fit_after(seeding), expected, rtol=0, atol=1e-6)


def test_shuffled_batches_are_a_new_permutation_each_epoch(iris):
    """The stateless order: every row once per epoch, another order each epoch,
    the same orders for the same seed."""
    from skmlp._wrapper_keras import _shuffled_epochs

    rows = np.arange(10.0)[:, None]
    data = (rows, rows[:, 0])
    epochs = [
        np.concatenate([b[1].numpy() for b in _shuffled_epochs(data, 10, 4, 7, 0, 3)])
    ]
    flat = epochs[0]
    assert flat.shape == (30,)
    orders = flat.reshape(3, 10)
    for order in orders:
        assert sorted(order) == list(range(10))
    assert not np.array_equal(orders[0], orders[1])
    again = np.concatenate(
        [b[1].numpy() for b in _shuffled_epochs(data, 10, 4, 7, 1, 3)]
    )
    np.testing.assert_array_equal(again, flat[10:])  # epoch e: its own order


# -- partial_fit's classes, as in MLPKerasClassifier ---------------------------


def test_partial_fit_refuses_other_classes_and_unseen_labels(iris):
    """The reproducer: partial_fit(classes=[0, 1, 2, 3]) on a later call was
    silently ignored; a label outside the classes failed in OrdinalEncoder."""
    from skmlp import MLPKerasClassifier

    X, y = iris
    clf = KerasClassifier(dynamic_classifier, **FAST).partial_fit(
        X, y, classes=[0, 1, 2]
    )
    before = snapshot(clf)
    differs = "classes=[0, 1, 2, 3] differs from the classes of the first call to "
    differs += "partial_fit, [0, 1, 2]."
    with pytest.raises(ValueError, match=re.escape(differs)):
        clf.partial_fit(X, y, classes=[0, 1, 2, 3])
    unseen = "y contains labels [3] that are not in classes [0, 1, 2]; pass every "
    unseen += "label in `classes` on the first call to partial_fit"
    y3 = np.where(y == 2, 3, y)
    with pytest.raises(ValueError, match=re.escape(unseen)):
        clf.partial_fit(X, y3)
    with pytest.raises(ValueError, match=re.escape(unseen)):
        with params_during(clf, warm_start=True):
            clf.fit(X, y3)
    assert_unchanged(clf, before)
    assert clf.current_epoch == 1 and list(clf.classes_) == [0, 1, 2]
    clf.partial_fit(X, y, classes=[2, 1, 0])  # the same classes: accepted
    assert clf.current_epoch == 2
    # The same message as MLPKerasClassifier's.
    mlp = MLPKerasClassifier((4,), random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=re.escape(differs)):
        mlp.partial_fit(X, y, classes=[0, 1, 2, 3])
    with pytest.raises(ValueError, match=re.escape(unseen)):
        mlp.partial_fit(X, y3)
