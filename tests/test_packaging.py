"""The package ships every one of its modules (a non-editable install once
lacked the ``skmlp._engine`` subpackage, which an editable install hides),
declares the dependency floors CI tests, and keeps the training engine to the
MLPs."""

import subprocess
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "skmlp").rglob("__init__.py")
    }
    assert found == listed


def _floors():
    lines = (ROOT / ".ci" / "floors.txt").read_text().splitlines()
    pins = [line.split("==") for line in lines if line and not line.startswith("#")]
    return {name.strip(): version.strip() for name, version in pins}


def test_declared_floors_are_the_pinned_ones():
    """pyproject.toml's lower bounds are the versions CI's second run and tox's
    ``min`` env install (.ci/floors.txt), and nothing else is pinned there."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = dict(dep.split(">=") for dep in config["project"]["dependencies"])
    assert declared == _floors()
    tox = (ROOT / "tox.ini").read_text()
    min_env = tox[tox.index("[testenv:min]") :]
    assert "-r{toxinidir}/.ci/floors.txt" in min_env
    assert "PIP_CONSTRAINT = {toxinidir}/.ci/floors.txt" in min_env
    oldest = config["project"]["requires-python"].removeprefix(">=")
    assert f"basepython = python{oldest}\n" in min_env
    classifiers = config["project"]["classifiers"]
    assert f"Programming Language :: Python :: {oldest}" in classifiers


def test_wrappers_and_perceptron_do_not_import_the_training_engine():
    """The wrappers and StepPerceptron.to_keras take their Keras helpers
    (seeded builds, checks, the compiled forward pass, .keras bytes) from
    ``skmlp._keras_support`` and ``skmlp._keras_private``, not from the MLPs'
    training engine."""
    code = """
import pickle, sys
import numpy as np
from skmlp import KerasRegressor, StepPerceptron
from skmlp._tf import keras

def build(meta):
    return keras.Sequential(
        [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1)]
    )

X = np.random.RandomState(0).randn(20, 3)
reg = KerasRegressor(build, loss="mse", epochs=1, random_state=0, verbose=0)
reg.fit(X, X[:, 0])
pickle.loads(pickle.dumps(reg)).predict(X)
StepPerceptron().fit(X, X[:, 0] > 0).to_keras()
assert "skmlp._engine" not in sys.modules, "skmlp._engine was imported"
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-2000:]
