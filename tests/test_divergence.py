"""Divergence and interruption change nothing: a non-finite loss (or
non-finite weights) stops the fit in that epoch with a clear error, and
Ctrl-C in a callback leaves the estimator as it was before the fit (unfitted
after a first fit)."""

import copy

import numpy as np
import pytest
from _estimators import FACTORIES, MLPS, WRAPPERS
from _snapshots import (
    WARNINGS,
    X_SMALL,
    Y_CLASS,
    X,
    assert_unchanged,
    params,
    snapshot,
    target,
)
from sklearn.exceptions import NotFittedError

from skmlp._tf import keras  # TensorFlow through skmlp's quiet start-up

pytestmark = WARNINGS


# --------------------------------------------------------------------------
# Divergence: a non-finite loss stops the fit in that epoch and changes nothing.
# --------------------------------------------------------------------------


class LossRecorder(keras.callbacks.Callback):
    """Records the loss of every epoch; optionally interrupts training."""

    def __init__(self, interrupt_at_epoch=None, interrupt_at_batch=None):
        super().__init__()
        self.losses, self.batches = [], 0
        self.interrupt_at_epoch = interrupt_at_epoch
        self.interrupt_at_batch = interrupt_at_batch

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        if self.batches == self.interrupt_at_batch:
            raise KeyboardInterrupt

    def on_epoch_end(self, epoch, logs=None):
        self.losses.append(float(logs["loss"]))
        if len(self.losses) == self.interrupt_at_epoch:
            raise KeyboardInterrupt


#: Unscaled float32 features of order 1e4 and sgd at 1e10: the loss explodes
#: (float32 X trains a float32 network, whose sums overflow at 3.4e38).
X_HUGE = (X * 1e4).astype(np.float32)
DIVERGING = dict(solver="sgd", learning_rate_init=1e10, max_iter=20)
DIVERGED = r"(?s)diverged.*in epoch {}.*learning_rate_init.*scale X"


def epochs(name, n):
    """``n`` epochs: the MLPs' max_iter, the wrappers' epochs."""
    return {"epochs" if name in WRAPPERS else "max_iter": n}


def _assert_stopped_at_first_non_finite_loss(recorder):
    """Training stopped at the first epoch whose loss (or, after its last
    step, whose weights) became non-finite."""
    losses = np.array(recorder.losses)
    assert len(losses) < DIVERGING["max_iter"]
    assert np.all(np.isfinite(losses[:-1]))


@pytest.mark.parametrize("name", MLPS)
def test_divergence_of_a_first_fit(name):
    recorder = LossRecorder()
    est = FACTORIES[name]().set_params(callbacks=[recorder], **DIVERGING)
    before = dict(vars(est))
    with pytest.raises(ValueError, match=DIVERGED.format(r"\d+")) as info:
        est.fit(X_HUGE, target(name))
    _assert_stopped_at_first_non_finite_loss(recorder)
    assert f"in epoch {len(recorder.losses)}." in str(info.value)
    assert vars(est) == before
    with pytest.raises(NotFittedError):
        est.predict(X_SMALL)


@pytest.mark.parametrize("warm_start", [False, True], ids=["refit", "warm_start"])
@pytest.mark.parametrize("name", MLPS)
def test_divergence_leaves_fitted_estimator_as_before(fitted32, name, warm_start):
    est, snap = fitted32[name]
    recorder = LossRecorder()
    with params(est, callbacks=[recorder], warm_start=warm_start, **DIVERGING):
        with pytest.raises(ValueError, match=DIVERGED.format(r"\d+")):
            est.fit(X_HUGE, target(name))
    _assert_stopped_at_first_non_finite_loss(recorder)
    assert_unchanged(est, snap)


@pytest.mark.parametrize("name", MLPS)
def test_divergence_in_partial_fit_restores_model_and_optimizer(fitted32, name):
    """Features near float32's limit overflow the float32 network's sums."""
    est, snap = fitted32[name]
    X_overflow = (np.sign(X) * 3e38).astype(np.float32)
    for _ in range(2):  # the live model and optimizer are reused: both restored
        with pytest.raises(ValueError, match=DIVERGED.format(1)):
            est.partial_fit(X_overflow, target(name))
        assert_unchanged(est, snap)
    # A diverged optimizer (NaN moments) would poison the next partial_fit.
    twin = copy.deepcopy(est)
    twin.partial_fit(X, target(name))
    assert np.all(np.isfinite(twin.predict(X_SMALL).astype(float)))
    assert twin.loss_curve_[-1] < 1e3
    assert_unchanged(est, snap)


@pytest.mark.parametrize("warm_start", [False, True], ids=["refit", "warm_start"])
@pytest.mark.parametrize("name", WRAPPERS)
def test_divergence_of_a_wrapper_is_an_error(name, warm_start):
    est = FACTORIES[name]().fit(X, target(name))
    est.set_params(warm_start=warm_start, optimizer="sgd", epochs=20)
    est.set_params(optimizer__learning_rate=1e10)
    if warm_start:
        # A continued model keeps its compiled optimizer (scikeras's
        # warm_start): compile it with the SGD that diverges.
        keras = pytest.importorskip("keras")
        est.model_.compile(optimizer=keras.optimizers.SGD(1e10), loss=est.model_.loss)
    snap = snapshot(est)
    with pytest.raises(ValueError, match="diverged"):
        est.fit(X_HUGE, target(name))
    assert_unchanged(est, snap)


# --------------------------------------------------------------------------
# Interruption: Ctrl-C in a callback leaves the estimator as before the fit.
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", MLPS + WRAPPERS)
def test_interrupted_first_fit_leaves_estimator_unfitted(name):
    recorder = LossRecorder(interrupt_at_epoch=2)
    est = FACTORIES[name]().set_params(callbacks=[recorder], **epochs(name, 10))
    before = dict(vars(est))
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, target(name))
    assert len(recorder.losses) == 2  # it did train, and was stopped mid-fit
    assert vars(est) == before
    with pytest.raises(NotFittedError):
        est.predict(X_SMALL)


@pytest.mark.parametrize(
    "how", ["refit", "warm_start", "partial_fit", "mid_epoch_partial_fit"]
)
@pytest.mark.parametrize("name", MLPS + WRAPPERS)
def test_interrupted_fit_leaves_fitted_estimator_as_before(fitted, name, how):
    est, snap = fitted[name]
    # A batch hook runs the steps one by one: 600 rows in batches of 10 make
    # 60 steps, so "batch 1" ends mid-epoch.
    data, y = X, target(name)
    if how == "mid_epoch_partial_fit":
        recorder = LossRecorder(interrupt_at_batch=1)
        data, y = np.tile(X, (20, 1)), np.tile(y, 20)
    else:
        recorder = LossRecorder(interrupt_at_epoch=1 if "partial" in how else 2)
    kw = dict(callbacks=[recorder], batch_size=10, **epochs(name, 10))
    with params(est, warm_start=how == "warm_start", **kw):
        with pytest.raises(KeyboardInterrupt):
            if "partial_fit" in how:
                est.partial_fit(data, y)
            else:
                est.fit(data, y)
    assert recorder.batches >= 1
    assert_unchanged(est, snap)


def test_interrupted_fit_of_a_passed_model_puts_its_weights_back():
    """A ``keras.Model`` passed as ``model`` is trained in place, from its
    first fit on: an interrupted fit leaves its weights and optimizer as
    they were."""
    from skmlp import KerasRegressor

    model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="adam")
    model.optimizer.build(model.trainable_variables)
    weights = [w.copy() for w in model.get_weights()]
    slots = [v.numpy().copy() for v in model.optimizer.variables]
    recorder = LossRecorder(interrupt_at_epoch=2)
    est = KerasRegressor(model=model, callbacks=[recorder], epochs=5, verbose=0)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, target("kreg"))
    assert len(recorder.losses) == 2  # it did train the model, then stopped
    for after, before in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(after, before)
    for variable, before in zip(model.optimizer.variables, slots, strict=True):
        np.testing.assert_array_equal(variable.numpy(), before)


def test_interrupted_perceptron_leaves_estimator_as_before(fitted, monkeypatch):
    """The perceptron has no callbacks: interrupt its epoch loop instead."""
    from skmlp import _rule

    est, snap = fitted["perc"]
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    real = _rule.run_epoch
    monkeypatch.setattr(_rule, "run_epoch", interrupted)
    for warm_start in (False, True):
        calls.clear()
        with params(est, warm_start=warm_start, tol=None):
            with pytest.raises(KeyboardInterrupt):
                est.fit(X, Y_CLASS)
        assert_unchanged(est, snap)


class PoisonWeights(keras.callbacks.Callback):
    """Overflows a kernel after the epoch's last step: the epoch's loss, computed
    before each step, is finite, but the network the fit would keep is not."""

    def on_train_batch_end(self, batch, logs=None):
        kernel = self.model.layers[0].kernel
        kernel.assign(np.full(kernel.shape, np.inf, dtype=kernel.dtype))


@pytest.mark.parametrize("how", ["first_fit", "warm_start", "partial_fit"])
@pytest.mark.parametrize("name", MLPS)
def test_non_finite_weights_count_as_divergence(fitted, name, how):
    if how == "first_fit":
        est = FACTORIES[name]().set_params(callbacks=[PoisonWeights()])
        before = dict(vars(est))
        with pytest.raises(ValueError, match=DIVERGED.format(1)):
            est.fit(X, target(name))
        assert vars(est) == before
        return
    est, snap = fitted[name]
    with params(est, callbacks=[PoisonWeights()], warm_start=how == "warm_start"):
        with pytest.raises(ValueError, match=DIVERGED.format(1)):
            if how == "partial_fit":
                est.partial_fit(X, target(name))
            else:
                est.fit(X, target(name))
    assert_unchanged(est, snap)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("name", MLPS)
def test_non_finite_final_weights_are_refused(name, solver, monkeypatch):
    """The weights a fit ends with are checked in NumPy, as scikit-learn checks
    them, whatever the solver (the compiled epochs check only the losses)."""
    from skmlp._engine._trainer import Trainer

    read = Trainer.get_weights

    def poisoned(self):
        weights = read(self)
        weights[0] = np.full_like(weights[0], np.nan)
        return weights

    est = FACTORIES[name]().set_params(solver=solver)
    before = dict(vars(est))
    monkeypatch.setattr(Trainer, "get_weights", poisoned)
    with pytest.raises(ValueError, match=DIVERGED.format(r"\d+")):
        est.fit(X, target(name))
    assert vars(est) == before
    monkeypatch.undo()
    assert np.all(np.isfinite(est.fit(X, target(name)).coefs_[0]))
