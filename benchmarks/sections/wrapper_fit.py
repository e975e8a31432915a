"""skmlp.KerasClassifier (bring your own model): the cost of a fit.

``KerasClassifier(model=build_fn, epochs=5, batch_size=200).fit`` against the
same compiled model's ``model.fit`` for the same epochs and batch size (a
fresh model each time, built by the same function), with and without
``random_state``: the wrapper should add nothing to Keras's own training.
"""

import numpy as np

from .._common import alternate, fmt_s, log, ratio_cells, table

TITLE = "Bring-your-own-model wrapper: fit against model.fit"
TARGET = 1.05
EPOCHS, BATCH = 5, 200


def build_fn(meta=None, n_features=50, n_classes=2):
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    return model


def measure(ctx):
    import skmlp

    n = 10_000 if ctx.quick else 100_000
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 50)).astype(np.float32)
    y = (X[:, :5].sum(axis=1) > 0).astype(np.int64)

    def keras_fit():
        build_fn().fit(X, y, epochs=EPOCHS, batch_size=BATCH, verbose=0)

    def wrapper(random_state):
        est = skmlp.KerasClassifier(
            model=build_fn,
            epochs=EPOCHS,
            batch_size=BATCH,
            random_state=random_state,
        )
        return lambda: est.fit(X, y)

    contenders = {
        "model.fit": keras_fit,
        "KerasClassifier.fit": wrapper(None),
        "KerasClassifier.fit, random_state=0": wrapper(0),
    }
    res = alternate(contenders, ctx.reps, warm=contenders)
    for key, t in res.items():
        log(f"  {key:38s} {fmt_s(t.median) if t.times else t.error}")
    return {"n": n, "timings": res}


def report(res, ctx):
    timings = res["timings"]
    ref = timings["model.fit"].median
    rows, targets = [], []
    for key, t in timings.items():
        if not t.times:
            rows.append([key, t.error, ""])
            continue
        what = f"{key} <= {TARGET}x model.fit"
        cells, summary = ratio_cells(what, t.median, ref, TARGET)
        rows.append([key, fmt_s(t.median), cells[0]])
        if key != "model.fit":
            targets.append(summary)
    lines = [
        f"{res['n']:,} rows x 50 float32 features, 2 classes; a 50-64-2 "
        f"`keras.Sequential` compiled with Adam; {EPOCHS} epochs of batches of "
        f"{BATCH}. Each contender builds and fits a fresh model; median of "
        "the repetitions, the contenders alternating.",
        "",
        *table(["contender", "fit", "ratio to model.fit"], rows),
    ]
    return lines, targets
