"""Concurrency: one fitted estimator serving predictions from many threads,
and fits in threads leaving the process's shared state alone.

Mixed calls of every size from 8 threads must return exactly what the same
calls return one after the other, including on a freshly unpickled estimator
(whose Keras model the first thread to need it builds, once) and after
``model_`` was touched (predictions then read the live model's weights).
Fits from 4 threads at once must leave Python's warning machinery and file
descriptor 2 as they were.
"""

import os
import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPKerasClassifier, MLPKerasRegressor, StepPerceptron
from skmlp._mlp import NUMPY_PREDICT_MAX_ROWS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_THREADS = 8
N_CALLS = 200
RNG = np.random.RandomState(0)
X = RNG.randn(60, 5)
Y_CLASS = np.arange(60) % 3
#: Row counts on both sides of the NumPy/Keras threshold; one call in ten is
#: large (Keras's predict costs a tenth of a second a call).
_T = NUMPY_PREDICT_MAX_ROWS
SIZES = [1, 3, 17, 64, 200, _T, 2, 5, 33, _T + 1] * 2
SIZES[-1] = 2 * _T + 3
INPUTS = [RNG.randn(n, 5) for n in SIZES]


@pytest.fixture(scope="module")
def classifier():
    return MLPKerasClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(
        X, Y_CLASS
    )


def _serve(method, n_threads=N_THREADS):
    """``method`` on N_CALLS inputs: from n_threads threads at once, or (with
    ``n_threads=1``) one after the other."""
    calls = [INPUTS[i % len(INPUTS)] for i in range(N_CALLS)]
    if n_threads == 1:
        # Each distinct input once: the same input gives the same answer.
        answers = [method(data) for data in INPUTS]
        return [answers[i % len(INPUTS)] for i in range(N_CALLS)]
    with ThreadPoolExecutor(n_threads) as pool:
        return list(pool.map(method, calls))


def _assert_all_equal(got, expected):
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert_array_equal(g, e, err_msg=f"call {i} ({len(e)} rows)")


def test_predict_proba_from_8_threads_equals_sequential(classifier):
    expected = _serve(classifier.predict_proba, n_threads=1)
    got = _serve(classifier.predict_proba)
    _assert_all_equal(got, expected)
    assert got[SIZES.index(_T + 1)].shape == (_T + 1, 3)


def test_freshly_unpickled_estimator_from_8_threads(classifier, monkeypatch):
    """Threads race to build the Keras model of an unpickled estimator
    (``model_``) while others predict: it is built once."""
    expected = _serve(classifier.predict_proba, n_threads=1)
    builds = []
    build = MLPKerasClassifier._build_model

    def counting_build(self, *args):
        builds.append(1)
        return build(self, *args)

    monkeypatch.setattr(MLPKerasClassifier, "_build_model", counting_build)
    loaded = pickle.loads(pickle.dumps(classifier))
    assert vars(loaded).get("_trainer") is None

    def predict_or_build(data):
        return loaded.predict_proba(data) if len(data) % 2 else loaded.model_

    with ThreadPoolExecutor(N_THREADS) as pool:
        got = list(pool.map(predict_or_build, INPUTS * 4))
    models = {id(g) for g in got if not isinstance(g, np.ndarray)}
    assert len(models) == 1 and len(builds) == 1
    answers = [e for e, data in zip(expected, INPUTS) if len(data) % 2]
    _assert_all_equal([g for g in got if isinstance(g, np.ndarray)], answers * 4)


def test_predictions_from_8_threads_after_model_access(classifier):
    """Touching model_ makes the next prediction re-read the weights from the
    Keras model; concurrent predictions must never see half-updated weights."""
    expected = _serve(classifier.predict_proba, n_threads=1)

    def touch_then_predict(data):
        if len(data) == 17:
            classifier.model_  # noqa: B018
        return classifier.predict_proba(data)

    _assert_all_equal(_serve(touch_then_predict), expected)


@pytest.mark.parametrize(
    "make, method",
    [
        (
            lambda: MLPKerasRegressor(
                hidden_layer_sizes=(8,), max_iter=5, random_state=0
            ).fit(X, X[:, 0]),
            "predict",
        ),
        (
            lambda: StepPerceptron(max_iter=5, random_state=0).fit(X, Y_CLASS),
            "decision_function",
        ),
    ],
    ids=["MLPKerasRegressor", "StepPerceptron"],
)
def test_other_estimators_from_8_threads(make, method):
    est = make()
    bound = getattr(est, method)
    _assert_all_equal(_serve(bound), _serve(bound, n_threads=1))


# -- fits in threads -----------------------------------------------------------


def _imported_X_y():
    """Iris, after one fit in this thread: TensorFlow and the libraries it
    imports on the first fit add warning filters of their own then."""
    X, y = load_iris(return_X_y=True)
    MLPKerasClassifier((3,), max_iter=1, random_state=0).fit(X, y)
    return X, y


def _filters():
    """warnings.filters, each module or message pattern as its text.

    scikit-learn's own threading workers (``sklearn.utils.parallel``) enter
    ``warnings.catch_warnings`` and re-add the caller's filters, compiling each
    pattern; two such workers leaving in the other order than they entered
    leave the re-added (compiled) copies behind. The filters are the same.
    """
    return [
        tuple(getattr(part, "pattern", part) for part in f) for f in warnings.filters
    ]


def _process_state():
    """What every thread of the process shares and a fit must not change."""
    fd2 = os.fstat(2)
    return {
        "warnings.filters": _filters(),
        "warnings.showwarning": warnings.showwarning,
        "fd 2": (fd2.st_dev, fd2.st_ino),
    }


def test_fits_from_4_threads_leave_warnings_and_stderr_alone(capfd):
    """Each fit builds and traces a network of its own width (the first
    trace of a compiled function holds back descriptor 2), and warns
    (ConvergenceWarning: max_iter reached; lbfgs too)."""
    X, y = _imported_X_y()
    before = _process_state()

    def fit(i):
        solver = "lbfgs" if i % 4 == 3 else "adam"
        est = MLPKerasClassifier((3 + i,), max_iter=3, solver=solver, random_state=i)
        return est.fit(X, y).score(X, y)

    for round_ in range(2):
        with ThreadPoolExecutor(4) as pool:
            scores = list(pool.map(fit, range(4 * round_, 4 * round_ + 4)))
        assert all(0 <= s <= 1 for s in scores)
        assert _process_state() == before, f"round {round_}"
    with pytest.warns(UserWarning, match="still seen"):
        warnings.warn("still seen", UserWarning, stacklevel=1)
    os.write(2, b"descriptor 2 still writes here\n")
    assert "descriptor 2 still writes here" in capfd.readouterr().err


def test_grid_search_on_joblib_threads_leaves_warnings_and_stderr_alone(capfd):
    import joblib
    from sklearn.model_selection import GridSearchCV

    X, y = _imported_X_y()
    before = _process_state()
    grid = GridSearchCV(
        MLPKerasClassifier(max_iter=3, random_state=0),
        {"hidden_layer_sizes": [(13,), (14,)]},
        cv=2,
        n_jobs=2,
    )
    with joblib.parallel_backend("threading", n_jobs=2):
        grid.fit(X, y)
    assert _process_state() == before
    with pytest.warns(UserWarning, match="still seen"):
        warnings.warn("still seen", UserWarning, stacklevel=1)
    os.write(2, b"descriptor 2 still writes here\n")
    assert "descriptor 2 still writes here" in capfd.readouterr().err


def test_convergence_warning_is_raised_by_each_fit():
    """Collected as values, not recorded with catch_warnings: each fit still
    warns, after it committed (an "error" filter does not undo the fit)."""
    X, y = load_iris(return_X_y=True)
    for solver, match in [("adam", "Maximum iterations"), ("lbfgs", "lbfgs failed")]:
        est = MLPKerasClassifier((5,), max_iter=2, solver=solver, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            with pytest.raises(ConvergenceWarning, match=match):
                est.fit(X, y)
        assert est.n_iter_ == 2  # fitted, then warned
