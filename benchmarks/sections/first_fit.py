"""The first fits in a fresh process: after TensorFlow's import, and the
second fit of a configuration against a warm one.

Each child process imports ``sklearn.base``, then skmlp, then TensorFlow,
then fits ``MLPKerasClassifier(random_state=0)`` on iris five times, then a
new configuration (another architecture, with early stopping) five times,
keeping every fitted estimator (as a notebook or a search keeps them), and
times each step: what a user waits for the first time (TensorFlow's own
import apart, which no wrapper can avoid), and whether a configuration's
second fit pays for a second warm-up.
"""

import json
import time

from .._common import (
    fmt_s,
    fmt_x,
    log,
    median,
    ratio,
    ratio_cells,
    run_child,
    table,
    verdict,
)

TITLE = "First fits in a fresh process"
#: The first fit after TensorFlow's import (seconds), and a configuration's
#: second fit over a warm fit of it.
FIRST_S, SECOND_X = 0.3, 1.3
#: A configuration new to the process after the default's fits.
NEW = {"hidden_layer_sizes": (50,), "early_stopping": True}
FITS = 5


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
    kept = []

    def fit(**params):
        t0 = time.perf_counter()
        kept.append(skmlp.MLPKerasClassifier(random_state=0, **params).fit(X, y))
        return time.perf_counter() - t0

    with quiet():
        default = [fit() for _ in range(FITS)]
        new = [fit(**NEW) for _ in range(FITS)]
    print(
        json.dumps(
            {
                "sklearn_base": t1 - t0,
                "skmlp": t2 - t1,
                "tf": t3 - t2,
                "fit": default[0],
                "second": default[1],
                "warm": median(default[2:]),
                "new_first": new[0],
                "new_second": new[1],
                "new_warm": median(new[2:]),
            }
        )
    )


def measure(ctx):
    runs = [run_child(ctx, "first_fit") for _ in range(2 if ctx.quick else 3)]
    res = {k: [r[k] for r in runs] for k in runs[0]}
    m = {k: median(v) for k, v in res.items()}
    log(
        f"  first fit {fmt_s(m['fit'])}, second {fmt_s(m['second'])}, warm "
        f"{fmt_s(m['warm'])}; new configuration {fmt_s(m['new_first'])}, "
        f"{fmt_s(m['new_second'])}, warm {fmt_s(m['new_warm'])}; import TF "
        f"{fmt_s(m['tf'])}"
    )
    return res


def report(res, ctx):
    m = {k: median(v) for k, v in res.items()}
    v = verdict(m["fit"], FIRST_S)
    steps = {
        "sklearn_base": "import sklearn.base",
        "skmlp": "import skmlp (after sklearn.base)",
        "tf": "import TensorFlow and Keras",
        "fit": "1st fit (the first after TensorFlow's import)",
        "second": "2nd fit, same configuration",
        "warm": f"warm fit (median of fits 3-{FITS})",
        "new_first": f"new configuration {NEW}: 1st fit",
        "new_second": "new configuration: 2nd fit",
        "new_warm": f"new configuration: warm fit (median of fits 3-{FITS})",
    }
    second = [
        ratio_cells(
            f"{label}: 2nd fit <= {SECOND_X}x a warm fit",
            m[first],
            m[warm],
            SECOND_X,
        )
        for label, first, warm in (
            ("default configuration", "second", "warm"),
            ("new configuration", "new_second", "new_warm"),
        )
    ]
    lines = [
        f"{len(res['fit'])} fresh processes (started by a small helper), each "
        "timing in turn the imports, then `MLPKerasClassifier(random_state=0)"
        f".fit` on iris (standardised) {FITS} times, then {FITS} fits of a new "
        f"configuration ({NEW}); every fitted estimator is kept. NumPy is "
        "imported before the timing starts (the child loads the benchmark "
        "helpers). Medians over the processes.",
        "",
        *table(
            ["step", "median", "all runs (s)"],
            [
                [label, fmt_s(m[k]), ", ".join(f"{x:.3f}" for x in res[k])]
                for k, label in steps.items()
            ],
        ),
        "",
        *table(
            ["measure", "measured", "target", "verdict"],
            [
                [
                    "first fit after TensorFlow's import",
                    fmt_s(m["fit"]),
                    f"<= {FIRST_S} s",
                    v,
                ],
                *([what, *cells] for cells, (what, _, _) in second),
                [
                    "import skmlp after sklearn.base / import sklearn.base",
                    fmt_x(ratio(m["skmlp"], m["sklearn_base"])),
                    "information",
                    "",
                ],
            ],
        ),
    ]
    targets = [
        (f"first fit after the TF import <= {FIRST_S} s", fmt_s(m["fit"]), v),
        *(summary for _, summary in second),
    ]
    return lines, targets
