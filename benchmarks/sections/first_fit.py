"""The first fit in a fresh process, TensorFlow's import apart; import costs.

Each child process imports ``sklearn.base``, then skmlp, then TensorFlow, then
fits ``MLPKerasClassifier()`` on iris, timing each step: what a user waits
for the first time, less TensorFlow's own import (which no wrapper can avoid).
"""

import json
import time

from .._common import fmt_s, fmt_x, log, median, ratio, run_child, table, verdict

TITLE = "First fit in a fresh process"
TARGET_S = 1.5


def child():
    t0 = time.perf_counter()
    import sklearn.base  # noqa: F401

    t1 = time.perf_counter()
    import skmlp

    t2 = time.perf_counter()
    from .._common import import_tf

    import_tf()
    t3 = time.perf_counter()
    from .._common import quiet, toy

    X, y = toy("iris", split=False)
    t4 = time.perf_counter()
    with quiet():
        skmlp.MLPKerasClassifier(random_state=0).fit(X, y)
    t5 = time.perf_counter()
    print(
        json.dumps(
            {"sklearn_base": t1 - t0, "skmlp": t2 - t1, "tf": t3 - t2, "fit": t5 - t4}
        )
    )


def measure(ctx):
    runs = [run_child(ctx, "first_fit") for _ in range(2 if ctx.quick else 3)]
    res = {k: [r[k] for r in runs] for k in runs[0]}
    log(
        f"  first fit {fmt_s(median(res['fit']))}, import TF {fmt_s(median(res['tf']))}"
    )
    return res


def report(res, ctx):
    m = {k: median(v) for k, v in res.items()}
    v = verdict(m["fit"], TARGET_S)
    r = ratio(m["skmlp"], m["sklearn_base"])
    lines = [
        f"{len(res['fit'])} fresh processes (started by a small helper), each "
        "timing in turn: `import sklearn.base`; `import skmlp` (on top of it, "
        "so skmlp's own share); importing TensorFlow and Keras; the first "
        "`MLPKerasClassifier(random_state=0).fit` on iris (standardised), "
        "which builds, traces and trains. NumPy is imported before the timing "
        "starts (the child loads the benchmark helpers). Medians.",
        "",
        *table(
            ["step", "median", "all runs (s)"],
            [
                [k, fmt_s(m[k]), ", ".join(f"{x:.2f}" for x in res[k])]
                for k in ("sklearn_base", "skmlp", "tf", "fit")
            ],
        ),
        "",
        *table(
            ["measure", "measured", "target", "verdict"],
            [
                [
                    "first fit, TensorFlow import excluded",
                    fmt_s(m["fit"]),
                    f"<= {TARGET_S} s",
                    v,
                ],
                [
                    "import skmlp after sklearn.base / import sklearn.base",
                    fmt_x(r),
                    "information",
                    "",
                ],
            ],
        ),
    ]
    return lines, [(f"first fit minus TF import <= {TARGET_S} s", fmt_s(m["fit"]), v)]
