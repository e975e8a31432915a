"""The MLPs' chapter-10 features (issue 26): the ``metrics`` parameter,
``initialize``, ``model_.export`` served by ``TFSMLayer`` from float32 input,
and a quiet ``model_.predict`` / ``model_.evaluate``."""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from _snapshots import WARNINGS, Y_CLASS, Y_REG, X, snapshot
from _snapshots import assert_unchanged as unchanged
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.datasets import load_iris, make_regression
from sklearn.model_selection import GridSearchCV

import skmlp
from skmlp import HistoryDisplay, MLPKerasClassifier, MLPKerasRegressor

pytestmark = WARNINGS

keras = pytest.importorskip("keras")

XR, YR = make_regression(120, 4, noise=0.1, random_state=0)
YR = YR / 100
XI, YI = load_iris(return_X_y=True)


def keras_history_names(metrics, X, y, loss="mse"):
    """The history keys a plain Keras model compiled with ``metrics`` gets."""
    model = keras.Sequential(
        [
            keras.Input((X.shape[1],)),
            keras.layers.Dense(y.shape[1] if y.ndim > 1 else 1),
        ]
    )
    model.compile(loss=loss, metrics=metrics)
    history = model.fit(X, y, epochs=1, verbose=0, validation_data=(X, y)).history
    return set(history) - {"loss", "val_loss"}


# -- metrics ------------------------------------------------------------------


@pytest.fixture(scope="module")
def reg_rmse():
    """The chapter's regressor: metrics=["RootMeanSquaredError"], validated."""
    reg = MLPKerasRegressor(
        hidden_layer_sizes=(16,),
        max_iter=6,
        learning_rate_init=0.01,
        metrics=["RootMeanSquaredError", "mae"],
        random_state=0,
    )
    return reg.fit(XR[:90], YR[:90], validation_data=(XR[90:], YR[90:]))


def test_metrics_recorded_per_epoch_under_keras_names(reg_rmse):
    expected = keras_history_names(["RootMeanSquaredError", "mae"], XR, YR)
    recorded = set(reg_rmse.history_) - {"loss", "val_loss", "r2", "val_r2"}
    assert recorded == expected
    for key in reg_rmse.history_:
        assert len(reg_rmse.history_[key]) == reg_rmse.n_iter_ == 6


def test_metric_values_are_those_of_the_final_weights(reg_rmse):
    # The last epoch's values: computed with the weights the fit ended with.
    h = reg_rmse.history_
    for X_, y_, prefix in ((XR[:90], YR[:90], ""), (XR[90:], YR[90:], "val_")):
        err = y_ - reg_rmse.predict(X_)
        assert_allclose(
            h[f"{prefix}RootMeanSquaredError"][-1], np.sqrt(np.mean(err**2)), rtol=1e-5
        )
        assert_allclose(h[f"{prefix}mae"][-1], np.mean(np.abs(err)), rtol=1e-5)


def test_model_is_compiled_with_the_metrics(reg_rmse):
    got = reg_rmse.model_.evaluate(XR[:90], YR[:90], verbose=0, return_dict=True)
    err = YR[:90] - reg_rmse.predict(XR[:90])
    assert_allclose(got["RootMeanSquaredError"], np.sqrt(np.mean(err**2)), rtol=1e-5)
    assert "mae" in got
    # Keras's MSE is twice skmlp's squared-error loss (no penalty in Keras's).
    assert_allclose(got["loss"], np.mean(err**2) / 2, rtol=1e-5)
    # ... and after a pickle round trip.
    back = pickle.loads(pickle.dumps(reg_rmse))
    again = back.model_.evaluate(XR[:90], YR[:90], verbose=0, return_dict=True)
    assert_allclose(
        again["RootMeanSquaredError"], got["RootMeanSquaredError"], rtol=1e-6
    )


def test_metrics_shown_by_history_display(reg_rmse):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    display = HistoryDisplay.from_estimator(reg_rmse, metrics="RootMeanSquaredError")
    assert set(display.line_) == {"RootMeanSquaredError", "val_RootMeanSquaredError"}
    import matplotlib.pyplot as plt

    plt.close("all")


def test_classifier_metrics_with_early_stopping_hold_out():
    xent = keras.metrics.SparseCategoricalCrossentropy(name="xent")
    clf = MLPKerasClassifier(
        hidden_layer_sizes=(8,),
        max_iter=4,
        early_stopping=True,
        n_iter_no_change=100,
        metrics=[xent, "accuracy"],
        random_state=0,
    ).fit(XI, YI)
    h = clf.history_
    assert {"xent", "val_xent", "accuracy", "val_accuracy"} <= set(h)
    # "accuracy" is the built-in one, recorded once (no Keras "accuracy_1").
    assert not any(name.endswith("_1") for name in h)
    evaluated = clf.model_.evaluate(XI, YI, verbose=0, return_dict=True)
    assert set(evaluated) == {"loss", "accuracy", "xent"}
    assert len(h["xent"]) == len(h["val_xent"]) == 4
    # The instance given is never compiled nor updated: clones stay clean.
    assert float(xent.result()) == 0.0
    assert clf.metrics[0] is xent
    proba = clf.predict_proba(XI)
    manual = np.mean(-np.log(proba[np.arange(len(YI)), YI]))
    got = clf.model_.evaluate(XI, YI, verbose=0, return_dict=True)
    assert_allclose(got["xent"], manual, rtol=1e-6)


def test_metrics_in_a_grid_search():
    base = MLPKerasRegressor(
        hidden_layer_sizes=(4,),
        max_iter=2,
        metrics=[keras.metrics.MeanAbsoluteError(name="mae")],
        random_state=0,
    )
    copy = clone(base)
    assert copy.metrics[0] is not base.metrics[0]
    search = GridSearchCV(base, {"alpha": [1e-4, 1e-2]}, cv=2).fit(XR, YR)
    assert "mae" in search.best_estimator_.history_
    assert "mae" in search.best_estimator_.get_params()["metrics"][0].name


def test_without_metrics_the_many_epoch_path_serves(monkeypatch):
    from skmlp._engine import _train

    calls = []
    original = _train._train_in_graph
    monkeypatch.setattr(
        _train,
        "_train_in_graph",
        lambda *a, **k: calls.append(1) or original(*a, **k),
    )
    reg = MLPKerasRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    reg.fit(XR, YR)
    assert calls and set(reg.history_) == {"loss", "r2"}
    calls.clear()
    reg.set_params(metrics=["mae"]).fit(XR, YR)
    assert not calls and set(reg.history_) == {"loss", "r2", "mae"}


def test_lbfgs_records_no_history_but_compiles_the_metrics():
    reg = MLPKerasRegressor(
        hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5, metrics=["mae"]
    ).fit(XR, YR)
    assert not hasattr(reg, "history_")
    got = reg.model_.evaluate(XR, YR, verbose=0, return_dict=True)
    assert_allclose(got["mae"], np.mean(np.abs(YR - reg.predict(XR))), rtol=1e-5)


def test_model_after_pooled_lbfgs_fits_has_a_fresh_optimizer():
    # L-BFGS fits on one pooled trainer (no reset of its Keras optimizer):
    # model_ still trains from the optimizer's initial state.
    for seed in range(3):
        reg = MLPKerasRegressor(
            hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5, random_state=seed
        ).fit(XR, YR)
    optimizer = reg.model_.optimizer
    assert int(optimizer.iterations.numpy()) == 0
    slots = [v.numpy() for v in optimizer.variables if "momentum" in v.path]
    assert slots and not any(np.any(s) for s in slots)


@pytest.mark.parametrize(
    "metrics, error, match",
    [
        (
            ["no_such_metric"],
            ValueError,
            "metrics\\[0\\] = 'no_such_metric' is not a Keras",
        ),
        ([3], TypeError, "metrics\\[0\\] is a int"),
    ],
)
def test_bad_metrics_leave_the_fit_as_it_was(metrics, error, match):
    reg = MLPKerasRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    reg.fit(X, Y_REG)
    snap = snapshot(reg)
    with pytest.raises(error, match=match):
        reg.set_params(metrics=metrics).fit(X, Y_REG)
    reg.set_params(metrics=None)
    unchanged(reg, snap, large=False)


# -- initialize ---------------------------------------------------------------


@pytest.mark.parametrize(
    "Est, y", [(MLPKerasClassifier, YI), (MLPKerasRegressor, None)]
)
def test_initialize_builds_without_training(Est, y):
    Xd, yd = (XI, y) if y is not None else (XR, YR)
    est = Est(hidden_layer_sizes=(5,), random_state=0)
    assert est.initialize(Xd, yd) is est
    est.model_.summary(print_fn=lambda *a, **k: None)
    assert [w.shape for w in est.coefs_] == [(4, 5), (5, est.n_outputs_)]
    assert est.n_iter_ == 0 and est.t_ == 0 and est.n_features_in_ == 4
    assert est.history_ == {} and est.loss_curve_ == [] and est.loss_ is None
    assert est.predict(Xd).shape[0] == len(Xd)
    if Est is MLPKerasClassifier:
        assert list(est.classes_) == [0, 1, 2]
    # The initial weights are those fit starts from: a fit whose one step is
    # negligible ends (almost) where initialize begins.
    barely = Est(
        hidden_layer_sizes=(5,),
        solver="sgd",
        learning_rate_init=1e-12,
        momentum=0,
        max_iter=1,
        random_state=0,
    ).fit(Xd, yd)
    for a, b in zip(est.coefs_ + est.intercepts_, barely.coefs_ + barely.intercepts_):
        assert_allclose(a, b, atol=1e-9)


def test_after_initialize_fit_starts_afresh_and_partial_fit_continues():
    kw = dict(hidden_layer_sizes=(5,), shuffle=False, batch_size=120, random_state=0)
    fresh = MLPKerasRegressor(max_iter=3, **kw).fit(XR, YR)
    init = MLPKerasRegressor(max_iter=3, **kw).initialize(XR, YR)
    init.coefs_ = [c + 1 for c in init.coefs_]  # fit must not start from these
    init.fit(XR, YR)
    for a, b in zip(init.coefs_, fresh.coefs_):
        assert_allclose(a, b, rtol=1e-10)
    # partial_fit after initialize: one epoch from the initial weights, as
    # partial_fit's first call on an unfitted estimator.
    once = MLPKerasRegressor(**kw).partial_fit(XR, YR)
    cont = MLPKerasRegressor(**kw).initialize(XR, YR).partial_fit(XR, YR)
    assert cont.n_iter_ == 1 and cont.t_ == len(XR)
    for a, b in zip(cont.coefs_, once.coefs_):
        assert_allclose(a, b, rtol=1e-10)
    # warm_start=True trains the initialized network.
    warm = MLPKerasRegressor(max_iter=1, warm_start=True, **kw).initialize(XR, YR)
    start = [c.copy() for c in warm.coefs_]
    warm.coefs_ = [np.zeros_like(c) for c in start]
    warm.fit(XR, YR)
    assert np.abs(warm.coefs_[0]).max() < np.abs(start[0]).max()


def test_initialize_bad_input_leaves_the_estimator_as_it_was():
    clf = MLPKerasClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    clf.fit(X, Y_CLASS)
    snap = snapshot(clf)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.initialize(bad, Y_CLASS)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.initialize(X, Y_CLASS[:-1])
    unchanged(clf, snap, large=False)


# -- export and TFSMLayer -----------------------------------------------------


def test_exported_float64_model_serves_float32_and_float64(tmp_path):
    reg = MLPKerasRegressor(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    reg.fit(XR, YR)
    path = str(tmp_path / "saved")
    reg.model_.export(path, verbose=False)
    expected = reg.predict(XR[:3])
    layer = keras.layers.TFSMLayer(path, call_endpoint="serving_default")
    out32 = np.asarray(layer(XR[:3].astype("float32"))).ravel()
    assert_allclose(out32, expected, rtol=1e-4)
    for endpoint in ("serve", "serving_default"):
        # TFSMLayer casts its input to its dtype (float32 by default).
        layer = keras.layers.TFSMLayer(path, call_endpoint=endpoint, dtype="float64")
        out64 = np.asarray(layer(XR[:3])).ravel()
        assert_allclose(out64, expected, rtol=1e-9)


def test_exported_float32_model_is_keras_export(tmp_path):
    reg = MLPKerasRegressor(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    reg.fit(XR.astype("float32"), YR)
    path = str(tmp_path / "saved32")
    reg.model_.export(path, verbose=False)
    layer = keras.layers.TFSMLayer(path)
    out = np.asarray(layer(XR[:3].astype("float32"))).ravel()
    assert_allclose(out, reg.predict(XR[:3].astype("float32")), rtol=1e-5)


# -- quiet model_ -------------------------------------------------------------

QUIET_SCRIPT = textwrap.dedent(
    """
    import os, sys, tempfile
    import numpy as np
    from sklearn.datasets import load_digits
    from skmlp import MLPKerasClassifier, MLPKerasRegressor

    X, y = load_digits(return_X_y=True)
    clf = MLPKerasClassifier(hidden_layer_sizes=(8,), max_iter=2).fit(X, y)
    reg = MLPKerasRegressor(hidden_layer_sizes=(8,), max_iter=2).fit(X, y / 10)
    log = tempfile.TemporaryFile()
    saved = os.dup(2)
    os.dup2(log.fileno(), 2)
    try:
        for est, target in ((clf, y), (reg, y / 10)):
            est.model_.predict(X, verbose=0)
            est.model_.evaluate(X, target, verbose=0)
            est.model_.predict(X[:3], verbose=0)
    finally:
        os.dup2(saved, 2)
    log.seek(0)
    sys.stdout.write(log.read().decode())
    """
)


def test_model_predict_and_evaluate_print_nothing():
    # oneDNN on (TensorFlow's default on most Intel CPUs) makes TensorFlow's
    # graph optimiser log "Not handling type DT_DOUBLE" for float64 graphs.
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": "1"}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    root = os.path.dirname(os.path.dirname(skmlp.__file__))  # this checkout
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", QUIET_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == ""
