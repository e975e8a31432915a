"""The chapter's network (784-300-100-10): skmlp vs plain Keras vs scikit-learn.

Hands-On ML ch. 10 trains it with SGD (lr 0.01), batch 32, on MNIST. Fit time,
held-out accuracy, and the FLOP rate skmlp reaches next to the machine's
measured SGEMM rate (NumPy and TensorFlow float32 matmuls).
"""

import time

import numpy as np

from .._common import (
    MNIST_LIKE,
    alternate,
    chapter_keras,
    chapter_rows,
    fmt_s,
    fmt_x,
    log,
    mnist_like,
    ratio,
    table,
    verdict,
)

TITLE = "Chapter network: 784-300-100-10, SGD lr 0.01, batch 32, 2 epochs"
EPOCHS, BATCH = 2, 32
LAYERS = ((784, 300), (300, 100), (100, 10))
#: multiply-adds of one row through the network
MACS = sum(a * b for a, b in LAYERS)
TIME_TARGET, ACC_POINTS, FLOP_TARGET, FLOP_STRETCH = 0.3, 1.0, 0.4, 0.6


def fit_skmlp(X, y, epochs=EPOCHS, seed=0, alpha=1e-4):
    """skmlp at scikit-learn's default ``alpha=1e-4`` (its L2 penalty), or
    ``alpha=0.0``: plain Keras's loss, the same work as the chapter's fit."""
    from skmlp import MLPKerasClassifier

    return MLPKerasClassifier(
        alpha=alpha,
        hidden_layer_sizes=(300, 100),
        solver="sgd",
        learning_rate_init=0.01,
        momentum=0.0,
        batch_size=BATCH,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 10,
        random_state=seed,
    ).fit(X, y)


def compiled_keras(n_outputs=10, loss="sparse_categorical_crossentropy"):
    """The chapter's compile: ``optimizer="sgd"`` is SGD(learning_rate=0.01)."""
    model = chapter_keras(n_outputs=n_outputs)
    model.compile(loss=loss, optimizer="sgd", metrics=["accuracy"])
    return model


def fit_keras(X, y, epochs=EPOCHS, seed=0):
    import keras

    keras.utils.set_random_seed(seed)
    model = compiled_keras()
    model.fit(X, y, epochs=epochs, batch_size=BATCH, verbose=0)
    return model


def fit_sklearn(X, y, epochs=EPOCHS, seed=0):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=(300, 100),
        solver="sgd",
        learning_rate_init=0.01,
        momentum=0.0,
        batch_size=BATCH,
        max_iter=epochs,
        random_state=seed,
    ).fit(X, y)


def accuracy(model, X, y):
    if hasattr(model, "score"):
        return float(model.score(X, y))
    proba = model.predict(X, batch_size=1024, verbose=0)
    return float(np.mean(np.argmax(proba, axis=1) == y))


def _rate(fn, flops, reps=5):
    fn()  # warm-up (tracing)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return flops / min(ts)


def sgemm_rates(loops=50):
    """FLOP/s of float32 matmuls: NumPy and TensorFlow, network shapes and 1024^2.

    The network's shapes are those of one training step (3 forward matmuls,
    3 weight gradients, 2 input gradients), ``loops`` steps per timed call.
    """
    import tensorflow as tf

    rng = np.random.default_rng(0)

    def mats(m, k, n):
        return (
            rng.standard_normal((m, k), dtype=np.float32),
            rng.standard_normal((k, n), dtype=np.float32),
        )

    step = [(BATCH, a, b) for a, b in LAYERS]  # forward
    step += [(a, BATCH, b) for a, b in LAYERS]  # weight gradients
    step += [(BATCH, b, a) for a, b in LAYERS[1:]]  # input gradients
    step_pairs = [mats(*s) for s in step]
    step_flops = 2 * sum(m * k * n for m, k, n in step) * loops
    tf_pairs = [tuple(map(tf.constant, p)) for p in step_pairs]

    # Each step's inputs depend on the previous step's outputs (by a
    # negligible amount), so that grappler can neither merge identical
    # matmuls nor hoist them out of the loop.
    @tf.function
    def tf_steps():
        s = tf.constant(0.0)
        for _ in tf.range(loops):
            outs = [tf.matmul(a + s, b) for a, b in tf_pairs]
            s = tf.add_n([o[0, 0] for o in outs]) * 1e-30
        return s

    a1, b1 = mats(BATCH, 784, 300)
    s1 = 2 * BATCH * 784 * 300 * loops
    big = mats(1024, 1024, 1024)
    tbig = tuple(map(tf.constant, big))
    sbig = 2 * 1024**3 * 4

    @tf.function
    def tf_big():
        s = tf.constant(0.0)
        for _ in tf.range(4):
            s = tf.matmul(tbig[0] + s, tbig[1])[0, 0] * 1e-30
        return s

    return {
        "numpy 32x784 @ 784x300": _rate(
            lambda: [np.dot(a1, b1) for _ in range(loops)], s1
        ),
        "numpy training-step shapes": _rate(
            lambda: [np.dot(a, b) for _ in range(loops) for a, b in step_pairs],
            step_flops,
        ),
        "numpy 1024x1024 @ 1024x1024": _rate(
            lambda: [np.dot(*big) for _ in range(4)], sbig
        ),
        "tensorflow training-step shapes (reference)": _rate(tf_steps, step_flops),
        "tensorflow 1024x1024 @ 1024x1024": _rate(tf_big, sbig),
    }


def measure(ctx):
    n_train, n_test = chapter_rows(ctx)
    X, y, Xte, yte = mnist_like(n_train, n_test)
    fits = {
        "skmlp": fit_skmlp,
        "skmlp_alpha0": lambda X, y, epochs=EPOCHS: fit_skmlp(X, y, epochs, alpha=0.0),
        "keras": fit_keras,
        "sklearn": fit_sklearn,
    }
    contenders = {k: (lambda f=f: f(X, y)) for k, f in fits.items()}
    warm = {k: (lambda f=f: f(X[:640], y[:640], 1)) for k, f in fits.items()}
    res = {"fits": alternate(contenders, ctx.reps, warm=warm), "n": (n_train, n_test)}
    for key, t in res["fits"].items():
        t.acc = None if t.error else accuracy(t.value, Xte, yte)
        t.value = None  # the models are not needed any more
        log(f"  {key:12s} {fmt_s(t.median):>9s} {t.error or f'acc {t.acc:.4f}'}")
    res["sgemm"] = sgemm_rates()
    return res


def report(res, ctx):
    (n_train, n_test), f = res["n"], res["fits"]
    labels = {
        "skmlp": "skmlp MLPKerasClassifier (alpha=1e-4)",
        "skmlp_alpha0": "skmlp MLPKerasClassifier(alpha=0.0)",
        "keras": "plain Keras Sequential.fit",
        "sklearn": "sklearn MLPClassifier(max_iter=2, alpha=1e-4)",
    }
    # (skmlp contender, peer): like for like, the same loss. Plain Keras's
    # has no L2 penalty: alpha=0.0 is the chapter's fit; the default alpha's
    # ratio is reported too.
    pairs = [
        ("skmlp_alpha0", "keras", "alpha=0.0, plain Keras's loss"),
        ("skmlp", "keras", "alpha=1e-4, plus the L2 penalty's work"),
        ("skmlp", "sklearn", "alpha=1e-4 both"),
    ]
    rows, targets = [], []
    a = f["skmlp"]
    for key, label in labels.items():
        t = f[key]
        if t.error:
            rows.append([label, t.error, "", "", "", "", ""])
            continue
        runs = ", ".join(f"{x:.2f}" for x in t.times)
        rows.append([label, fmt_s(t.median), runs, "", "", "", f"{t.acc:.4f}"])
    for ours, peer, note in pairs:
        if f[ours].error or f[peer].error:
            continue
        r = ratio(f[ours].median, f[peer].median)
        v = verdict(r, TIME_TARGET)
        rows.append(
            [
                f"{labels[ours]} / {labels[peer]}",
                "",
                "",
                fmt_x(r),
                f"<= {TIME_TARGET}x",
                v,
                "",
            ]
        )
        targets.append(
            (
                f"chapter fit ({note}): skmlp <= {TIME_TARGET}x {labels[peer]}",
                fmt_x(r),
                v,
            )
        )
    d = (
        (a.acc - f["keras"].acc) * 100
        if a.acc is not None and f["keras"].acc is not None
        else float("nan")
    )
    vacc = verdict(d, -ACC_POINTS, at_most=False)
    targets.append(
        ("chapter accuracy: skmlp within 1 point of plain Keras", f"{d:+.2f} pt", vacc)
    )
    flops = 6 * MACS * n_train * EPOCHS
    achieved = flops / a.median if a.times else float("nan")
    b = f["skmlp_alpha0"]
    achieved0 = flops / b.median if b.times else float("nan")
    ref = res["sgemm"]["tensorflow training-step shapes (reference)"]
    share = ratio(achieved, ref)
    vflop = verdict(share, FLOP_TARGET, at_most=False)
    if vflop == "PASS" and share >= FLOP_STRETCH:
        vflop = "PASS (stretch too)"
    targets.append(
        ("chapter fit: skmlp FLOP rate >= 40% of SGEMM", f"{share:.0%}", vflop)
    )
    lines = [
        f"{n_train:,} training rows x 784 ({MNIST_LIKE}), {n_test:,} held-out "
        "rows. skmlp: `MLPKerasClassifier(hidden_layer_sizes=(300, 100), "
        "solver='sgd', learning_rate_init=0.01, momentum=0.0, batch_size=32, "
        "max_iter=2, tol=0.0)` at scikit-learn's default alpha=1e-4 and at "
        "alpha=0.0 (no L2 penalty: plain Keras's loss); plain Keras: the same "
        "layers in a "
        "`keras.Sequential`, `compile(loss='sparse_categorical_crossentropy', "
        "optimizer='sgd', metrics=['accuracy'])`, `fit(X, y, epochs=2, "
        "batch_size=32)`, as the chapter; sklearn: `MLPClassifier` with the "
        "skmlp settings (alpha=1e-4). One untimed fit of each on 640 rows "
        "first; median "
        f"of {ctx.reps}, alternating.",
        "",
        *table(
            [
                "contender",
                "fit time",
                "all runs (s)",
                "ratio",
                "target",
                "verdict",
                "test accuracy",
            ],
            rows,
        ),
        "",
        *table(
            ["accuracy", "skmlp - Keras", "target", "verdict"],
            [["held-out", f"{d:+.2f} pt", f">= -{ACC_POINTS} pt", vacc]],
        ),
        "",
        f"FLOP rate: 6 x {MACS:,} multiply-adds per row (forward 2x, backward "
        f"4x) x {n_train:,} rows x {EPOCHS} epochs = {flops / 1e9:.1f} GFLOP, "
        "over skmlp's fit time (alpha=1e-4; the penalty's own work is not "
        "counted). SGEMM: the best of 5 timed calls of float32 "
        "matmuls; the training-step shapes are the 8 matmuls of one step "
        "(3 forward, 3 weight gradients, 2 input gradients) at batch 32, 50 "
        "steps per call; the TensorFlow one is the reference.",
        "",
        *table(
            ["measure", "GFLOP/s", "share of reference"],
            [
                [k, f"{v / 1e9:.1f}", f"{ratio(v, ref):.0%}"]
                for k, v in res["sgemm"].items()
            ]
            + [
                ["**skmlp fit (achieved)**", f"{achieved / 1e9:.1f}", f"{share:.0%}"],
                [
                    "skmlp fit at alpha=0.0 (info)",
                    f"{achieved0 / 1e9:.1f}",
                    f"{ratio(achieved0, ref):.0%}",
                ],
            ],
        ),
        "",
        *table(
            ["measure", "achieved / SGEMM", "target", "verdict"],
            [
                [
                    "skmlp FLOP rate",
                    f"{share:.0%}",
                    f">= {FLOP_TARGET:.0%} (stretch {FLOP_STRETCH:.0%})",
                    vflop,
                ]
            ],
        ),
    ]
    return lines, targets


def same_network(n_rows=2_000):
    """The chapter network, fitted by skmlp (1 epoch), and copies of its
    weights in a scikit-learn ``MLPClassifier`` and a plain Keras model, so
    that the predict sections compare implementations of one network."""
    from .._common import quiet

    X, y, Xte, _ = mnist_like(*chapter_rows_for_predict())
    X, y = X[:n_rows], y[:n_rows]
    with quiet():
        ours = fit_skmlp(X, y, epochs=1)
        theirs = fit_sklearn(X[:200], y[:200], epochs=1)
        theirs.coefs_ = [np.array(c) for c in ours.coefs_]
        theirs.intercepts_ = [np.array(b) for b in ours.intercepts_]
        keras_model = compiled_keras()
        keras_model.set_weights(
            [
                w.astype(np.float32)
                for c, b in zip(ours.coefs_, ours.intercepts_)
                for w in (c, b)
            ]
        )
    return ours, theirs, keras_model, Xte


def chapter_rows_for_predict():
    """Enough test rows for a 10,000-row predict, in either mode."""
    return 10_000, 10_000
