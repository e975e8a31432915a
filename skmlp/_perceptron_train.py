"""StepPerceptron's training, apart from the estimator: the rule's state at
the start of a fit, the epochs and when they stop, the weights they leave.

Each epoch visits the samples in order (or in a fresh permutation from the
fit's ``RandomState``) through the compiled rule (``_rule``: Numba is
imported on the first fit, not with skmlp), counts the samples on which a
unit was wrong, and the fit stops after an error-free epoch, after
``n_iter_no_change`` epochs without the count falling by more than
``tol * n_samples``, when a scikit-learn callback asks, or when the epochs
run out.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning


def initial_state(n_units, n_features, previous=None):
    """The rule's state at the start of a fit: a copy of ``previous`` (to
    continue it: warm_start, partial_fit), else zero weights."""
    from . import _rule

    if previous is None:
        return _rule.new_state(n_units, n_features)
    return _rule.copy_state(previous)


def weights(state, average):
    """``(coef_, intercept_)`` of ``state``: the current weights, or their
    average over every sample seen (``average=True``)."""
    from . import _rule

    if average:
        return _rule.averaged(state)
    return state["W"].copy(), state["b"].copy()


def run_epochs(X, T, sw, state, rng, n_epochs, report, params):
    """Run up to ``n_epochs`` epochs of the rule on ``state`` (in place).

    Parameters
    ----------
    X, T, sw : the samples, the units' targets and the per-sample weights
    state : dict
        The rule's state (:func:`initial_state`).
    rng : numpy.random.RandomState
        Draws each epoch's order (``params["shuffle"]``).
    n_epochs : int
    report : FitReport
        scikit-learn's callbacks, told of each epoch.
    params : dict
        The estimator's parameters (``get_params()``).

    Returns
    -------
    errors : list of int
        The error count of each epoch run.
    converged : bool
        Whether the last epoch was error-free.
    exhausted : bool
        Whether the epochs ran out before a stopping criterion was met.
    """
    from . import _rule

    tol, patience = params["tol"], params["n_iter_no_change"]
    errors, best, no_improve = [], np.inf, 0
    n = X.shape[0]
    # Samples of weight 0 are skipped, so they do not count in the tolerance.
    n_weighted = np.count_nonzero(sw)
    for epoch in range(n_epochs):
        report.epoch_begin()
        order = rng.permutation(n) if params["shuffle"] else np.arange(n)
        n_err = _rule.run_epoch(
            X,
            T,
            sw,
            order,
            state,
            eta0=params["eta0"],
            step=params["step"],
            fit_intercept=params["fit_intercept"],
        )
        errors.append(n_err)
        if params["verbose"]:
            print(f"-- Epoch {epoch + 1}: {n_err} errors")
        if report.epoch_end():  # a scikit-learn callback asks to stop
            return errors, n_err == 0, False
        if n_err == 0:
            return errors, True, False
        if tol is not None:
            threshold = best - tol * n_weighted
            no_improve = no_improve + 1 if n_err >= threshold else 0
            best = min(best, n_err)
            if no_improve >= patience:
                return errors, False, False
    return errors, False, True


def warn_exhausted(max_iter, stacklevel):
    """The ConvergenceWarning of a fit whose epochs ran out."""
    warnings.warn(
        f"StepPerceptron reached max_iter={max_iter} epochs without an "
        "error-free epoch or a plateau in the error count; increase max_iter, "
        "or scale the features.",
        ConvergenceWarning,
        stacklevel=stacklevel + 1,
    )
