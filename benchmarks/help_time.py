"""How long ``python -m keras_gan.<command> --help`` takes, here and at an older commit.

Each round runs every command's ``--help`` once per source tree, the trees in
turn, so that a load on the machine falls on both alike. A tree other than
this checkout is exported with ``git archive`` into a temporary folder and run
from there (the folder comes first on ``sys.path``).

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


def export(commit: str, into: Path) -> Path:
    """The ``keras_gan`` package as it was at ``commit``, written under ``into``."""
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", metavar="COMMIT", help="also time the package as it was at this commit")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each command per tree (default: 5)")
    parser.add_argument("--json", metavar="PATH", help="write the provenance and the raw times here")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    with tempfile.TemporaryDirectory() as scratch:
        trees = {"this checkout": provenance.REPOSITORY}
        if args.compare:
            trees[args.compare] = export(args.compare, Path(scratch))
        times = {name: {command: [] for command in COMMANDS} for name in trees}
        for _ in range(args.rounds):
            for command in COMMANDS:
                for name, tree in trees.items():
                    times[name][command].append(time_help(tree, command))
    for name, by_command in times.items():
        for command, seconds in by_command.items():
            print(f"{name:>14}  {command:<9} median {statistics.median(seconds):.2f} s  "
                  f"(runs: {', '.join(f'{s:.2f}' for s in seconds)})")
    if args.json:
        record = {**provenance.record("benchmarks/help_time.py", argv or sys.argv[1:]), "seconds": times}
        Path(args.json).write_text(json.dumps(record, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
