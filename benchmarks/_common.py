"""What every benchmark section shares: timing, fresh processes, data, reports.

Timings are medians over repetitions in which the contenders alternate (their
order rotated every repetition), so that a burst of load on a shared machine
hits them alike. Targets are reported as PASS/MISS, never asserted. Nothing
here touches skmlp's private modules: the suite must survive engine rewrites.
"""

import contextlib
import functools
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

# -- output -----------------------------------------------------------------------


def log(msg):
    print(msg, flush=True)


@contextlib.contextmanager
def quiet():
    """Hold back warnings and what is written to file descriptors 1 and 2
    (progress bars of peers that ignore verbose=0, TensorFlow's C++ logs)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def import_tf():
    """Import TensorFlow and Keras without their start-up chatter."""
    with quiet():
        import keras  # noqa: F401
        import tensorflow as tf

        tf.constant(0.0)
    tf.get_logger().setLevel("ERROR")
    return tf


# -- numbers ----------------------------------------------------------------------


def median(xs):
    xs = [x for x in xs if x == x]
    return statistics.median(xs) if xs else float("nan")


def ratio(a, b):
    return a / b if a == a and b == b and b else float("nan")


def fmt_s(t):
    if t != t:
        return "n/a"
    if t < 1e-3:
        return f"{t * 1e6:.0f} µs"
    if t < 1:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


def fmt_x(r):
    if r is None or r != r:
        return "n/a"
    return f"{r:.2f}x" if r >= 0.1 else f"{r:.2g}x"


def short_error(exc):
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    return f"failed: {type(exc).__name__}: {first[:160]}"


# -- timing -----------------------------------------------------------------------


@dataclass
class Timing:
    """The wall times of one contender, its last return value, its failure."""

    times: list = field(default_factory=list)
    value: object = None
    error: str | None = None

    @property
    def median(self):
        return median(self.times)


def alternate(contenders, reps, *, warm=None):
    """Time ``{key: fn}`` ``reps`` times each, interleaved, order rotated.

    ``warm`` (a dict like ``contenders``) is called once per key first,
    untimed: one-time costs are charged to nobody. A contender that raises is
    recorded with its error and not called again: a peer's failure is a result.
    """
    out = {key: Timing() for key in contenders}
    for key, fn in (warm or {}).items():
        try:
            with quiet():
                fn()
        except Exception as exc:  # noqa: BLE001
            out[key].error = short_error(exc)
    keys = list(contenders)
    for rep in range(reps):
        shift = rep % len(keys)
        for key in keys[shift:] + keys[:shift]:
            t = out[key]
            if t.error:
                continue
            try:
                with quiet():
                    t0 = time.perf_counter()
                    t.value = contenders[key]()
                    t.times.append(time.perf_counter() - t0)
            except Exception as exc:  # noqa: BLE001
                t.error = short_error(exc)
    return out


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


def latency(fns, X, *, rounds, budget_s, max_calls=400):
    """Median seconds per call of each ``{key: fn}`` on ``X``, in rounds."""
    times = {key: [] for key in fns}
    with quiet():
        for fn in fns.values():
            fn(X)  # warm-up
        for _ in range(rounds):
            for key, fn in fns.items():
                times[key] += timed_calls(
                    lambda fn=fn: fn(X),
                    min_calls=2,
                    max_calls=max_calls,
                    budget_s=budget_s,
                )
    return {key: (median(ts), len(ts)) for key, ts in times.items()}


# -- fresh processes ----------------------------------------------------------------

_SPAWNER = r"""
import json, subprocess, sys, time
for line in sys.stdin:
    req = json.loads(line)
    t0 = time.perf_counter()
    try:
        p = subprocess.run(req["argv"], capture_output=True, text=True,
                           timeout=req["timeout"], cwd=req["cwd"])
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
    across fork and exec, so a child of this (large) process would report at
    least our own RSS as its ``ru_maxrss``. The helper is started before any
    data or TensorFlow is loaded, so its children start from a few tens of MB.
    It also times each child alone. Children's output is captured.
    """

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SPAWNER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, argv, timeout=900):
        """Run ``argv``; return ``(stdout, wall_seconds)``, raise on failure."""
        req = {"argv": argv, "timeout": timeout, "cwd": str(ROOT)}
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        res = json.loads(self.proc.stdout.readline())
        if res["rc"] != 0:
            raise RuntimeError(f"child failed ({res['rc']}): {res['err'][-1500:]}")
        return res["out"], res["wall"]

    def close(self):
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def run_child(ctx, module, *args, timeout=900):
    """Run ``benchmarks.sections.<module>.child(*args)`` in a fresh process;
    return the JSON object it printed last."""
    code = (
        "import sys; from benchmarks.sections."
        f"{module} import child; child(*sys.argv[1:])"
    )
    out, _ = ctx.spawner.run([sys.executable, "-c", code, *map(str, args)], timeout)
    return json.loads(out.strip().splitlines()[-1])


def maxrss_mb():
    """This process's resident-set high-water mark (``ru_maxrss``), in MB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def vmhwm_mb():
    """The same high-water mark from /proc/self/status (a cross-check)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


# -- data -------------------------------------------------------------------------

TOY = ("iris", "wine", "breast_cancer", "digits")


def toy(name, *, split=True, scale_y=True):
    """A scikit-learn bundled data set, X standardised (y too for diabetes).

    With ``split``, a stratified (for classes) 75/25 split, the scaler fitted
    on the training part only: ``(X_train, X_test, y_train, y_test)``.
    """
    from sklearn import datasets
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    regression = name == "diabetes"
    if not split:
        X = StandardScaler().fit_transform(X)
        if regression and scale_y:
            y = (y - y.mean()) / y.std()
        return X, y
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, random_state=0, stratify=None if regression else y
    )
    scaler = StandardScaler().fit(Xtr)
    Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
    if regression and scale_y:
        mu, sd = ytr.mean(), ytr.std()
        ytr, yte = (ytr - mu) / sd, (yte - mu) / sd
    return Xtr, Xte, ytr, yte


MNIST_LIKE = (
    "`make_classification(n_features=784, n_informative=64, n_redundant=0, "
    "n_classes=10, n_clusters_per_class=2, class_sep=2.0, random_state=0)` as "
    "float32 (generated: keras.datasets cannot download MNIST here)"
)


@functools.lru_cache(maxsize=2)
def mnist_like(n_train, n_test=10_000, seed=0):
    """A learnable 10-class problem shaped like MNIST (784 float32 features).

    Cached: sections share it, and must not write into it.
    """
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n_train + n_test,
        n_features=784,
        n_informative=64,
        n_redundant=0,
        n_classes=10,
        n_clusters_per_class=2,
        class_sep=2.0,
        random_state=seed,
    )
    X = X.astype(np.float32)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def chapter_rows(ctx):
    """Training and test rows of the chapter-network sections."""
    return (10_000, 2_000) if ctx.quick else (60_000, 10_000)


def chapter_keras(n_inputs=784, hidden=(300, 100), n_outputs=10):
    """The chapter's network as a plain ``keras.Sequential`` (not compiled)."""
    import keras

    return keras.Sequential(
        [keras.Input(shape=(n_inputs,))]
        + [keras.layers.Dense(h, activation="relu") for h in hidden]
        + [keras.layers.Dense(n_outputs, activation="softmax")]
    )


# -- reports ----------------------------------------------------------------------


@dataclass
class Context:
    """What every section's ``measure`` receives."""

    quick: bool
    reps: int
    spawner: Spawner | None = None
    notes: list = field(default_factory=list)

    #: Repetitions of timings under a second (a small fit, an L-BFGS fit):
    #: a median of 3 of them moved ratios by 20-40% between runs on these
    #: shared 2-core machines, and 9 cost a few seconds a data set.
    CHEAP_REPS = 9

    @property
    def cheap_reps(self):
        """The repetitions of a sub-second timing: at least CHEAP_REPS
        (``--reps`` when larger; ``--reps`` alone with ``--quick``)."""
        return self.reps if self.quick else max(self.reps, self.CHEAP_REPS)


def verdict(value, limit, *, at_most=True):
    """PASS / MISS for ``value <= limit`` (or ``>=``); n/a when not measured."""
    if value is None or value != value:
        return "n/a"
    return "PASS" if (value <= limit if at_most else value >= limit) else "MISS"


def ratio_cells(what, value, reference, target):
    """The ratio ``value / reference`` against ``target`` (at most): the
    cells ``[ratio, "<= target", verdict]`` of a section's table, and the
    row ``(what, ratio, verdict)`` of the summary of targets."""
    r = ratio(value, reference)
    v = verdict(r, target)
    return [fmt_x(r), f"<= {target}x", v], (what, fmt_x(r), v)


def table(header, rows):
    """Markdown table lines."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines
