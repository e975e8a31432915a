"""predict_proba by row count on one network: skmlp vs scikit-learn.

A (300, 100) ``MLPKerasClassifier`` fitted on digits; its ``coefs_`` and
``intercepts_`` are copied into a scikit-learn ``MLPClassifier`` of the same
shape, so both compute the same network and only the implementation differs.
"""

import numpy as np

from .._common import fmt_s, latency, log, quiet, ratio_cells, table, toy

TITLE = "predict_proba by row count: skmlp vs scikit-learn, same weights"
SIZES = (1, 100, 2_048, 4_096, 30_000)
TARGET = 1.0


def _models():
    X, y = toy("digits", split=False)
    with quiet():
        return X, *_fit(X, y)


def _fit(X, y):
    from sklearn.neural_network import MLPClassifier

    from skmlp import MLPKerasClassifier

    ours = MLPKerasClassifier(hidden_layer_sizes=(300, 100), max_iter=5)
    ours.set_params(random_state=0).fit(X, y)
    theirs = MLPClassifier(hidden_layer_sizes=(300, 100), max_iter=1)
    theirs.set_params(random_state=0).fit(X, y)
    theirs.coefs_ = [np.array(c) for c in ours.coefs_]
    theirs.intercepts_ = [np.array(b) for b in ours.intercepts_]
    return ours, theirs


def measure(ctx):
    X, ours, theirs = _models()
    rng = np.random.default_rng(0)
    # digits-shaped rows: resampled digits with a little noise
    big = X[rng.integers(0, len(X), max(SIZES))]
    big = big + rng.normal(scale=0.1, size=big.shape)
    diff = float(np.abs(ours.predict_proba(big) - theirs.predict_proba(big)).max())
    fns = {"skmlp": ours.predict_proba, "sklearn": theirs.predict_proba}
    out = {"max_abs_diff": diff, "dtype": str(ours.coefs_[0].dtype), "sizes": {}}
    budget = 0.05 if ctx.quick else 0.3
    for n in SIZES:
        out["sizes"][n] = latency(fns, big[:n], rounds=3, budget_s=budget)
        t = out["sizes"][n]
        log(
            f"  {n:>6,} rows  skmlp {fmt_s(t['skmlp'][0]):>9s}  "
            f"sklearn {fmt_s(t['sklearn'][0]):>9s}"
        )
    return out


def report(res, ctx):
    rows, targets = [], []
    for n, t in res["sizes"].items():
        (a, na), (b, nb) = t["skmlp"], t["sklearn"]
        what = f"predict_proba {n:,} row{'s' * (n > 1)}: skmlp <= {TARGET}x sklearn"
        cells, summary = ratio_cells(what, a, b, TARGET)
        rows.append(
            [
                f"{n:,}",
                f"{fmt_s(a)} (n={na})",
                f"{fmt_s(b)} (n={nb})",
                *cells,
                f"{n / a:,.0f}",
            ]
        )
        targets.append(summary)
    lines = [
        "`MLPKerasClassifier(hidden_layer_sizes=(300, 100), max_iter=5, "
        "random_state=0)` fitted on digits (64 standardised features); its "
        f"`coefs_` / `intercepts_` ({res['dtype']}) copied into a fitted "
        "`MLPClassifier` of the same shape, so both compute the same network "
        f"(largest difference in probabilities: {res['max_abs_diff']:.1e}). "
        "Inputs: digits rows resampled with N(0, 0.1) noise, float64. Median "
        "call over 3 rounds of alternating calls after a warm-up call; n is "
        "the number of calls.",
        "",
        *table(
            [
                "rows",
                "skmlp",
                "sklearn",
                "skmlp / sklearn",
                "target",
                "verdict",
                "skmlp rows/s",
            ],
            rows,
        ),
    ]
    return lines, targets
