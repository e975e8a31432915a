"""scikit-learn's callbacks (``sklearn.callback``, scikit-learn >= 1.9) on
every skmlp estimator (issue 23): ``set_callbacks``, each epoch a task that
``ScoringMonitor`` scores and ``ProgressBar`` counts, propagated from
``Pipeline`` and the searches; pickling, cloning, ``n_jobs=2``; and skmlp
without ``sklearn.callback`` (older scikit-learn) working as before."""

import pickle
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from _keras_models import dynamic_classifier, dynamic_regressor
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import (
    KerasClassifier,
    KerasRegressor,
    MLPKerasClassifier,
    MLPKerasRegressor,
    StepPerceptron,
)

pytest.importorskip("sklearn.callback")
from sklearn.callback import ProgressBar, ScoringMonitor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(optimizer="adam", optimizer__learning_rate=0.02, random_state=0)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


def _reg_target(X):
    return X[:, 0] - 0.5 * X[:, 1]


class Recorder:
    """An auto-propagated callback recording the path of every task that
    ends: (estimator, task) from the root of the task tree down."""

    max_propagation_depth = None

    def __init__(self):
        self.ends = []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        path = []
        while context is not None:
            path.insert(0, (context.estimator_name, context.task_name))
            context = context.parent
        self.ends.append(tuple(path))


class StopAfter:
    """Asks to stop at the end of the ``n``-th epoch."""

    def __init__(self, n):
        self.n, self.seen = n, 0

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        if context.task_name == "epoch":
            self.seen += 1
            return self.seen >= self.n
        return False


ESTIMATORS = {
    "MLPKerasClassifier": lambda: MLPKerasClassifier(
        hidden_layer_sizes=(8,), learning_rate_init=0.02, max_iter=4, random_state=0
    ),
    "MLPKerasRegressor": lambda: MLPKerasRegressor(
        hidden_layer_sizes=(8,), learning_rate_init=0.02, max_iter=4, random_state=0
    ),
    "StepPerceptron": lambda: StepPerceptron(max_iter=4, tol=None, random_state=0),
    "KerasClassifier": lambda: KerasClassifier(dynamic_classifier, epochs=4, **FAST),
    "KerasRegressor": lambda: KerasRegressor(dynamic_regressor, epochs=4, **FAST),
}


def _y(name, iris):
    X, y = iris
    return _reg_target(X) if name.endswith("Regressor") else y


def _scoring(name):
    return "r2" if name.endswith("Regressor") else "accuracy"


def _epochs(est):
    if hasattr(est, "history_"):
        return len(est.history_["loss"])
    return est.n_iter_


@pytest.mark.parametrize("name", ESTIMATORS)
def test_scoring_monitor_scores_every_epoch(name, iris):
    X, y = iris[0], _y(name, iris)
    monitor = ScoringMonitor(scoring=_scoring(name))  # as the estimator's score
    est = ESTIMATORS[name]().set_callbacks(monitor).fit(X, y)
    rows = monitor.get_logs().data
    epochs = [r for r in rows if r["task_name"] == "epoch"]
    assert len(epochs) == _epochs(est) == 4
    assert [r["task_id"] for r in epochs] == [0, 1, 2, 3]
    # Each epoch's score is that of the network as it was then: the last
    # one is the fitted estimator's, and the scores move as it trains.
    scores = [r[_scoring(name)] for r in epochs]
    assert scores[-1] == pytest.approx(est.score(X, y), abs=1e-6)
    assert len({round(s, 9) for s in scores}) > 1


@pytest.mark.parametrize("name", ["MLPKerasRegressor", "StepPerceptron"])
def test_an_epoch_score_is_that_of_a_fit_stopped_there(name, iris):
    """Epoch 2 of a 4-epoch fit scores what a 2-epoch fit scores (the MLP's
    in-graph epochs, used without callbacks, and the per-epoch path with
    them train the same network)."""
    X, y = iris[0], _y(name, iris)
    monitor = ScoringMonitor(scoring=_scoring(name))
    ESTIMATORS[name]().set_callbacks(monitor).fit(X, y)
    epochs = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    two = ESTIMATORS[name]().set_params(max_iter=2).fit(X, y)
    score = epochs[1][_scoring(name)]
    assert score == pytest.approx(two.score(X, y), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize(
    "name", ["MLPKerasRegressor", "StepPerceptron", "KerasRegressor"]
)
def test_a_callback_can_stop_the_fit(name, iris):
    X, y = iris[0], _y(name, iris)
    est = ESTIMATORS[name]().set_callbacks(StopAfter(2)).fit(X, y)
    assert _epochs(est) == 2


@pytest.mark.parametrize("search", ["grid", "random"])
def test_callbacks_propagate_from_a_search_over_a_pipeline(search, iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), ESTIMATORS["MLPKerasClassifier"]())
    grid = {"mlpkerasclassifier__alpha": [1e-4, 1e-2]}
    if search == "grid":
        searcher = GridSearchCV(pipe, grid, cv=2)
    else:
        searcher = RandomizedSearchCV(pipe, grid, n_iter=2, cv=2, random_state=0)
    recorder = Recorder()
    searcher.set_callbacks(recorder).fit(X, y)
    epochs = [p for p in recorder.ends if p[-1] == ("MLPKerasClassifier", "epoch")]
    assert len(epochs) == (2 * 2 + 1) * 4  # (candidates x folds + refit) x epochs
    for path in epochs:
        assert path[0][0] == type(searcher).__name__
        assert ("Pipeline", "fit") in path
        assert path[-2] == ("MLPKerasClassifier", "fit")
    # The callback was lent to the estimators for the search only.
    assert not hasattr(searcher.best_estimator_[-1], "_skl_callbacks")


def test_progress_bar_and_monitor_in_a_parallel_search(iris, capsys):
    """n_jobs=2: each candidate (with its callbacks) is pickled to a worker;
    the epochs' scores come back to the main process, the bars show the
    epochs under the candidates and folds."""
    pytest.importorskip("rich")  # ProgressBar draws with it
    X, y = iris
    monitor = ScoringMonitor(scoring="accuracy")
    mlp = ESTIMATORS["MLPKerasClassifier"]().set_callbacks(monitor)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), mlp),
        {"mlpkerasclassifier__alpha": [1e-4, 1e-2]},
        cv=2,
        n_jobs=2,
    )
    search.set_callbacks(ProgressBar(max_propagation_depth=None)).fit(X, y)
    rows = monitor.get_logs().data
    assert sum(r["task_name"] == "epoch" for r in rows) == (2 * 2 + 1) * 4
    out = capsys.readouterr().out
    assert "GridSearchCV - fit" in out
    assert "MLPKerasClassifier - fit" in out


def test_sklearn_and_keras_callbacks_side_by_side(iris):
    """The ``callbacks`` parameter (Keras callbacks) and ``set_callbacks``
    (scikit-learn's, kept in ``_skl_callbacks``) do not clash."""
    X, y = iris

    class Count(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epochs = 0

        def on_epoch_end(self, epoch, logs=None):
            self.epochs += 1

    count, monitor = Count(), ScoringMonitor(scoring="accuracy")
    est = ESTIMATORS["MLPKerasClassifier"]().set_params(callbacks=[count])
    est.set_callbacks(monitor).fit(X, y)
    assert count.epochs == 4
    assert est.get_params()["callbacks"] == [count]
    assert est._skl_callbacks == [monitor]
    rows = monitor.get_logs().data
    assert sum(r["task_name"] == "epoch" for r in rows) == 4


@pytest.mark.parametrize("name", ESTIMATORS)
def test_pickle_and_clone_keep_the_callbacks(name, iris):
    X, y = iris[0], _y(name, iris)
    monitor = ScoringMonitor(scoring=_scoring(name))
    est = ESTIMATORS[name]().set_callbacks(monitor).fit(X, y)
    assert not hasattr(est, "_callback_fit_ctx")  # torn down after fit
    copy = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(copy.predict(X[:5]), est.predict(X[:5]))
    assert len(copy._skl_callbacks) == 1
    twin = clone(est)
    assert twin._skl_callbacks == [monitor]
    twin.fit(X, y)
    assert len(monitor.get_logs(select="all")) == 2


@pytest.mark.parametrize("name", ESTIMATORS)
def test_a_failed_fit_tears_the_callbacks_down(name, iris):
    X, y = iris[0], _y(name, iris)

    class Lifecycle(Recorder):
        def __init__(self):
            super().__init__()
            self.setups = self.teardowns = 0

        def setup(self, estimator, context):
            self.setups += 1

        def teardown(self, estimator, context):
            self.teardowns += 1

    cb = Lifecycle()
    est = ESTIMATORS[name]().set_callbacks(cb)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.fit(np.full_like(X, np.nan), y)
    assert cb.setups == cb.teardowns == 1
    assert not hasattr(est, "_callback_fit_ctx")
    assert not hasattr(est, "n_features_in_")  # the failed fit changed nothing


def test_without_sklearn_callback_skmlp_works_as_before():
    """On a scikit-learn without ``sklearn.callback`` (< 1.9), skmlp imports
    and fits: no set_callbacks, X_val still taken (feature detection)."""
    code = textwrap.dedent(
        """
        import sys

        class Hide:
            def find_spec(self, name, path=None, target=None):
                if name == "sklearn.callback":
                    raise ImportError("hidden: an older scikit-learn")

        sys.meta_path.insert(0, Hide())
        import skmlp
        from skmlp import _sk_callbacks
        sys.meta_path.pop(0)  # scikit-learn 1.9's own fit needs it later

        import numpy as np
        assert not _sk_callbacks.AVAILABLE
        X = np.random.RandomState(0).randn(40, 3)
        y = (X[:, 0] > 0).astype(int)
        perc = skmlp.StepPerceptron(max_iter=3).fit(X, y)
        mlp = skmlp.MLPKerasClassifier(hidden_layer_sizes=(4,), max_iter=2)
        mlp.fit(X, y, X_val=X[:10], y_val=y[:10])
        assert len(mlp.history_["val_loss"]) == 2
        for est in (perc, mlp):
            assert not hasattr(est, "set_callbacks")
            assert est.predict(X).shape == (40,)
        print("ok")
        """
    )
    run_python_ok(code)


def test_import_skmlp_leaves_sklearn_callback_to_first_use():
    """``import skmlp`` does not import ``sklearn.callback`` (which imports
    ``rich``, more import time than all of skmlp's modules); the estimators
    still have scikit-learn's ``set_callbacks``, and it imports it."""
    code = textwrap.dedent(
        """
        import sys
        import skmlp

        assert "sklearn.callback" not in sys.modules, "imported by import skmlp"
        from sklearn.callback import ScoringMonitor

        est = skmlp.StepPerceptron().set_callbacks(ScoringMonitor(scoring="accuracy"))
        assert len(est._skl_callbacks) == 1
        try:
            skmlp.StepPerceptron().set_callbacks(object())
        except TypeError as exc:
            assert "FitCallback" in str(exc)
        else:
            raise AssertionError("no TypeError")
        print("ok")
        """
    )
    run_python_ok(code)


def run_python_ok(code):
    """Run ``code`` in a fresh Python; it must exit cleanly and print "ok"."""
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("ok")
