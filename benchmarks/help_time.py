"""How long ``python -m keras_gan.<command> --help`` takes, here and at an older commit.

Each round runs every command's ``--help`` once per source tree, the trees in
turn, so that a load on the machine falls on both alike. Both trees, ``HEAD``
and the older commit, are exported with ``git archive`` into temporary folders
and run from there (the folder comes first on ``sys.path``), so that edits not
yet committed never enter the figures and each run names the commit it timed.

    python benchmarks/help_time.py --compare 6a17c22 --rounds 5 --json benchmarks/results/help_time.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import provenance

COMMANDS = ("train", "generate", "evaluate")


def resolve(commit: str) -> str:
    """The full hash of ``commit``; ``ValueError`` when git does not know it."""
    found = subprocess.run(
        ["git", "rev-parse", "--verify", f"{commit}^{{commit}}"], cwd=provenance.REPOSITORY, capture_output=True, text=True
    )
    if found.returncode != 0:
        raise ValueError(f"--compare {commit!r} is not a commit of this repository")
    return found.stdout.strip()


def export(commit: str, into: Path) -> Path:
    """The ``keras_gan`` package as it was at ``commit``, written under ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", commit, "keras_gan"], cwd=provenance.REPOSITORY, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def time_help(tree: Path, command: str) -> float:
    """Seconds of wall time for one ``--help``, run from ``tree``."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", f"keras_gan.{command}", "--help"], cwd=tree, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0 or "usage:" not in result.stdout:
        raise RuntimeError(f"{command} --help failed in {tree}: {result.stderr[-500:]}")
    return seconds


def runs(times: dict[str, dict[str, list[float]]]) -> list[dict]:
    """One run record per (tree, command): the raw seconds and their median."""
    return [
        {"package_at": commit[:7], "help_of": command, "median_seconds": round(statistics.median(seconds), 3),
         "seconds": [round(s, 3) for s in seconds]}
        for commit, by_command in times.items()
        for command, seconds in by_command.items()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", metavar="COMMIT", help="also time the package as it was at this commit")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each command per tree (default: 5)")
    parser.add_argument("--json", metavar="PATH", help="write the provenance and the raw times here")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    try:
        commits = [resolve("HEAD")] + ([resolve(args.compare)] if args.compare else [])
    except ValueError as error:
        parser.error(str(error))
    with tempfile.TemporaryDirectory() as scratch:
        trees = {commit: export(commit, Path(scratch) / commit) for commit in dict.fromkeys(commits)}
        times = {commit: {command: [] for command in COMMANDS} for commit in trees}
        for _ in range(args.rounds):
            for command in COMMANDS:
                for commit, tree in trees.items():
                    times[commit][command].append(time_help(tree, command))
    for commit, by_command in times.items():
        for command, seconds in by_command.items():
            print(f"{commit[:7]}  {command:<9} median {statistics.median(seconds):.2f} s  "
                  f"(runs: {', '.join(f'{s:.2f}' for s in seconds)})")
    if args.json:
        shared = provenance.record("benchmarks/help_time.py", argv if argv is not None else sys.argv[1:])
        # The timed trees are exported from git, so the working tree's state does not enter the figures;
        # the file records which commit each run timed and, as a whole, the HEAD the command ran at.
        worktree = shared["commit"]
        shared["commit"] = commits[0]
        shared["note"] = "packages exported with git archive at each commit; the checkout's own edits not timed"
        record = {
            "title": "Time to answer --help",
            "description": (
                "Wall seconds of `python -m keras_gan.<command> --help`, run from the package as exported at "
                "each commit, the commits alternating within every round."
            ),
            "provenance": shared,
            "worktree_at_measurement": worktree,
            "runs": runs(times),
        }
        Path(args.json).write_text(json.dumps(record, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
