"""The drop-in promise, measured: scikit-learn's own MLP test file, run
against MLPKerasClassifier / MLPKerasRegressor with only its import changed.

Every test in it must pass, except the few below, each with its reason: they
drive scikit-learn's private internals, or compare two float precisions more
tightly than float32 rounding allows on every CPU.
"""

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sklearn

IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
SWAP = (
    "from skmlp import MLPKerasClassifier as MLPClassifier, "
    "MLPKerasRegressor as MLPRegressor"
)
CONFTEST = """
import pytest

@pytest.fixture(params=[42])
def global_random_seed(request):
    return request.param
"""

_PRIVATE = "drives scikit-learn's private internals ({}), which skmlp does not have"
#: Tests allowed to fail, and why.
MAY_FAIL = {
    "test_fit": _PRIVATE.format("_initialize, _forward_pass, _backprop"),
    "test_gradient": _PRIVATE.format("_loss_grad_lbfgs, _coef_indptr"),
    "test_learning_rate_warmstart": _PRIVATE.format("_optimizer"),
    "test_adaptive_learning_rate": _PRIVATE.format("_optimizer"),
    "test_mlp_regressor_dtypes_casting": (
        "compares a float32 and a float64 fit at rtol=5e-4 with no atol; a "
        "prediction near zero (6.6e-4) differs by 6e-7 after 150 epochs of "
        "float32 rounding, which depends on the CPU's kernels"
    ),
}


@pytest.mark.slow
def test_scikit_learns_mlp_test_file_passes(tmp_path):
    source = Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"
    if not source.exists():
        pytest.skip("this scikit-learn was installed without its tests")
    text = source.read_text()
    assert IMPORT in text, "scikit-learn changed its import line; update SWAP"
    (tmp_path / "test_mlp_skmlp.py").write_text(text.replace(IMPORT, SWAP))
    (tmp_path / "conftest.py").write_text(CONFTEST)
    report = tmp_path / "report.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore",
            f"--junitxml={report}",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=1200,
    )
    assert report.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    cases = ET.parse(report).getroot().iter("testcase")
    failed, passed = set(), 0
    for case in cases:
        bad = case.find("failure") is not None or case.find("error") is not None
        if bad:
            failed.add(case.get("name").split("[")[0])
        elif case.find("skipped") is None:
            passed += 1
    unexpected = failed - set(MAY_FAIL)
    assert not unexpected, done.stdout[-6000:]
    assert passed >= 50, done.stdout[-3000:]  # the file really ran
