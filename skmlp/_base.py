"""What every skmlp estimator shares: fit transactions and versioned pickles."""

from contextlib import contextmanager


@contextmanager
def fit_transaction(estimator):
    """Restore ``estimator.__dict__`` if the body raises: a failed fit changes
    nothing (``validate_data(reset=True)`` sets attributes before training)."""
    saved = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(saved)
        raise


def pickled_state(state):
    """A copy of ``state`` recording the skmlp version that pickles it."""
    from . import __version__

    return {**state, "_skmlp_version": __version__}


def check_pickled_version(estimator, state):
    """Pop the version :func:`pickled_state` recorded from ``state``; warn with
    InconsistentVersionWarning if it is not the running skmlp's."""
    import warnings

    from sklearn.exceptions import InconsistentVersionWarning

    from . import __version__

    saved = state.pop("_skmlp_version", None)
    if saved is not None and saved != __version__:
        warnings.warn(
            InconsistentVersionWarning(
                estimator_name=f"skmlp {type(estimator).__name__}",
                current_sklearn_version=__version__,
                original_sklearn_version=saved,
            ),
            stacklevel=3,  # the caller of pickle.load
        )
    return state
