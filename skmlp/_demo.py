"""``skmlp demo``: chapter 10 of Hands-On Machine Learning, end to end.

It runs on data shipped with scikit-learn (no download): the perceptron on
iris, the logic gates (a perceptron cannot learn XOR, an MLP can), an MLP
classifier on the digits, an MLP regressor on the diabetes data, and saves
their learning curves as a PNG.
"""

import contextlib
import sys
import time
import warnings
from pathlib import Path

import numpy as np

#: Epochs of each network, by default and with ``--quick``.
DEFAULT_EPOCHS = 30
QUICK_EPOCHS = 8
PNG_NAME = "skmlp_demo_learning_curves.png"
REPORT_NAME = "skmlp_demo_report.txt"

#: The network that solves XOR (the same in the gallery's plot_perceptron.py).
XOR_PARAMS = dict(
    hidden_layer_sizes=(4,),
    activation="tanh",
    solver="sgd",
    learning_rate_init=1.0,
    max_iter=300,
    random_state=0,
)


class _Report:
    """Print each line as it comes, and keep it for the report file."""

    def __init__(self, stream):
        self.stream, self.lines = stream, []

    def __call__(self, text=""):
        for line in str(text).rstrip("\n").split("\n"):
            self.lines.append(line)
            print(line, file=self.stream, flush=True)

    def section(self, title):
        self()
        self(title)
        self("-" * len(title))


@contextlib.contextmanager
def _quiet():
    """No warnings about iteration caps or library internals: the demo caps
    the epochs on purpose, and reports what it measures."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for module in ("keras", "tensorflow", "absl", "google", "h5py"):
            warnings.filterwarnings("ignore", module=module + r"(\.|$)")
        yield


def _perceptron_on_iris(say, random_state):
    from sklearn.datasets import load_iris

    from . import StepPerceptron

    say.section("1. The perceptron: Iris setosa or not, from petal length and width")
    iris = load_iris()
    X = iris.data[:, 2:4]  # petal length, petal width (cm)
    y = iris.target == 0  # Iris setosa
    X_new = [[2, 0.5], [3, 1]]
    for step in ("heaviside", "sign"):
        clf = StepPerceptron(step=step, random_state=random_state).fit(X, y)
        say(
            f"StepPerceptron(step={step!r}): accuracy {clf.score(X, y):.3f}, "
            f"converged_={clf.converged_} after {clf.n_iter_} epochs, "
            f"errors_={clf.errors_}"
        )
        say(
            f"  w = {np.round(clf.coef_.ravel(), 2).tolist()}, "
            f"b = {clf.intercept_[0]:.2f}; predict({X_new}) -> "
            f"{clf.predict(X_new).tolist()}"
        )


def _logic_gates(say, random_state):
    from . import MLPKerasClassifier, StepPerceptron

    say.section("2. Logic gates: a perceptron learns AND and OR, not XOR")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    gates = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "XOR": [0, 1, 1, 0]}
    for name, y in gates.items():
        clf = StepPerceptron(random_state=random_state).fit(X, y)
        say(
            f"{name:>3}: StepPerceptron predicts {clf.predict(X).tolist()} "
            f"(target {y}), converged_={clf.converged_}, errors_={clf.errors_}"
        )
    start = time.perf_counter()
    mlp = MLPKerasClassifier(**XOR_PARAMS).fit(X, gates["XOR"])
    accuracy = mlp.score(X, gates["XOR"])
    say(
        "XOR: MLPKerasClassifier(hidden_layer_sizes=(4,), activation='tanh') "
        f"predicts {mlp.predict(X).tolist()}, accuracy {accuracy:.2f} "
        f"after {mlp.n_iter_} epochs ({time.perf_counter() - start:.1f} s)"
    )
    return mlp


def _classifier_on_digits(say, epochs, random_state):
    from sklearn.datasets import load_digits
    from sklearn.metrics import classification_report
    from sklearn.model_selection import train_test_split

    from . import MLPKerasClassifier

    say.section("3. Image classification: MLPKerasClassifier on the 8x8 digits")
    digits = load_digits()
    X = digits.data / 16.0  # pixel intensities 0..16, scaled to 0..1
    y = digits.target
    class_names = [str(c) for c in digits.target_names]
    X_train_full, X_test, y_train_full, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=random_state
    )
    X_valid, X_train = X_train_full[:300], X_train_full[300:]
    y_valid, y_train = y_train_full[:300], y_train_full[300:]
    say(
        f"{len(X_train)} training, {len(X_valid)} validation and {len(X_test)} "
        f"test images of {X.shape[1]} pixels"
    )
    clf = MLPKerasClassifier(
        hidden_layer_sizes=(300, 100),
        activation="relu",
        solver="sgd",
        learning_rate_init=0.01,
        max_iter=epochs,
        random_state=random_state,
    )
    start = time.perf_counter()
    clf.fit(X_train, y_train, validation_data=(X_valid, y_valid))
    seconds = time.perf_counter() - start
    clf.model_.summary(print_fn=lambda text, *args, **kwargs: say(text))
    hidden1 = clf.model_.layers[0]
    weights, biases = hidden1.get_weights()
    say(f"layer {hidden1.name!r}: weights {weights.shape}, biases {biases.shape}")
    history = clf.history_
    say(
        f"{clf.n_iter_} epochs in {seconds:.1f} s; last epoch: "
        f"loss {history['loss'][-1]:.3f}, accuracy {history['accuracy'][-1]:.3f}, "
        f"val_loss {history['val_loss'][-1]:.3f}, "
        f"val_accuracy {history['val_accuracy'][-1]:.3f}"
    )
    say(f"test accuracy: {clf.score(X_test, y_test):.3f}")
    say("classification report on the test set:")
    say(classification_report(y_test, clf.predict(X_test), target_names=class_names))
    X_new = X_test[:3]
    proba = clf.predict_proba(X_new).round(2)
    say("predict_proba of three test images, rounded:")
    for row, pred, true in zip(proba, clf.predict(X_new), y_test[:3]):
        text = np.array2string(row, precision=2, floatmode="fixed")
        say(f"  {text} -> {pred} (true {true})")
    return clf


def _regressor_on_diabetes(say, epochs, random_state):
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from . import MLPKerasRegressor

    say.section("4. Regression: MLPKerasRegressor on the diabetes data")
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=random_state
    )
    params = dict(
        hidden_layer_sizes=(16,),
        learning_rate_init=0.01,
        alpha=10.0,
        max_iter=epochs,
        random_state=random_state,
    )
    scores = {}
    for est in (MLPKerasRegressor(**params), MLPRegressor(**params)):
        model = TransformedTargetRegressor(
            make_pipeline(StandardScaler(), est), transformer=StandardScaler()
        )
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        name = type(est).__name__
        scores[name] = model.score(X_test, y_test)
        say(f"{name:>17}: test R² {scores[name]:.3f} ({seconds:.2f} s to fit)")
        if isinstance(est, MLPKerasRegressor):
            keras_model = model
    say("(StandardScaler on X, and on y through TransformedTargetRegressor)")
    return keras_model


def _save_learning_curves(say, classifier, regressor, path):
    say.section("5. Learning curves")
    try:
        from matplotlib.figure import Figure
    except ImportError:
        say(
            "matplotlib is not installed, so no plot: pip install matplotlib "
            "(or skmlp[plot])"
        )
        return None
    from . import HistoryDisplay

    fig = Figure(figsize=(11, 4), layout="constrained")
    ax_clf, ax_reg = fig.subplots(1, 2)
    HistoryDisplay.from_estimator(classifier, ax=ax_clf, name="Digits classifier")
    HistoryDisplay.from_estimator(regressor, ax=ax_reg, name="Diabetes regressor")
    ax_clf.grid(True)
    ax_reg.grid(True)
    fig.savefig(path, dpi=80)
    say(f"saved the learning curves to {path}")
    return path


def run_demo(output_dir=".", *, quick=False, epochs=None, random_state=0, stream=None):
    """Run the chapter end to end, print a report, and save the learning curves.

    Parameters
    ----------
    output_dir : str or path-like, default="."
        Where the PNG and the text report are written (created if missing).
    quick : bool, default=False
        Train for a few epochs only: a smoke test, in seconds.
    epochs : int, default=None
        Maximum epochs of each network; None is 30, or 8 with ``quick``.
    random_state : int, default=0
        Seeds every estimator and split.
    stream : file-like, default=None
        Where the report is printed; None is ``sys.stdout``.

    Returns
    -------
    result : dict
        ``"report"``: the report's text; ``"report_path"``, ``"png_path"``: the
        files written (``"png_path"`` is None without matplotlib).
    """
    stream = sys.stdout if stream is None else stream
    if epochs is None:
        epochs = QUICK_EPOCHS if quick else DEFAULT_EPOCHS
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    say = _Report(stream)
    start = time.perf_counter()
    title = "skmlp demo: Hands-On Machine Learning, chapter 10, the scikit-learn way"
    say(title)
    say("=" * len(title))
    say(
        f"at most {epochs} epochs per network{' (--quick)' if quick else ''}, "
        f"random_state={random_state}"
    )
    with _quiet():
        _perceptron_on_iris(say, random_state)
        _logic_gates(say, random_state)
        classifier = _classifier_on_digits(say, epochs, random_state)
        regressor = _regressor_on_diabetes(say, epochs, random_state)
        png = _save_learning_curves(
            say, classifier, regressor, (output_dir / PNG_NAME).resolve()
        )
    report_path = (output_dir / REPORT_NAME).resolve()
    say(f"saved this report to {report_path}")
    say(f"done in {time.perf_counter() - start:.0f} s")
    report_path.write_text("\n".join(say.lines) + "\n", encoding="utf-8")
    return {"report": "\n".join(say.lines), "report_path": report_path, "png_path": png}
