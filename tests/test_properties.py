"""Property tests: on random shapes, dtypes and label sets, fit and predict
either succeed with outputs of the right shape and label set, or raise one of
the clear, documented errors (docs/errors.rst).
"""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skmlp import MLPKerasClassifier, MLPKerasRegressor, StepPerceptron

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    "ignore:overflow encountered:RuntimeWarning",
)

MLP_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
FAST_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

#: The clear errors a valid-looking but degenerate problem may raise.
CLEAR_ERRORS = re.compile("only one class|Training diverged|too large for dtype")

DTYPES = st.sampled_from([np.float32, np.float64, np.int64, np.int8])
LABEL_KINDS = st.sampled_from(["int", "str", "negative_int", "float_int"])


@st.composite
def problems(draw, min_samples=2, max_samples=25):
    n = draw(st.integers(min_samples, max_samples))
    p = draw(st.integers(1, 5))
    dtype = draw(DTYPES)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        values = st.integers(max(info.min, -1000), min(info.max, 1000))
    else:
        values = st.floats(-1e3, 1e3, allow_nan=False, width=32)
    X = np.array(
        draw(st.lists(values, min_size=n * p, max_size=n * p)), dtype=dtype
    ).reshape(n, p)
    k = draw(st.integers(2, 5))
    kind = draw(LABEL_KINDS)
    labels = {
        "int": np.arange(k) * 3,
        "str": np.array([f"class_{c}" for c in "abcde"[:k]]),
        "negative_int": -np.arange(k) - 1,
        "float_int": np.arange(k, dtype=float) + 1.0,  # integral floats: classes
    }[kind]
    codes = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    return X, labels[codes], labels


def _fit_or_clear_error(est, X, y):
    try:
        return est.fit(X, y)
    except ValueError as exc:
        assert CLEAR_ERRORS.search(str(exc)), f"unclear error: {exc!r}"
        return None


def _check_classifier(est, X, y):
    assert list(est.classes_) == list(np.unique(y))
    pred = est.predict(X)
    assert pred.shape == (len(X),)
    assert set(pred.tolist()) <= set(np.unique(y).tolist())
    if hasattr(est, "predict_proba"):
        proba = est.predict_proba(X)
        assert proba.shape == (len(X), len(est.classes_))
        assert np.all(np.isfinite(proba)) and np.all((proba >= 0) & (proba <= 1))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
        assert np.array_equal(pred, est.classes_[proba.argmax(axis=1)]) or (
            len(est.classes_) == 2  # binary ties at exactly 0.5 may differ
        )


@MLP_SETTINGS
@given(problem=problems())
def test_mlp_classifier_on_random_problems(problem):
    X, y, _ = problem
    est = MLPKerasClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    if _fit_or_clear_error(est, X, y) is not None:
        _check_classifier(est, X, y)
        big = np.repeat(X, 520 // len(X) + 1, axis=0)  # the Keras path, too
        assert est.predict(big).shape == (len(big),)


@FAST_SETTINGS
@given(problem=problems())
def test_perceptron_on_random_problems(problem):
    X, y, _ = problem
    est = StepPerceptron(max_iter=5, random_state=0)
    if _fit_or_clear_error(est, X, y) is not None:
        _check_classifier(est, X, y)
        z = est.decision_function(X)
        n_units = 1 if len(est.classes_) == 2 else len(est.classes_)
        assert z.shape == ((len(X),) if n_units == 1 else (len(X), n_units))


@MLP_SETTINGS
@given(problem=problems(), n_outputs=st.integers(1, 3))
def test_mlp_regressor_on_random_problems(problem, n_outputs):
    X, _, _ = problem
    rng = np.random.RandomState(len(X))
    y = rng.uniform(-100, 100, (len(X), n_outputs)).astype(
        X.dtype if X.dtype.kind == "f" else np.float64
    )
    y = y[:, 0] if n_outputs == 1 else y
    est = MLPKerasRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    if _fit_or_clear_error(est, X, y) is not None:
        pred = est.predict(X)
        assert pred.shape == y.shape
        assert np.all(np.isfinite(pred))


@MLP_SETTINGS
@given(problem=problems(min_samples=4))
def test_partial_fit_on_random_chunks(problem):
    """Chunks of a problem, all classes declared up front."""
    X, y, labels = problem
    est = MLPKerasClassifier(hidden_layer_sizes=(4,), random_state=0)
    half = len(X) // 2
    est.partial_fit(X[:half], y[:half], classes=labels)
    est.partial_fit(X[half:], y[half:])
    assert list(est.classes_) == sorted(labels.tolist())
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), len(labels))
    assert set(est.predict(X).tolist()) <= set(labels.tolist())
