"""predict_proba latency on 1 and 10 rows of the chapter network."""

from .._common import fmt_s, fmt_x, latency, log, ratio, ratio_cells, table
from .chapter_network import same_network

TITLE = "Latency: predict_proba on 1 and 10 rows (chapter network)"
TARGET = 1.0


def measure(ctx):
    import numpy as np

    ours, theirs, model, Xte = same_network()
    fns = {
        "skmlp predict_proba": ours.predict_proba,
        "sklearn MLPClassifier predict_proba": theirs.predict_proba,
        "plain Keras model.predict": lambda X: model.predict(X, verbose=0),
        "plain Keras model(X) (direct call, info)": lambda X: np.asarray(
            model(X, training=False)
        ),
    }
    budget = 0.1 if ctx.quick else 0.4
    out = {n: latency(fns, Xte[:n], rounds=5, budget_s=budget) for n in (1, 10)}
    for key in fns:
        log(f"  {key:42s} 1 row {fmt_s(out[1][key][0]):>9s}")
    return out


def report(res, ctx):
    sk = "sklearn MLPClassifier predict_proba"
    rows = [
        [
            key,
            f"{fmt_s(res[1][key][0])} (n={res[1][key][1]})",
            f"{fmt_s(res[10][key][0])} (n={res[10][key][1]})",
            fmt_x(ratio(res[1][key][0], res[1][sk][0])),
        ]
        for key in res[1]
    ]
    what = f"1-row predict_proba: skmlp <= {TARGET}x sklearn"
    cells, summary = ratio_cells(
        what, res[1]["skmlp predict_proba"][0], res[1][sk][0], TARGET
    )
    lines = [
        "The chapter network fitted by skmlp (1 epoch on 2,000 rows), its "
        "weights copied into an `MLPClassifier` and a plain Keras model: one "
        "network, three implementations. Median call over 5 rounds of "
        "alternating calls, after a warm-up; n is the number of calls. Keras "
        "`model.predict` uses its default batch_size=32.",
        "",
        *table(["contender", "1 row", "10 rows", "1 row / sklearn"], rows),
        "",
        *table(
            ["measure", "skmlp / sklearn", "target", "verdict"],
            [["1-row predict_proba", *cells]],
        ),
    ]
    return lines, [summary]
