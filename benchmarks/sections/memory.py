"""Peak resident memory of one chapter-network fit: skmlp vs plain Keras.

Each fit runs in its own fresh process, started by the small helper process
(see ``_common.Spawner``), so its ``ru_maxrss`` is its own.
"""

import json
import os
import tempfile
import time

import numpy as np

from .._common import (
    chapter_rows,
    fmt_x,
    log,
    maxrss_mb,
    mnist_like,
    ratio,
    run_child,
    short_error,
    table,
    verdict,
    vmhwm_mb,
)

TITLE = "Peak resident memory of one fit (chapter network)"
TARGET = 1.1
LABELS = {"skmlp": "skmlp MLPKerasClassifier", "keras": "plain Keras Sequential.fit"}


def child(which, data_dir, epochs):
    """Load the data, import, fit, print the high-water marks."""
    from .._common import import_tf, quiet
    from .chapter_network import fit_keras, fit_skmlp

    at_start = maxrss_mb()
    X = np.load(os.path.join(data_dir, "X.npy"))
    y = np.load(os.path.join(data_dir, "y.npy"))
    import_tf()
    if which == "skmlp":
        import skmlp  # noqa: F401
    baseline = maxrss_mb()
    with quiet():
        t0 = time.perf_counter()
        (fit_skmlp if which == "skmlp" else fit_keras)(X, y, int(epochs))
        dt = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "at_start_mb": at_start,
                "baseline_mb": baseline,
                "peak_mb": maxrss_mb(),
                "vmhwm_mb": vmhwm_mb(),
                "fit_s": dt,
            }
        )
    )


def measure(ctx):
    X, y, _, _ = mnist_like(*chapter_rows(ctx))
    epochs = 1 if ctx.quick else 2
    res = {"epochs": epochs, "rows": len(X)}
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "X.npy"), X)
        np.save(os.path.join(tmp, "y.npy"), y)
        for which in LABELS:
            try:
                res[which] = run_child(ctx, "memory", which, tmp, epochs)
                log(f"  {which:6s} peak {res[which]['peak_mb']:7.0f} MB")
            except Exception as exc:  # noqa: BLE001
                res[which] = {"error": short_error(exc)}
    return res


def report(res, ctx):
    rows = []
    for key, label in LABELS.items():
        r = res[key]
        if "error" in r:
            rows.append([label, r["error"], "", "", "", "", ""])
            continue
        rows.append(
            [
                label,
                f"{r['at_start_mb']:.0f} MB",
                f"{r['baseline_mb']:.0f} MB",
                f"{r['peak_mb']:.0f} MB",
                f"{r['peak_mb'] - r['baseline_mb']:.0f} MB",
                f"{r['vmhwm_mb']:.0f} MB",
                f"{r['fit_s']:.1f} s",
            ]
        )
    a, b = res["skmlp"], res["keras"]
    r = ratio(a.get("peak_mb", float("nan")), b.get("peak_mb", float("nan")))
    v = verdict(r, TARGET)
    lines = [
        f"{res['rows']:,} rows, {res['epochs']} epoch(s), the chapter-network "
        "settings. Each child loads the data from .npy, imports TensorFlow and "
        "Keras (and skmlp), reads `ru_maxrss` (baseline), fits, reads it again "
        "(peak: the whole process's high-water mark). `VmHWM` from "
        "/proc/self/status is a cross-check.",
        "",
        *table(
            [
                "contender",
                "ru_maxrss at start",
                "baseline",
                "peak",
                "peak - baseline",
                "VmHWM",
                "fit time in child",
            ],
            rows,
        ),
        "",
        *table(
            ["measure", "skmlp / Keras", "target", "verdict"],
            [["peak ru_maxrss", fmt_x(r), f"<= {TARGET}x", v]],
        ),
    ]
    return lines, [(f"peak memory of a fit: skmlp <= {TARGET}x Keras", fmt_x(r), v)]
