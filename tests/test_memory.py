"""Memory: many consecutive fits in one process do not grow it.

Keras keeps part of every traced train step for the life of the process
(keras-team/tf-keras#286), so building and fitting one new model after another
grows a process by megabytes a fit. skmlp reuses the compiled model of an
estimator that was refit or garbage-collected (same architecture and compile
parameters); this test holds it to that, in the pattern of a model-selection
loop: a new estimator every fit.
"""

import ctypes
import gc

import numpy as np
import pytest

from skmlp import MLPKerasClassifier, MLPKerasRegressor

psutil = pytest.importorskip("psutil")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_FITS, WARMUP, BUDGET_MB = 100, 10, 50


def _rss_mb():
    gc.collect()
    try:  # return freed heap pages to the system, so RSS measures live memory
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    return psutil.Process().memory_info().rss / 2**20


@pytest.mark.slow
def test_100_fits_do_not_grow_memory():
    rng = np.random.RandomState(0)
    X = rng.randn(30, 4)
    y_class, y_reg = np.arange(30) % 2, X[:, 0]
    baseline = None
    for i in range(N_FITS):
        # A new estimator each time (as clone() in a search), both kinds in
        # turn, the data and the seed changing.
        seed = i % 7
        if i % 2:
            MLPKerasRegressor(
                hidden_layer_sizes=(8,), max_iter=2, random_state=seed
            ).fit(X, y_reg)
        else:
            MLPKerasClassifier(
                hidden_layer_sizes=(8,), max_iter=2, random_state=seed
            ).fit(X[seed:], y_class[seed:])
        if i + 1 == WARMUP:
            baseline = _rss_mb()
    growth = _rss_mb() - baseline
    assert growth < BUDGET_MB, (
        f"RSS grew by {growth:.0f} MB over the {N_FITS - WARMUP} fits after "
        f"the first {WARMUP}"
    )


@pytest.mark.slow
def test_refitting_one_estimator_does_not_grow_memory():
    rng = np.random.RandomState(1)
    X, y = rng.randn(30, 4), np.arange(30) % 3
    est = MLPKerasClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    baseline = None
    for i in range(N_FITS // 2):
        est.fit(X, y)
        if i + 1 == WARMUP:
            baseline = _rss_mb()
    assert _rss_mb() - baseline < BUDGET_MB


# --------------------------------------------------------------------------
# Reusing compiled models is invisible (fast tests).
# --------------------------------------------------------------------------


def _data():
    rng = np.random.RandomState(2)
    return rng.randn(40, 3), np.arange(40) % 3


def _make(**kw):
    return MLPKerasClassifier(hidden_layer_sizes=(5,), max_iter=4, random_state=0, **kw)


def test_a_reused_model_fits_exactly_as_a_new_one():
    X, y = _data()
    first = _make().fit(X, y)
    reference = [w.copy() for w in first.coefs_ + first.intercepts_]
    proba = first.predict_proba(np.tile(X, (15, 1)))
    model_id = id(first._trainer.model)
    del first
    gc.collect()
    second = _make().fit(X, y)
    assert id(second._trainer.model) == model_id  # the spare was reused ...
    for a, b in zip(second.coefs_ + second.intercepts_, reference, strict=True):
        np.testing.assert_array_equal(a, b)  # ... and trained identically
    np.testing.assert_array_equal(second.predict_proba(np.tile(X, (15, 1))), proba)
    # A refit alternates between two models, with the same results.
    again = second.fit(X, y)
    for a, b in zip(again.coefs_ + again.intercepts_, reference, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_model_handed_out_is_never_reused():
    X, y = _data()
    est = _make().fit(X, y)
    model = est.model_
    weights = [w.copy() for w in model.get_weights()]
    del est
    gc.collect()
    others = [_make().fit(X[::-1], y[::-1]) for _ in range(2)]
    # (the second may have reclaimed the first's trainer: see _pool)
    assert all(vars(o).get("_trainer") is not None for o in others[-1:])
    assert all(
        vars(o).get("_trainer") is None or o._trainer.model is not model for o in others
    )
    for a, b in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_other_parameters_get_another_model():
    X, y = _data()
    first = _make().fit(X, y)
    model = first._trainer.model
    del first
    gc.collect()
    other = _make(momentum=0.5, solver="sgd").fit(X, y)
    assert other._trainer.model is not model


def test_a_model_reused_for_another_alpha_and_learning_rate_fits_as_a_new_one():
    # alpha and learning_rate_init are read from variables by the traced train
    # step: a search over them reuses one compiled model per architecture.
    X, y = _data()

    def make(alpha, lr):
        return MLPKerasClassifier(
            hidden_layer_sizes=(7,),
            max_iter=4,
            random_state=0,
            alpha=alpha,
            learning_rate_init=lr,
        )

    reference = make(0.5, 0.01).fit(X, y)
    first = make(1e-4, 1e-3).fit(X, y)  # reclaims the reference's trainer
    model = first._trainer.model
    assert "_trainer" not in vars(reference)
    del first
    gc.collect()
    second = make(0.5, 0.01).fit(X, y)
    assert second._trainer.model is model  # reused ...
    assert second._trainer.model.optimizer.learning_rate.numpy() == np.float32(0.01)
    for a, b in zip(
        second.coefs_ + second.intercepts_,
        reference.coefs_ + reference.intercepts_,
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)  # ... and trained as a new model
    np.testing.assert_array_equal(second.loss_curve_, reference.loss_curve_)
