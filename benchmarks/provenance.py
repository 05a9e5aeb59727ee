"""Where a benchmark figure came from: the command, the commit, the machine, the date.

Every results file under ``benchmarks/results/`` carries this record beside
its raw numbers, so that a figure can be traced to the code and the CPU
that produced it.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def cpu_model() -> str:
    """The CPU's model name as ``/proc/cpuinfo`` (and ``lscpu``) give it, else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpus() -> list[str] | None:
    """The GPUs TensorFlow sees, when the benchmark has loaded it; None when none."""
    tensorflow = sys.modules.get("tensorflow")
    found = tensorflow.config.list_physical_devices("GPU") if tensorflow is not None else []
    return [gpu.name for gpu in found] or None


def commit() -> str:
    """``git rev-parse HEAD`` of this checkout, with ``+changes`` when the package or the benchmarks' code differ
    from it (the result files that benchmarks write as they run are not code)."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=REPOSITORY, capture_output=True, text=True, check=False)

    head = git("rev-parse", "HEAD")
    if head.returncode != 0:
        return "unknown (not a git checkout)"
    dirty = git("diff", "--quiet", "HEAD", "--", "keras_gan", "benchmarks", ":!benchmarks/results").returncode != 0
    return head.stdout.strip() + ("+changes" if dirty else "")


# TensorFlow's thread settings, which change a run's arithmetic (the order of its sums) as well as its speed.
THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def record(script: str, argv: list[str]) -> dict:
    """The provenance of one benchmark run: command, commit, CPU model, cores, date, load average.

    The command starts with the TensorFlow thread settings of the environment
    it ran in, and ``cores_used`` says how many cores the process could use
    when that was fewer than the machine's.

    ``commit`` ends in ``+changes`` when the package or the benchmarks had
    uncommitted edits, which a published figure must not have.
    """
    threads = [f"{name}={os.environ[name]}" for name in THREAD_VARIABLES if name in os.environ]
    entry = {
        "command": " ".join([*threads, shlex.join(["python", script, *argv])]),
        "commit": commit(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "gpu": gpus(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "load_average": list(os.getloadavg()),
        "python": sys.version.split()[0],
    }
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if usable != os.cpu_count():
        entry["cores_used"] = usable  # pinned, e.g. by taskset, to fewer cores than the machine has
    return entry


def write_json(path: Path, report) -> None:
    """Writes ``report`` to ``path`` as indented JSON, making its folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n")


def read_rows(path: Path) -> list[dict]:
    """The rows of the JSON list at ``path``, or none when there is no file yet.

    Read before training, so that a file that is not such a list fails the run
    before it has cost anything.
    """
    if not path.is_file():
        return []
    rows = json.loads(path.read_text())
    if not isinstance(rows, list):
        raise ValueError(f"{path} holds a {type(rows).__name__}, not the list of rows this benchmark appends to")
    return rows


def put_row(path: Path, rows: list[dict], row: dict, key) -> list[dict]:
    """``rows`` with ``row`` in place of every row whose ``key(...)`` is the same, written to ``path``."""
    replaced = key(row)
    rows = [r for r in rows if key(r) != replaced] + [row]
    write_json(path, rows)
    return rows
