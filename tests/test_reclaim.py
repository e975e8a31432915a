"""One warm-up per architecture: a fit that finds no spare trainer reclaims
the trainer of a fitted estimator that never handed out ``model_``.

The estimator it was taken from is then exactly like an unpickled one: it
predicts, pickles, continues ``partial_fit`` with its optimizer's state and
hands out ``model_`` as before. Builds are counted (``POOL.built``), never
timed.
"""

import gc
import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPKerasClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, Y = load_iris(return_X_y=True)


def _pool():
    from skmlp._engine import POOL

    return POOL


def _make(**kw):
    # An architecture no other test uses: this file's fits share trainers.
    return MLPKerasClassifier(
        **{"hidden_layer_sizes": (7, 3), "max_iter": 5, "random_state": 0, **kw}
    )


def _weights(est):
    return [w.copy() for w in est.coefs_ + est.intercepts_]


def test_a_reclaimed_estimator_predicts_pickles_and_continues():
    # Without a reclaim: fit, then two partial_fit steps of the live trainer.
    reference = _make().fit(X, Y)
    proba = reference.predict_proba(X)
    reference.partial_fit(X, Y)
    reference.partial_fit(X, Y)
    continued = _weights(reference)
    del reference
    gc.collect()  # its trainer is a spare now

    pool = _pool()
    first = _make().fit(X, Y)  # the spare
    built = pool.built
    second = _make().fit(X, Y)  # no spare: the first's trainer, reclaimed
    assert pool.built == built
    assert "_trainer" not in vars(first) and "_trainer" in vars(second)
    for a, b in zip(_weights(first), _weights(second), strict=True):
        assert_array_equal(a, b)

    assert_array_equal(first.predict_proba(X), proba)
    copy = pickle.loads(pickle.dumps(first))
    assert_array_equal(copy.predict_proba(X), proba)

    # partial_fit continues from the optimizer's state the reclaim kept
    # (Adam's moments and step count): as if nothing had been reclaimed.
    first.partial_fit(X, Y)
    first.partial_fit(X, Y)
    assert pool.built == built  # rebuilt from a reclaimed trainer, not traced
    for a, b in zip(_weights(first), continued, strict=True):
        assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_reclaimed_estimator_hands_out_model_as_before():
    est = _make(solver="sgd").fit(X, Y)
    proba = est.predict_proba(X)
    other = _make(solver="sgd").fit(X, Y)  # reclaims est's trainer
    assert "_trainer" not in vars(est)
    model = est.model_
    assert_allclose(model.predict(X, verbose=0), proba, rtol=1e-5, atol=1e-6)
    layers = [w for pair in zip(est.coefs_, est.intercepts_) for w in pair]
    for a, b in zip(model.get_weights(), layers, strict=True):
        assert_array_equal(a, b)
    # The model is the estimator's own: set through it, seen by predict ...
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    assert_allclose(est.predict_proba(X), 1 / 3)
    # ... and never reclaimed by a later fit.
    built = _pool().built
    del other
    gc.collect()
    _make(solver="sgd").fit(X, Y)
    _make(solver="sgd").fit(X, Y)
    assert est.model_ is model
    assert_allclose(est.predict_proba(X), 1 / 3)
    # model_ rebuilt est's trainer from the other's (reclaimed), now exposed:
    # the next fit built one, and the one after reused it.
    assert _pool().built == built + 1


def test_kept_estimators_of_a_search_share_one_trainer_per_configuration():
    # cross_validate keeps each fold's fitted estimator: before reclaiming,
    # every fold built (and traced) a trainer of its own.
    pool = _pool()
    pipe = make_pipeline(StandardScaler(), _make(solver="adam", max_iter=3))
    built = pool.built
    first = cross_validate(pipe, X, Y, cv=3, return_estimator=True)
    assert pool.built - built <= 1
    built = pool.built
    second = cross_validate(pipe, X, Y, cv=3, return_estimator=True)
    assert pool.built == built
    for a, b in zip(first["estimator"], second["estimator"], strict=True):
        assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert_array_equal(first["test_score"], second["test_score"])


def test_fits_and_predictions_in_threads_equal_sequential_ones():
    sequential = [_make(random_state=seed).fit(X, Y) for seed in range(6)]
    expected = [est.predict_proba(X) for est in sequential]

    def fit_and_predict(seed):
        est = _make(random_state=seed).fit(X, Y)
        return est, est.predict_proba(X)

    with ThreadPoolExecutor(3) as threads:
        results = list(threads.map(fit_and_predict, range(6)))
    for (est, proba), want in zip(results, expected, strict=True):
        assert_allclose(proba, want, rtol=1e-5, atol=1e-6)
        # and again, whichever trainers were reclaimed since
        assert_allclose(est.predict_proba(X), want, rtol=1e-5, atol=1e-6)
