"""The package ships every one of its modules (a non-editable install once
lacked the ``skmlp._engine`` subpackage, which an editable install hides), and
declares the dependency floors CI tests."""

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
