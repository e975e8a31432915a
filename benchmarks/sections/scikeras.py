"""The chapter network through scikeras and keras.wrappers vs skmlp.

scikeras 0.13 does not work with scikit-learn >= 1.6 (it subclasses
internals that changed); when it cannot be imported or cannot fit, its rows
say so and its targets are n/a.
"""

from .._common import (
    alternate,
    chapter_rows,
    fmt_s,
    fmt_x,
    latency,
    log,
    mnist_like,
    quiet,
    ratio,
    short_error,
    table,
    verdict,
)
from .chapter_network import compiled_keras, fit_skmlp

TITLE = "Peer wrappers: scikeras and keras.wrappers (chapter network)"
TARGET = 0.5
LABELS = {
    "skmlp": "skmlp MLPKerasClassifier",
    "scikeras": "scikeras KerasClassifier",
    "kwrap": "keras.wrappers.SKLearnClassifier",
}


def fit_scikeras(X, y, epochs=2):
    from scikeras.wrappers import KerasClassifier

    return KerasClassifier(
        model=compiled_keras, epochs=epochs, batch_size=32, verbose=0, random_state=0
    ).fit(X, y)


def _onehot_model(X=None, y=None):
    """keras.wrappers one-hot encodes y: categorical_crossentropy."""
    return compiled_keras(y.shape[1], loss="categorical_crossentropy")


def fit_kwrap(X, y, epochs=2):
    import keras
    from keras.wrappers import SKLearnClassifier

    keras.utils.set_random_seed(0)
    return SKLearnClassifier(
        model=_onehot_model, fit_kwargs=dict(epochs=epochs, batch_size=32, verbose=0)
    ).fit(X, y)


def scikeras_broken(X, y):
    """None if scikeras imports and fits, else the reason."""
    try:
        with quiet():
            fit_scikeras(X[:64], y[:64], 1)
    except ImportError as exc:
        return f"scikeras not importable: {short_error(exc)}"
    except Exception as exc:  # noqa: BLE001
        return f"scikeras broken on this scikit-learn: {short_error(exc)}"
    return None


def measure(ctx):
    X, y, Xte, yte = mnist_like(*chapter_rows(ctx))
    fns = {"skmlp": fit_skmlp, "scikeras": fit_scikeras, "kwrap": fit_kwrap}
    broken = scikeras_broken(X, y)
    if broken:
        del fns["scikeras"]
        log(f"  {broken}")
    fits = {k: (lambda f=f: f(X, y)) for k, f in fns.items()}
    warm = {k: (lambda f=f: f(X[:640], y[:640], 1)) for k, f in fns.items()}
    res = {"fits": alternate(fits, ctx.reps, warm=warm), "broken": broken}
    live = {
        k: t.value.predict_proba
        for k, t in res["fits"].items()
        if not t.error and hasattr(t.value, "predict_proba")
    }
    res["latency"] = latency(live, Xte[:1], rounds=3, budget_s=0.2)
    for key, t in res["fits"].items():
        t.acc = None if t.error else float(t.value.score(Xte, yte))
        t.value = None
        log(f"  {key:8s} {fmt_s(t.median):>9s} {t.error or ''}")
    return res


def report(res, ctx):
    f, lat = res["fits"], res["latency"]
    a = f["skmlp"]
    rows, targets = [], []
    for key, label in LABELS.items():
        t = f.get(key)
        if t is None or t.error:
            why = res["broken"] if t is None else t.error
            rows.append([label, why, "", "", "", "", ""])
            if key == "scikeras":
                targets.append(
                    (f"chapter fit: skmlp <= {TARGET}x scikeras", why, "n/a")
                )
            continue
        r = ratio(a.median, t.median)
        v = verdict(r, TARGET) if key == "scikeras" else ""
        rows.append(
            [
                label,
                fmt_s(t.median),
                fmt_x(r),
                f"<= {TARGET}x" if key == "scikeras" else "",
                v,
                f"{t.acc:.4f}",
                fmt_s(lat[key][0]) if key in lat else "no predict_proba",
            ]
        )
        if key == "scikeras":
            targets.append((f"chapter fit: skmlp <= {TARGET}x scikeras", fmt_x(r), v))
    lines = [
        "The chapter-network fit (settings of that section) through each "
        "wrapper; scikeras and keras.wrappers wrap the same compiled Keras "
        "model (keras.wrappers one-hot encodes y, so categorical_crossentropy). "
        f"One untimed fit on 640 rows first; median of {ctx.reps}, alternating. "
        "1-row predict_proba: median call of 3 rounds.",
        "",
        *table(
            [
                "contender",
                "fit time",
                "skmlp / contender",
                "target",
                "verdict",
                "test accuracy",
                "1-row predict_proba",
            ],
            rows,
        ),
    ]
    return lines, targets
