"""Persistence: pickle, joblib, skops, copies and clones.

A pickle holds the weights as NumPy arrays, not the Keras model: loading one
and predicting a few rows needs no TensorFlow (checked in a fresh interpreter),
and ``model_`` rebuilds the Keras model on first access.
"""

import copy
import json
import os
import pickle
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
from _estimators import ALL, FACTORIES, MLPS, NATIVE, WRAPPERS, keras_rows
from _snapshots import _keras_model_state, assert_same
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import InconsistentVersionWarning, NotFittedError

import skmlp

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
X = RNG.randn(40, 4)
Y_CLASS = np.array(["ant", "bee", "cat"])[np.arange(40) % 3]
Y_REG = X[:, 0] - 2 * X[:, 1]
X_SMALL = X[:5]
X_LARGE = keras_rows(X)  # the Keras path of the MLPs

REPO = Path(__file__).resolve().parents[1]


def target(name):
    return Y_REG if name in ("reg", "kreg") else Y_CLASS


def outputs(est, data):
    out = {"predict": est.predict(data)}
    for method in ("predict_proba", "decision_function"):
        if hasattr(est, method):
            out[method] = getattr(est, method)(data)
    return out


def assert_same_outputs(a, b, data):
    ref, got = outputs(a, data), outputs(b, data)
    assert ref.keys() == got.keys()
    for k in ref:
        assert_array_equal(got[k], ref[k], err_msg=k)


def fitted_state(est):
    """The fitted attributes (public and private), the live model excluded
    (and the pickled optimizer state, which an unpickled estimator holds
    until it rebuilds its model). A wrapper's Keras model: its weights and
    optimizer state (its compiled forward pass ``_forward`` is excluded)."""
    import keras

    skip = ("_trainer", "_optimizer_state", "_forward")
    return {
        k: _keras_model_state(v) if isinstance(v, keras.Model) else v
        for k, v in vars(est).items()
        if k not in skip
    }


@pytest.fixture(scope="module")
def fitted():
    return {name: make().fit(X, target(name)) for name, make in FACTORIES.items()}


# --------------------------------------------------------------------------
# pickle and joblib
# --------------------------------------------------------------------------


def _pickle(est, tmp_path):
    return pickle.loads(pickle.dumps(est))


def _joblib(est, tmp_path):
    path = tmp_path / "est.joblib"
    joblib.dump(est, path)
    return joblib.load(path)


ROUND_TRIPS = {"pickle": _pickle, "joblib": _joblib}


@pytest.mark.parametrize("how", list(ROUND_TRIPS))
@pytest.mark.parametrize("name", ALL)
def test_round_trip_of_a_fitted_estimator(fitted, name, how, tmp_path):
    est = fitted[name]
    loaded = ROUND_TRIPS[how](est, tmp_path)
    assert type(loaded) is type(est)
    assert loaded.get_params() == est.get_params()
    assert_same(fitted_state(loaded), fitted_state(est))
    assert_same_outputs(est, loaded, X_SMALL)
    assert_same_outputs(est, loaded, X_LARGE)
    assert loaded.score(X, target(name)) == est.score(X, target(name))


@pytest.mark.parametrize("how", list(ROUND_TRIPS))
@pytest.mark.parametrize("name", ALL)
def test_round_trip_of_an_unfitted_estimator(fitted, name, how, tmp_path):
    est = FACTORIES[name]()
    loaded = ROUND_TRIPS[how](est, tmp_path)
    assert loaded.get_params() == est.get_params()
    assert vars(loaded) == vars(est)
    with pytest.raises(NotFittedError):
        loaded.predict(X_SMALL)
    # ... and it fits as the original does (random_state is an int).
    loaded.fit(X, target(name))
    assert_same_outputs(fitted[name], loaded, X_SMALL)


@pytest.mark.parametrize("name", ALL)
def test_pickling_does_not_change_the_estimator(fitted, name):
    est = fitted[name]
    before = dict(vars(est))
    pickle.dumps(est)
    copy.deepcopy(est)
    assert vars(est).keys() == before.keys()
    for k, v in before.items():
        assert vars(est)[k] is v, k  # the live Keras model is kept, too


@pytest.mark.parametrize("name", MLPS)
def test_pickle_holds_numpy_weights_not_the_keras_model(fitted, name):
    state = fitted[name].__getstate__()
    assert "_trainer" not in state
    assert all(isinstance(w, np.ndarray) for w in state["_weights"])
    blob = pickle.dumps(fitted[name])
    assert b"keras" not in blob and b"tensorflow" not in blob


@pytest.mark.parametrize("name", MLPS)
def test_model_is_rebuilt_after_unpickling(fitted, name):
    import keras

    est = fitted[name]
    loaded = pickle.loads(pickle.dumps(est))
    assert vars(loaded).get("_trainer") is None
    model = loaded.model_
    assert isinstance(model, keras.Model)
    assert loaded.model_ is model  # built once
    assert_array_equal(model.predict(X, verbose=0), est.model_.predict(X, verbose=0))
    for a, b in zip(model.get_weights(), est._weights, strict=True):
        assert_array_equal(a, b)
    assert_same_outputs(est, loaded, X_SMALL)
    assert_same_outputs(est, loaded, X_LARGE)


@pytest.mark.parametrize("name", MLPS)
def test_weights_set_through_model_are_pickled(fitted, name):
    est = copy.deepcopy(fitted[name])
    weights = est.model_.get_weights()
    weights[-1] = weights[-1] + 1.0  # move the output bias
    est.model_.set_weights(weights)
    loaded = pickle.loads(pickle.dumps(est))
    assert_array_equal(loaded.intercepts_[-1], weights[-1])
    assert_same_outputs(est, loaded, X_SMALL)
    assert_same_outputs(est, loaded, X_LARGE)


# --------------------------------------------------------------------------
# Loading without TensorFlow, in a fresh interpreter
# --------------------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import json, pickle, sys
    import numpy as np

    out = {}
    for name in sys.argv[2:]:
        with open(f"{sys.argv[1]}/{name}.pkl", "rb") as f:
            est = pickle.load(f)
        X = np.load(f"{sys.argv[1]}/X.npy")
        res = {"predict": est.predict(X).tolist()}
        if hasattr(est, "predict_proba"):
            res["predict_proba"] = est.predict_proba(X).tolist()
        out[name] = res
    heavy = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
    print(json.dumps({"outputs": out, "heavy": heavy}))
    """
)


def test_unpickled_estimators_predict_without_tensorflow(fitted, tmp_path):
    fitted = {name: fitted[name] for name in NATIVE}  # the wrappers' is Keras's
    for name, est in fitted.items():
        (tmp_path / f"{name}.pkl").write_bytes(pickle.dumps(est))
    rows = X_SMALL.astype(np.float64)
    np.save(tmp_path / "X.npy", rows)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    )
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path), *fitted],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["heavy"] == []  # neither tensorflow nor keras was imported
    for name, est in fitted.items():
        got = report["outputs"][name]
        assert got["predict"] == est.predict(rows).tolist()
        if "predict_proba" in got:
            assert_array_equal(np.array(got["predict_proba"]), est.predict_proba(rows))


# --------------------------------------------------------------------------
# clone and deepcopy
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_clone_of_a_fitted_estimator_is_unfitted(fitted, name):
    est = fitted[name]
    twin = clone(est)
    assert twin.get_params() == est.get_params()
    # Only the parameters: the wrappers keep the routed ones (model__hidden)
    # in _extra_params.
    routed = set(vars(twin).get("_extra_params", {}))
    assert set(vars(twin)) - {"_extra_params"} == set(est.get_params()) - routed
    with pytest.raises(NotFittedError):
        twin.predict(X_SMALL)


def _weights(est):
    if hasattr(est, "coefs_"):
        return est.coefs_
    return est.model_.get_weights() if hasattr(est, "model_") else [est.coef_]


def _all_outputs(est):
    return {"small": outputs(est, X_SMALL), "large": outputs(est, X_LARGE)}


@pytest.mark.parametrize("how", ["partial_fit", "warm_start", "refit"])
@pytest.mark.parametrize("name", ALL)
def test_deepcopy_predicts_the_same_and_trains_independently(fitted, name, how):
    est = fitted[name]
    before, reference = copy.deepcopy(fitted_state(est)), _all_outputs(est)
    twin = copy.deepcopy(est)
    assert_same(_all_outputs(twin), reference)
    if how == "partial_fit":
        twin.partial_fit(X, target(name))
    else:
        twin.set_params(warm_start=how == "warm_start")
        twin.set_params(**{"epochs" if name in WRAPPERS else "max_iter": 3})
        twin.fit(X[::-1], target(name)[::-1])
    flat = lambda e: np.concatenate([np.ravel(w) for w in _weights(e)])  # noqa: E731
    assert not np.array_equal(flat(twin), flat(est))  # the twin did train
    assert est.get_params() == FACTORIES[name]().get_params()
    assert_same(fitted_state(est), before)
    assert_same(_all_outputs(est), reference)


# --------------------------------------------------------------------------
# skops
# --------------------------------------------------------------------------

#: What skops.io.get_untrusted_types reports for each estimator: only the
#: class itself (the fitted state is NumPy arrays, lists, dicts and scalars).
#: Documented in docs/errors.rst.
UNTRUSTED = {
    "clf": ["skmlp._mlp.MLPKerasClassifier"],
    "reg": ["skmlp._mlp.MLPKerasRegressor"],
    "perc": ["skmlp._perceptron.StepPerceptron"],
    # The wrappers: also the build function, the fitted encoders and the
    # dtypes of X and y (X_dtype_, y_dtype_), as skops reports them.
    "kclf": [
        "_keras_models.dynamic_classifier",
        "numpy.dtype",
        "skmlp._wrapper_encoders.ClassifierLabelEncoder",
        "skmlp._wrapper_encoders.TargetReshaper",
        "skmlp._wrappers.KerasClassifier",
    ],
    "kreg": [
        "_keras_models.dynamic_regressor",
        "numpy.dtype",
        "skmlp._wrapper_encoders.RegressorTargetEncoder",
        "skmlp._wrappers.KerasRegressor",
    ],
}
#: An unfitted wrapper holds its build function and nothing fitted.
UNTRUSTED_UNFITTED = {
    "kclf": ["_keras_models.dynamic_classifier", "skmlp._wrappers.KerasClassifier"],
    "kreg": ["_keras_models.dynamic_regressor", "skmlp._wrappers.KerasRegressor"],
}


@pytest.mark.parametrize("fit", [True, False], ids=["fitted", "unfitted"])
@pytest.mark.parametrize("name", ALL)
def test_skops_round_trip(fitted, name, fit, tmp_path):
    sio = pytest.importorskip("skops.io")
    est = fitted[name] if fit else FACTORIES[name]()
    path = tmp_path / "est.skops"
    sio.dump(est, path)
    untrusted = UNTRUSTED[name]
    if not fit:
        untrusted = UNTRUSTED_UNFITTED.get(name, untrusted)
    assert sio.get_untrusted_types(file=path) == untrusted
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.load(path)  # nothing is trusted by default
    loaded = sio.load(path, trusted=untrusted)
    assert loaded.get_params() == est.get_params()
    assert "_skmlp_version" not in vars(loaded)
    if fit:
        assert_same(fitted_state(loaded), fitted_state(est))
        assert_same_outputs(est, loaded, X_SMALL)
        assert_same_outputs(est, loaded, X_LARGE)
    else:
        assert vars(loaded) == vars(est)


# --------------------------------------------------------------------------
# The skmlp version in the pickle
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_pickle_records_the_skmlp_version(fitted, name):
    assert fitted[name].__getstate__()["_skmlp_version"] == skmlp.__version__
    assert "_skmlp_version" not in vars(fitted[name])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same version: no warning
        # (Keras's own DeprecationWarning as it loads a wrapper's model under
        # NumPy 2, "__array__ implementation doesn't accept a copy keyword".)
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="keras")
        loaded = pickle.loads(pickle.dumps(fitted[name]))
    assert "_skmlp_version" not in vars(loaded)


@pytest.mark.parametrize("name", ALL)
def test_loading_a_pickle_of_another_version_warns(fitted, name, monkeypatch):
    est = fitted[name]
    monkeypatch.setattr(skmlp, "__version__", "0.0.1.dev0")
    blob = pickle.dumps(est)
    monkeypatch.undo()
    with pytest.warns(InconsistentVersionWarning, match=r"0\.0\.1\.dev0") as record:
        loaded = pickle.loads(blob)
    assert type(est).__name__ in str(record[0].message)
    assert skmlp.__version__ in str(record[0].message)
    assert_same_outputs(est, loaded, X_SMALL)  # it still loads
    # The same through an edited state dict.
    state = est.__getstate__()
    state["_skmlp_version"] = "99.0"
    twin = type(est).__new__(type(est))
    with pytest.warns(InconsistentVersionWarning, match=r"99\.0"):
        twin.__setstate__(state)
    assert_same_outputs(est, twin, X_SMALL)


@pytest.mark.parametrize("name", ALL)
def test_pickle_records_the_state_version(fitted, name):
    from skmlp._estimator_state import STATE_VERSION

    assert fitted[name].__getstate__()["_skmlp_state"] == STATE_VERSION
    loaded = pickle.loads(pickle.dumps(fitted[name]))
    assert "_skmlp_state" not in vars(loaded)


def _state_of_another_version(est, edit):
    state = est.__getstate__()
    state["_config"] = dict(state["_config"])
    state.update(_skmlp_version="9.0", _skmlp_state=7)
    edit(state)
    return state


@pytest.mark.parametrize("name", MLPS)
@pytest.mark.parametrize(
    "edit, problem",
    [
        (
            lambda s: s["_config"].update(new_field=3),
            "its TrainConfig has fields ['new_field'] this version does not know",
        ),
        (
            lambda s: s["_config"].pop("tol"),
            "its TrainConfig has no fields ['tol']",
        ),
        (
            lambda s: s.update(_spec=s["_spec"][:-1]),
            "its TargetSpec has fields ['field 0', 'field 1', 'field 2', 'field 3']",
        ),
    ],
    ids=["extra field", "missing field", "short TargetSpec"],
)
def test_a_state_of_another_layout_names_both_versions(fitted, name, edit, problem):
    """The reproducer: a pickle from a version with other TrainConfig fields
    failed with "TrainConfig.__init__() got an unexpected keyword argument"
    (or "missing 1 required positional argument"), with no hint."""
    est = fitted[name]
    state = _state_of_another_version(est, edit)
    twin = type(est).__new__(type(est))
    with pytest.warns(InconsistentVersionWarning):
        with pytest.raises(ValueError) as info:
            twin.__setstate__(state)
    message = str(info.value)
    assert f"This pickled {type(est).__name__} was written by skmlp 9.0 (state " in (
        message
    )
    assert "version 7)" in message
    assert f"skmlp {skmlp.__version__} (state version 1) cannot restore it" in message
    assert problem in message
    assert "Load it with the skmlp version that wrote it, or refit" in message
