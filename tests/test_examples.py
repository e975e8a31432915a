"""Every example of the gallery runs, in its quick mode, so the gallery cannot rot.

``SKMLP_EXAMPLES_QUICK=1`` makes each example train for a few epochs on small
data; ``MPLBACKEND=Agg`` draws without a display. The quick-mode plumbing and
the examples' self-checks sit in sphinx-gallery's ignore blocks, which the
published gallery (run in full) does not show.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("plot_*.py"))


def test_examples_found():
    assert len(EXAMPLES) >= 4, f"no plot_*.py examples in {EXAMPLES_DIR}"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_example_runs(example, tmp_path):
    env = {**os.environ, "SKMLP_EXAMPLES_QUICK": "1", "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(example)],
        cwd=tmp_path,  # anything an example writes stays out of the repository
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"{example.name} failed with exit code {result.returncode}:\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    )


# sphinx-gallery's pattern (sphinx_gallery.py_source_parser.IGNORE_BLOCK_PATTERN):
# a block's lines are run but not shown in the gallery, nor in its notebooks.
START_IGNORE = r"^[\ \t]*#\s*sphinx_gallery_start_ignore"
END_IGNORE = r"^[\ \t]*#\s*sphinx_gallery_end_ignore"
IGNORE_BLOCK = re.compile(rf"{START_IGNORE}(?:[\s\S]*?){END_IGNORE}\n?", re.MULTILINE)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_example_hides_its_plumbing(example):
    source = example.read_text()
    starts = re.findall(START_IGNORE, source, re.MULTILINE)
    ends = re.findall(END_IGNORE, source, re.MULTILINE)
    assert len(starts) == len(ends), f"{example.name}: unbalanced ignore markers"
    shown = IGNORE_BLOCK.sub("", source)
    leaks = [
        line
        for line in shown.splitlines()
        if "QUICK" in line or line.lstrip().startswith("assert ")
    ]
    assert not leaks, (
        f"{example.name} shows its quick mode or self-checks to readers: wrap "
        f"these lines in # sphinx_gallery_start_ignore / _end_ignore: {leaks}"
    )
    # What readers see (and download as a notebook) must still compile.
    compile(shown, example.name, "exec")


def test_gallery_order_lists_every_example():
    # docs/gallery_order.py puts the gallery in the chapter's order.
    namespace = {}
    exec((EXAMPLES_DIR.parent / "docs" / "gallery_order.py").read_text(), namespace)
    listed = namespace["CHAPTER"]
    assert sorted(listed) == sorted(path.name for path in EXAMPLES), (
        "docs/gallery_order.py's CHAPTER must list every examples/plot_*.py once"
    )
