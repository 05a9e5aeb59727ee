"""The run directory: what it holds, where a new one goes, and how a stopped one is rewound.

A run directory holds the files in :data:`FILES`. It is written by
``keras_gan.cli.train.run`` and continued by ``resume``; this module only
decides about its place and its files, and imports no TensorFlow.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from keras_gan.cli.config import TrainConfig
from keras_gan.training import checkpoints

# Each entry of a run directory, and what it holds.
FILES = {
    "generator.keras": "the generator (keras.models.load_model opens it)",
    "samples/": "a sample grid per epoch and progress.gif",
    "losses.png": "loss and discriminator curves",
    "log.csv": "per-epoch metrics",
    "tensorboard/": "every metric and the sample grid per epoch (tensorboard --logdir RUN_DIR/tensorboard)",
    "config.json": "the resolved settings",
    "checkpoints/": "the whole GAN after the latest epochs",
}
TENSORBOARD = "tensorboard"


def prepare_out_dir(out: Path, overwrite: bool) -> None:
    """Refuses to mix two runs in one directory unless ``overwrite`` is set."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not (out / "config.json").exists():
            raise ValueError(
                f"--out {out} holds files that are not a keras_gan run; refusing to mix or delete them "
                "(choose another --out)"
            )
        if not overwrite:
            raise ValueError(
                f"--out {out} already holds a run: continue it with --resume {out}, write a new one beside it "
                f"with --new, or replace it with --overwrite"
            )


def numbered_run_dir(out: str | os.PathLike) -> Path:
    """``out`` if it is free (missing or empty), else the first free ``out-2``, ``out-3``, ..."""
    out = Path(out)
    candidate, number = out, 1
    while candidate.exists() and (not candidate.is_dir() or any(candidate.iterdir())):
        number += 1
        candidate = out.with_name(f"{out.name}-{number}")
    return candidate


def load_config(run_dir: str | os.PathLike) -> TrainConfig:
    """The settings in ``RUN_DIR/config.json`` (parsed as data, never executed)."""
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise ValueError(f"{run_dir} is not a keras_gan run directory (no config.json)")
    try:
        return TrainConfig.from_json(path.read_text())
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


def rewind(run_dir: Path, state: checkpoints.CheckpointState) -> None:
    """Drops whatever a stopped run wrote after the checkpoint it resumes from."""
    checkpoints.discard_after(run_dir / "checkpoints", state.epoch)
    for leftover in [*run_dir.glob(".*.partial*"), *(run_dir / "samples").glob(".*.partial*")]:
        leftover.unlink()
    for grid in (run_dir / "samples").glob("epoch_*.png"):
        if grid.stem.split("_")[-1].isdigit() and int(grid.stem.split("_")[-1]) > state.epoch:
            grid.unlink()
    rewind_log(run_dir / "log.csv", state.epoch, state.history)


def rewind_log(path: Path, epoch: int, history: dict) -> None:
    """Keeps ``log.csv``'s rows of epochs before ``epoch``; rebuilds it from ``history`` if they are not all there.

    A run killed while appending leaves a torn last line; killed between
    logging an epoch and checkpointing it, a row the resumed run will write
    again. Both go.
    """
    header, rows = None, []
    if path.is_file():
        with open(path, newline="") as file:
            reader = csv.reader(file)
            header = next(reader, None)
            rows = [row for row in reader if header and len(row) == len(header) and row[0].isdigit()]
    rows = [row for row in rows if int(row[0]) < epoch]
    if header is None or [int(row[0]) for row in rows] != list(range(epoch)):
        header = ["epoch", *sorted(history)]
        rows = [[str(i), *(repr(history[key][i]) for key in sorted(history))] for i in range(epoch)]
    lines = [",".join(header), *(",".join(row) for row in rows)]
    checkpoints.write_text(path, "\n".join(lines) + "\n")
