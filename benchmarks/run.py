"""skmlp benchmark suite: skmlp side by side with its peers, in one run.

    python benchmarks/run.py            # full mode (60,000 training rows)
    python benchmarks/run.py --quick    # quick mode (10,000 training rows)
    python -m benchmarks --quick        # the same, as a module

Every number is a median over repetitions run in the same process, the
contenders interleaved (and their order rotated) inside each repetition so
that a shared, noisy machine hurts them alike. Results are printed and written
to ``benchmarks/RESULTS.md`` (``--output`` to change it). Targets are reported
as PASS/MISS, never asserted.
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

# Children (the memory probes, loky's GridSearchCV workers) inherit this: the
# ConvergenceWarnings of 2-epoch fits are expected and would only be noise.
os.environ.setdefault("PYTHONWARNINGS", "ignore")
# TF_CPP_MIN_LOG_LEVEL is deliberately *not* set: TensorFlow 2.21 prints its
# absl start-up lines whatever its value, and skmlp hides them itself only when
# the variable is unset. Children's output is captured instead (see _quiet_fd2).

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
N_FEATURES, N_CLASSES, N_TEST = 784, 10, 10_000
HIDDEN = (300, 100)


# -- small helpers --------------------------------------------------------------


@contextlib.contextmanager
def _quiet_fd2():
    """Hold back what C++ libraries write straight to file descriptor 2."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@contextlib.contextmanager
def _quiet_fds():
    """Hold back everything written to file descriptors 1 and 2: progress bars
    of peers that ignore verbose=0, TensorFlow's C++ log lines."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def log(msg):
    print(msg, flush=True)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt_s(t):
    if t != t:  # nan
        return "n/a"
    if t < 1e-3:
        return f"{t * 1e6:.0f} µs"
    if t < 1:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


def fmt_ratio(r):
    return "n/a" if r is None or r != r else f"{r:.2f}x"


def verdict(ok):
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def short_error(exc):
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"failed: {type(exc).__name__}: {first[:160]}"


def make_data(n_train, n_test=N_TEST, seed=0):
    """A learnable 10-class problem shaped like MNIST (784 float32 features)."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n_train + n_test,
        n_features=N_FEATURES,
        n_informative=64,
        n_redundant=0,
        n_classes=N_CLASSES,
        n_clusters_per_class=2,
        class_sep=2.0,
        random_state=seed,
    )
    X = X.astype(np.float32)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def import_tf_quietly():
    with _quiet_fd2():
        import keras  # noqa: F401
        import tensorflow as tf

        tf.config.list_physical_devices()
        tf.constant(0.0)
    # Keras's predict on each new model makes TensorFlow log "triggered
    # tf.function retracing" warnings; they say nothing about speed here.
    tf.get_logger().setLevel("ERROR")


# -- the contenders of the fit benchmark ---------------------------------------


def keras_sequential(n_outputs=N_CLASSES):
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(N_FEATURES,)),
            keras.layers.Dense(HIDDEN[0], activation="relu"),
            keras.layers.Dense(HIDDEN[1], activation="relu"),
            keras.layers.Dense(n_outputs, activation="softmax"),
        ]
    )


def chapter_model(**_):
    """The chapter's network, compiled with Keras's defaults (for scikeras)."""
    model = keras_sequential()
    model.compile(
        loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"]
    )
    return model


def chapter_model_onehot(X=None, y=None):
    """The same network for keras.wrappers.SKLearnClassifier, which one-hot
    encodes the targets (so the loss is categorical_crossentropy)."""
    model = keras_sequential(y.shape[1])
    model.compile(
        loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"]
    )
    return model


def fit_skmlp(X, y, epochs, seed):
    from skmlp import MLPKerasClassifier

    return MLPKerasClassifier(
        hidden_layer_sizes=HIDDEN,
        solver="sgd",
        learning_rate_init=0.01,
        momentum=0.0,
        batch_size=32,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 10,
        random_state=seed,
    ).fit(X, y)


def fit_keras(X, y, epochs, seed):
    import keras

    keras.utils.set_random_seed(seed)
    model = keras_sequential()
    model.compile(
        loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"]
    )
    model.fit(X, y, epochs=epochs, batch_size=32, verbose=0)
    return model


def fit_scikeras(X, y, epochs, seed):
    from scikeras.wrappers import KerasClassifier

    return KerasClassifier(
        model=chapter_model, epochs=epochs, batch_size=32, verbose=0, random_state=seed
    ).fit(X, y)


def fit_keras_wrapper(X, y, epochs, seed):
    import keras
    from keras.wrappers import SKLearnClassifier

    keras.utils.set_random_seed(seed)
    return SKLearnClassifier(
        model=chapter_model_onehot,
        fit_kwargs=dict(epochs=epochs, batch_size=32, verbose=0),
    ).fit(X, y)


def fit_sklearn(X, y, epochs, seed):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=HIDDEN,
        solver="sgd",
        learning_rate_init=0.01,
        momentum=0.0,
        batch_size=32,
        max_iter=epochs,
        random_state=seed,
    ).fit(X, y)


def keras_accuracy(model, X, y):
    proba = model.predict(X, batch_size=1024, verbose=0)
    return float(np.mean(np.argmax(proba, axis=1) == y))


def score_accuracy(est, X, y):
    return float(est.score(X, y))


FIT_CONTENDERS = [
    # key, label, fit, accuracy
    ("skmlp", "skmlp MLPKerasClassifier", fit_skmlp, score_accuracy),
    ("keras", "plain Keras Sequential.fit", fit_keras, keras_accuracy),
    ("scikeras", "scikeras 0.13 KerasClassifier", fit_scikeras, score_accuracy),
    ("kwrap", "keras.wrappers.SKLearnClassifier", fit_keras_wrapper, score_accuracy),
    ("sklearn", "sklearn MLPClassifier", fit_sklearn, score_accuracy),
]


# -- sections ---------------------------------------------------------------------


def bench_fit(ctx):
    X, y, Xte, yte = ctx["data"]
    epochs, reps = 2, ctx["reps"]
    log(f"[fit] {len(X):,} x {N_FEATURES} rows, {epochs} epochs, batch 32, {reps} reps")
    # One untimed warm-up fit of each on 640 rows: one-time costs (TensorFlow's
    # runtime, first-use imports) are not charged to whoever runs first.
    results = {
        k: {"times": [], "cpu": [], "accs": [], "error": None}
        for k, *_ in FIT_CONTENDERS
    }
    for key, label, fit, _ in FIT_CONTENDERS:
        try:
            with warnings.catch_warnings(), _quiet_fds():
                warnings.simplefilter("ignore")
                fit(X[:640], y[:640], 1, 0)
        except Exception as exc:  # noqa: BLE001 - a peer's failure is a result
            results[key]["error"] = short_error(exc)
            log(f"  {label}: {results[key]['error']}")
            if ctx["verbose"]:
                traceback.print_exc()
    models = {}
    for rep in range(reps):
        order = (
            FIT_CONTENDERS[rep % len(FIT_CONTENDERS) :]
            + FIT_CONTENDERS[: rep % len(FIT_CONTENDERS)]
        )
        for key, label, fit, accuracy in order:
            r = results[key]
            if r["error"]:
                continue
            try:
                with warnings.catch_warnings(), _quiet_fds():
                    warnings.simplefilter("ignore")
                    t0, c0 = time.perf_counter(), time.process_time()
                    model = fit(X, y, epochs, rep)
                    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
                    acc = accuracy(model, Xte, yte)
            except Exception as exc:  # noqa: BLE001
                r["error"] = short_error(exc)
                log(f"  {label}: {r['error']}")
                continue
            r["times"].append(dt)
            r["cpu"].append(cpu)
            r["accs"].append(acc)
            models[key] = model
            log(
                f"  rep {rep + 1}/{reps} {label:34s} {dt:7.2f} s (CPU {cpu:6.2f} s)"
                f"  acc {acc:.4f}"
            )
    ctx["models"] = models
    ctx["fit"] = results
    return results


def _ensure_models(ctx):
    """The predict benchmark reuses the fitted models of the fit section."""
    if "models" in ctx:
        return ctx["models"]
    X, y, _, _ = ctx["data"]
    models = {}
    with warnings.catch_warnings(), _quiet_fds():
        warnings.simplefilter("ignore")
        for key, _, fit, _ in FIT_CONTENDERS:
            if key in ("skmlp", "keras", "scikeras", "sklearn"):
                try:
                    models[key] = fit(X, y, 1, 0)
                except Exception as exc:  # noqa: BLE001
                    log(f"  could not fit {key} for predict: {short_error(exc)}")
    ctx["models"] = models
    return models


def timed_calls(fn, *, min_calls, max_calls, budget_s):
    """Call ``fn`` at least ``min_calls`` times, then more within the budget."""
    times, start = [], time.perf_counter()
    while len(times) < max_calls and (
        len(times) < min_calls or time.perf_counter() - start < budget_s
    ):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


#: Latency and throughput are measured in this many rounds, every contender
#: once per round, so that a burst of load on the machine hits them alike.
PREDICT_ROUNDS = 5


def bench_predict(ctx):
    models = _ensure_models(ctx)
    _, _, Xte, _ = ctx["data"]
    quick = ctx["quick"]
    inputs = {"1": Xte[:1], "10": Xte[:10], "10k": Xte[:10_000]}
    log("[predict] predict_proba latency (1, 10 rows) and 10,000-row throughput")
    calls = {}
    if "skmlp" in models:
        calls["skmlp"] = ("skmlp predict_proba", models["skmlp"].predict_proba)
    if "sklearn" in models:
        calls["sklearn"] = (
            "sklearn MLPClassifier predict_proba",
            models["sklearn"].predict_proba,
        )
    if "keras" in models:
        m = models["keras"]
        calls["keras"] = (
            "plain Keras model.predict",
            lambda X: m.predict(X, verbose=0),
        )
        calls["keras_call"] = (
            "plain Keras model(X) (direct call, info)",
            lambda X: np.asarray(m(X, training=False)),
        )
    if "scikeras" in models:
        calls["scikeras"] = ("scikeras predict_proba", models["scikeras"].predict_proba)
    budget = (0.3 if quick else 2.0) / PREDICT_ROUNDS  # per contender, size, round
    min_calls = (10 if quick else 20) // PREDICT_ROUNDS
    results = {key: {"label": label} for key, (label, _) in calls.items()}
    times = {key: {size: [] for size in inputs} for key in calls}
    notes = []
    for key, (label, fn) in calls.items():  # warm-up, and the output's shape
        try:
            with _quiet_fds():
                for X in inputs.values():
                    fn(X)
                shape = np.shape(fn(inputs["1"]))
            if shape != (1, N_CLASSES):
                notes.append(
                    f"{label} on 1 row returned shape {shape}, not (1, {N_CLASSES})."
                )
        except Exception as exc:  # noqa: BLE001
            results[key]["error"] = short_error(exc)
    live = [key for key in calls if "error" not in results[key]]
    with _quiet_fds():
        for _ in range(PREDICT_ROUNDS):
            for size, X in inputs.items():
                for key in live:
                    fn = calls[key][1]
                    big = size == "10k"
                    times[key][size] += timed_calls(
                        lambda fn=fn, X=X: fn(X),
                        min_calls=1 if big else min_calls,
                        max_calls=4 if big else 400,
                        budget_s=budget * (2 if big else 1),
                    )
    for key, r in results.items():
        if "error" in r:
            log(f"  {r['label']}: {r['error']}")
            continue
        t = times[key]
        r["t1"], r["n1"] = median(t["1"]), len(t["1"])
        r["t10"], r["n10"] = median(t["10"]), len(t["10"])
        r["t10k"], r["n10k"] = median(t["10k"]), len(t["10k"])
        r["thr"] = len(inputs["10k"]) / r["t10k"]
        log(
            f"  {r['label']:42s} 1 row {fmt_s(r['t1']):>10s}  10 rows "
            f"{fmt_s(r['t10']):>10s}  10k rows {r['thr']:,.0f} rows/s"
        )
    ctx["predict"] = results
    ctx.setdefault("notes", []).extend(notes)
    return results


def bench_perceptron(ctx):
    from sklearn.linear_model import Perceptron

    from skmlp import StepPerceptron

    X, y, Xte, yte = ctx["data"]
    reps = ctx["reps"]
    log(f"[perceptron] {len(X):,} x {N_FEATURES} rows, 5 epochs, {reps} reps")
    contenders = [
        (
            "step",
            "skmlp StepPerceptron",
            lambda s: StepPerceptron(max_iter=5, tol=None, random_state=s),
        ),
        (
            "sklearn",
            "sklearn Perceptron",
            lambda s: Perceptron(max_iter=5, tol=None, random_state=s),
        ),
    ]
    # Warm the numba compilation (same dtype and target kind), and sklearn alike.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, _, make in contenders:
            make(0).fit(X[:200], y[:200])
    results = {k: {"times": [], "accs": []} for k, *_ in contenders}
    for rep in range(reps):
        for key, label, make in contenders[rep % 2 :] + contenders[: rep % 2]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                est = make(rep).fit(X, y)
                dt = time.perf_counter() - t0
            acc = float(est.score(Xte, yte))
            results[key]["times"].append(dt)
            results[key]["accs"].append(acc)
            log(f"  rep {rep + 1}/{reps} {label:24s} {dt:7.2f} s  acc {acc:.4f}")
    ctx["perceptron"] = results
    return results


_SPAWNER = r"""
import json, subprocess, sys, time
for line in sys.stdin:
    req = json.loads(line)
    t0 = time.perf_counter()
    try:
        p = subprocess.run(req["argv"], capture_output=True, text=True,
                           timeout=req["timeout"])
        res = {"rc": p.returncode, "out": p.stdout, "err": p.stderr[-3000:]}
    except subprocess.TimeoutExpired:
        res = {"rc": -1, "out": "", "err": "timed out after %ss" % req["timeout"]}
    res["wall"] = time.perf_counter() - t0
    sys.stdout.write(json.dumps(res) + "\n")
    sys.stdout.flush()
"""


class Spawner:
    """A small helper process that starts every child of the benchmark.

    Linux carries a process's resident-set high-water mark into its children
    across fork and exec, so a child started by this (large) process would
    report at least our own RSS as its ``ru_maxrss``. The helper is started
    before any data or TensorFlow is loaded, so its children start from a few
    tens of MB. It also times each child (wall clock around the child alone).
    Children's stdout and stderr are captured: nothing they print shows.
    """

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SPAWNER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, argv, timeout=900):
        """Run ``argv``; return ``(stdout, wall_seconds)`` or raise on failure."""
        self.proc.stdin.write(json.dumps({"argv": argv, "timeout": timeout}) + "\n")
        self.proc.stdin.flush()
        res = json.loads(self.proc.stdout.readline())
        if res["rc"] != 0:
            raise RuntimeError(f"child failed ({res['rc']}): {res['err'][-1500:]}")
        return res["out"], res["wall"]

    def close(self):
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _spawner(ctx):
    if ctx.get("spawner") is None:
        ctx["spawner"] = Spawner()
    return ctx["spawner"]


def bench_import(ctx):
    n = 5 if ctx["quick"] else 9
    log(f"[import] whole-process `python -c 'import X'`, {n} runs each")
    stmts = {"skmlp": "import skmlp", "sklearn_base": "import sklearn.base"}
    if not ctx["quick"]:
        stmts["nothing"] = "pass"
    spawner = _spawner(ctx)
    # This process has already imported all of them: the page cache is warm.
    times = {k: [] for k in stmts}
    for _ in range(n):
        for key, stmt in stmts.items():
            times[key].append(spawner.run([sys.executable, "-c", stmt])[1])
    # And whether `import skmlp` pulled in TensorFlow (it should not).
    out, _ = spawner.run(
        [sys.executable, "-c", "import sys, skmlp; print('tensorflow' in sys.modules)"]
    )
    ctx["import"] = {"times": times, "tf_imported": out.strip() == "True"}
    for key, ts in times.items():
        log(f"  {stmts[key]:22s} median {fmt_s(median(ts))}")
    return ctx["import"]


def _memory_child(which, data_dir, epochs):
    """Runs in a fresh process: load the data, import, fit, report ru_maxrss."""

    def maxrss_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB

    def vmhwm_mb():  # the high-water mark of this address space only
        with contextlib.suppress(OSError):
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
        return float("nan")

    at_start = maxrss_mb()
    X = np.load(os.path.join(data_dir, "X.npy"))
    y = np.load(os.path.join(data_dir, "y.npy"))
    after_data = maxrss_mb()
    import_tf_quietly()
    if which == "skmlp":
        import skmlp  # noqa: F401
    baseline = maxrss_mb()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        (fit_skmlp if which == "skmlp" else fit_keras)(X, y, epochs, 0)
        dt = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "at_start_mb": at_start,
                "after_data_mb": after_data,
                "baseline_mb": baseline,
                "peak_mb": maxrss_mb(),
                "vmhwm_mb": vmhwm_mb(),
                "fit_s": dt,
            }
        )
    )


def bench_memory(ctx):
    X, y, _, _ = ctx["data"]
    epochs = 1 if ctx["quick"] else 2
    log(
        f"[memory] peak RSS of one fit ({len(X):,} rows, {epochs} epochs), "
        "each in a fresh process"
    )
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "X.npy"), X)
        np.save(os.path.join(tmp, "y.npy"), y)
        for which in ("skmlp", "keras"):
            try:
                out, _ = _spawner(ctx).run(
                    [
                        sys.executable,
                        str(HERE / "run.py"),
                        "--_child",
                        "memory",
                        which,
                        tmp,
                        str(epochs),
                    ]
                )
                results[which] = json.loads(out.strip().splitlines()[-1])
                r = results[which]
                log(
                    f"  {which:6s} baseline {r['baseline_mb']:8.1f} MB  peak "
                    f"{r['peak_mb']:8.1f} MB  (fit {r['fit_s']:.1f} s)"
                )
            except Exception as exc:  # noqa: BLE001
                results[which] = {"error": short_error(exc)}
                log(f"  {which}: {results[which]['error']}")
    ctx["memory"] = results
    return results


GRID = {
    "hidden_layer_sizes": [(32,), (64,)],
    "alpha": [1e-4, 1e-2],
    "learning_rate_init": [1e-3, 1e-2],
}


def _import_skmlp_keras():
    """Run in a loky worker: import TensorFlow there (its one-time start-up)."""
    import os

    from skmlp import _keras

    return os.getpid(), _keras.tf.config.threading.get_intra_op_parallelism_threads()


def _gridsearch_child(max_iter, cv, refit, n_rows, reps):
    """Runs in a fresh process, so loky's workers and their output stay apart.

    Both sides are timed warm: this process fits once before timing (TensorFlow
    imported, its start-up charged to nobody), and the two loky workers are
    started and import TensorFlow before the first timed n_jobs=2 search; that
    start-up is timed apart. The searches alternate, ``reps`` each.
    """
    from joblib import Parallel, delayed
    from joblib.externals.loky import get_reusable_executor
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV

    from skmlp import MLPKerasClassifier

    X, y = load_digits(return_X_y=True)
    X, y = (X[:n_rows] / 16.0).astype(np.float32), y[:n_rows]

    def search(n_jobs):
        est = MLPKerasClassifier(max_iter=max_iter, random_state=0)
        gs = GridSearchCV(est, GRID, cv=cv, n_jobs=n_jobs, refit=refit)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            gs.fit(X, y)
            return time.perf_counter() - t0, gs.best_score_

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        MLPKerasClassifier(max_iter=1).fit(X[:100], y[:100])
    t0 = time.perf_counter()
    workers = Parallel(n_jobs=2)(delayed(_import_skmlp_keras)() for _ in range(2))
    startup = time.perf_counter() - t0
    res = {"startup": startup, "worker_threads": sorted(t for _, t in workers)}
    for n_jobs in (1, 2):
        res[n_jobs] = {"times": [], "score": None}
    for rep in range(reps):
        for n_jobs in (2, 1) if rep % 2 else (1, 2):
            t, score = search(n_jobs)
            res[n_jobs]["times"].append(t)
            res[n_jobs]["score"] = score
    get_reusable_executor().shutdown(wait=True)
    print(json.dumps(res))


def bench_gridsearch(ctx):
    max_iter, cv, refit, n_rows, reps = (
        (10, 2, False, 1000, 2) if ctx["quick"] else (20, 3, True, 1797, 3)
    )
    log(
        f"[gridsearch] 8 candidates x cv={cv} on digits ({n_rows} x 64), "
        f"max_iter={max_iter}, n_jobs 1 and 2 alternating x{reps}, in a fresh process"
    )
    out, _ = _spawner(ctx).run(
        [
            sys.executable,
            str(HERE / "run.py"),
            "--_child",
            "gridsearch",
            str(max_iter),
            str(cv),
            str(int(refit)),
            str(n_rows),
            str(reps),
        ],
        timeout=1800,
    )
    raw = json.loads(out.strip().splitlines()[-1])
    res = {int(k) if k.isdigit() else k: v for k, v in raw.items()}
    log(f"  loky workers started (TensorFlow imported) in {res['startup']:.2f} s")
    for n_jobs in (1, 2):
        r = res[n_jobs]
        r["time"] = median(r["times"])
        log(f"  n_jobs={n_jobs}: {r['time']:.2f} s median (best CV {r['score']:.3f})")
    ctx["gridsearch"] = {
        "res": res,
        "max_iter": max_iter,
        "cv": cv,
        "refit": refit,
        "n_rows": n_rows,
        "reps": reps,
    }
    return ctx["gridsearch"]


SECTIONS = {
    "fit": bench_fit,
    "predict": bench_predict,
    "perceptron": bench_perceptron,
    "import": bench_import,
    "memory": bench_memory,
    "gridsearch": bench_gridsearch,
}


# -- sanity probes (recorded as notes) ---------------------------------------------


def probe_int_momentum(ctx):
    """scikit-learn accepts momentum=0 (an int); does skmlp?"""
    from skmlp import MLPKerasClassifier

    X, y, _, _ = ctx["data"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            MLPKerasClassifier(
                hidden_layer_sizes=(4,),
                solver="sgd",
                momentum=0,
                max_iter=1,
                random_state=0,
            ).fit(X[:64], y[:64])
    except Exception as exc:  # noqa: BLE001
        ctx.setdefault("notes", []).append(
            "skmlp MLPKerasClassifier(solver='sgd', momentum=0) (an int, which "
            f"scikit-learn accepts) {short_error(exc)} - the benchmark passes "
            "momentum=0.0."
        )


# -- report -----------------------------------------------------------------------


def environment():
    def version(mod):
        try:
            return __import__(mod).__version__
        except Exception:  # noqa: BLE001
            return "not installed"

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    with _quiet_fd2():
        versions = {
            m: version(m)
            for m in (
                "numpy",
                "scipy",
                "sklearn",
                "tensorflow",
                "keras",
                "scikeras",
                "numba",
                "skmlp",
            )
        }
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


def _ratio(a, b):
    return a / b if a == a and b == b and b else float("nan")


def render(ctx):
    env, quick = ctx["env"], ctx["quick"]
    n_train = len(ctx["data"][0])
    v = env["versions"]
    lines = [
        "# skmlp benchmark results",
        "",
        f"- Date: {ctx['started']:%Y-%m-%d %H:%M:%S %Z} (run took "
        f"{ctx['elapsed'] / 60:.1f} min)",
        f"- CPU: {env['cpu']}; {env['cores']} cores ({env['usable_cores']} usable); "
        "no GPU used",
        f"- Load average at start / end: {ctx['load_start']} / {ctx['load_end']} "
        "(a shared machine: other jobs were running)",
        f"- Python {env['python']} on {env['platform']}",
        f"- numpy {v['numpy']}, scipy {v['scipy']}, scikit-learn {v['sklearn']}, "
        f"tensorflow {v['tensorflow']}, keras {v['keras']}, scikeras {v['scikeras']}, "
        f"numba {v['numba']}, skmlp {v['skmlp']}",
        f"- Mode: **{'quick' if quick else 'full'}** — {n_train:,} training rows "
        f"x {N_FEATURES} float32 features, {N_CLASSES} classes "
        f"({'the full mode uses 60,000' if quick else 'as MNIST'}); held-out test "
        f"set {N_TEST:,} rows; {ctx['reps']} repetitions per timing",
        "- Data: `sklearn.datasets.make_classification(n_features=784, "
        "n_informative=64, n_redundant=0, n_classes=10, n_clusters_per_class=2, "
        "class_sep=2.0, random_state=0)`, cast to float32 (generated, nothing "
        "downloaded)",
        "- Timings are medians; contenders are interleaved within each repetition "
        "(order rotated) so machine noise hits them alike.",
        "",
    ]
    targets = []  # (target, measured, verdict)

    # fit
    if "fit" in ctx:
        res = ctx["fit"]
        med = {k: median(r["times"]) for k, r in res.items()}
        acc = {k: median(r["accs"]) for k, r in res.items()}
        lines += [
            "## Fit: the chapter's network (784-300-100-10, relu, SGD lr 0.01, "
            "batch 32, 2 epochs)",
            "",
            "Each timed fit builds and compiles a fresh model. One untimed warm-up "
            "fit of every contender on 640 rows came first (TensorFlow's one-time "
            "start-up is charged to nobody). skmlp: `MLPKerasClassifier("
            "hidden_layer_sizes=(300, 100), solver='sgd', learning_rate_init=0.01, "
            "momentum=0.0, batch_size=32, max_iter=2, tol=0.0)` (default "
            "alpha=1e-4, like sklearn); plain Keras: `compile(loss="
            "'sparse_categorical_crossentropy', optimizer='sgd', "
            "metrics=['accuracy'])` and `fit(X, y, epochs=2, batch_size=32, "
            "verbose=0)`; scikeras and keras.wrappers wrap that same compiled model "
            "(the latter one-hot encodes y, so categorical_crossentropy). CPU "
            "time is this process's user+system time during the fit, all threads "
            "(information only: on a loaded machine it moves less than wall time).",
            "",
            "| contender | fit time (median) | all runs (s) | skmlp / contender "
            "| CPU time (median, info) | test accuracy (median) |",
            "|---|---|---|---|---|---|",
        ]
        for key, label, *_ in FIT_CONTENDERS:
            r = res[key]
            if r["error"] and not r["times"]:
                lines.append(f"| {label} | {r['error']} | | | | |")
                continue
            runs = ", ".join(f"{t:.2f}" for t in r["times"])
            ratio = (
                "1.00x" if key == "skmlp" else fmt_ratio(_ratio(med["skmlp"], med[key]))
            )
            lines.append(
                f"| {label} | {fmt_s(med[key])} | {runs} | {ratio} "
                f"| {fmt_s(median(r['cpu']))} | {acc[key]:.4f} |"
            )
        lines.append("")
        for key, label, *_ in FIT_CONTENDERS:
            ts = res[key]["times"]
            if ts and max(ts) > 1.5 * min(ts):
                ctx.setdefault("notes", []).append(
                    f"{label}: its fit times spread {max(ts) / min(ts):.1f}x "
                    f"({min(ts):.2f} to {max(ts):.2f} s): the machine's load "
                    "changed during the run; read its ratios with care."
                )
        for key, limit in (("keras", 0.6), ("scikeras", 0.5), ("sklearn", 0.5)):
            r = _ratio(med["skmlp"], med[key])
            label = dict((k, lab) for k, lab, *_ in FIT_CONTENDERS)[key]
            targets.append(
                (
                    f"fit time skmlp <= {limit}x {label}",
                    fmt_ratio(r),
                    verdict(None if r != r else r <= limit),
                )
            )
        d = (acc["skmlp"] - acc["keras"]) * 100
        targets.append(
            (
                "test accuracy skmlp within 1 point of plain Keras "
                "(skmlp - Keras >= -1.0 pt)",
                f"{acc['skmlp']:.4f} vs {acc['keras']:.4f} ({d:+.2f} pt)",
                verdict(None if d != d else d >= -1.0),
            )
        )

    # predict
    if "predict" in ctx:
        res = ctx["predict"]
        lines += [
            "## predict_proba latency and throughput",
            "",
            "The fitted models of the last fit repetition, after one warm-up call "
            f"per input size. Measured in {PREDICT_ROUNDS} rounds, each contender "
            "in turn within a round (a few hundred calls at most per round, within "
            "a time budget; n is the total count). Latency: the median call; "
            "throughput: 10,000 rows "
            "per call, the median call. Plain Keras `model.predict` uses its "
            "default batch_size=32.",
            "",
            "| contender | 1 row | 10 rows | 10,000 rows: time | rows/s |",
            "|---|---|---|---|---|",
        ]
        for r in res.values():
            if "error" in r:
                lines.append(f"| {r['label']} | {r['error']} | | | |")
                continue
            lines.append(
                f"| {r['label']} | {fmt_s(r['t1'])} (n={r['n1']}) | "
                f"{fmt_s(r['t10'])} (n={r['n10']}) | {fmt_s(r['t10k'])} "
                f"(n={r['n10k']}) | {r['thr']:,.0f} |"
            )
        lines.append("")
        sk, skl, ke = res.get("skmlp", {}), res.get("sklearn", {}), res.get("keras", {})
        if "t1" in sk and "t1" in skl:
            r = sk["t1"] / skl["t1"]
            targets.append(
                (
                    "predict_proba 1 row: skmlp <= 1.0x sklearn MLP latency",
                    fmt_ratio(r),
                    verdict(r <= 1.0),
                )
            )
        if "thr" in sk and "thr" in ke:
            r = sk["thr"] / ke["thr"]
            targets.append(
                (
                    "10,000-row throughput: skmlp >= 1.0x plain Keras model.predict",
                    fmt_ratio(r),
                    verdict(r >= 1.0),
                )
            )

    # perceptron
    if "perceptron" in ctx:
        res = ctx["perceptron"]
        lines += [
            "## StepPerceptron vs sklearn Perceptron (5 epochs, tol=None)",
            "",
            "Same data as the fit benchmark. The numba compilation was warmed by "
            "one untimed fit on 200 rows before timing (sklearn's Perceptron got "
            "the same warm-up). sklearn's Perceptron converts X to float64 on "
            "every fit; StepPerceptron keeps float32.",
            "",
            "| contender | fit time (median) | all runs | ratio to sklearn "
            "| test accuracy (median) |",
            "|---|---|---|---|---|",
        ]
        t_sk = median(res["sklearn"]["times"])
        for key, label in (
            ("step", "skmlp StepPerceptron(max_iter=5, tol=None)"),
            ("sklearn", "sklearn Perceptron(max_iter=5, tol=None)"),
        ):
            r = res[key]
            t = median(r["times"])
            runs = ", ".join(f"{x:.2f}" for x in r["times"])
            lines.append(
                f"| {label} | {fmt_s(t)} | {runs} | "
                f"{fmt_ratio(_ratio(t, t_sk))} | {median(r['accs']):.4f} |"
            )
        lines.append("")
        r = _ratio(median(res["step"]["times"]), t_sk)
        targets.append(
            (
                "StepPerceptron fit <= 1.0x sklearn Perceptron",
                fmt_ratio(r),
                verdict(r <= 1.0),
            )
        )

    # import
    if "import" in ctx:
        res = ctx["import"]
        t = {k: median(v) for k, v in res["times"].items()}
        lines += [
            "## Import time (whole process: `python -c '<statement>'`)",
            "",
            "Wall time of the whole child process, interpreter start-up included, "
            "timed by the small helper process that starts it; the "
            "statements interleaved. This process had already imported every "
            "module, so the page cache is warm.",
            "",
            "| statement | median | all runs | ratio to sklearn.base |",
            "|---|---|---|---|",
        ]
        for key, stmt in (
            ("skmlp", "import skmlp"),
            ("sklearn_base", "import sklearn.base"),
            ("nothing", "pass (interpreter only)"),
        ):
            if key not in res["times"]:  # quick mode skips the bare interpreter
                continue
            runs = ", ".join(f"{x:.2f}" for x in res["times"][key])
            lines.append(
                f"| `{stmt}` | {fmt_s(t[key])} | {runs} | "
                f"{fmt_ratio(_ratio(t[key], t['sklearn_base']))} |"
            )
        lines += ["", f"`import skmlp` imported TensorFlow: {res['tf_imported']}", ""]
        r = _ratio(t["skmlp"], t["sklearn_base"])
        targets.append(
            (
                "import skmlp <= 1.2x import sklearn.base",
                fmt_ratio(r),
                verdict(r <= 1.2),
            )
        )

    # memory
    if "memory" in ctx:
        res = ctx["memory"]
        lines += [
            "## Peak resident memory of one fit",
            "",
            "Each in its own fresh process (started by a small helper process, so "
            "the child does not inherit this process's RSS as its `ru_maxrss` "
            "floor): load the training set from .npy, import TensorFlow and Keras "
            "(and skmlp), read `resource.getrusage(RUSAGE_SELF).ru_maxrss` "
            "(**baseline**), fit with the settings above (1 epoch in quick mode), "
            "read it again (**peak**: "
            "the high-water mark of the whole process, nothing subtracted). The "
            "target compares the peaks. `VmHWM` (from /proc/self/status) is the "
            "same high-water mark as the kernel keeps it for the address space, a "
            "cross-check.",
            "",
            "| contender | ru_maxrss at start | after data + imports (baseline) "
            "| peak | peak - baseline | VmHWM | fit time in child |",
            "|---|---|---|---|---|---|---|",
        ]
        for key, label in (
            ("skmlp", "skmlp MLPKerasClassifier"),
            ("keras", "plain Keras Sequential.fit"),
        ):
            r = res.get(key, {})
            if "error" in r or not r:
                lines.append(f"| {label} | {r.get('error', 'not run')} | | | | | |")
                continue
            lines.append(
                f"| {label} | {r['at_start_mb']:.0f} MB | {r['baseline_mb']:.0f} MB "
                f"| {r['peak_mb']:.0f} MB | {r['peak_mb'] - r['baseline_mb']:.0f} MB "
                f"| {r['vmhwm_mb']:.0f} MB | {r['fit_s']:.1f} s |"
            )
        lines.append("")
        if "peak_mb" in res.get("skmlp", {}) and "peak_mb" in res.get("keras", {}):
            a, b = res["skmlp"], res["keras"]
            r = a["peak_mb"] / b["peak_mb"]
            dr = _ratio(
                a["peak_mb"] - a["baseline_mb"], b["peak_mb"] - b["baseline_mb"]
            )
            lines += [
                f"Peak ratio skmlp / Keras: {r:.2f}x; ratio of what the fits "
                f"added (peak - baseline): {fmt_ratio(dr)}.",
                "",
            ]
            targets.append(
                (
                    "peak memory of a fit: skmlp <= 1.1x plain Keras",
                    fmt_ratio(r),
                    verdict(r <= 1.1),
                )
            )

    # grid search
    if "gridsearch" in ctx:
        g = ctx["gridsearch"]
        res = g["res"]
        lines += [
            f"## GridSearchCV: 8 candidates x {g['cv']} folds"
            f"{' (+ refit)' if g['refit'] else ' (refit=False)'}, n_jobs=1 vs 2",
            "",
            f"`GridSearchCV(MLPKerasClassifier(max_iter={g['max_iter']}, "
            "random_state=0), {hidden_layer_sizes: [(32,), (64,)], alpha: "
            f"[1e-4, 1e-2], learning_rate_init: [1e-3, 1e-2]}}, cv={g['cv']}, "
            f"refit={g['refit']})` on "
            "scikit-learn's bundled digits ("
            + (
                "1797 x 64"
                if g["n_rows"] >= 1797
                else f"the first {g['n_rows']} of its 1797 rows x 64"
            )
            + ", scaled to [0, 1]), in a fresh process. Both sides are timed warm: "
            "the process fitted once before timing, and the two loky workers were "
            "started (each importing TensorFlow) before the first timed n_jobs=2 "
            f"search, which took {res['startup']:.2f} s once and is shown apart. "
            f"The searches alternate, {g['reps']} of each; medians. Each worker's "
            "TensorFlow ran "
            f"{' and '.join(str(t) for t in res['worker_threads'])} intra-op "
            "thread(s) (joblib sets OMP_NUM_THREADS=1 in its workers; skmlp "
            "follows it).",
            "",
            "| n_jobs | time (median) | all runs (s) | best CV accuracy |",
            "|---|---|---|---|",
        ]
        for n_jobs in (1, 2):
            r = res[n_jobs]
            lines.append(
                f"| {n_jobs} | {fmt_s(r['time'])} | "
                f"{', '.join(f'{t:.2f}' for t in r['times'])} | {r['score']:.3f} |"
            )
        sp = _ratio(res[1]["time"], res[2]["time"])
        cold = _ratio(res[1]["time"], res[2]["time"] + res["startup"])
        lines += [
            "",
            f"Speed-up of n_jobs=2 over n_jobs=1: {sp:.2f}x warm; {cold:.2f}x for a "
            "first search that also starts the workers.",
            "",
        ]
        targets.append(
            (
                "8-candidate search: n_jobs=2 >= 1.5x faster than n_jobs=1 (warm)",
                f"{sp:.2f}x",
                verdict(sp >= 1.5),
            )
        )

    if targets:
        summary = [
            "## Targets (reported, not asserted)",
            "",
            "| target | measured | verdict |",
            "|---|---|---|",
        ]
        summary += [f"| {t} | {m} | {v} |" for t, m, v in targets]
        summary.append("")
        # the summary goes right after the header block
        head_end = lines.index("")
        lines = lines[: head_end + 1] + summary + lines[head_end + 1 :]
    if ctx.get("notes"):
        lines += ["## Notes", ""] + [f"- {n}" for n in ctx["notes"]] + [""]
    return "\n".join(lines)


# -- main -------------------------------------------------------------------------


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["--_child", "memory"]:
        _memory_child(argv[2], argv[3], int(argv[4]))
        return 0
    if argv[:2] == ["--_child", "gridsearch"]:
        _gridsearch_child(
            int(argv[2]), int(argv[3]), bool(int(argv[4])), int(argv[5]), int(argv[6])
        )
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="10,000 training rows and shorter loops (< 5 min)",
    )
    parser.add_argument(
        "--reps",
        type=int,
        default=3,
        help="repetitions per timing (at least 3; default 3)",
    )
    parser.add_argument(
        "--only", nargs="+", choices=list(SECTIONS), help="run only these sections"
    )
    parser.add_argument(
        "--n-train", type=int, default=None, help="override the number of training rows"
    )
    parser.add_argument(
        "--output",
        default=str(HERE / "RESULTS.md"),
        help="where to write the markdown report",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="print tracebacks of failing contenders"
    )
    args = parser.parse_args(argv)

    started = datetime.datetime.now().astimezone()
    sections = args.only or list(SECTIONS)
    # Started while this process is still small (see Spawner).
    spawner = Spawner() if {"import", "memory", "gridsearch"} & set(sections) else None
    t_start = time.perf_counter()
    n_train = args.n_train or (10_000 if args.quick else 60_000)
    ctx = {
        "quick": args.quick,
        "reps": max(3, args.reps),
        "verbose": args.verbose,
        "started": started,
        "load_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "spawner": spawner,
    }
    log(
        f"skmlp benchmarks, {'quick' if args.quick else 'full'} mode: "
        f"{n_train:,} training rows (the full mode uses 60,000)"
    )
    t0 = time.perf_counter()
    ctx["data"] = make_data(n_train)
    log(f"[data] generated in {time.perf_counter() - t0:.1f} s")
    import_tf_quietly()
    ctx["env"] = environment()
    probe_int_momentum(ctx)
    for name in sections:
        t_section = time.perf_counter()
        try:
            SECTIONS[name](ctx)
        except Exception as exc:  # noqa: BLE001 - report what we have
            ctx.setdefault("notes", []).append(f"section {name} {short_error(exc)}")
            log(f"[{name}] {short_error(exc)}")
            if args.verbose:
                traceback.print_exc()
        log(f"  ({name}: {time.perf_counter() - t_section:.0f} s)")
    if spawner is not None:
        spawner.close()
    ctx["elapsed"] = time.perf_counter() - t_start
    ctx["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report = render(ctx)
    Path(args.output).write_text(report + "\n")
    log("")
    log(report)
    log(f"\nwritten to {args.output} in {ctx['elapsed'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
