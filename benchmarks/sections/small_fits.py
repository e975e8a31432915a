"""Fits on scikit-learn's small data sets: skmlp vs scikit-learn, per solver.

``MLPKerasClassifier`` vs ``MLPClassifier`` on iris, wine, breast cancer and
digits; ``MLPKerasRegressor`` vs ``MLPRegressor`` on diabetes. Default
parameters but the solver (``"adam"``, the default, and ``"lbfgs"``),
``random_state=0``, X standardised (and diabetes's y, as a user would:
unscaled, neither converges in 200 epochs), 75/25 split.
"""

from .._common import TOY, alternate, fmt_s, log, ratio, ratio_cells, table, toy

TITLE = "Small fits: default parameters and solver='lbfgs', skmlp vs scikit-learn"
#: The solvers, each with its target (and stretch target) and summary label.
SOLVERS = {"adam": (1.0, 0.5, "small fit"), "lbfgs": (1.0, None, "lbfgs")}


def _fits(name, solver):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    from skmlp import MLPKerasClassifier, MLPKerasRegressor

    Xtr, Xte, ytr, yte = toy(name)
    ours, theirs = (
        (MLPKerasRegressor, MLPRegressor)
        if name == "diabetes"
        else (MLPKerasClassifier, MLPClassifier)
    )

    def fit(cls):
        est = cls(solver=solver, random_state=0).fit(Xtr, ytr)
        return est.n_iter_, est.score(Xte, yte)

    return {"skmlp": lambda: fit(ours), "sklearn": lambda: fit(theirs)}


def measure(ctx):
    names = ("iris", "digits", "diabetes") if ctx.quick else (*TOY, "diabetes")
    out = {}
    for solver in SOLVERS:
        out[solver] = {}
        for name in names:
            fits = _fits(name, solver)
            # warm: one untimed fit of each first (TensorFlow's start-up, tracing)
            t = out[solver][name] = alternate(fits, ctx.cheap_reps, warm=fits)
            log(
                f"  {solver:5s} {name:14s} skmlp {fmt_s(t['skmlp'].median):>9s}  "
                f"sklearn {fmt_s(t['sklearn'].median):>9s}"
            )
    return out


def _rows(res, solver):
    target, stretch, label = SOLVERS[solver]
    rows, targets = [], []
    for name, t in res.items():
        a, b = t["skmlp"], t["sklearn"]
        if a.error or b.error:
            rows.append([name, a.error or "", b.error or "", "", "", "n/a", "", ""])
            continue
        what = f"{label} {name}: skmlp <= {target}x sklearn"
        cells, (_, measured, v) = ratio_cells(what, a.median, b.median, target)
        if stretch is not None:
            cells[1] += f" (stretch {stretch}x)"
            if v == "PASS" and ratio(a.median, b.median) <= stretch:
                cells[2] = v = "PASS (stretch too)"
        score = "R^2" if name == "diabetes" else "accuracy"
        rows.append(
            [
                name,
                fmt_s(a.median),
                fmt_s(b.median),
                *cells,
                f"{a.value[0]} / {b.value[0]}",
                f"{a.value[1]:.3f} / {b.value[1]:.3f} ({score})",
            ]
        )
        targets.append((what, measured, v))
    return rows, targets


def report(res, ctx):
    header = [
        "data set",
        "skmlp",
        "sklearn",
        "skmlp / sklearn",
        "target",
        "verdict",
        "n_iter_ skmlp / sklearn",
        "score skmlp / sklearn",
    ]
    lines = [
        "Default parameters but the solver, and `random_state=0`: "
        "`MLPKerasClassifier` vs `MLPClassifier` (iris, wine, breast cancer, "
        "digits) and `MLPKerasRegressor` vs `MLPRegressor` (diabetes). X "
        "standardised (StandardScaler fitted on the 75% training split); "
        "diabetes's y standardised too, as a user would (unscaled, neither "
        "converges in 200 epochs). Warm process: one untimed fit of each "
        "first. Scores on the held-out 25% (accuracy, R^2 for diabetes). "
        f"Median of {ctx.cheap_reps} fit(s), contenders alternating.",
    ]
    targets = []
    for solver, by_name in res.items():
        rows, solver_targets = _rows(by_name, solver)
        default = " (the default)" if solver == "adam" else ""
        lines += ["", f"`solver={solver!r}`{default}:", "", *table(header, rows)]
        targets += solver_targets
    return lines, targets
