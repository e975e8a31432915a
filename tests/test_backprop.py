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
    # estimator, y, hidden activation, hidden sizes
    ("classifier", "multiclass", "relu", (7, 5)),
    ("classifier", "multiclass", "tanh", (7, 5)),
    ("classifier", "binary", "logistic", (7, 5)),
    ("classifier", "multilabel", "identity", (7, 5)),
    ("regressor", "squared_error", "relu", (7, 5)),
    ("regressor", "poisson", "tanh", (7, 5)),
    # the 80x64 kernel's products taken in 3 blocks of rows
    ("classifier", "multiclass", "relu", (80, 64)),
    ("regressor", "squared_error", "tanh", (80, 64)),
]
X_CASE = X_IRIS[::3][:-1]  # 49 rows: halves of unequal size


def _targets(kind):
    y = y_IRIS[::3][:-1]
    if kind == "binary":
        return y == 1
    if kind == "multilabel":
        return np.column_stack([y == 1, y != 0]).astype(int)
    if kind == "poisson":
        return y.astype(float)
    if kind == "squared_error":
        return X_CASE[:, 0] * 0.5 + y
    return y


@pytest.mark.parametrize("estimator, kind, activation, hidden", CASES)
def test_hand_gradient_equals_the_tape_gradient(estimator, kind, activation, hidden):
    from skmlp._tf import tf

    y = _targets(kind)
    if estimator == "classifier":
        est = MLPKerasClassifier(hidden, activation=activation, alpha=0.3)
    else:
        loss = "poisson" if kind == "poisson" else "squared_error"
        est = MLPKerasRegressor(
            loss, hidden_layer_sizes=hidden, activation=activation, alpha=0.3
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
        (1, 3, 1) if hidden == (80, 64) else None,
    )
    tape_loss, tape = _tape_loss_and_grads(trainer, Y, W)
    assert float(hand_loss) == pytest.approx(float(tape_loss), rel=1e-12)
    for h, t in zip(hand, tape, strict=True):
        assert_allclose(np.asarray(h), np.asarray(t), rtol=1e-9, atol=1e-12)


def test_row_blocks_only_for_products_eigen_threads_slowly():
    from skmlp._engine._backprop import row_blocks

    assert row_blocks(200, 64, 100) == 2  # digits' first layer
    assert row_blocks(200, 100, 100) == 4
    assert row_blocks(200, 30, 100) == 1  # one thread already
    assert row_blocks(32, 784, 300) == 1  # Eigen's threads pay off
    assert row_blocks(2000, 64, 100) == 1


@pytest.mark.parametrize("p", [2, 3])
@pytest.mark.parametrize("rows", [1, 2, 7, 200])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_products_in_blocks_of_rows_are_the_products(p, rows, dtype):
    from skmlp._engine._backprop import outer_matmul, rows_matmul
    from skmlp._tf import tf

    rng = np.random.default_rng(0)
    a, b, d = (
        tf.constant(rng.normal(size=shape).astype(dtype))
        for shape in ((rows, 64), (64, 70), (rows, 70))
    )
    # Entries are sums of ~64 products of standard normals (|sum| up to ~50):
    # the blocks may be summed in another order than the whole product (by
    # another BLAS kernel on another CPU), so entries near zero get an
    # absolute tolerance far above that rounding, far below the entries.
    rtol, atol = (1e-12, 1e-10) if dtype == "float64" else (1e-5, 1e-3)
    whole = tf.matmul(a, b).numpy()
    assert_allclose(rows_matmul(a, b, p).numpy(), whole, rtol=rtol, atol=atol)
    assert_allclose(
        rows_matmul(d, b, p, transpose_b=True).numpy(),
        tf.matmul(d, b, transpose_b=True).numpy(),
        rtol=rtol,
        atol=atol,
    )
    assert_allclose(
        outer_matmul(a, d, p).numpy(),
        tf.matmul(a, d, transpose_a=True).numpy(),
        rtol=rtol,
        atol=atol,
    )


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


@pytest.mark.parametrize(
    "X, y, hidden, batch_size, blocks",
    [
        (X_IRIS, y_IRIS, (8,), 16, (1, 1)),
        # 200 x 64 @ 64 x 100 per batch: in two blocks of rows
        (X_DIG[:450], y_DIG[:450], (100,), 200, (2, 1)),
    ],
    ids=["iris", "digits-blocks"],
)
def test_repeated_fits_are_identical_on_fresh_and_reused_trainers(
    X, y, hidden, batch_size, blocks
):
    """Fits alternate between new and pooled trainers, batch by batch (a
    callback with a batch hook) and in the compiled epoch: every one trains
    the same network, bit for bit."""
    from skmlp._tf import has_gpu, keras

    class BatchHook(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    kw = dict(
        hidden_layer_sizes=hidden, max_iter=2, batch_size=batch_size, random_state=0
    )
    curves = set()
    est = None
    for i in range(14):
        callbacks = None if i % 7 == 6 else [BatchHook()]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = MLPKerasClassifier(callbacks=callbacks, **kw).fit(X, y)
        curves.add(tuple(est.loss_curve_))
    assert len(curves) == 1, curves
    if not has_gpu():
        assert est._trainer._blocks(min(len(X), batch_size)) == blocks
