"""One module per benchmark section, each with ``TITLE``, ``measure(ctx)``
(the timings, as plain data) and ``report(result, ctx)`` (markdown lines with
the ratio, the target and PASS/MISS, and the ``(target, measured, verdict)``
rows of the summary). Sections needing a fresh process define ``child``."""

import importlib

#: run order: cheap and independent first, the long chapter fits later
NAMES = (
    "import_time",
    "first_fit",
    "small_fits",
    "accuracy",
    "predict",
    "latency",
    "throughput",
    "wrappers",
    "wrapper_fit",
    "grid_search",
    "chapter_network",
    "perceptron",
    "memory",
    "scikeras",
)


def load(name):
    return importlib.import_module(f"{__name__}.{name}")
