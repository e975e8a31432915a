"""skmlp benchmark suite: run the sections, write ``benchmarks/RESULTS.md``.

    python -m benchmarks                  # every section, 3 repetitions
    python -m benchmarks --quick          # a fast smoke run (writes elsewhere)
    python -m benchmarks --only predict,lbfgs --reps 5

Each section lives in ``benchmarks/sections/``; shared helpers in
``benchmarks/_common.py``. Targets are reported as PASS/MISS, never asserted.
"""

import argparse
import datetime
import os
import platform
import sys
import time
import traceback
from pathlib import Path

# Children (fresh processes, loky's workers) inherit this: the
# ConvergenceWarnings of short fits are expected and would only be noise.
os.environ.setdefault("PYTHONWARNINGS", "ignore")

from . import sections  # noqa: E402
from ._common import Context, Spawner, import_tf, log, short_error  # noqa: E402

HERE = Path(__file__).resolve().parent
PACKAGES = ("numpy", "scipy", "sklearn", "tensorflow", "keras", "scikeras", "numba")


def machine():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    return f"{cpu}; {os.cpu_count()} cores ({usable or '?'} usable); no GPU used"


def versions():
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in (*PACKAGES, "skmlp"):
        dist = "scikit-learn" if name == "sklearn" else name
        try:
            out.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            out.append(f"{dist} not installed")
    return ", ".join(out)


def render(reports, header):
    lines = ["# skmlp benchmark results", "", *header, ""]
    lines += ["## Targets (reported, not asserted)", ""]
    lines += ["| section | target | measured | verdict |", "|---|---|---|---|"]
    for name, (_, _, targets) in reports.items():
        lines += [f"| {name} | {t} | {m} | {v} |" for t, m, v in targets]
    lines.append("")
    for name, (title, body, _) in reports.items():
        lines += [f"## {title}", "", f"Section `{name}`.", "", *body, ""]
    return "\n".join(lines)


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a fast smoke run: fewer rows, data sets, repetitions",
    )
    parser.add_argument(
        "--only",
        type=lambda s: s.split(","),
        help="comma-separated sections: " + ",".join(sections.NAMES),
    )
    parser.add_argument(
        "--reps", type=int, help="repetitions per timing (default 3; 1 with --quick)"
    )
    parser.add_argument(
        "--output",
        help="the report's path (default benchmarks/RESULTS.md; "
        "benchmarks/RESULTS-quick.md with --quick)",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="print the traceback of a failing section",
    )
    args = parser.parse_args(argv)
    unknown = set(args.only or ()) - set(sections.NAMES)
    if unknown:
        parser.error(
            f"unknown section(s) {sorted(unknown)}; "
            f"choose from {', '.join(sections.NAMES)}"
        )
    return args


def byte_compile():
    """Byte-compile skmlp's modules, as pip's install does: a checkout run
    with PYTHONDONTWRITEBYTECODE set would otherwise compile them from
    source again in every fresh process a section times (tens of ms of
    import and first fit that no installed copy pays)."""
    import compileall

    import skmlp

    compileall.compile_dir(Path(skmlp.__file__).parent, quiet=1)


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    names = [n for n in sections.NAMES if n in (args.only or sections.NAMES)]
    byte_compile()
    # Started while this process is still small (see Spawner).
    ctx = Context(
        quick=args.quick, reps=args.reps or (1 if args.quick else 3), spawner=Spawner()
    )
    started = datetime.datetime.now().astimezone()
    load_start, t_start = os.getloadavg(), time.perf_counter()
    import_tf()
    reports = {}
    try:
        for name in names:
            log(f"[{name}]")
            t0 = time.perf_counter()
            mod = sections.load(name)
            try:
                body, targets = mod.report(mod.measure(ctx), ctx)
            except Exception as exc:  # noqa: BLE001 - report what we have
                if args.verbose:
                    traceback.print_exc()
                body = [f"The section {short_error(exc)}"]
                targets = [(f"section {name}", short_error(exc), "n/a")]
            reports[name] = (mod.TITLE, body, targets)
            log(f"  ({name}: {time.perf_counter() - t0:.0f} s)")
    finally:
        ctx.spawner.close()
    elapsed = (time.perf_counter() - t_start) / 60
    load_end = os.getloadavg()
    header = [
        f"- Date: {started:%Y-%m-%d %H:%M:%S %Z} (run took {elapsed:.1f} min)",
        f"- Machine: {machine()}",
        f"- Load average at start / end: {' '.join(f'{x:.2f}' for x in load_start)}"
        f" / {' '.join(f'{x:.2f}' for x in load_end)}",
        f"- Python {platform.python_version()} on {platform.platform()}",
        f"- {versions()}",
        f"- Mode: **{'quick' if args.quick else 'full'}**, {ctx.reps} "
        f"repetition(s) per timing ({ctx.cheap_reps} for sub-second fits); "
        "contenders alternate within each repetition "
        "(order rotated) so machine noise hits them alike; medians.",
    ]
    report = render(reports, header)
    default = "RESULTS-quick.md" if args.quick else "RESULTS.md"
    output = Path(args.output or HERE / default)
    output.write_text(report + "\n")
    log("\n" + report)
    log(f"\nwritten to {output} in {elapsed:.1f} min")
    return 0
