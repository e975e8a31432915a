"""What "exactly as before" means: snapshots of a fitted estimator, and the
small data and helpers of the tests that a failed call changes nothing
(``test_bad_input``, ``test_bad_params``, ``test_divergence``; their module
fixtures ``fitted`` and ``fitted32`` are in ``conftest.py``)."""

import copy
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np
import pytest
from _estimators import FACTORIES, MLPS, keras_rows
from numpy.testing import assert_array_equal
from sklearn.base import BaseEstimator

RNG = np.random.RandomState(0)
X = RNG.randn(30, 4)
Y_CLASS = np.arange(30) % 3
Y_REG = X[:, 0] - X[:, 1]
X_SMALL = X[:7]  # the NumPy forward pass of the MLPs
X_LARGE = keras_rows(X)  # the Keras predict of the MLPs

CLASSIFIERS = ("clf", "perc", "kclf")
#: The classifiers with scikit-learn's rules where scikeras's differ
#: (KerasClassifier trains on multi-output class targets, and its first
#: partial_fit takes the classes from y).
NATIVE_CLASSIFIERS = ("clf", "perc")


def target(name):
    return Y_REG if name in ("reg", "kreg") else Y_CLASS


def outputs(est, large=True):
    """Every prediction method on a small input, and the most detailed one
    (which the others decode) on a large one."""
    out = {}
    for method in ("predict", "predict_proba", "decision_function"):
        if hasattr(est, method):
            out[f"{method}/small"] = getattr(est, method)(X_SMALL)
            if large:
                out["large"] = (method, getattr(est, method)(X_LARGE))
    return out


def _keras_model_state(model):
    """A Keras model's weights and its optimizer's variables (the iteration
    count, the moments), as arrays."""
    out = {"get_weights()": [np.asarray(w) for w in model.get_weights()]}
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        out["optimizer.variables"] = [np.asarray(v) for v in optimizer.variables]
    return out


def state(est):
    """A deep copy of the estimator's attributes, the live Keras model's
    weights and optimizer state in place of the model itself: an MLP's
    trainer (or, if the pool reclaimed it, the arrays the MLP keeps instead,
    as a pickle does: the same snapshot either way), a wrapper's ``model_``
    (its compiled forward pass ``_forward`` is checked by the
    predictions)."""
    import keras

    live = ("_trainer", "_optimizer_state")
    snap = {}
    for k, v in vars(est).items():
        if isinstance(v, keras.Model):
            snap[k] = _keras_model_state(v)
        elif k not in live and k != "_forward":
            snap[k] = copy.deepcopy(v)
    trainer = vars(est).get("_trainer")
    stochastic = "_config" in vars(est) and est._config.stochastic
    if trainer is not None:
        weights = trainer.model.get_weights()
        snap["model_.get_weights()"] = [np.asarray(w) for w in weights]
        if stochastic:
            snap["optimizer"] = trainer.training_state()[1]
    elif "_weights" in vars(est):  # what the MLP's trainer is rebuilt from
        snap["model_.get_weights()"] = [np.asarray(w) for w in est._weights]
        if stochastic:
            snap["optimizer"] = copy.deepcopy(vars(est).get("_optimizer_state"))
    return snap


def assert_same(a, b, path="estimator"):
    """Recursive exact equality of NumPy arrays, containers and scalars."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), path
        assert a.dtype == b.dtype, path
        assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), path
        for i, (u, v) in enumerate(zip(a, b)):
            assert_same(u, v, f"{path}[{i}]")
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b), path
    elif isinstance(a, BaseEstimator):  # a fitted encoder: its attributes
        assert type(a) is type(b), path
        assert_same(vars(a), vars(b), f"{path}.__dict__")
    else:
        assert a == b, path


class Snapshot(NamedTuple):
    outputs: dict
    state: dict


def snapshot(est):
    return Snapshot(outputs(est), state(est))


def assert_unchanged(est, snap, large=True):
    """Attributes, live weights and predictions as in ``snap``. ``large=False``
    skips the (slower) Keras prediction: the live weights are compared."""
    assert_same(state(est), snap.state)
    out = outputs(est, large)
    assert_same(out, {k: snap.outputs[k] for k in out})


#: The warnings these modules' deliberately bad or diverging fits raise.
WARNINGS = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
]


def fit_each():
    """Each estimator fitted once, with its snapshot."""
    out = {}
    for name, make in FACTORIES.items():
        est = make().fit(X, target(name))
        out[name] = (est, snapshot(est))
    return out


def fit_each_float32():
    """The MLPs fitted on float32 X (a float32 network), with snapshots."""
    out = {}
    for name in MLPS:
        est = FACTORIES[name]().fit(X.astype(np.float32), target(name))
        out[name] = (est, snapshot(est))
    return out


@contextmanager
def params(est, **kw):
    """Set parameters for the duration of a call, then restore them."""
    old = {k: est.get_params()[k] for k in kw}
    est.set_params(**kw)
    try:
        yield est
    finally:
        est.set_params(**old)


def with_params(call, **kw):
    def run(est, y):
        with params(est, **kw):
            call(est, y)

    return run


def put(a, value, index=0):
    """A float copy of ``a`` with ``value`` at flat ``index``."""
    a = np.array(a, dtype=np.float64)
    a.flat[index] = value
    return a
