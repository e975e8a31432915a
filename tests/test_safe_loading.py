"""Loading runs no code from the file: the wrappers' Keras models.

A KerasClassifier pickles its model as .keras bytes. Loading them (pickle,
joblib, skops) uses Keras's safe mode: a Lambda layer's Python lambda is
refused with an error naming Keras's opt-in, and its code does not run. The
lambda here touches a file, so whether its code ran is visible. A copy in the
same process (``copy.deepcopy``) needs no opt-in, and no registration of
custom layers; a pickle with an unregistered custom layer fails with an
error that names the layer and the fix.
"""

import copy
import pickle
import re
import warnings

import keras
import numpy as np
import pytest
from _keras_models import dynamic_classifier
from sklearn.datasets import load_iris

from skmlp import KerasClassifier

X, Y = load_iris(return_X_y=True)
X = (X - X.mean(0)) / X.std(0)
FIT = dict(loss="sparse_categorical_crossentropy", epochs=1, random_state=0)
UNSAFE = "keras.config.enable_unsafe_deserialization() before loading it"

#: Where the lambda leaves its mark when its code runs.
MARKER = {}


def touching_lambda():
    """A lambda whose code, when it runs, creates the file MARKER["path"]."""
    path = str(MARKER["path"])
    return eval(f"lambda x: (__import__('pathlib').Path({path!r}).touch(), x)[1]")


def lambda_model(meta):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Lambda(touching_lambda()),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


@pytest.fixture(scope="module")
def lambda_fitted(tmp_path_factory):
    MARKER["path"] = tmp_path_factory.mktemp("lambda") / "the lambda ran"
    clf = KerasClassifier(lambda_model, **FIT).fit(X, Y)
    assert MARKER["path"].exists()  # the code runs when called: visible
    return clf


@pytest.fixture
def marker():
    """The marker file, removed: a test sees whether loading created it."""
    MARKER["path"].unlink(missing_ok=True)
    yield MARKER["path"]
    MARKER["path"].unlink(missing_ok=True)


@pytest.fixture
def keep_keras_safe_mode():
    from keras.src.saving import serialization_lib

    saved = serialization_lib.in_safe_mode()
    yield
    from keras.src.backend.common import global_state

    global_state.set_global_attribute("safe_mode_saving", saved)


def test_pickle_with_a_lambda_is_refused_and_runs_nothing(lambda_fitted, marker):
    blob = pickle.dumps(lambda_fitted)
    marker.unlink(missing_ok=True)
    with pytest.raises(ValueError, match=re.escape(UNSAFE)) as info:
        pickle.loads(blob)
    assert "needs unsafe deserialization" in str(info.value)
    assert "KerasClassifier" in str(info.value)
    assert not marker.exists(), "loading ran the lambda's code"


def test_skops_with_a_lambda_is_refused_and_runs_nothing(lambda_fitted, marker):
    """The reproducer: trusting what get_untrusted_types names is not
    trusting the lambda's code."""
    sio = pytest.importorskip("skops.io")
    blob = sio.dumps(lambda_fitted)
    marker.unlink(missing_ok=True)
    untrusted = sio.get_untrusted_types(data=blob)
    assert "skmlp._wrappers.KerasClassifier" in untrusted
    assert f"{__name__}.lambda_model" in untrusted  # the build function
    assert not [t for t in untrusted if t.startswith("keras")]  # model: bytes
    with pytest.raises(ValueError, match=re.escape(UNSAFE)):
        sio.loads(blob, trusted=untrusted)
    assert not marker.exists(), "loading ran the lambda's code"


def test_keras_opt_in_loads_the_lambda(lambda_fitted, marker, keep_keras_safe_mode):
    blob = pickle.dumps(lambda_fitted)
    keras.config.enable_unsafe_deserialization()
    loaded = pickle.loads(blob)
    np.testing.assert_array_equal(
        loaded.predict_proba(X), lambda_fitted.predict_proba(X)
    )
    assert marker.exists()  # opted in: the code ran


def test_deepcopy_of_a_lambda_model_needs_no_opt_in(lambda_fitted):
    twin = copy.deepcopy(lambda_fitted)
    assert twin.model_ is not lambda_fitted.model_
    np.testing.assert_array_equal(twin.predict_proba(X), lambda_fitted.predict_proba(X))


def test_a_model_instance_parameter_loads_safely_too(lambda_fitted, marker):
    """Keras's own pickle of a model loads it with safe mode off; the model
    parameter is saved as .keras bytes instead."""
    template = lambda_model({"n_features_in_": 4, "n_classes_": 3})
    clf = KerasClassifier(template, **FIT)
    blob = pickle.dumps(clf)
    marker.unlink(missing_ok=True)
    with pytest.raises(ValueError, match=re.escape(UNSAFE)):
        pickle.loads(blob)
    assert not marker.exists(), "loading ran the lambda's code"
    twin = copy.deepcopy(clf)
    assert isinstance(twin.model, keras.Model) and twin.model is not template


def test_an_initialized_model_pickles_without_warnings():
    """A model that never trained (its optimizer unbuilt) loads without
    Keras's "Skipping variable loading" (no filter is swapped to hide it)."""
    clf = KerasClassifier(dynamic_classifier, random_state=0).initialize(X, Y)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*Skipping variable loading")
        loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


# -- an unregistered custom layer ----------------------------------------------


class Doubling(keras.layers.Layer):
    """A custom layer not registered with Keras."""

    def call(self, x):
        return 2.0 * x


def doubling_model(meta):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            Doubling(),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


def test_unregistered_custom_layer_is_named_with_the_fix():
    """The reproducer: the pickle loaded with "Sequential could not be
    deserialized properly"; deepcopy failed the same way."""
    clf = KerasClassifier(doubling_model, **FIT).fit(X, Y)
    blob = pickle.dumps(clf)
    try:
        loaded = pickle.loads(blob)
    except ValueError as exc:
        message = str(exc)
        assert "uses the custom class(es) Doubling, which Keras cannot find" in message
        assert "@keras.saving.register_keras_serializable()" in message
        assert "keras.saving.custom_object_scope({'Doubling': Doubling})" in message
        with keras.saving.custom_object_scope({"Doubling": Doubling}):
            loaded = pickle.loads(blob)
    else:
        # Older Keras (3.7, the floor) finds an unregistered class by its
        # module (this test's, importable here): the model loads as saved.
        assert tuple(map(int, keras.__version__.split(".")[:2])) < (3, 15)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    # A copy takes the classes of the live model: no registration needed.
    twin = copy.deepcopy(clf)
    np.testing.assert_array_equal(twin.predict_proba(X), clf.predict_proba(X))
    before = clf.predict_proba(X)
    twin.partial_fit(X, Y)
    assert twin.current_epoch == 2
    np.testing.assert_array_equal(clf.predict_proba(X), before)
