"""Executes every notebook in notebooks/ in its fast mode (KERAS_GAN_FAST=1).

The notebooks read that variable to train for a few steps instead of minutes;
the cells are the same ones a reader runs.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def run_notebook(path: Path, workdir: Path, monkeypatch) -> nbformat.NotebookNode:
    """Runs ``path`` top to bottom in ``workdir``; any failing cell fails the test."""
    monkeypatch.setenv("KERAS_GAN_FAST", "1")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}).execute()
    return notebook


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_fast_mode(path, tmp_path, monkeypatch):
    notebook = run_notebook(path, tmp_path, monkeypatch)
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
