"""solver="lbfgs" fits: skmlp vs scikit-learn's lbfgs on the small data sets."""

from .._common import TOY, alternate, fmt_s, fmt_x, log, ratio, table, toy, verdict

TITLE = 'L-BFGS: solver="lbfgs" fits, skmlp vs scikit-learn'
TARGET = 1.0


def _available():
    """None if skmlp accepts solver="lbfgs", else why not."""
    from sklearn.utils._param_validation import InvalidParameterError

    from skmlp import MLPKerasClassifier

    X, _, y, _ = toy("iris")
    try:
        MLPKerasClassifier(solver="lbfgs", max_iter=1).fit(X, y)
    except InvalidParameterError as exc:
        return f"not available: {str(exc).splitlines()[0][:120]}"
    return None


def measure(ctx):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    from skmlp import MLPKerasClassifier, MLPKerasRegressor

    missing = _available()
    names = ("iris", "digits", "diabetes") if ctx.quick else (*TOY, "diabetes")
    out = {}
    for name in names:
        if missing:
            out[name] = missing
            continue
        Xtr, Xte, ytr, yte = toy(name)
        ours, theirs = (
            (MLPKerasRegressor, MLPRegressor)
            if name == "diabetes"
            else (MLPKerasClassifier, MLPClassifier)
        )

        def fit(cls, Xtr=Xtr, Xte=Xte, ytr=ytr, yte=yte):
            est = cls(solver="lbfgs", random_state=0).fit(Xtr, ytr)
            return est.n_iter_, est.score(Xte, yte)

        fits = {"skmlp": lambda o=ours: fit(o), "sklearn": lambda t=theirs: fit(t)}
        out[name] = alternate(fits, ctx.cheap_reps, warm=fits)
        t = out[name]
        log(
            f"  {name:14s} skmlp {fmt_s(t['skmlp'].median):>9s}  "
            f"sklearn {fmt_s(t['sklearn'].median):>9s}"
        )
    return out


def report(res, ctx):
    rows, targets = [], []
    for name, t in res.items():
        if isinstance(t, str):
            rows.append([name, t, "", "", f"<= {TARGET}x", "n/a", "", ""])
            targets.append((f"lbfgs {name}: skmlp <= {TARGET}x sklearn", t, "n/a"))
            continue
        a, b = t["skmlp"], t["sklearn"]
        if a.error or b.error:
            rows.append([name, a.error or "", b.error or "", "", "", "n/a", "", ""])
            continue
        r = ratio(a.median, b.median)
        v = verdict(r, TARGET)
        rows.append(
            [
                name,
                fmt_s(a.median),
                fmt_s(b.median),
                fmt_x(r),
                f"<= {TARGET}x",
                v,
                f"{a.value[0]} / {b.value[0]}",
                f"{a.value[1]:.3f} / {b.value[1]:.3f}",
            ]
        )
        targets.append((f"lbfgs {name}: skmlp <= {TARGET}x sklearn", fmt_x(r), v))
    lines = [
        '`solver="lbfgs"`, otherwise default parameters, `random_state=0`, on '
        "the data of the small-fits section (X standardised, diabetes's y too; "
        "75/25 split; scores on the held-out part: accuracy, R^2 for "
        f"diabetes). Warm process; median of {ctx.cheap_reps}, alternating.",
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
