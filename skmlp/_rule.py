"""The perceptron learning rule: one epoch, compiled with Numba.

This module owns the inner loop and nothing else (no estimator logic). The rule
visits one sample at a time, so its cost is interpreter overhead unless the loop
is compiled; Numba compiles it on first use and caches the machine code on disk.
Set ``NUMBA_DISABLE_JIT=1`` to step through it in a debugger as plain Python.
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _epoch(X, T, sw, order, W, b, aW, ab, t0, eta0, sign, fit_intercept, average):
    n_units, n_features = W.shape
    d = np.zeros(n_units)
    n_errors = 0
    for s in range(order.shape[0]):
        i = order[s]
        if sw[i] == 0.0:
            continue
        wrong = False
        for k in range(n_units):
            z = b[k]
            for j in range(n_features):
                z += W[k, j] * X[i, j]
            if sign:
                out = 1.0 if z > 0 else (-1.0 if z < 0 else 0.0)
            else:
                out = 1.0 if z >= 0 else 0.0
            d[k] = eta0 * sw[i] * (T[i, k] - out)
            wrong = wrong or d[k] != 0.0
        if not wrong:
            continue
        n_errors += 1
        # The averaged perceptron weighs each update by the samples seen
        # before it; see StepPerceptron's Notes for the identity.
        age = t0 + s
        for k in range(n_units):
            if d[k] == 0.0:
                continue
            for j in range(n_features):
                W[k, j] += d[k] * X[i, j]
            if fit_intercept:
                b[k] += d[k]
            if average:
                for j in range(n_features):
                    aW[k, j] += age * d[k] * X[i, j]
                if fit_intercept:
                    ab[k] += age * d[k]
    return n_errors


def run_epoch(X, T, sw, order, state, *, eta0, step, fit_intercept, average):
    """Apply the perceptron rule to the rows of ``X`` in ``order``, in place.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float32 or float64
    T : ndarray of shape (n_samples, n_units)
        The target output of every unit (0/1 for heaviside, -1/+1 for sign).
    sw : ndarray of shape (n_samples,)
        Per-sample factor of the update (class weight times sample weight).
    order : ndarray of int
        The visiting order of the epoch.
    state : dict
        ``W`` (n_units, n_features), ``b`` (n_units,), ``t`` (samples seen so
        far) and the averaging accumulators ``aW``, ``ab``; updated in place.

    Returns
    -------
    n_errors : int
        Samples with non-zero weight on which at least one unit was wrong.
    """
    n_errors = _epoch(
        X,
        T,
        sw,
        order.astype(np.intp, copy=False),
        state["W"],
        state["b"],
        state["aW"],
        state["ab"],
        float(state["t"]),
        float(eta0),
        step == "sign",
        bool(fit_intercept),
        bool(average),
    )
    state["t"] += len(order)
    return int(n_errors)
