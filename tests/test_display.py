"""HistoryDisplay: learning curves in scikit-learn's Display API."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import HistoryDisplay, MLPKerasClassifier, MLPKerasRegressor, StepPerceptron

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg", force=True)
plt = pytest.importorskip("matplotlib.pyplot")

HISTORY = {
    "loss": [1.0, 0.5, 0.25],
    "accuracy": [0.5, 0.75, 0.9],
    "val_loss": [1.1, 0.7, 0.4],
    "val_accuracy": [0.4, 0.7, 0.8],
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted_classifier():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = MLPKerasClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X[:40], y[:40], validation_data=(X[40:], y[40:]))
    return clf


def test_plot_draws_every_curve_and_returns_self():
    display = HistoryDisplay(HISTORY, estimator_name="MLP")
    assert display.plot() is display
    assert set(display.line_) == set(HISTORY)
    assert isinstance(display.ax_, mpl.axes.Axes)
    assert isinstance(display.figure_, mpl.figure.Figure)
    assert display.figure_ is display.ax_.figure
    for key, values in HISTORY.items():
        x, y = display.line_[key].get_data()
        np.testing.assert_array_equal(x, [1, 2, 3])  # epochs count from 1
        np.testing.assert_allclose(y, values)
    assert display.ax_.get_xlabel() == "Epoch"
    assert display.ax_.get_title() == "MLP"
    assert display.ax_.get_legend() is not None


def test_validation_curves_are_dashed_in_the_training_color():
    display = HistoryDisplay(HISTORY).plot()
    for metric in ("loss", "accuracy"):
        train, val = display.line_[metric], display.line_[f"val_{metric}"]
        assert train.get_linestyle() == "-"
        assert val.get_linestyle() == "--"
        assert train.get_color() == val.get_color()
    assert display.line_["loss"].get_color() != display.line_["accuracy"].get_color()
    labels = {line.get_label() for line in display.line_.values()}
    assert "validation loss" in labels and "training accuracy" in labels


def test_metrics_selects_the_curves():
    display = HistoryDisplay(HISTORY).plot(metrics=["loss"])
    assert set(display.line_) == {"loss", "val_loss"}
    assert display.ax_.get_ylabel() == "loss"
    display = HistoryDisplay(HISTORY).plot(metrics="accuracy")
    assert set(display.line_) == {"accuracy", "val_accuracy"}


def test_unknown_metric_raises():
    with pytest.raises(ValueError, match="not in the history"):
        HistoryDisplay(HISTORY).plot(metrics=["r2"])


def test_plot_on_given_axes():
    fig, ax = plt.subplots()
    display = HistoryDisplay(HISTORY).plot(ax=ax, linewidth=3)
    assert display.ax_ is ax and display.figure_ is fig
    assert len(ax.get_lines()) == 4
    assert display.line_["loss"].get_linewidth() == 3


def test_one_axes_per_metric():
    fig, axes = plt.subplots(1, 2)
    display = HistoryDisplay(HISTORY).plot(ax=axes, metrics=["loss", "accuracy"])
    assert list(display.ax_) == list(axes)
    assert display.line_["val_loss"].axes is axes[0]
    assert display.line_["accuracy"].axes is axes[1]
    assert axes[1].get_ylabel() == "accuracy"
    with pytest.raises(ValueError, match="one per metric"):
        HistoryDisplay(HISTORY).plot(ax=axes, metrics=["loss"])


def test_history_without_validation():
    display = HistoryDisplay({"loss": [3.0, 2.0]}).plot()
    assert list(display.line_) == ["loss"]


def test_from_estimator_classifier(fitted_classifier):
    display = HistoryDisplay.from_estimator(fitted_classifier)
    assert set(display.line_) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    np.testing.assert_allclose(
        display.line_["loss"].get_ydata(), fitted_classifier.history_["loss"]
    )
    assert len(display.line_["val_loss"].get_xdata()) == fitted_classifier.n_iter_
    # The display holds a copy: drawing does not alias the estimator's history.
    assert display.history is not fitted_classifier.history_


def test_from_estimator_metrics_and_ax(fitted_classifier):
    fig, ax = plt.subplots()
    display = HistoryDisplay.from_estimator(
        fitted_classifier, ax=ax, metrics=["loss"], name="clf"
    )
    assert display.ax_ is ax
    assert set(display.line_) == {"loss", "val_loss"}
    assert ax.get_title() == "clf"


def test_from_estimator_pipeline(fitted_classifier):
    pipe = make_pipeline(StandardScaler(), fitted_classifier)
    display = HistoryDisplay.from_estimator(pipe, metrics="loss")
    assert set(display.line_) == {"loss", "val_loss"}


def test_from_estimator_regressor():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 2))
    reg = MLPKerasRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, X[:, 0])
    display = HistoryDisplay.from_estimator(reg)
    assert set(display.line_) == {"loss", "r2"}


def test_from_estimator_step_perceptron():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    clf = StepPerceptron(shuffle=False).fit(X, [0, 0, 0, 1])
    display = HistoryDisplay.from_estimator(clf)
    assert list(display.line_) == ["errors"]
    np.testing.assert_array_equal(display.line_["errors"].get_ydata(), clf.errors_)
    assert display.ax_.get_ylabel() == "errors"


def test_from_estimator_unfitted():
    with pytest.raises(NotFittedError):
        HistoryDisplay.from_estimator(MLPKerasClassifier())
    with pytest.raises(NotFittedError):
        HistoryDisplay.from_estimator(StepPerceptron())


def test_from_estimator_without_history():
    clf = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(TypeError, match="no per-epoch history"):
        HistoryDisplay.from_estimator(clf)


def test_without_matplotlib_raises_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    hint = r"pip install matplotlib \(or skmlp\[plot\]\)"
    with pytest.raises(ImportError, match=hint):
        HistoryDisplay(HISTORY).plot()
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    clf = StepPerceptron().fit(X, [0, 0, 0, 1])
    with pytest.raises(ImportError, match="HistoryDisplay.from_estimator requires"):
        HistoryDisplay.from_estimator(clf)


def test_import_skmlp_does_not_import_matplotlib():
    code = (
        "import sys, skmlp; "
        "assert skmlp.HistoryDisplay; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('matplotlib', 'tensorflow', 'keras')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
