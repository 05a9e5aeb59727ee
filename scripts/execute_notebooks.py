"""Runs notebooks top to bottom in full mode and saves them with their outputs.

    python scripts/execute_notebooks.py notebooks/05_image_to_image.ipynb [more.ipynb ...]

Each notebook runs in a scratch directory (its run directories and
pictures stay out of the repository), with ``KERAS_GAN_FAST`` unset, so a
reader of the committed notebook sees the results of a real run. The tests
run the same cells in fast mode (``tests/test_notebooks.py``).

TensorFlow's C++ start-up lines (absl log records such as "Could not find
cuda drivers", which ``TF_CPP_MIN_LOG_LEVEL`` does not reach once the
kernel has imported TensorFlow) are dropped from the saved stderr outputs;
every other line, warnings and tracebacks included, is kept.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


_ABSL_LINE = re.compile(r"^(WARNING: All log messages before absl::InitializeLog\(\)|[IWEF]\d{4} \d\d:\d\d:\d\d)")


def drop_startup_logs(notebook: nbformat.NotebookNode) -> None:
    """Removes absl log lines from stderr outputs, and any stderr output left empty."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stderr":
                lines = [line for line in output.text.splitlines(keepends=True) if not _ABSL_LINE.match(line)]
                if not "".join(lines).strip():
                    continue
                output.text = "".join(lines)
            kept.append(output)
        cell.outputs = kept


def execute(path: Path, timeout: int) -> float:
    """Executes ``path`` in place; returns the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"{path.stem}_") as workdir:
        client = NotebookClient(
            notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": workdir}}
        )
        client.execute()
    drop_startup_logs(notebook)
    nbformat.write(notebook, path)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=3600, help="seconds one cell may take")
    args = parser.parse_args()
    os.environ.pop("KERAS_GAN_FAST", None)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for path in args.notebooks:
        print(f"{path}: executed in {execute(path, args.timeout):.0f} s", flush=True)


if __name__ == "__main__":
    main()
