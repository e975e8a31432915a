"""The perceptron learning rule: one epoch, compiled with Numba.

This module owns the inner loop and nothing else (no estimator logic). The rule
visits one sample at a time, so its cost is interpreter overhead unless the loop
is compiled; Numba compiles it on first use and caches the machine code on disk.
Set ``NUMBA_DISABLE_JIT=1`` to step through it in a debugger as plain Python.

The loops may reassociate and fuse floating-point operations (``fastmath``
``reassoc`` and ``contract``, nothing else) so that ``w . x`` runs in SIMD lanes,
about twice as fast as a sum in strict order. With integer-valued data, eta0 and
weights, every sum is exact in any order, so a fit equals the rule written as a
plain Python loop bit for bit; on general float data they agree to rounding,
except that a sample whose ``z`` is within rounding of 0 may fall on either side
of the step.
"""

import numpy as np
import scipy.sparse as sp
from numba import njit


@njit(nogil=True, fastmath={"reassoc", "contract"})
def _visit(vals, cols, t, w_factor, W, b, aW, ab, age, d, eta0, sign, fit_intercept):
    """Apply the rule to one sample; return 1 if any unit was wrong, else 0.

    The sample is ``vals`` (dense row) when ``cols`` is None, else the sparse
    row with values ``vals`` at columns ``cols``. ``t`` holds its targets.
    """
    n_units = W.shape[0]
    wrong = 0
    for k in range(n_units):
        z = b[k]
        if cols is None:
            for j in range(vals.shape[0]):
                z += W[k, j] * vals[j]
        else:
            for p in range(vals.shape[0]):
                z += W[k, cols[p]] * vals[p]
        if sign:
            out = 1.0 if z > 0 else (-1.0 if z < 0 else 0.0)
        else:
            out = 1.0 if z >= 0 else 0.0
        d[k] = eta0 * w_factor * (t[k] - out)
        if d[k] != 0.0:
            wrong = 1
    if not wrong:
        return 0
    # Every unit sees the sample before any unit moves. ``aW``/``ab`` sum each
    # update times the number of samples seen before it, for the averaged
    # perceptron; see StepPerceptron's Notes for the identity.
    for k in range(n_units):
        if d[k] == 0.0:
            continue
        if cols is None:
            for j in range(vals.shape[0]):
                W[k, j] += d[k] * vals[j]
                aW[k, j] += age * (d[k] * vals[j])
        else:
            for p in range(vals.shape[0]):
                W[k, cols[p]] += d[k] * vals[p]
                aW[k, cols[p]] += age * (d[k] * vals[p])
        if fit_intercept:
            b[k] += d[k]
            ab[k] += age * d[k]
    return 1


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _epoch_dense(X, T, sw, order, W, b, aW, ab, t0, eta0, sign, fit_intercept):
    d = np.zeros(W.shape[0])
    n_errors = 0
    seen = 0
    for s in range(order.shape[0]):
        i = order[s]
        if sw[i] == 0.0:
            continue
        age = t0 + seen
        n_errors += _visit(
            X[i], None, T[i], sw[i], W, b, aW, ab, age, d, eta0, sign, fit_intercept
        )
        seen += 1
    return n_errors, seen


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _epoch_csr(
    data, indices, indptr, T, sw, order, W, b, aW, ab, t0, eta0, sign, fit_intercept
):
    d = np.zeros(W.shape[0])
    n_errors = 0
    seen = 0
    for s in range(order.shape[0]):
        i = order[s]
        if sw[i] == 0.0:
            continue
        lo, hi = indptr[i], indptr[i + 1]
        vals, cols, age = data[lo:hi], indices[lo:hi], t0 + seen
        n_errors += _visit(
            vals, cols, T[i], sw[i], W, b, aW, ab, age, d, eta0, sign, fit_intercept
        )
        seen += 1
    return n_errors, seen


def new_state(n_units, n_features):
    """Zero weights and zero averaging accumulators: the rule's starting point."""
    return {
        "W": np.zeros((n_units, n_features)),
        "b": np.zeros(n_units),
        "aW": np.zeros((n_units, n_features)),
        "ab": np.zeros(n_units),
        "t": 0,
    }


def copy_state(state):
    """An independent copy of ``state`` (arrays copied, ``t`` kept)."""
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in state.items()}


def averaged(state):
    """The mean of the weights after each of the ``t`` samples seen.

    With ``W`` the current weights and ``A`` the sum of every update ``d``
    times the number of samples seen before it, the weights summed over the
    ``t`` samples are ``t W - A`` (exact for integer data), and their mean is
    that sum divided by ``t``.
    """
    t = state["t"]
    if t == 0:
        return state["W"].copy(), state["b"].copy()
    return (t * state["W"] - state["aW"]) / t, (t * state["b"] - state["ab"]) / t


def run_epoch(X, T, sw, order, state, *, eta0, step, fit_intercept):
    """Apply the perceptron rule to the rows of ``X`` in ``order``, in place.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        The samples, float32 or float64.
    T : ndarray of shape (n_samples, n_units)
        The target output of every unit (0/1 for heaviside, -1/+1 for sign).
    sw : ndarray of shape (n_samples,)
        Per-sample factor of the update (class weight times sample weight).
        A sample with weight 0 is skipped as if it were absent: it neither
        counts as an error nor as a sample seen.
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
    args = (
        np.ascontiguousarray(T, dtype=np.float64),
        np.ascontiguousarray(sw, dtype=np.float64),
        np.asarray(order, dtype=np.intp),
        state["W"],
        state["b"],
        state["aW"],
        state["ab"],
        float(state["t"]),
        float(eta0),
        step == "sign",
        bool(fit_intercept),
    )
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        n_errors, seen = _epoch_csr(X.data, X.indices, X.indptr, *args)
    else:
        n_errors, seen = _epoch_dense(np.ascontiguousarray(X), *args)
    state["t"] += int(seen)
    return int(n_errors)
