"""StepPerceptron vs scikit-learn's Perceptron, 5 epochs on the chapter data."""

from .._common import (
    alternate,
    chapter_rows,
    fmt_s,
    fmt_x,
    log,
    mnist_like,
    ratio,
    ratio_cells,
    table,
)

TITLE = "StepPerceptron vs sklearn Perceptron (5 epochs, tol=None)"
TARGET = 1.0


def measure(ctx):
    from sklearn.linear_model import Perceptron

    from skmlp import StepPerceptron

    X, y, Xte, yte = mnist_like(*chapter_rows(ctx))
    makers = {"skmlp": StepPerceptron, "sklearn": Perceptron}
    fits = {
        k: (lambda m=m: m(max_iter=5, tol=None, random_state=0).fit(X, y))
        for k, m in makers.items()
    }
    # warm: numba's compilation (same dtype and target kind), sklearn alike
    warm = {
        k: (lambda m=m: m(max_iter=5, tol=None).fit(X[:200], y[:200]))
        for k, m in makers.items()
    }
    res = alternate(fits, ctx.reps, warm=warm)
    for key, t in res.items():
        t.acc = None if t.error else float(t.value.score(Xte, yte))
        t.value = None
        log(f"  {key:8s} {fmt_s(t.median):>9s}")
    return {"fits": res, "rows": len(X)}


def report(res, ctx):
    f = res["fits"]
    what = f"StepPerceptron fit <= {TARGET}x sklearn Perceptron"
    cells, summary = ratio_cells(what, f["skmlp"].median, f["sklearn"].median, TARGET)
    rows = []
    for key, label in (
        ("skmlp", "skmlp StepPerceptron"),
        ("sklearn", "sklearn Perceptron"),
    ):
        t = f[key]
        rows.append(
            [
                label,
                t.error or fmt_s(t.median),
                ", ".join(f"{x:.2f}" for x in t.times),
                fmt_x(ratio(t.median, f["sklearn"].median)),
                "" if t.acc is None else f"{t.acc:.4f}",
            ]
        )
    lines = [
        f"`(max_iter=5, tol=None, random_state=0)` on the chapter data "
        f"({res['rows']:,} x 784 float32). numba's compilation warmed by an "
        "untimed fit on 200 rows (sklearn's Perceptron got the same); sklearn "
        "converts X to float64 on every fit, StepPerceptron keeps float32. "
        f"Median of {ctx.reps}, alternating.",
        "",
        *table(
            [
                "contender",
                "fit time",
                "all runs (s)",
                "ratio to sklearn",
                "test accuracy",
            ],
            rows,
        ),
        "",
        *table(
            ["measure", "skmlp / sklearn", "target", "verdict"],
            [["fit time", *cells]],
        ),
    ]
    return lines, [summary]
