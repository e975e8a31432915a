"""Held-out accuracy: skmlp vs a plain Keras model with the same settings.

On the small classification data sets, ``MLPKerasClassifier()`` (defaults)
vs a ``keras.Sequential`` with the same layers, optimizer (adam, lr 1e-3) and
batch size, trained for as many epochs as skmlp ran, over three seeds. (The
chapter network's accuracy is in its own section.)
"""

import numpy as np

from .._common import TOY, log, quiet, table, toy, verdict

TITLE = "Accuracy: skmlp vs plain Keras, same settings"
POINTS = 1.0


def _keras_accuracy(Xtr, ytr, Xte, yte, epochs, seed):
    import keras

    keras.utils.set_random_seed(seed)
    n_classes = int(ytr.max()) + 1
    model = keras.Sequential(
        [
            keras.Input(shape=(Xtr.shape[1],)),
            keras.layers.Dense(100, activation="relu"),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )
    model.compile(
        loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(1e-3)
    )
    model.fit(Xtr, ytr, epochs=epochs, batch_size=min(200, len(Xtr)), verbose=0)
    proba = model.predict(Xte, verbose=0)
    return float(np.mean(np.argmax(proba, axis=1) == yte))


def measure(ctx):
    from skmlp import MLPKerasClassifier

    names = ("breast_cancer", "digits") if ctx.quick else TOY
    seeds = range(1 if ctx.quick else 3)
    out = {}
    for name in names:
        Xtr, Xte, ytr, yte = toy(name)
        ours, theirs, epochs = [], [], []
        with quiet():
            for seed in seeds:
                est = MLPKerasClassifier(random_state=seed).fit(Xtr, ytr)
                ours.append(est.score(Xte, yte))
                epochs.append(est.n_iter_)
                theirs.append(_keras_accuracy(Xtr, ytr, Xte, yte, est.n_iter_, seed))
        out[name] = {"skmlp": ours, "keras": theirs, "epochs": epochs}
        log(f"  {name:14s} skmlp {np.mean(ours):.4f}  keras {np.mean(theirs):.4f}")
    return out


def report(res, ctx):
    rows, targets = [], []
    for name, r in res.items():
        d = (np.mean(r["skmlp"]) - np.mean(r["keras"])) * 100
        v = verdict(d, -POINTS, at_most=False)
        rows.append(
            [
                name,
                f"{np.mean(r['skmlp']):.4f}",
                f"{np.mean(r['keras']):.4f}",
                f"{d:+.2f} pt",
                f">= -{POINTS} pt",
                v,
                ", ".join(map(str, r["epochs"])),
            ]
        )
        targets.append(
            (
                f"accuracy {name}: skmlp within {POINTS} point of Keras",
                f"{d:+.2f} pt",
                v,
            )
        )
    lines = [
        "`MLPKerasClassifier(random_state=seed)` vs `keras.Sequential([Dense(100, "
        "relu), Dense(n_classes, softmax)])`, `Adam(1e-3)`, "
        "sparse_categorical_crossentropy, batch_size=min(200, n), trained for "
        "skmlp's `n_iter_` epochs (plain Keras has no stopping rule). X "
        "standardised, 75/25 split; mean held-out accuracy over "
        f"{len(next(iter(res.values()))['skmlp'])} seeds.",
        "",
        *table(
            [
                "data set",
                "skmlp",
                "plain Keras",
                "skmlp - Keras",
                "target",
                "verdict",
                "epochs (skmlp n_iter_)",
            ],
            rows,
        ),
    ]
    return lines, targets
