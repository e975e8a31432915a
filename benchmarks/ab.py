"""A/B: the same benchmark sections on another commit and on this tree,
alternating, on one machine; a table of every target's runs side by side.

    python -m benchmarks.ab 94f46fc --only small_fits,predict --rounds 2

On a shared machine one run's ratio moves from run to run (a 10 ms fit by
20% and more), so "is this change slower?" is answered by running both
trees in turn, not by comparing with an old RESULTS.md. The other commit is
checked out in a temporary git worktree with this tree's ``benchmarks/``
copied into it (one harness measures both: the sections use skmlp's public
API only); each round runs both trees, in alternating order, each
``python -m benchmarks --only ...`` in its own process. A row reads "better"
or "worse" only when every run of one tree beats every run of the other and
their medians differ by more than 5%; otherwise "within noise".
"""

import argparse
import datetime
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from . import sections
from .run import machine

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: The least relative difference of the medians that a verdict names.
MARGIN = 0.05


def targets(report):
    """``{target: measured}`` from a report's summary table."""
    table = report.split("## Targets", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) == 4 and cells[0] not in ("section", "---"):
            rows[f"{cells[0]}: {cells[1]}"] = cells[2]
    return rows


def number(measured):
    """The number a measured cell starts with ("1.06x", "276.59 ms",
    "+0.00 pt", "71%"), or None (a failed section's message)."""
    match = re.match(r"[+-]?\d[\d,]*\.?\d*", measured)
    return float(match[0].replace(",", "")) if match else None


def verdict(target, ours, theirs):
    """ "better", "worse" or "within noise" for this tree's runs ``ours``
    against the other's ``theirs`` (lists of numbers): better or worse only
    when every run of one tree beats every run of the other and their
    medians differ by more than :data:`MARGIN`."""
    if not ours or not theirs:
        return "n/a"
    if "<=" in target:  # lower is better: compare the negatives
        ours, theirs = [-x for x in ours], [-x for x in theirs]
    a, b = statistics.median(ours), statistics.median(theirs)
    apart = abs(a - b) > MARGIN * max(abs(a), abs(b), 1e-12)
    if apart and min(ours) > max(theirs):
        return "better"
    if apart and max(ours) < min(theirs):
        return "worse"
    return "within noise"


def run_sections(tree, only, output, quick):
    command = [sys.executable, "-m", "benchmarks", "--only", only, "--output", output]
    command += ["--quick"] if quick else []
    subprocess.run(command, cwd=tree, check=True, stdout=subprocess.DEVNULL)
    return targets(Path(output).read_text())


def this_tree():
    """This tree's commit, and whether its skmlp/ has uncommitted changes."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run(
        [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "skmlp"], capture_output=True, text=True
    ).stdout.strip()
    return f"{head}{' with uncommitted changes to skmlp/' if dirty else ''}"


def render(ref, rounds, runs, started):
    names = list(runs["this tree"][0])
    lines = [
        f"# A/B: {ref} against this tree",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M:%S %Z}; this tree: {this_tree()}",
        f"- Machine: {machine()}",
        f"- {rounds} round(s), the trees alternating within each; every run "
        "in its own process, one harness (this tree's benchmarks/).",
        "",
        f"| target | {ref} | this tree | this tree is |",
        "|---|---|---|---|",
    ]
    for name in names:
        cells = {
            side: [r.get(name, "-") for r in side_runs]
            for side, side_runs in runs.items()
        }
        values = {
            side: [number(c) for c in side_cells if number(c) is not None]
            for side, side_cells in cells.items()
        }
        target = name.split(": ", 1)[1]
        judged = verdict(target, values["this tree"], values[ref])
        lines.append(
            f"| {name} | {', '.join(cells[ref])} | "
            f"{', '.join(cells['this tree'])} | {judged} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", help="the other commit (a hash, tag or branch)")
    parser.add_argument(
        "--only",
        required=True,
        help="comma-separated sections: " + ",".join(sections.NAMES),
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", default=str(HERE / "AB.md"))
    parser.add_argument(
        "--quick", action="store_true", help="quick runs (a smoke test of the A/B)"
    )
    args = parser.parse_args(argv)
    started = datetime.datetime.now().astimezone()
    work = Path(tempfile.mkdtemp(prefix="skmlp-ab-"))
    other = work / "tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", "-f", str(other), args.ref],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        shutil.rmtree(other / "benchmarks", ignore_errors=True)
        shutil.copytree(
            HERE, other / "benchmarks", ignore=shutil.ignore_patterns("__pycache__")
        )
        runs = {args.ref: [], "this tree": []}
        trees = [(args.ref, other), ("this tree", ROOT)]
        for r in range(args.rounds):
            for side, tree in trees if r % 2 == 0 else trees[::-1]:
                print(f"round {r + 1}: {side}", flush=True)
                report = work / f"{len(runs[side])}-{side.replace(' ', '-')}.md"
                runs[side].append(
                    run_sections(tree, args.only, str(report), args.quick)
                )
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(other)],
            cwd=ROOT,
            capture_output=True,
        )
        shutil.rmtree(work, ignore_errors=True)
    text = render(args.ref, args.rounds, runs, started)
    Path(args.output).write_text(text)
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
