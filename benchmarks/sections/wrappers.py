"""skmlp.KerasClassifier (bring your own model): 1-row predict_proba cost.

``KerasClassifier(model=build_fn).predict_proba`` vs calling the same Keras
model's ``model.predict`` (and scikeras's KerasClassifier when it works).
"""

from .._common import (
    fmt_s,
    fmt_x,
    latency,
    log,
    quiet,
    ratio,
    ratio_cells,
    short_error,
    table,
    toy,
)

TITLE = "Bring-your-own-model wrapper: 1-row predict_proba"
TARGET = 1 / 20


def build_fn():
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            keras.layers.Dense(100, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    return model


def measure(ctx):
    import skmlp

    X, y = toy("digits", split=False)
    with quiet():
        est = skmlp.KerasClassifier(model=build_fn, epochs=1, random_state=0)
        est.fit(X, y)
    model = est.model_
    fns = {
        "skmlp KerasClassifier.predict_proba": est.predict_proba,
        "the same model's model.predict": lambda X: model.predict(X, verbose=0),
    }
    res = {"scikeras": None}
    try:
        from scikeras.wrappers import KerasClassifier

        with quiet():
            theirs = KerasClassifier(model=build_fn, epochs=1, verbose=0).fit(X, y)
        fns["scikeras KerasClassifier.predict_proba"] = theirs.predict_proba
    except Exception as exc:  # noqa: BLE001
        res["scikeras"] = f"scikeras not importable / broken: {short_error(exc)}"
    budget = 0.1 if ctx.quick else 0.4
    res["latency"] = latency(fns, X[:1], rounds=5, budget_s=budget)
    for key, (t, _) in res["latency"].items():
        log(f"  {key:42s} {fmt_s(t)}")
    return res


def report(res, ctx):
    lat = res["latency"]
    ref = lat["the same model's model.predict"][0]
    rows = [
        [k, f"{fmt_s(t)} (n={n})", fmt_x(ratio(t, ref))] for k, (t, n) in lat.items()
    ]
    if res["scikeras"]:
        rows.append(["scikeras KerasClassifier.predict_proba", res["scikeras"], ""])
    what = "KerasClassifier 1-row predict_proba <= 1/20 model.predict"
    ours = lat["skmlp KerasClassifier.predict_proba"][0]
    cells, summary = ratio_cells(what, ours, ref, TARGET)
    cells[1] = "<= 0.05x (1/20)"
    lines = [
        "`KerasClassifier(model=build_fn, epochs=1)` fitted on digits, "
        "`build_fn` a compiled 64-100-10 `keras.Sequential`; its fitted "
        "`model_.predict(X, verbose=0)` is the reference. Median call of 5 "
        "rounds of alternating calls on 1 row; n is the number of calls.",
        "",
        *table(["contender", "1 row", "ratio to model.predict"], rows),
        "",
        *table(
            ["measure", "ratio", "target", "verdict"],
            [["KerasClassifier / model.predict", *cells]],
        ),
    ]
    return lines, [summary]
