"""What every skmlp estimator does with its state: fit transactions (a failed
fit restores it) and versioned pickles."""

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


#: The layout of a pickled estimator's state. Raise it when a fitted
#: attribute's saved form changes, and teach ``restore_record`` (or the
#: estimator's ``__setstate__``) to migrate the older one.
STATE_VERSION = 1


def pickled_state(state):
    """A copy of ``state`` recording the skmlp version that pickles it and
    the layout of its state (:data:`STATE_VERSION`)."""
    from . import __version__

    return {**state, "_skmlp_version": __version__, "_skmlp_state": STATE_VERSION}


def saved_versions(state):
    """``(skmlp version, state version)`` recorded in a pickled ``state``
    (None for what a pickle of an older skmlp did not record)."""
    return state.get("_skmlp_version"), state.get("_skmlp_state")


def check_pickled_version(estimator, state):
    """Pop the versions :func:`pickled_state` recorded from ``state``; warn
    with InconsistentVersionWarning if it is not the running skmlp's."""
    import warnings

    from sklearn.exceptions import InconsistentVersionWarning

    from . import __version__

    saved = state.pop("_skmlp_version", None)
    state.pop("_skmlp_state", None)
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


def restore_record(cls, saved, estimator, versions):
    """``cls`` (a dataclass or NamedTuple) from its pickled form, a dict or a
    tuple of its fields, as another skmlp version may have written it.

    Other fields raise a ValueError naming both versions and the fix (a
    TypeError from ``cls(**saved)`` would name neither). A later change of
    fields that can be migrated (a new field with a neutral value) fills it
    in here, keyed on the saved state version.
    """
    import dataclasses

    from . import __version__

    names = (
        [f.name for f in dataclasses.fields(cls)]
        if dataclasses.is_dataclass(cls)
        else list(cls._fields)
    )
    if isinstance(saved, dict):
        values = dict(saved)
    elif len(saved) == len(names):
        values = dict(zip(names, saved))
    else:
        values = {f"field {i}": v for i, v in enumerate(saved)}
    unknown = [k for k in values if k not in names]
    missing = [k for k in names if k not in values]
    if not unknown and not missing:
        return cls(**{k: values[k] for k in names})
    version, state = versions
    written = f"skmlp {version}" if version else "an skmlp that did not record it"
    if state is not None:
        written += f" (state version {state})"
    problems = []
    if unknown:
        problems.append(f"fields {unknown} this version does not know")
    if missing:
        problems.append(f"no fields {missing}")
    raise ValueError(
        f"This pickled {type(estimator).__name__} was written by {written}; "
        f"skmlp {__version__} (state version {STATE_VERSION}) cannot restore it: "
        f"its {cls.__name__} has {' and '.join(problems)}. Load it with the "
        f"skmlp version that wrote it, or refit the estimator with skmlp "
        f"{__version__} and pickle it again (pickles are not a long-term format)."
    )
