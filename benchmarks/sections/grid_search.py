"""GridSearchCV on digits: skmlp vs scikit-learn, and n_jobs=2 vs n_jobs=1.

The search of issue 25: ``Pipeline(StandardScaler(), MLPKerasClassifier)``
against the same pipeline with ``MLPClassifier``, a 2 x 2 x 2 grid (two
architectures) of 8 candidates x 3 folds + refit, ``max_iter=50``, on the raw
digits. It runs in this process, warm; the ``n_jobs`` scaling runs in a
fresh process so loky's workers and their TensorFlow start-up stay apart
from everything else.
"""

import json
import time

import numpy as np

from .._common import (
    Timing,
    fmt_s,
    fmt_x,
    log,
    median,
    ratio,
    ratio_cells,
    run_child,
    short_error,
    table,
    verdict,
)

TITLE = "Grid search: GridSearchCV on digits"
GRID = {
    "hidden_layer_sizes": [(32,), (64,)],
    "alpha": [1e-4, 1e-2],
    "learning_rate_init": [1e-3, 1e-2],
}
MAX_ITER, CV = 50, 3
TARGET, SPEEDUP = 1.0, 1.5


def _digits():
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


def _search(cls, X, y, n_jobs=1, max_iter=MAX_ITER, cv=CV, refit=True):
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    est = cls(max_iter=max_iter, random_state=0)
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", est)])
    grid = {f"mlp__{k}": v for k, v in GRID.items()}
    gs = GridSearchCV(pipe, grid, cv=cv, n_jobs=n_jobs, refit=refit)
    return gs.fit(X, y).best_score_


def _contender(key):
    from sklearn.neural_network import MLPClassifier

    from skmlp import MLPKerasClassifier

    return {"skmlp": MLPKerasClassifier, "sklearn": MLPClassifier}[key]


def search_once(key):
    """In a fresh process: one search, as a notebook user runs it (TensorFlow
    imported and one short fit of another architecture first, untimed)."""
    from .._common import quiet

    X, y = _digits()
    cls = _contender(key)
    with quiet():
        cls(max_iter=2).fit(X, y)
        t0 = time.perf_counter()
        score = _search(cls, X, y)
    print(json.dumps({"time": time.perf_counter() - t0, "score": score}))


def measure(ctx):
    searches = {"skmlp": Timing(), "sklearn": Timing()}
    for rep in range(ctx.reps):
        for key in ("skmlp", "sklearn")[:: -1 if rep % 2 else 1]:
            t = searches[key]
            if t.error:
                continue
            try:
                out = run_child(ctx, "grid_search", "search", key, timeout=1800)
            except Exception as exc:  # noqa: BLE001
                t.error = short_error(exc)
                continue
            t.times.append(out["time"])
            t.value = out["score"]
    res = {"search": searches}
    for key, t in searches.items():
        log(f"  {key:8s} {fmt_s(t.median):>9s} {t.error or ''}")
    args = (10, 2, 0, 1000, 2) if ctx.quick else (20, 3, 1, 1797, 3)
    try:
        res["scaling"] = run_child(ctx, "grid_search", "scaling", *args, timeout=1800)
        res["scaling"]["args"] = args
        for n in ("1", "2"):
            log(f"  n_jobs={n}: {fmt_s(median(res['scaling'][n]['times']))}")
    except Exception as exc:  # noqa: BLE001
        res["scaling"] = {"error": str(exc)[-400:]}
    return res


def _import_tf_in_worker():
    """Run in a loky worker: TensorFlow's one-time start-up, timed apart.

    Through a tiny skmlp fit, so that TensorFlow is first imported by skmlp
    (which caps its threads from joblib's OMP_NUM_THREADS=1), as in a search.
    """
    import os

    from skmlp import MLPKerasClassifier

    from .._common import import_tf, quiet

    with quiet():
        MLPKerasClassifier(max_iter=1).fit([[0.0], [1.0]], [0, 1])
    return os.getpid(), import_tf().config.threading.get_intra_op_parallelism_threads()


def child(mode, *args):
    """In a fresh process: ``search_once`` or ``scaling``."""
    {"search": search_once, "scaling": scaling}[mode](*args)


def scaling(max_iter, cv, refit, n_rows, reps):
    """n_jobs=1 and n_jobs=2 searches, alternating, warm."""
    from joblib import Parallel, delayed
    from joblib.externals.loky import get_reusable_executor

    from skmlp import MLPKerasClassifier

    from .._common import quiet

    max_iter, cv, n_rows, reps = map(int, (max_iter, cv, n_rows, reps))
    refit = bool(int(refit))
    X, y = _digits()
    X, y = X[:n_rows].astype(np.float32), y[:n_rows]
    with quiet():
        MLPKerasClassifier(max_iter=1).fit(X[:100], y[:100])
    t0 = time.perf_counter()
    workers = Parallel(n_jobs=2)(delayed(_import_tf_in_worker)() for _ in range(2))
    res = {"startup": time.perf_counter() - t0, "threads": [t for _, t in workers]}
    res.update({"1": {"times": []}, "2": {"times": []}})
    for rep in range(reps):
        for n_jobs in (2, 1) if rep % 2 else (1, 2):
            with quiet():
                t0 = time.perf_counter()
                score = _search(MLPKerasClassifier, X, y, n_jobs, max_iter, cv, refit)
                res[str(n_jobs)]["times"].append(time.perf_counter() - t0)
            res[str(n_jobs)]["score"] = score
    get_reusable_executor().shutdown(wait=True)
    print(json.dumps(res))


def report(res, ctx):
    s = res["search"]
    a, b = s["skmlp"], s["sklearn"]
    what = f"grid search: skmlp <= {TARGET}x sklearn"
    cells, summary = ratio_cells(what, a.median, b.median, TARGET)
    rows = [
        [
            "skmlp MLPKerasClassifier",
            a.error or fmt_s(a.median),
            *cells,
            "" if a.error else f"{a.value:.3f}",
        ],
        [
            "sklearn MLPClassifier",
            b.error or fmt_s(b.median),
            "1.00x",
            "",
            "",
            "" if b.error else f"{b.value:.3f}",
        ],
    ]
    grid = ", ".join(f"mlp__{k}: {v}" for k, v in GRID.items())
    lines = [
        "`GridSearchCV(Pipeline([('scale', StandardScaler()), ('mlp', "
        f"est(max_iter={MAX_ITER}, random_state=0))]), {{{grid}}}, cv={CV})` "
        f"(8 candidates x {CV} folds + refit, n_jobs=1) on digits (1797 x 64, "
        "raw: the pipeline standardises). Each search in a fresh process, as "
        "a notebook user runs one: TensorFlow imported and one short fit of "
        "another architecture first (untimed), so every architecture of the "
        f"grid is new to the process. Median of {ctx.reps}, alternating.",
        "",
        *table(
            ["contender", "time", "ratio to sklearn", "target", "verdict", "best CV"],
            rows,
        ),
        "",
    ]
    targets = [summary]
    sc = res["scaling"]
    if "error" in sc:
        lines.append(f"n_jobs scaling: {sc['error']}")
        return lines, targets
    max_iter, cv, refit, n_rows, reps = sc["args"]
    t1, t2 = median(sc["1"]["times"]), median(sc["2"]["times"])
    sp = ratio(t1, t2)
    vs = verdict(sp, SPEEDUP, at_most=False)
    lines += [
        f"n_jobs scaling, in a fresh process: the same grid over "
        f"`MLPKerasClassifier(max_iter={max_iter})`, cv={cv}, "
        f"refit={bool(refit)}, on {n_rows} digits rows; {reps} searches of "
        "each, alternating, warm (the two loky workers were started and "
        f"imported TensorFlow first, in {sc['startup']:.2f} s, shown apart; "
        f"their intra-op threads: {sc['threads']}).",
        "",
        *table(
            ["n_jobs", "time (median)", "all runs (s)", "best CV"],
            [
                [
                    n,
                    fmt_s(median(sc[n]["times"])),
                    ", ".join(f"{t:.2f}" for t in sc[n]["times"]),
                    f"{sc[n]['score']:.3f}",
                ]
                for n in ("1", "2")
            ],
        ),
        "",
        *table(
            ["measure", "speed-up", "target", "verdict"],
            [["n_jobs=2 over n_jobs=1 (warm)", fmt_x(sp), f">= {SPEEDUP}x", vs]],
        ),
    ]
    targets.append((f"grid search n_jobs=2 >= {SPEEDUP}x n_jobs=1", fmt_x(sp), vs))
    return lines, targets
