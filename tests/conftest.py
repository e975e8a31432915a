"""Fixtures shared by test modules (module-scoped: one fit per module)."""

import pytest
from _snapshots import fit_each, fit_each_float32


@pytest.fixture(scope="module")
def fitted():
    """Each estimator of ``_estimators.FACTORIES`` fitted once on
    ``_snapshots.X``, with its snapshot."""
    return fit_each()


@pytest.fixture(scope="module")
def fitted32():
    """The MLPs fitted on float32 X (a float32 network), with snapshots."""
    return fit_each_float32()
