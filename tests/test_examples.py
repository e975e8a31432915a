"""Every example of the gallery runs, in its quick mode, so the gallery cannot rot.

``SKMLP_EXAMPLES_QUICK=1`` makes each example train for a few epochs on small
data; ``MPLBACKEND=Agg`` draws without a display.
"""

import os
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
