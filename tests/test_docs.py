"""Every code example of the user guide, the migration pages and the README runs.

The pages write their code as doctests (``>>>`` lines followed by the output they
show), so a page whose code fails, or whose shown output is no longer what the
code prints, fails here. Each page runs top to bottom in one namespace, as a
reader would run it. Plain ``.. code-block:: python`` blocks are not allowed in
these pages: they would escape this test.
"""

import doctest
import os
import re
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(
    [
        ROOT / "README.md",
        DOCS / "index.rst",
        DOCS / "getting_started.rst",
        *(DOCS / "user_guide").glob("*.rst"),
        *(DOCS / "migration").glob("*.rst"),
    ]
)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
# A Python code block a reader may run: an rst ``code-block:: python`` or a
# Markdown ```python fence (shell commands use ``console`` / ```bash).
UNTESTED_BLOCK = re.compile(r"(\.\. code-block:: python|```python)\s*$", re.M)
# A block that cannot run in a test (a script for several machines) says why in
# an rst comment just before it: ".. not run: <reason>".
NOT_RUN = re.compile(r"^\.\. not run: (?:.+\n)+\n\.\. code-block:: python$", re.M)


# A page about a newer dependency's feature says so in an rst comment:
# ".. requires: sklearn.callback" (skipped where it cannot be imported).
REQUIRES = re.compile(r"^\.\. requires: (\S+)$", re.M)


def _name(path):
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_page_has_no_untested_python_blocks(page):
    text = NOT_RUN.sub("", page.read_text())
    found = UNTESTED_BLOCK.findall(text)
    assert not found, (
        f"{_name(page)} has {len(found)} Python block(s) that no test runs; write "
        "them as doctests ('>>> ' lines with the output they print)."
    )


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_page_examples_run(page, tmp_path, monkeypatch):
    text = page.read_text()
    if ">>>" not in text:
        pytest.skip(f"{_name(page)} has no code examples")
    pytest.importorskip("matplotlib")
    for module in REQUIRES.findall(text):  # features of newer dependencies
        pytest.importorskip(module, reason=f"{_name(page)} documents {module}")
    if page.name == "from_keras_wrappers.rst":  # its "before" code is Keras's
        pytest.importorskip("keras.wrappers", reason="this Keras has no wrappers")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)  # files a page saves stay out of the repository
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {"__name__": "__doc__"}, _name(page), str(page), 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report = []
    with warnings.catch_warnings():
        # Pages train for a few epochs on purpose.
        from sklearn.exceptions import ConvergenceWarning

        warnings.simplefilter("ignore", ConvergenceWarning)
        result = runner.run(test, out=report.append)
    try:
        import matplotlib.pyplot as plt

        plt.close("all")
    except ImportError:  # pragma: no cover
        pass
    assert result.attempted > 0
    assert result.failed == 0, "".join(report)


def test_pages_found():
    assert len(PAGES) >= 10, os.listdir(DOCS)
