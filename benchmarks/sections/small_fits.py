"""Default fits on scikit-learn's small data sets: skmlp vs scikit-learn.

``MLPKerasClassifier()`` vs ``MLPClassifier()`` on iris, wine, breast cancer
and digits; ``MLPKerasRegressor()`` vs ``MLPRegressor()`` on diabetes. Default
parameters, ``random_state=0``, X standardised (and diabetes's y, as a user
would: unscaled, neither converges in 200 epochs), 75/25 split.
"""

from .._common import TOY, alternate, fmt_s, fmt_x, log, ratio, table, toy, verdict

TITLE = "Small fits: default parameters, skmlp vs scikit-learn"
TARGET, STRETCH = 1.0, 0.5


def _fits(name):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    from skmlp import MLPKerasClassifier, MLPKerasRegressor

    Xtr, Xte, ytr, yte = toy(name)
    ours, theirs = (
        (MLPKerasRegressor, MLPRegressor)
        if name == "diabetes"
        else (MLPKerasClassifier, MLPClassifier)
    )

    def fit(cls):
        est = cls(random_state=0).fit(Xtr, ytr)
        return est.n_iter_, est.score(Xte, yte)

    return {"skmlp": lambda: fit(ours), "sklearn": lambda: fit(theirs)}


def measure(ctx):
    names = ("iris", "digits", "diabetes") if ctx.quick else (*TOY, "diabetes")
    out = {}
    for name in names:
        fits = _fits(name)
        # warm: one untimed fit of each first (TensorFlow's start-up, tracing)
        out[name] = alternate(fits, ctx.cheap_reps, warm=fits)
        t = out[name]
        log(
            f"  {name:14s} skmlp {fmt_s(t['skmlp'].median):>9s}  sklearn "
            f"{fmt_s(t['sklearn'].median):>9s}"
        )
    return out


def report(res, ctx):
    rows, targets = [], []
    for name, t in res.items():
        a, b = t["skmlp"], t["sklearn"]
        if a.error or b.error:
            rows.append([name, a.error or "", b.error or "", "", "", "n/a", "", ""])
            continue
        r = ratio(a.median, b.median)
        v = verdict(r, TARGET)
        if v == "PASS" and r <= STRETCH:
            v = "PASS (stretch too)"
        score = "R^2" if name == "diabetes" else "accuracy"
        rows.append(
            [
                name,
                fmt_s(a.median),
                fmt_s(b.median),
                fmt_x(r),
                f"<= {TARGET}x (stretch {STRETCH}x)",
                v,
                f"{a.value[0]} / {b.value[0]}",
                f"{a.value[1]:.3f} / {b.value[1]:.3f} ({score})",
            ]
        )
        targets.append((f"small fit {name}: skmlp <= {TARGET}x sklearn", fmt_x(r), v))
    lines = [
        "Default parameters and `random_state=0`: `MLPKerasClassifier()` vs "
        "`MLPClassifier()` (iris, wine, breast cancer, digits) and "
        "`MLPKerasRegressor()` vs `MLPRegressor()` (diabetes). X standardised "
        "(StandardScaler fitted on the 75% training split); diabetes's y "
        "standardised too, as a user would (unscaled, neither converges in "
        "200 epochs). Warm process: one untimed fit of each first. Scores on "
        f"the held-out 25%. Median of {ctx.cheap_reps} fit(s), contenders alternating.",
        "",
        *table(
            [
                "data set",
                "skmlp",
                "sklearn",
                "skmlp / sklearn",
                "target",
                "verdict",
                "n_iter_ skmlp / sklearn",
                "score skmlp / sklearn",
            ],
            rows,
        ),
    ]
    return lines, targets
