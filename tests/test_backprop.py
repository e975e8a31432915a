"""The built-in stack's gradient is scikit-learn's backpropagation.

skmlp differentiates its own Dense stack by hand (``skmlp._engine._backprop``)
as scikit-learn's ``_backprop`` does; every other model by a GradientTape.
These tests hold the two to each other, and solver="lbfgs" to scikit-learn's.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_diabetes, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from skmlp import MLPKerasClassifier, MLPKerasRegressor

X_IRIS, y_IRIS = load_iris(return_X_y=True)
X_IRIS = StandardScaler().fit_transform(X_IRIS)
X_DIA, y_DIA = load_diabetes(return_X_y=True)
X_DIA = StandardScaler().fit_transform(X_DIA)
y_DIA = (y_DIA - y_DIA.mean()) / y_DIA.std()
X_DIG, y_DIG = load_digits(return_X_y=True)
X_DIG = StandardScaler().fit_transform(X_DIG)


def _tape_loss_and_grads(trainer, Y, W):
    from skmlp._engine import _losses
    from skmlp._tf import tf

    variables = trainer.backprop.params
    with tf.GradientTape() as tape:
        p = trainer.model(tf.constant(X_CASE), training=True)
        loss = _losses.batch_loss(
            trainer.config, trainer.kernels, trainer.alpha, tf.constant(Y), p, W
        )
    return loss, tape.gradient(loss, variables)


CASES = [
    # estimator, y, hidden activation, (expected output activation)
    ("classifier", "multiclass", "relu"),
    ("classifier", "multiclass", "tanh"),
    ("classifier", "binary", "logistic"),
    ("classifier", "multilabel", "identity"),
    ("regressor", "squared_error", "relu"),
    ("regressor", "poisson", "tanh"),
]
X_CASE = X_IRIS[::3]


def _targets(kind):
    y = y_IRIS[::3]
    if kind == "binary":
        return y == 1
    if kind == "multilabel":
        return np.column_stack([y == 1, y != 0]).astype(int)
    if kind == "poisson":
        return y.astype(float)
    if kind == "squared_error":
        return X_CASE[:, 0] * 0.5 + y
    return y


@pytest.mark.parametrize("estimator, kind, activation", CASES)
def test_hand_gradient_equals_the_tape_gradient(estimator, kind, activation):
    from skmlp._tf import tf

    y = _targets(kind)
    if estimator == "classifier":
        est = MLPKerasClassifier((7, 5), activation=activation, alpha=0.3)
    else:
        loss = "poisson" if kind == "poisson" else "squared_error"
        est = MLPKerasRegressor(
            loss, hidden_layer_sizes=(7, 5), activation=activation, alpha=0.3
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.set_params(max_iter=3, random_state=0).fit(X_CASE, y)
    trainer = est._trainer
    assert trainer.backprop is not None, "the built-in stack takes the hand path"
    Y, W, _, _ = est._encode_targets(
        y, np.linspace(0.5, 2.0, len(y)), X_CASE, None, True, np.float64
    )
    W = tf.constant(W)
    params = trainer.backprop.params
    hand_loss, _, hand = trainer.backprop.loss_and_grads(
        trainer.config,
        [v.value for v in params],
        tf.constant(X_CASE),
        tf.constant(Y),
        W,
        trainer.alpha,
    )
    tape_loss, tape = _tape_loss_and_grads(trainer, Y, W)
    assert float(hand_loss) == pytest.approx(float(tape_loss), rel=1e-12)
    for h, t in zip(hand, tape, strict=True):
        assert_allclose(np.asarray(h), np.asarray(t), rtol=1e-9, atol=1e-12)


def test_custom_models_keep_the_tape():
    from skmlp._tf import keras

    class Custom(MLPKerasClassifier):
        def _build_model(self, n_features_in, n_outputs, out_activation):
            return keras.Sequential(
                [
                    keras.Input((n_features_in,)),
                    keras.layers.Dense(4, activation="relu"),
                    keras.layers.Dense(n_outputs, activation=out_activation),
                ]
            )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = Custom(max_iter=2, random_state=0).fit(X_IRIS, y_IRIS)
    assert est._trainer.backprop is None


@pytest.mark.parametrize(
    "ours, theirs, X, y",
    [
        (MLPKerasClassifier, MLPClassifier, X_IRIS, y_IRIS),
        (MLPKerasClassifier, MLPClassifier, X_DIG, y_DIG),
        (MLPKerasRegressor, MLPRegressor, X_DIA, y_DIA),
    ],
    ids=["iris", "digits", "diabetes"],
)
def test_lbfgs_follows_scikit_learn(ours, theirs, X, y):
    """Same initial weights, same gradient: after 15 iterations of L-BFGS-B
    the two fits agree far beyond float64 rounding's drift."""
    params = dict(hidden_layer_sizes=(20,), solver="lbfgs", max_iter=15, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = ours(**params).fit(X, y)
        b = theirs(**params).fit(X, y)
    assert a.n_iter_ == b.n_iter_
    assert a.loss_ == pytest.approx(b.loss_, rel=1e-7)
    for ca, cb in zip(a.coefs_, b.coefs_, strict=True):
        assert_allclose(ca, cb, rtol=1e-5, atol=1e-8)


def test_repeated_fits_are_identical_on_fresh_and_reused_trainers():
    """Fits alternate between new and pooled trainers, batch by batch (a
    callback with a batch hook) and in the compiled epoch: every one trains
    the same network, bit for bit."""
    from skmlp._tf import keras

    class BatchHook(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    kw = dict(hidden_layer_sizes=(8,), max_iter=2, batch_size=16, random_state=0)
    curves = set()
    est = None
    for i in range(14):
        callbacks = None if i % 7 == 6 else [BatchHook()]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = MLPKerasClassifier(callbacks=callbacks, **kw).fit(X_IRIS, y_IRIS)
        curves.add(tuple(est.loss_curve_))
    assert len(curves) == 1, curves
