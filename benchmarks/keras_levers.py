"""Experiments on skmlp's Keras speed levers, by monkeypatching ``skmlp._keras``.

    python benchmarks/keras_levers.py [--n-train 10000] [--epochs 2] [--reps 3]
                                      [--only fit predict small]

Nothing in skmlp is edited: each variant swaps ``STEPS_PER_EXECUTION``,
``compile_model`` or ``train`` of ``skmlp._keras`` for the duration of its fits
and restores them after. Variants are interleaved within each repetition.

- fit: the chapter's network (784-300-100-10, SGD lr 0.01, batch 32) with
  steps_per_execution 1/8/32/128/512, jit_compile on/off, the tf.data pipeline
  vs NumPy arrays given to ``model.fit``, alpha 0 vs 1e-4, no compiled metric,
  and plain Keras as the reference (also with steps_per_execution=32).
- predict: the NumPy forward pass vs Keras ``predict`` (batch 4096) at several
  row counts (``NUMPY_PREDICT_MAX_ROWS`` is 512 today).
- steady: the per-step cost after tracing (``--only steady --epochs 6``): the
  minimum epoch time over epochs 2.. of each variant's fits.
- small: where the time of one small fit goes (digits-sized, as in a grid
  search): build+compile, training, first Keras predict.
"""

import argparse
import contextlib
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import HIDDEN, _quiet_fd2, import_tf_quietly, keras_sequential, make_data  # noqa: E402


def log(msg):
    print(msg, flush=True)


def _compile_variant(jit=False, metric=True):
    from skmlp import _keras as K

    def compile_model(model, p, kind, loss_kind, batch_size):
        loss = K.SklearnLoss(
            loss_kind, alpha=p["alpha"], huber_delta=p.get("huber_delta", 1.0)
        )
        loss.kernels = [
            layer.kernel for layer in model.layers if hasattr(layer, "kernel")
        ]
        model.compile(
            optimizer=K.make_optimizer(p, batch_size),
            loss=loss,
            metrics=[K.score_metric(kind)] if metric else [],
            steps_per_execution=K.STEPS_PER_EXECUTION,
            jit_compile=jit,
        )
        return model

    return compile_model


def _compile_fast_penalty(model, p, kind, loss_kind, batch_size):
    """The L2 penalty through ``tf.nn.l2_loss``: one fused op forward, one back."""
    import tensorflow as tf
    from keras import ops

    from skmlp import _keras as K

    class FastPenaltyLoss(K.SklearnLoss):
        def __call__(self, y_true, y_pred, sample_weight=None):
            alpha, self.alpha = self.alpha, 0.0
            try:
                loss = super().__call__(y_true, y_pred, sample_weight)
            finally:
                self.alpha = alpha
            if alpha and self.kernels:
                total = (
                    ops.cast(ops.shape(y_pred)[0], "float32")
                    if sample_weight is None
                    else ops.sum(ops.cast(sample_weight, "float32"))
                )
                half_sq = tf.add_n([tf.nn.l2_loss(k.value) for k in self.kernels])
                loss = loss + ops.divide_no_nan(alpha * half_sq, total)
            return loss

    loss = FastPenaltyLoss(loss_kind, alpha=p["alpha"])
    loss.kernels = [layer.kernel for layer in model.layers if hasattr(layer, "kernel")]
    model.compile(
        optimizer=K.make_optimizer(p, batch_size),
        loss=loss,
        metrics=[K.score_metric(kind)],
        steps_per_execution=K.STEPS_PER_EXECUTION,
        jit_compile=False,
    )
    return model


def _compile_weight_decay(model, p, kind, loss_kind, batch_size):
    """The penalty as the optimizer's decoupled weight decay, alpha / batch_size:
    the same update as sklearn's for plain SGD (momentum 0) on full, unweighted
    batches; the loss no longer includes the penalty."""
    import keras

    from skmlp import _keras as K

    loss = K.SklearnLoss(loss_kind, alpha=0.0)
    opt = keras.optimizers.SGD(
        learning_rate=p["learning_rate_init"],
        momentum=p["momentum"],
        weight_decay=p["alpha"] / batch_size,
    )
    opt.exclude_from_weight_decay(var_names=["bias"])
    model.compile(
        optimizer=opt,
        loss=loss,
        metrics=[K.score_metric(kind)],
        steps_per_execution=K.STEPS_PER_EXECUTION,
        jit_compile=False,
    )
    return model


def _train_numpy(model, X, Y, sw, *, p, epochs, batch_size, seed, validation, monitor):
    """NumPy arrays straight to ``model.fit`` (Keras shuffles, unseeded)."""
    callbacks = [monitor, *(p["callbacks"] or [])]
    history = model.fit(
        X,
        Y,
        sample_weight=sw.astype("float32"),
        batch_size=batch_size,
        epochs=epochs,
        verbose=0,
        shuffle=p["shuffle"],
        callbacks=callbacks,
        validation_data=validation,
    )
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}


def _train_slices(model, X, Y, sw, *, p, epochs, batch_size, seed, validation, monitor):
    """``from_tensor_slices().shuffle().batch()``, the textbook tf.data pipeline."""
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices((X, Y, sw.astype("float32")))
    if p["shuffle"]:
        data = data.shuffle(len(X), seed=seed, reshuffle_each_iteration=True)
    data = data.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    history = model.fit(
        data,
        epochs=epochs,
        verbose=0,
        callbacks=[monitor, *(p["callbacks"] or [])],
        validation_data=validation,
    )
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}


def _train_no_weights(
    model, X, Y, sw, *, p, epochs, batch_size, seed, validation, monitor
):
    """skmlp's tf.data pipeline, without the sample-weight column (all ones)."""
    import tensorflow as tf

    n = X.shape[0]
    Xt, Yt = tf.convert_to_tensor(X), tf.convert_to_tensor(Y)
    idx = tf.data.Dataset.range(n)
    if p["shuffle"]:
        idx = idx.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    data = (
        idx.batch(batch_size)
        .map(
            lambda i: (tf.gather(Xt, i), tf.gather(Yt, i)),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
        .prefetch(tf.data.AUTOTUNE)
    )
    history = model.fit(
        data,
        epochs=epochs,
        verbose=0,
        callbacks=[monitor, *(p["callbacks"] or [])],
        validation_data=validation,
    )
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}


def _dataset_permuted(X, Y, sw, batch_size, shuffle, seed):
    """One stateless permutation per epoch, sliced into batches of indices:
    a few ops per batch instead of one shuffle-buffer element per row."""
    import tensorflow as tf

    n = X.shape[0]
    Xt, Yt, Wt = tf.convert_to_tensor(X), tf.convert_to_tensor(Y), tf.constant(sw)
    full = n // batch_size * batch_size

    def epoch(key):
        order = tf.range(n, dtype=tf.int64)
        if shuffle:
            order = tf.random.experimental.stateless_shuffle(
                order, seed=tf.stack([key, tf.constant(seed, tf.int64)])
            )
        batches = tf.data.Dataset.from_tensor_slices(
            tf.reshape(order[:full], (-1, batch_size))
        )
        if full < n:
            batches = batches.concatenate(tf.data.Dataset.from_tensors(order[full:]))
        return batches

    keys = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).take(1)
    data = keys.flat_map(epoch).map(
        lambda i: (tf.gather(Xt, i), tf.gather(Yt, i), tf.gather(Wt, i)),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    return data.prefetch(tf.data.AUTOTUNE)


@contextlib.contextmanager
def patched(**changes):
    from skmlp import _keras as K

    # A compiled model kept for reuse (K.take_spare) belongs to the variant
    # that built it: every variant's fit builds its own.
    K._SPARES.clear()
    K._ORPHANS.clear()
    saved = {k: getattr(K, k) for k in changes}
    for k, v in changes.items():
        setattr(K, k, v)
    try:
        yield
    finally:
        for k, v in saved.items():
            setattr(K, k, v)


def fit_skmlp(X, y, epochs, alpha=1e-4, **patches):
    from skmlp import MLPKerasClassifier

    with patched(**patches), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0, c0 = time.perf_counter(), time.process_time()
        est = MLPKerasClassifier(
            hidden_layer_sizes=HIDDEN,
            solver="sgd",
            learning_rate_init=0.01,
            momentum=0.0,
            batch_size=32,
            max_iter=epochs,
            tol=0.0,
            alpha=alpha,
            random_state=0,
        ).fit(X, y)
        return (time.perf_counter() - t0, time.process_time() - c0), est


def fit_keras(X, y, epochs, spe=1, jit="auto"):
    import keras

    keras.utils.set_random_seed(0)
    t0, c0 = time.perf_counter(), time.process_time()
    model = keras_sequential()
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer="sgd",
        metrics=["accuracy"],
        steps_per_execution=spe,
        jit_compile=jit,
    )
    model.fit(X, y, epochs=epochs, batch_size=32, verbose=0)
    return (time.perf_counter() - t0, time.process_time() - c0), model


def fit_variants(full=False, focus=False):
    from skmlp import _keras as K

    if focus:  # what closes the gap to plain Keras at steps_per_execution=32?
        return {
            "skmlp spe=32 (jit off, tf.data)": {},
            "skmlp spe=32 no compiled metric": dict(
                compile_model=_compile_variant(metric=False)
            ),
            "skmlp spe=32 no sample-weight column": dict(train=_train_no_weights),
            "skmlp spe=32 no metric, no sw column": dict(
                compile_model=_compile_variant(metric=False), train=_train_no_weights
            ),
            "skmlp spe=32 no metric, alpha=0": dict(
                compile_model=_compile_variant(metric=False), alpha=0.0
            ),
        }
    v = {}
    for spe in (1, 8, 32, 128, 512) if full else (1, 32, 128):
        v[f"skmlp spe={spe} (jit off, tf.data)"] = dict(STEPS_PER_EXECUTION=spe)
    v["skmlp spe=32 jit_compile=True"] = dict(compile_model=_compile_variant(jit=True))
    if full:
        v["skmlp spe=128 jit_compile=True"] = dict(
            STEPS_PER_EXECUTION=128, compile_model=_compile_variant(jit=True)
        )
    v["skmlp spe=32 numpy arrays to fit"] = dict(train=_train_numpy)
    if full:
        v["skmlp spe=32 from_tensor_slices"] = dict(train=_train_slices)
    v["skmlp spe=32 no compiled metric"] = dict(
        compile_model=_compile_variant(metric=False)
    )
    v["skmlp spe=32 alpha=0"] = dict(alpha=0.0)
    assert K.STEPS_PER_EXECUTION  # the module is there
    return v


def bench_fit(X, y, Xte, yte, epochs, reps, full, focus=False):
    variants = fit_variants(full, focus)
    keras_refs = {
        "plain Keras (spe=1, default)": dict(),
        "plain Keras spe=32": dict(spe=32),
    }
    if full:
        keras_refs["plain Keras spe=32 jit_compile=True"] = dict(spe=32, jit=True)
    names = list(variants) + list(keras_refs)
    times = {n: [] for n in names}
    cpus = {n: [] for n in names}
    accs = {n: [] for n in names}
    # warm-up
    fit_skmlp(X[:640], y[:640], 1)
    fit_keras(X[:640], y[:640], 1)
    for rep in range(reps):
        order = names[rep:] + names[:rep]
        for name in order:
            if name in variants:
                kw = dict(variants[name])
                alpha = kw.pop("alpha", 1e-4)
                (dt, cpu), est = fit_skmlp(X, y, epochs, alpha=alpha, **kw)
                acc = est.score(Xte, yte)
            else:
                (dt, cpu), model = fit_keras(X, y, epochs, **keras_refs[name])
                acc = float(
                    np.mean(
                        np.argmax(model.predict(Xte, batch_size=4096, verbose=0), 1)
                        == yte
                    )
                )
            times[name].append(dt)
            cpus[name].append(cpu)
            accs[name].append(acc)
            log(
                f"  rep {rep + 1} {name:40s} {dt:6.2f} s (cpu {cpu:6.2f} s) "
                f"acc {acc:.4f}"
            )
    ref = statistics.median(times["plain Keras (spe=1, default)"])
    base = statistics.median(times["skmlp spe=32 (jit off, tf.data)"])
    ref_min = min(times["plain Keras (spe=1, default)"])
    log(
        "\n| variant | fit wall (median) | min | runs | median / skmlp today "
        "| median / plain Keras | min / plain Keras min | CPU time (median) | acc |"
    )
    log("|---|---|---|---|---|---|---|---|---|")
    for n in names:
        t, tmin = statistics.median(times[n]), min(times[n])
        runs = ", ".join(f"{x:.2f}" for x in times[n])
        log(
            f"| {n} | {t:.2f} s | {tmin:.2f} s | {runs} | {t / base:.2f}x | "
            f"{t / ref:.2f}x | {tmin / ref_min:.2f}x | "
            f"{statistics.median(cpus[n]):.2f} s | {statistics.median(accs[n]):.4f} |"
        )


def _epoch_timer():
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.wall, self.cpu = [], []

        def on_epoch_begin(self, epoch, logs=None):
            self._t, self._c = time.perf_counter(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            self.wall.append(time.perf_counter() - self._t)
            self.cpu.append(time.process_time() - self._c)

    return EpochTimer()


def bench_steady(X, y, epochs, reps, only=None):
    """Per-step cost after tracing: epochs 2.. of longer fits, min over all.

    On a shared machine the minimum over many epochs is the best estimate of
    what a step costs; the first epoch (tracing, building) is left out.
    """
    from skmlp import MLPKerasClassifier

    variants = dict(fit_variants(full=False, focus=True))
    variants.update(
        {
            "skmlp spe=32 penalty via tf.nn.l2_loss": dict(
                compile_model=_compile_fast_penalty
            ),
            "skmlp spe=32 penalty as SGD weight_decay": dict(
                compile_model=_compile_weight_decay
            ),
            "skmlp spe=32 alpha=0": dict(alpha=0.0),
            "skmlp spe=1": dict(STEPS_PER_EXECUTION=1),
            "skmlp spe=128": dict(STEPS_PER_EXECUTION=128),
            "skmlp spe=32 jit_compile=True": dict(
                compile_model=_compile_variant(jit=True)
            ),
            "skmlp spe=32 numpy arrays to fit": dict(train=_train_numpy),
            "skmlp spe=32 permuted index batches": dict(_dataset=_dataset_permuted),
        }
    )
    keras_refs = {
        "plain Keras (spe=1, default)": dict(spe=1, jit="auto"),
        "plain Keras spe=32": dict(spe=32, jit="auto"),
        "plain Keras spe=32 jit_compile=True": dict(spe=32, jit=True),
    }
    names = list(variants) + list(keras_refs)
    if only:  # substrings of the variant names; plain Keras default always kept
        names = [
            n
            for n in names
            if n == "plain Keras (spe=1, default)" or any(o in n for o in only)
        ]
    walls = {n: [] for n in names}
    cpus = {n: [] for n in names}
    steps = -(-len(X) // 32)
    for rep in range(reps):
        for name in names[rep:] + names[:rep]:
            timer = _epoch_timer()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if name in variants:
                    kw = dict(variants[name])
                    alpha = kw.pop("alpha", 1e-4)
                    with patched(**kw):
                        MLPKerasClassifier(
                            hidden_layer_sizes=HIDDEN,
                            solver="sgd",
                            learning_rate_init=0.01,
                            momentum=0.0,
                            batch_size=32,
                            max_iter=epochs,
                            tol=0.0,
                            alpha=alpha,
                            random_state=0,
                            n_iter_no_change=epochs + 1,
                            callbacks=[timer],
                        ).fit(X, y)
                else:
                    model = keras_sequential()
                    model.compile(
                        loss="sparse_categorical_crossentropy",
                        optimizer="sgd",
                        metrics=["accuracy"],
                        steps_per_execution=keras_refs[name]["spe"],
                        jit_compile=keras_refs[name]["jit"],
                    )
                    model.fit(
                        X, y, epochs=epochs, batch_size=32, verbose=0, callbacks=[timer]
                    )
            walls[name] += timer.wall[1:]
            cpus[name] += timer.cpu[1:]
            log(
                f"  rep {rep + 1} {name:40s} epochs 2..: min "
                f"{min(timer.wall[1:]) / steps * 1e6:7.0f} us/step wall, first "
                f"epoch {timer.wall[0]:.2f} s"
            )
    ref = min(walls["plain Keras (spe=1, default)"])
    ref_cpu = min(cpus["plain Keras (spe=1, default)"])
    log(
        f"\n{steps} steps/epoch; epochs 2..{epochs} of {reps} fits each "
        f"({(epochs - 1) * reps} epochs per variant)"
    )
    log(
        "| variant | min wall / step | median wall / step | min / plain Keras "
        "| min CPU / step | min CPU / plain Keras |"
    )
    log("|---|---|---|---|---|---|")
    for n in names:
        w, c = min(walls[n]), min(cpus[n])
        log(
            f"| {n} | {w / steps * 1e6:.0f} us | "
            f"{statistics.median(walls[n]) / steps * 1e6:.0f} us | {w / ref:.2f}x | "
            f"{c / steps * 1e6:.0f} us | {c / ref_cpu:.2f}x |"
        )


def bench_predict(X, y, reps):
    from skmlp import _forward
    from skmlp import _keras as K

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, est = fit_skmlp(X[:2000], y[:2000], 1)
    model = est.model_
    est._forward(X[:1])  # refresh cached weights
    log(
        "\n| rows | NumPy forward | Keras predict (batch 4096) | model(X) direct call |"
    )
    log("|---|---|---|---|")
    for n in (1, 100, 513, 600, 2000, 10_000):
        Xn = np.ascontiguousarray(X[:n])
        res = {}
        fns = {
            "numpy": lambda Xn=Xn: _forward.forward(
                Xn, est.coefs_, est.intercepts_, est._activations
            ),
            "keras": lambda Xn=Xn: K.predict(model, Xn),
            "call": lambda Xn=Xn: np.asarray(model(Xn, training=False)),
        }
        for k, fn in fns.items():
            fn()
            ts = []
            for _ in range(max(reps, 5 if n >= 2000 else 20)):
                t0 = time.perf_counter()
                fn()
                ts.append(time.perf_counter() - t0)
            res[k] = statistics.median(ts)
        log(
            f"| {n} | {res['numpy'] * 1e3:.2f} ms | {res['keras'] * 1e3:.2f} ms | "
            f"{res['call'] * 1e3:.2f} ms |"
        )


def bench_small(reps):
    """One small fit as GridSearchCV runs it: where does the time go?"""
    from sklearn.datasets import load_digits

    from skmlp import MLPKerasClassifier

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    Xtr, ytr, Xva = X[:1198], y[:1198], X[1198:]
    log("\nsmall fit (digits 1198 x 64, hidden (32,), max_iter=10, batch auto=200):")
    for rep in range(reps):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            est = MLPKerasClassifier(
                hidden_layer_sizes=(32,), max_iter=10, random_state=rep
            ).fit(Xtr, ytr)
            t1 = time.perf_counter()
            est.predict(Xva)  # 599 rows: > NUMPY_PREDICT_MAX_ROWS -> Keras predict
            t2 = time.perf_counter()
            est.predict(Xva)
            t3 = time.perf_counter()
            est.predict(Xva[:500])  # NumPy path
            t4 = time.perf_counter()
        log(
            f"  rep {rep + 1}: fit {t1 - t0:.2f} s, predict 599 rows (Keras, first) "
            f"{t2 - t1:.3f} s, again {t3 - t2:.3f} s, 500 rows (NumPy) "
            f"{(t4 - t3) * 1e3:.2f} ms"
        )
    # the same small fit under STEPS_PER_EXECUTION variants
    for spe in (1, 32, 128):
        ts = []
        for rep in range(reps):
            with warnings.catch_warnings(), patched(STEPS_PER_EXECUTION=spe):
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                MLPKerasClassifier(
                    hidden_layer_sizes=(32,), max_iter=10, random_state=rep
                ).fit(Xtr, ytr)
                ts.append(time.perf_counter() - t0)
        log(
            f"  small fit spe={spe}: median {statistics.median(ts):.2f} s "
            f"({', '.join(f'{t:.2f}' for t in ts)})"
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-train", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--only", nargs="+", default=["fit", "predict", "small"])
    parser.add_argument(
        "--all-variants",
        action="store_true",
        help="also spe 8/512, jit with spe=128, from_tensor_slices",
    )
    parser.add_argument(
        "--variants", nargs="+", help="steady: only variants whose names contain these"
    )
    parser.add_argument(
        "--focus",
        action="store_true",
        help="only the variants that remove per-step work "
        "(metric, sample-weight column, penalty)",
    )
    args = parser.parse_args()
    X, y, Xte, yte = make_data(args.n_train)
    import_tf_quietly()
    with _quiet_fd2():
        import skmlp._keras  # noqa: F401
    log(f"{args.n_train:,} rows, {args.epochs} epochs, {args.reps} reps")
    if "fit" in args.only:
        bench_fit(X, y, Xte, yte, args.epochs, args.reps, args.all_variants, args.focus)
    if "predict" in args.only:
        bench_predict(X, y, args.reps)
    if "steady" in args.only:
        bench_steady(X, y, args.epochs, args.reps, args.variants)
    if "small" in args.only:
        bench_small(args.reps)


if __name__ == "__main__":
    main()
