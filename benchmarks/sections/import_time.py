"""``python -c "import skmlp"`` vs ``python -c "import sklearn.base"``."""

import sys

from .._common import fmt_s, fmt_x, log, median, ratio, table, verdict

TITLE = "Import time (whole process: `python -c '<statement>'`)"
TARGET = 1.2
STATEMENTS = {
    "skmlp": "import skmlp",
    "sklearn.base": "import sklearn.base",
    "nothing": "pass",
}


def measure(ctx):
    n = 3 if ctx.quick else 9
    times = {k: [] for k in STATEMENTS}
    for _ in range(n):
        for key, stmt in STATEMENTS.items():
            times[key].append(ctx.spawner.run([sys.executable, "-c", stmt])[1])
    out, _ = ctx.spawner.run(
        [sys.executable, "-c", "import sys, skmlp; print('tensorflow' in sys.modules)"]
    )
    for key, ts in times.items():
        log(f"  {STATEMENTS[key]:22s} {fmt_s(median(ts))}")
    return {"times": times, "tf_imported": out.strip() == "True"}


def report(res, ctx):
    t = {k: median(v) for k, v in res["times"].items()}
    r = ratio(t["skmlp"], t["sklearn.base"])
    v = verdict(r, TARGET)
    rows = [
        [
            f"`{STATEMENTS[k]}`",
            fmt_s(t[k]),
            ", ".join(f"{x:.2f}" for x in res["times"][k]),
            fmt_x(ratio(t[k], t["sklearn.base"])),
        ]
        for k in STATEMENTS
    ]
    lines = [
        "Wall time of the whole child process, interpreter start-up included, "
        "timed by the small helper process that starts it; the statements "
        "interleaved, the page cache warm.",
        "",
        *table(["statement", "median", "all runs (s)", "ratio to sklearn.base"], rows),
        "",
        f"`import skmlp` imported TensorFlow: {res['tf_imported']}",
        "",
        *table(
            ["measure", "ratio", "target", "verdict"],
            [["import skmlp / import sklearn.base", fmt_x(r), f"<= {TARGET}x", v]],
        ),
    ]
    return lines, [(f"import skmlp <= {TARGET}x import sklearn.base", fmt_x(r), v)]
