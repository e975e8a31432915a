"""The built-in solvers' fused optimizer step is Keras's step.

For solver="sgd" and "adam", a step of the built-in stack applies Keras's
update with TensorFlow's fused kernels on the Keras optimizer's own variables
(``skmlp._engine._optimizers.fused_update``). These tests hold it to Keras's
``apply_gradients`` from the same state (up to float rounding: the kernels
and Keras's ops round differently), check that the optimizer's state stays
Keras's, and that without the private slot names the fit falls back to
``apply_gradients``.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skmlp import MLPKerasClassifier, _keras_private

X, y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)

OPTIMIZERS = {
    "adam": lambda k: k.optimizers.Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-7),
    "sgd": lambda k: k.optimizers.SGD(0.05),
    "momentum": lambda k: k.optimizers.SGD(0.05, momentum=0.9),
    "nesterov": lambda k: k.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
}
RTOL = {"float32": 1e-5, "float64": 1e-12}


def _model(keras, dtype):
    model = keras.Sequential(
        [
            keras.Input((4,), dtype=dtype),
            keras.layers.Dense(5, activation="relu", dtype=dtype),
            keras.layers.Dense(3, dtype=dtype),
        ]
    )
    model.set_weights(
        [np.random.RandomState(i).randn(*w.shape) for i, w in enumerate(model.weights)]
    )
    return model


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_fused_step_is_keras_step(name, dtype):
    from skmlp._engine._optimizers import fused_update
    from skmlp._tf import keras, tf

    models = [_model(keras, dtype) for _ in range(2)]
    optimizers = [OPTIMIZERS[name](keras) for _ in range(2)]
    for model, optimizer in zip(models, optimizers, strict=True):
        optimizer.build(model.trainable_variables)
    fused = fused_update(optimizers[1], models[1].trainable_variables)
    assert fused is not None
    # The fused step on the variables in another order (the built-in
    # stack's: kernels and biases by layer, whatever Keras's order).
    params = models[1].trainable_variables[::-1]

    @tf.function
    def keras_step(grads):
        optimizers[0].apply_gradients(zip(grads, models[0].trainable_variables))

    @tf.function
    def fused_step(grads):
        fused(grads[::-1], params)

    rng = np.random.RandomState(0)
    for _ in range(5):  # from a non-zero state: momentums, t > 1
        grads = [tf.constant(rng.randn(*v.shape), dtype) for v in models[0].weights]
        keras_step(grads)
        fused_step(grads)
    for a, b in zip(models[0].weights, models[1].weights, strict=True):
        assert_allclose(b.numpy(), a.numpy(), rtol=RTOL[dtype], atol=1e-7)
    state = [[v.numpy() for v in o.variables] for o in optimizers]
    assert int(state[1][0]) == int(state[0][0]) == 5  # iterations
    for a, b in zip(*state, strict=True):
        assert_allclose(b, a, rtol=RTOL[dtype], atol=1e-7)
    assert name == "sgd" or not np.allclose(state[1][2], 0)  # slots written


def test_other_optimizers_keep_apply_gradients():
    from skmlp._engine._optimizers import fused_update
    from skmlp._tf import keras

    model = _model(keras, "float32")
    for optimizer in (
        keras.optimizers.RMSprop(),
        keras.optimizers.Adam(amsgrad=True),
        keras.optimizers.Adam(clipnorm=1.0),
        keras.optimizers.SGD(momentum=0.9, weight_decay=0.01),
    ):
        optimizer.build(model.trainable_variables)
        assert fused_update(optimizer, model.trainable_variables) is None


def _fit(solver, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPKerasClassifier(
            solver=solver, random_state=0, max_iter=30, batch_size=50, **params
        ).fit(X, y)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_fit_uses_fused_step_and_keeps_keras_state(solver):
    est = _fit(solver, momentum=0.9)
    trainer = est._trainer
    assert trainer.fused_update is not None
    # Keras counts every step: 3 batches an epoch.
    assert int(trainer.optimizer.iterations.numpy()) == 3 * est.n_iter_
    # model_.fit goes on from that state with Keras's own update.
    model = est.model_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y, epochs=1, batch_size=50, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 3 * est.n_iter_ + 3


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_fallback_without_slot_names_gives_same_fit(solver, monkeypatch):
    from skmlp._engine._pool import POOL

    fused = _fit(solver, momentum=0.9, nesterovs_momentum=True)
    monkeypatch.setattr(
        _keras_private, "OPTIMIZER_SLOTS", {"Adam": ("_gone",), "SGD": ("_gone",)}
    )
    POOL.clear()  # no trainer built before
    try:
        keras_fit = _fit(solver, momentum=0.9, nesterovs_momentum=True)
    finally:
        POOL.clear()  # none built without the fused step for later tests
    assert keras_fit._trainer.fused_update is None
    assert keras_fit.n_iter_ == fused.n_iter_
    assert_allclose(keras_fit.loss_curve_, fused.loss_curve_, rtol=1e-4)
    for a, b in zip(keras_fit.coefs_, fused.coefs_, strict=True):
        assert_allclose(a, b, rtol=1e-4, atol=1e-6)
