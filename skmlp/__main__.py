"""The ``skmlp`` command (also ``python -m skmlp``)."""

import argparse
import sys


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def build_parser():
    """The argument parser of the ``skmlp`` command."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="skmlp",
        description=(
            "skmlp: neural networks as scikit-learn estimators (MLPs trained by "
            "Keras 3, and the textbook perceptron)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"skmlp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    demo = commands.add_parser(
        "demo",
        help="run chapter 10 of Hands-On Machine Learning end to end",
        description=(
            "Run chapter 10 of Hands-On Machine Learning the scikit-learn way, on "
            "data that needs no download: the perceptron on iris; AND, OR and "
            "XOR (a perceptron fails XOR, an MLP solves it); MLPKerasClassifier "
            "on the digits (model summary, accuracy, classification report, "
            "predicted probabilities); MLPKerasRegressor on the diabetes data "
            "(R², against scikit-learn's MLPRegressor). It prints a report, and "
            "saves it with a PNG of the learning curves in --output-dir."
        ),
        epilog=(
            "It takes well under a minute on a laptop CPU; --quick is a shorter "
            "smoke test."
        ),
    )
    demo.add_argument(
        "--output-dir",
        default=".",
        metavar="DIR",
        help="directory for the learning-curve PNG and the text report, created "
        "if missing (default: the current directory)",
    )
    demo.add_argument(
        "--quick",
        action="store_true",
        help="train each network for a few epochs only (a smoke test)",
    )
    demo.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        metavar="N",
        help="maximum epochs of the digits and diabetes networks (default: 30, "
        "or 8 with --quick)",
    )
    demo.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="SEED",
        help="seed of every estimator and split (default: 0)",
    )
    return parser


def main(argv=None):
    """Entry point of the ``skmlp`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from ._demo import run_demo

        run_demo(
            args.output_dir,
            quick=args.quick,
            epochs=args.epochs,
            random_state=args.random_state,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
