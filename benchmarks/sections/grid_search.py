"""GridSearchCV on digits: skmlp vs scikit-learn, and n_jobs=2 vs n_jobs=1.

The search itself (8 candidates x 3 folds + refit, ``max_iter=50``) runs in
this process, warm; the ``n_jobs`` scaling runs in a fresh process so loky's
workers and their TensorFlow start-up stay apart from everything else.
"""

import json
import time

import numpy as np

from .._common import (
    alternate,
    fmt_s,
    fmt_x,
    log,
    median,
    ratio,
    run_child,
    table,
    toy,
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


def _search(cls, X, y, n_jobs=1, max_iter=MAX_ITER, cv=CV, refit=True):
    from sklearn.model_selection import GridSearchCV

    est = cls(max_iter=max_iter, random_state=0)
    gs = GridSearchCV(est, GRID, cv=cv, n_jobs=n_jobs, refit=refit)
    return gs.fit(X, y).best_score_


def measure(ctx):
    from sklearn.neural_network import MLPClassifier

    from skmlp import MLPKerasClassifier

    X, y = toy("digits", split=False)
    fits = {
        "skmlp": lambda: _search(MLPKerasClassifier, X, y),
        "sklearn": lambda: _search(MLPClassifier, X, y),
    }
    warm = {
        k: lambda c=c: c(max_iter=2).fit(X, y)
        for k, c in (("skmlp", MLPKerasClassifier), ("sklearn", MLPClassifier))
    }
    res = {"search": alternate(fits, ctx.reps, warm=warm)}
    for key, t in res["search"].items():
        log(f"  {key:8s} {fmt_s(t.median):>9s} {t.error or ''}")
    scaling = (10, 2, 0, 1000, 2) if ctx.quick else (20, 3, 1, 1797, 3)
    try:
        res["scaling"] = run_child(ctx, "grid_search", *scaling, timeout=1800)
        res["scaling"]["args"] = scaling
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


def child(max_iter, cv, refit, n_rows, reps):
    """In a fresh process: n_jobs=1 and n_jobs=2 searches, alternating, warm."""
    from joblib import Parallel, delayed
    from joblib.externals.loky import get_reusable_executor

    from skmlp import MLPKerasClassifier

    from .._common import quiet

    max_iter, cv, n_rows, reps = map(int, (max_iter, cv, n_rows, reps))
    refit = bool(int(refit))
    X, y = toy("digits", split=False)
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
    r = ratio(a.median, b.median)
    v = verdict(r, TARGET)
    rows = [
        [
            "skmlp MLPKerasClassifier",
            a.error or fmt_s(a.median),
            fmt_x(r),
            f"<= {TARGET}x",
            v,
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
    grid = ", ".join(f"{k}: {v}" for k, v in GRID.items())
    lines = [
        f"`GridSearchCV(est(max_iter={MAX_ITER}, random_state=0), {{{grid}}}, "
        f"cv={CV})` (8 candidates x {CV} folds + refit, n_jobs=1) on digits "
        "(1797 x 64, standardised); warm process (one short fit of each "
        f"first); median of {ctx.reps}, alternating.",
        "",
        *table(
            ["contender", "time", "ratio to sklearn", "target", "verdict", "best CV"],
            rows,
        ),
        "",
    ]
    targets = [(f"grid search: skmlp <= {TARGET}x sklearn", fmt_x(r), v)]
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
