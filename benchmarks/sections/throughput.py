"""10,000-row predict_proba throughput of the chapter network vs plain Keras."""

from .._common import fmt_s, fmt_x, latency, log, ratio, table, verdict
from .chapter_network import same_network

TITLE = "Throughput: predict_proba on 10,000 rows (chapter network)"
ROWS, TARGET = 10_000, 1.0


def measure(ctx):
    ours, theirs, model, Xte = same_network()
    fns = {
        "skmlp predict_proba": ours.predict_proba,
        "plain Keras model.predict": lambda X: model.predict(X, verbose=0),
        "sklearn MLPClassifier predict_proba (info)": theirs.predict_proba,
    }
    budget = 0.5 if ctx.quick else 2.0
    out = latency(fns, Xte[:ROWS], rounds=3, budget_s=budget, max_calls=20)
    for key, (t, _) in out.items():
        log(f"  {key:44s} {ROWS / t:,.0f} rows/s")
    return out


def report(res, ctx):
    rows = [[k, f"{fmt_s(t)} (n={n})", f"{ROWS / t:,.0f}"] for k, (t, n) in res.items()]
    r = ratio(res["plain Keras model.predict"][0], res["skmlp predict_proba"][0])
    v = verdict(r, TARGET, at_most=False)
    lines = [
        f"The network of the latency section; {ROWS:,} rows per call, median "
        "call over 3 rounds of alternating calls after a warm-up (Keras "
        "`model.predict` with its default batch_size=32).",
        "",
        *table(["contender", "time per call", "rows/s"], rows),
        "",
        *table(
            ["measure", "skmlp rows/s / Keras rows/s", "target", "verdict"],
            [["throughput", fmt_x(r), f">= {TARGET}x", v]],
        ),
    ]
    return lines, [
        (f"{ROWS:,}-row throughput: skmlp >= {TARGET}x Keras predict", fmt_x(r), v)
    ]
