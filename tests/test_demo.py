"""The ``skmlp demo`` command runs the chapter end to end."""

import os
import subprocess
import sys

import pytest

from skmlp.__main__ import build_parser, main


def _run(*args, **kwargs):
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return subprocess.run(
        [sys.executable, "-m", "skmlp", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=600,
        **kwargs,
    )


def test_demo_quick(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"  # created by the demo
    result = _run("demo", "--quick", "--output-dir", str(out))
    assert result.returncode == 0, result.stderr
    report = result.stdout
    for heading in (
        "1. The perceptron",
        "2. Logic gates",
        "3. Image classification",
        "4. Regression",
        "5. Learning curves",
    ):
        assert heading in report
    assert "XOR: StepPerceptron" in report and "converged_=False" in report
    assert "accuracy 1.00" in report  # the MLP solves XOR
    assert 'Model: "mlp"' in report  # model_.summary()
    assert "classification report" in report and "macro avg" in report
    assert "predict_proba of three test images" in report
    assert "test R²" in report
    png = out / "skmlp_demo_learning_curves.png"
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(png) in report
    saved = (out / "skmlp_demo_report.txt").read_text(encoding="utf-8")
    assert "4. Regression" in saved
    # Quiet: no TensorFlow start-up log, no progress bars, no warnings.
    assert "oneDNN" not in result.stderr and "cuda" not in result.stderr.lower()
    assert "Warning" not in result.stderr, result.stderr
    assert "Epoch 1/" not in report


def test_help():
    result = _run("demo", "--help")
    assert result.returncode == 0
    for option in ("--output-dir", "--quick", "--epochs", "--random-state"):
        assert option in result.stdout
    result = _run("--help")
    assert result.returncode == 0 and "demo" in result.stdout


def test_parser_errors(capsys):
    with pytest.raises(SystemExit) as exc:
        main([])  # a command is required
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--epochs", "0"])
    assert exc.value.code == 2
    assert "positive integer" in capsys.readouterr().err
    args = build_parser().parse_args(["demo", "--quick", "--epochs", "3"])
    assert args.quick and args.epochs == 3 and args.output_dir == "."
