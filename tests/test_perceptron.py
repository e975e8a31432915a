"""Tests for StepPerceptron, the textbook perceptron.

The core of the suite is ``reference_perceptron``: the rule written as a plain
Python loop, which the compiled estimator must reproduce exactly.
"""

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
from sklearn.linear_model import Perceptron
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skmlp import StepPerceptron

# --------------------------------------------------------------------------
# The reference: the perceptron rule as a plain Python loop.
# --------------------------------------------------------------------------


def reference_perceptron(
    X, Y, *, step="heaviside", eta0=1.0, max_iter=1000, tol=None,
    n_iter_no_change=5, fit_intercept=True, average=False, sample_weight=None,
):  # fmt: skip
    """Train one TLU per column of the 0/1 matrix ``Y``, visiting rows in order.

    Returns ``(W, b, errors)``. Samples of weight 0 are skipped; the averaged
    weights are literally the mean of the weights after every sample seen.
    """
    X, (n, p), m = np.asarray(X, dtype=float).tolist(), np.shape(X), np.shape(Y)[1]
    T = [[2 * v - 1 if step == "sign" else v for v in row] for row in Y.tolist()]
    sw = [1.0] * n if sample_weight is None else [float(s) for s in sample_weight]
    W, b = [[0.0] * p for _ in range(m)], [0.0] * m
    sum_W, sum_b, t = [[0.0] * p for _ in range(m)], [0.0] * m, 0
    errors, best, no_improve, n_weighted = [], math.inf, 0, sum(s != 0 for s in sw)
    for _ in range(max_iter):
        n_err = 0
        for i in range(n):
            if sw[i] == 0:
                continue
            deltas = []
            for k in range(m):
                z = b[k]
                for j in range(p):
                    z += W[k][j] * X[i][j]
                if step == "sign":
                    out = 1.0 if z > 0 else (-1.0 if z < 0 else 0.0)
                else:
                    out = 1.0 if z >= 0 else 0.0
                deltas.append(eta0 * sw[i] * (T[i][k] - out))
            n_err += any(deltas)
            for k in range(m):
                for j in range(p):
                    W[k][j] += deltas[k] * X[i][j]
                    sum_W[k][j] += W[k][j]
                b[k] += deltas[k] if fit_intercept else 0.0
                sum_b[k] += b[k]
            t += 1
        errors.append(n_err)
        if n_err == 0:
            break
        if tol is not None:
            no_improve = no_improve + 1 if n_err >= best - tol * n_weighted else 0
            best = min(best, n_err)
            if no_improve >= n_iter_no_change:
                break
    if average:
        W, b = np.array(sum_W) / t, np.array(sum_b) / t
    return np.array(W), np.array(b), errors


def one_unit_per_class(y):
    """The 0/1 targets of the units: one unit if binary, else one per class."""
    classes = np.unique(y)
    Y = (y[:, None] == classes[None, :]).astype(float)
    return Y[:, 1:] if len(classes) == 2 else Y


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

GATES_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
GATES = {
    "and": np.array([0, 0, 0, 1]),
    "or": np.array([0, 1, 1, 1]),
    "nand": np.array([1, 1, 1, 0]),
    "xor": np.array([0, 1, 1, 0]),
}


def _digits_subset(n_classes):
    X, y = load_digits(n_class=n_classes, return_X_y=True)
    return X[:90], y[:90]  # integer pixels 0..16: every sum is exact


def digits_targets(kind):
    """Integer-valued data with a binary, multiclass or multilabel target."""
    if kind == "binary":
        X, y = _digits_subset(2)
        return X, y, one_unit_per_class(y)
    X, y = _digits_subset(4)
    if kind == "multiclass":
        return X, y, one_unit_per_class(y)
    Y = np.column_stack([y % 2 == 0, y >= 2, np.isin(y, [0, 3])]).astype(int)
    return X, Y, Y.astype(float)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def _check_matches_reference(clf, X, y, Y, exact, sample_weight=None, **ref_kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, sample_weight=sample_weight)
    p = clf.get_params()
    W, b, errors = reference_perceptron(
        X, Y, step=p["step"], eta0=p["eta0"], max_iter=p["max_iter"], tol=p["tol"],
        n_iter_no_change=p["n_iter_no_change"], fit_intercept=p["fit_intercept"],
        average=p["average"], sample_weight=sample_weight, **ref_kw,
    )  # fmt: skip
    if exact:
        assert_array_equal(clf.coef_, W)
        assert_array_equal(clf.intercept_, b)
    else:
        assert_allclose(clf.coef_, W, rtol=1e-10)
        assert_allclose(clf.intercept_, b, rtol=1e-10, atol=1e-12)
    assert clf.errors_ == errors
    assert clf.n_iter_ == len(errors)
    assert clf.converged_ == (errors[-1] == 0)


# --------------------------------------------------------------------------
# The estimator is the rule: exact agreement with the reference
# --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("step", ["heaviside", "sign"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("average", [False, True])
def test_matches_reference_on_integer_data(kind, step, fit_intercept, average):
    X, y, Y = digits_targets(kind)
    clf = StepPerceptron(
        step=step, shuffle=False, max_iter=6, tol=None,
        fit_intercept=fit_intercept, average=average,
    )  # fmt: skip
    _check_matches_reference(clf, X, y, Y, exact=True)
    assert clf.t_ == len(X) * clf.n_iter_
    if not fit_intercept:
        assert_array_equal(clf.intercept_, 0.0)


@pytest.mark.parametrize("gate", sorted(GATES))
@pytest.mark.parametrize("step", ["heaviside", "sign"])
@pytest.mark.parametrize("average", [False, True])
def test_matches_reference_on_logic_gates(gate, step, average):
    # The default tol: the reference's stopping rule is exercised too.
    clf = StepPerceptron(step=step, shuffle=False, average=average)
    y = GATES[gate]
    _check_matches_reference(clf, GATES_X, y, one_unit_per_class(y), exact=True)


@pytest.mark.parametrize("step", ["heaviside", "sign"])
@pytest.mark.parametrize("average", [False, True])
@pytest.mark.parametrize("eta0", [1.0, 0.25])
def test_matches_reference_with_integer_weights(step, average, eta0):
    X, y, Y = digits_targets("multiclass")
    sample_weight = np.random.RandomState(0).randint(0, 4, size=len(y))
    class_weight = {0: 1, 1: 3, 2: 2, 3: 1}
    clf = StepPerceptron(
        step=step, eta0=eta0, shuffle=False, max_iter=5, tol=None,
        average=average, class_weight=class_weight,
    )  # fmt: skip
    combined = sample_weight * np.array([class_weight[c] for c in y])
    clf.fit(X, y, sample_weight=sample_weight)
    # The reference gets the product of the weights; eta0=0.25 is a power of
    # two, so the arithmetic stays exact.
    W, b, errors = reference_perceptron(
        X, Y, step=step, eta0=eta0, max_iter=5, average=average,
        sample_weight=combined,
    )  # fmt: skip
    assert_array_equal(clf.coef_, W)
    assert_array_equal(clf.intercept_, b)
    assert clf.errors_ == errors
    assert clf.t_ == np.count_nonzero(sample_weight) * clf.n_iter_


def test_matches_reference_with_balanced_class_weight():
    X, y, Y = digits_targets("multiclass")
    X, y, Y = X[:70], y[:70], Y[:70]  # imbalanced: the weights are fractions
    clf = StepPerceptron(
        shuffle=False, max_iter=5, tol=None, class_weight="balanced", average=True
    )
    clf.fit(X, y)
    counts = np.bincount(y)
    balanced = len(y) / (len(counts) * counts[y])
    W, b, errors = reference_perceptron(
        X, Y, max_iter=5, average=True, sample_weight=balanced
    )
    assert_allclose(clf.coef_, W, rtol=1e-10)
    assert_allclose(clf.intercept_, b, rtol=1e-10)
    assert clf.errors_ == errors


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("step", ["heaviside", "sign"])
@pytest.mark.parametrize("average", [False, True])
def test_matches_reference_on_float_data(iris, binary, step, average):
    X, y = iris
    if binary:
        y = (y == 2).astype(int)
    clf = StepPerceptron(step=step, shuffle=False, max_iter=15, average=average)
    _check_matches_reference(clf, X, y, one_unit_per_class(y), exact=False)


def test_sparse_and_float32_equal_dense(iris):
    # Digits are mostly zero pixels; integers keep every sum exact.
    X, y, _ = digits_targets("multiclass")
    kw = dict(shuffle=False, max_iter=10, tol=None, average=True)
    dense = StepPerceptron(**kw).fit(X, y)
    for container in (sp.csr_matrix, sp.csr_array, sp.csc_matrix):
        sparse = StepPerceptron(**kw).fit(container(X), y)
        assert_array_equal(sparse.coef_, dense.coef_)
        assert_array_equal(sparse.intercept_, dense.intercept_)
        assert sparse.errors_ == dense.errors_
        assert_allclose(  # BLAS sums the products in another order
            sparse.decision_function(container(X)), dense.decision_function(X)
        )
    as32 = StepPerceptron(**kw).fit(X.astype(np.float32), y)
    assert_array_equal(as32.coef_, dense.coef_)
    assert as32.coef_.dtype == np.float64
    # Float data: the same fit up to rounding.
    X, y = iris
    X = np.where(X < 1.5, 0.0, X)
    dense = StepPerceptron(**kw).fit(X, y)
    sparse = StepPerceptron(**kw).fit(sp.csr_matrix(X), y)
    assert_allclose(sparse.coef_, dense.coef_, rtol=1e-10)
    assert sparse.errors_ == dense.errors_


# --------------------------------------------------------------------------
# What a perceptron can and cannot learn
# --------------------------------------------------------------------------


@pytest.mark.parametrize("gate", ["and", "or", "nand"])
@pytest.mark.parametrize("step", ["heaviside", "sign"])
@pytest.mark.parametrize("shuffle", [False, True])
def test_learns_linearly_separable_gates(gate, step, shuffle):
    y = GATES[gate]
    clf = StepPerceptron(step=step, shuffle=shuffle, random_state=0)
    clf.fit(GATES_X, y)
    assert clf.converged_
    assert clf.errors_[-1] == 0
    assert clf.score(GATES_X, y) == 1.0
    assert_array_equal(clf.predict(GATES_X), y)


@pytest.mark.parametrize("step", ["heaviside", "sign"])
def test_cannot_learn_xor(step):
    clf = StepPerceptron(step=step, random_state=0).fit(GATES_X, GATES["xor"])
    assert not clf.converged_
    assert clf.score(GATES_X, GATES["xor"]) <= 0.75
    assert clf.n_iter_ < clf.max_iter  # the plateau stopped it
    assert min(clf.errors_) > 0


def test_iris_setosa_vs_rest_on_petals(iris):
    X, y = iris
    X, y = X[:, 2:], np.where(y == 0, "setosa", "other")
    clf = StepPerceptron(random_state=0).fit(X, y)
    assert clf.converged_
    assert clf.score(X, y) == 1.0


@pytest.mark.parametrize("loader", [load_digits, load_breast_cancer])
def test_accuracy_comparable_to_sklearn_perceptron(loader):
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    ours = StepPerceptron(max_iter=1000, random_state=0).fit(X_train, y_train)
    theirs = Perceptron(max_iter=1000, random_state=0).fit(X_train, y_train)
    assert ours.score(X_test, y_test) >= theirs.score(X_test, y_test) - 0.02
    assert ours.score(X_test, y_test) > 0.9


# --------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------


@pytest.mark.parametrize("average", [False, True])
def test_zero_sample_weight_equals_dropping_rows(average):
    X, y, _ = digits_targets("multiclass")
    sample_weight = np.ones(len(y))
    sample_weight[::3] = 0.0
    keep = sample_weight > 0
    kw = dict(shuffle=False, average=average, max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = StepPerceptron(**kw).fit(X, y, sample_weight=sample_weight)
        dropped = StepPerceptron(**kw).fit(X[keep], y[keep])
    assert_array_equal(weighted.coef_, dropped.coef_)
    assert_array_equal(weighted.intercept_, dropped.intercept_)
    assert weighted.errors_ == dropped.errors_
    assert weighted.t_ == dropped.t_


def test_balanced_class_weight_raises_minority_recall():
    rng = np.random.RandomState(0)
    n_major, n_minor = 300, 20
    X = np.vstack([rng.normal(0, 1, (n_major, 2)), rng.normal(1.5, 1, (n_minor, 2))])
    y = np.r_[np.zeros(n_major, int), np.ones(n_minor, int)]
    kw = dict(random_state=0, average=True, max_iter=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = StepPerceptron(**kw).fit(X, y)
        balanced = StepPerceptron(class_weight="balanced", **kw).fit(X, y)
    recall_plain = recall_score(y, plain.predict(X))
    recall_balanced = recall_score(y, balanced.predict(X))
    assert recall_balanced > recall_plain + 0.2


def test_sample_weight_is_a_factor_not_a_repetition():
    # Why scikit-learn's check_sample_weight_equivalence_on_{dense,sparse}_data
    # cannot pass (tests/test_common.py runs them): a weight of 2 makes one
    # update twice as large, while a repeated sample is updated once, after
    # which its second visit is already right.
    X, y = np.array([[1.0], [-1.0]]), np.array([0, 1])
    kw = dict(shuffle=False, fit_intercept=False)
    weighted = StepPerceptron(**kw).fit(X, y, sample_weight=[2, 1])
    repeated = StepPerceptron(**kw).fit(X[[0, 0, 1]], y[[0, 0, 1]])
    assert_array_equal(weighted.coef_, [[-2.0]])
    assert_array_equal(repeated.coef_, [[-1.0]])
    assert weighted.errors_ == [1, 0]
    assert repeated.errors_ == [1, 0]


def test_class_weight_dict_scales_the_update():
    y = GATES["and"]
    kw = dict(shuffle=False, fit_intercept=False, max_iter=1, tol=None)
    unit = StepPerceptron(**kw).fit(GATES_X, y)
    scaled = StepPerceptron(class_weight={0: 2.0, 1: 2.0}, **kw).fit(GATES_X, y)
    assert_array_equal(scaled.coef_, 2 * unit.coef_)


# --------------------------------------------------------------------------
# Labels, incremental training, pandas, stopping
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["no", "yes"]),
        np.array([False, True]),
        np.array([-1, 1]),
        np.array(["cat", "dog", "eel"], dtype=object),
    ],
)
def test_labels_returned_as_given(iris, labels):
    X, y = iris
    y_labels = labels[y % len(labels)]
    clf = StepPerceptron(random_state=0, max_iter=20, tol=None).fit(X, y_labels)
    assert_array_equal(clf.classes_, np.unique(y_labels))
    pred = clf.predict(X)
    assert pred.dtype == clf.classes_.dtype
    assert set(pred.tolist()) <= set(labels.tolist())


def test_multilabel_predict_and_decision_function():
    X, Y, _ = digits_targets("multilabel")
    clf = StepPerceptron(shuffle=False, max_iter=30, tol=None).fit(X, Y)
    assert clf.coef_.shape == (3, X.shape[1])
    assert_array_equal(clf.classes_, [0, 1, 2])
    z = clf.decision_function(X)
    assert z.shape == Y.shape
    assert_array_equal(clf.predict(X), (z >= 0).astype(int))
    assert clf.score(X, Y) == np.mean(np.all(clf.predict(X) == Y, axis=1))


def test_decision_function_and_predict_agree(iris):
    X, y = iris
    binary = StepPerceptron(step="sign", random_state=0).fit(X, y == 2)
    z = binary.decision_function(X)
    assert z.shape == (len(X),)
    assert_array_equal(binary.predict(X), z > 0)
    assert_allclose(z, X @ binary.coef_[0] + binary.intercept_[0])
    multi = StepPerceptron(random_state=0).fit(X, y)
    assert_array_equal(multi.predict(X), np.argmax(multi.decision_function(X), 1))


@pytest.mark.parametrize("average", [False, True])
def test_partial_fit_over_chunks_equals_fit(average):
    X, y, _ = digits_targets("multiclass")
    n_epochs = 4
    full = StepPerceptron(shuffle=False, average=average, max_iter=n_epochs, tol=None)
    full.fit(X, y)
    assert not full.converged_  # otherwise the fit would have stopped early
    inc = StepPerceptron(shuffle=False, average=average)
    for _ in range(n_epochs):
        for chunk in np.array_split(np.arange(len(y)), 4):
            inc.partial_fit(X[chunk], y[chunk], classes=np.unique(y))
            assert inc.n_iter_ == 1
    assert_array_equal(inc.coef_, full.coef_)
    assert_array_equal(inc.intercept_, full.intercept_)
    assert inc.t_ == full.t_


def test_partial_fit_multilabel_needs_no_classes():
    X, Y, _ = digits_targets("multilabel")
    clf = StepPerceptron(shuffle=False).partial_fit(X, Y)
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.predict(X).shape == Y.shape


@pytest.mark.parametrize("average", [False, True])
def test_warm_start_continues(average):
    X, y, _ = digits_targets("multiclass")
    kw = dict(shuffle=False, average=average, tol=None)
    full = StepPerceptron(max_iter=5, **kw).fit(X, y)
    assert not full.converged_
    warm = StepPerceptron(max_iter=3, warm_start=True, **kw).fit(X, y)
    warm.set_params(max_iter=2).fit(X, y)
    assert_array_equal(warm.coef_, full.coef_)
    assert_array_equal(warm.intercept_, full.intercept_)
    assert warm.errors_ == full.errors_[3:]
    assert warm.t_ == full.t_
    cold = clone(warm).set_params(warm_start=False).fit(X, y)
    assert cold.errors_ == full.errors_[:2]


def test_pandas_sets_feature_names(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    df = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    clf = StepPerceptron(random_state=0).fit(df, pd.Series(y))
    assert_array_equal(clf.feature_names_in_, ["sl", "sw", "pl", "pw"])
    assert clf.n_features_in_ == 4
    assert_array_equal(clf.predict(df), clf.predict(df.iloc[::-1])[::-1])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        clf.predict(X)
    assert not hasattr(StepPerceptron().fit(X, y), "feature_names_in_")


def test_convergence_warning_when_max_iter_is_hit():
    clf = StepPerceptron(max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        clf.fit(GATES_X, GATES["xor"])
    assert clf.n_iter_ == 3
    # Even when the warning is an error, the fit is complete and kept.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning):
            clf.fit(GATES_X, GATES["and"][::-1])
    assert clf.n_iter_ == 3
    assert_array_equal(clf.classes_, [0, 1])


def test_no_warning_when_converged_or_partial_fit():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        StepPerceptron(max_iter=100).fit(GATES_X, GATES["and"])
        StepPerceptron().partial_fit(GATES_X, GATES["xor"], classes=[0, 1])
        StepPerceptron(max_iter=4, tol=None).fit(GATES_X, GATES["xor"])


def test_tol_none_runs_every_epoch():
    clf = StepPerceptron(tol=None, max_iter=40, random_state=0)
    clf.fit(GATES_X, GATES["xor"])
    assert clf.n_iter_ == 40
    assert len(clf.errors_) == 40
    assert clf.t_ == 40 * 4


def test_plateau_stops_after_n_iter_no_change():
    # XOR with shuffle=False cycles with a constant error count.
    clf = StepPerceptron(shuffle=False, n_iter_no_change=3)
    clf.fit(GATES_X, GATES["xor"])
    best_epoch = int(np.argmin(clf.errors_))
    assert clf.n_iter_ == best_epoch + 1 + 3


def test_tol_zero_stops_on_a_flat_error_count():
    # "Has not fallen by more than tol * n_samples": with tol=0 an unchanged
    # error count is no improvement.
    clf = StepPerceptron(shuffle=False, tol=0.0).fit(GATES_X, GATES["xor"])
    assert clf.n_iter_ < 20
    W, b, errors = reference_perceptron(GATES_X, GATES["xor"][:, None], tol=0.0)
    assert clf.errors_ == errors
    assert_array_equal(clf.coef_, W)


def test_random_state_determinism(iris):
    X, y = iris
    kw = dict(max_iter=10, tol=None)
    a = StepPerceptron(random_state=7, **kw).fit(X, y)
    b = StepPerceptron(random_state=7, **kw).fit(X, y)
    c = StepPerceptron(random_state=np.random.RandomState(7), **kw).fit(X, y)
    assert_array_equal(a.coef_, b.coef_)
    assert_array_equal(a.coef_, c.coef_)
    assert a.errors_ == b.errors_
    others = [StepPerceptron(random_state=s, **kw).fit(X, y) for s in (1, 2, 3)]
    assert any(not np.array_equal(o.coef_, a.coef_) for o in others)


def test_verbose_prints_every_epoch(capsys):
    StepPerceptron(shuffle=False, verbose=1).fit(GATES_X, GATES["and"])
    out = capsys.readouterr().out
    assert "Epoch 1: 2 errors" in out
    assert "Epoch 6: 0 errors" in out


def test_column_vector_y_warns_and_is_raveled():
    y = GATES["and"]
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        clf = StepPerceptron(shuffle=False).fit(GATES_X, y[:, None])
    assert_array_equal(clf.predict(GATES_X), y)


@pytest.mark.slow  # imports TensorFlow: 5 to 15 s, most of this file's time
def test_to_keras_matches_the_units():
    for step in ("heaviside", "sign"):
        X, y, _ = digits_targets("multiclass")  # integers: exact in float32
        clf = StepPerceptron(step=step, shuffle=False, max_iter=5, tol=None)
        clf.fit(X, y)
        outputs = np.asarray(clf.to_keras()(X))
        z = clf.decision_function(X)
        expected = (z >= 0).astype(float) if step == "heaviside" else np.sign(z)
        assert_array_equal(outputs, expected)


# --------------------------------------------------------------------------
# Bad input: clear errors, and a fitted estimator survives them
# --------------------------------------------------------------------------

_X, _y = GATES_X.astype(float), np.array([0, 1, 2, 2])
_X_nan, _X_inf = _X.copy(), _X.copy()
_X_nan[0, 0], _X_inf[1, 1] = np.nan, np.inf
_ML = np.array([[0, 1], [1, 0], [1, 1], [0, 0]])

BAD_CALLS = {
    "nan-X": (lambda c: c.fit(_X_nan, _y), "Input X contains NaN"),
    "inf-X": (lambda c: c.fit(_X_inf, _y), "Input X contains infinity"),
    "continuous-y": (
        lambda c: c.fit(_X, [0.5, 1.2, 2.3, 0.1]),
        "Unknown label type: continuous",
    ),
    "one-class": (lambda c: c.fit(_X, [1, 1, 1, 1]), "only one class"),
    "lengths": (lambda c: c.fit(_X, _y[:3]), "inconsistent numbers of samples"),
    "negative-weight": (
        lambda c: c.fit(_X, _y, sample_weight=[1, -1, 1, 1]),
        "sample_weight contains negative values",
    ),
    "nan-weight": (
        lambda c: c.fit(_X, _y, sample_weight=[1, np.nan, 1, 1]),
        "sample_weight contains NaN",
    ),
    "zero-weights": (
        lambda c: c.fit(_X, _y, sample_weight=np.zeros(4)),
        "Every sample_weight is zero",
    ),
    "weight-length": (
        lambda c: c.fit(_X, _y, sample_weight=[1, 1]),
        r"sample_weight has shape \(2,\) but X has 4 samples",
    ),
    "class-weight-keys": (
        lambda c: c.set_params(class_weight={0: 1, 5: 2}).fit(_X, _y),
        r"class_weight has keys \[5\] that are not class labels",
    ),
    "multilabel-class-weight": (
        lambda c: c.set_params(class_weight={0: 2}).fit(_X, _ML),
        "class_weight is not supported for multilabel",
    ),
    "bad-param": (
        lambda c: c.set_params(eta0=0.0).fit(_X, _y),
        "'eta0' parameter",
    ),
    "partial-fit-unseen-label": (
        lambda c: c.partial_fit(_X, [0, 1, 2, 7]),
        r"labels \[7\] that are not in classes",
    ),
    "partial-fit-n-features": (
        lambda c: c.partial_fit(_X[:, :1], _y),
        "X has 1 features, but StepPerceptron is expecting 2",
    ),
    "partial-fit-target-kind": (
        lambda c: c.partial_fit(_X, np.c_[_ML, _ML[:, :1]]),
        "y is a multilabel target but the estimator was fitted on a multiclass",
    ),
    "partial-fit-balanced": (
        lambda c: c.set_params(class_weight="balanced").partial_fit(_X, _y),
        "class_weight 'balanced' is not supported for partial_fit",
    ),
    "warm-start-new-label": (
        lambda c: c.set_params(warm_start=True).fit(_X, [0, 1, 2, 3]),
        r"labels \[3\] that are not in classes \[0, 1, 2\]; warm_start continues",
    ),
    "warm-start-n-features": (
        lambda c: c.set_params(warm_start=True).fit(_X[:, :1], _y),
        "X has 1 features, but StepPerceptron is expecting 2",
    ),
    "predict-n-features": (
        lambda c: c.predict(np.ones((2, 3))),
        "X has 3 features, but StepPerceptron is expecting 2",
    ),
    "decision-function-nan": (
        lambda c: c.decision_function(_X_nan),
        "Input X contains NaN",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_bad_input_raises_and_leaves_fitted_estimator_intact(case):
    call, match = BAD_CALLS[case]
    clf = StepPerceptron(shuffle=False, max_iter=20, tol=None).fit(_X, _y)
    before = {
        "predict": clf.predict(_X),
        "decision": clf.decision_function(_X),
        "attrs": {k: v for k, v in vars(clf).items() if k.endswith("_")},
        "state": {k: np.copy(v) for k, v in clf._state.items()},
    }
    expected = InvalidParameterError if case == "bad-param" else ValueError
    with pytest.raises(expected, match=match):
        call(clf)
    clf.set_params(class_weight=None, eta0=1.0, warm_start=False)
    assert_array_equal(clf.predict(_X), before["predict"])
    assert_array_equal(clf.decision_function(_X), before["decision"])
    after = {k: v for k, v in vars(clf).items() if k.endswith("_")}
    assert after.keys() == before["attrs"].keys()
    for name, value in before["attrs"].items():
        assert_array_equal(after[name], value, err_msg=name)
    for name, value in before["state"].items():
        assert_array_equal(clf._state[name], value, err_msg=name)


def test_partial_fit_first_call_needs_classes():
    clf = StepPerceptron()
    with pytest.raises(ValueError, match=r"classes must be passed on the first"):
        clf.partial_fit(_X, _y)
    with pytest.raises(ValueError, match="only one class"):
        clf.partial_fit(_X, [1, 1, 1, 1], classes=[1])
    with pytest.raises(NotFittedError):
        clf.predict(_X)
    assert not hasattr(clf, "n_features_in_")


def test_failed_first_fit_leaves_estimator_unfitted():
    clf = StepPerceptron()
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(_X, [1, 1, 1, 1])
    assert not hasattr(clf, "n_features_in_")
    for method in ("predict", "decision_function", "to_keras"):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            getattr(clf, method)(*((_X,) if method != "to_keras" else ()))
