"""Checkpoint files: one HDF5 file per epoch holding everything a resumed run needs.

``checkpoints/epoch_NNN.weights.h5`` is what ``GAN.save_weights`` writes (both
networks, both optimizers with their iteration counters, the state of every
random generator in the GAN, and any other weights it tracks, such as an EMA
generator) plus a ``keras_gan`` group with the epoch, the metric history so
far and the fixed latent vectors of the sample grids. ``load_weights``
ignores that group, so a checkpoint also loads as a plain weights file.

Every file is written to a hidden ``.NAME.partial...`` file in the same
directory, flushed to disk and renamed over its target, so a kill at any
instant leaves either the old file or the new one. ``latest.json`` names the
newest complete checkpoint and is written last: it is the commit point, and a
checkpoint file newer than the epoch it names is not trusted. The run's other
durable files use the same helpers: :func:`save_generator` writes
``generator.keras`` atomically, :func:`append_log_row` appends to ``log.csv``
and flushes it to disk.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import re
import warnings
from pathlib import Path

import h5py
import numpy as np

INDEX = "latest.json"
STATE_GROUP = "keras_gan"
_CHECKPOINT_NAME = re.compile(r"^epoch_(\d+)\.weights\.h5$")


@dataclasses.dataclass
class CheckpointState:
    """What a checkpoint holds besides the weights.

    Attributes:
        epoch: epochs completed when it was written.
        history: metric name -> one value per completed epoch.
        latent: the sample grids' fixed latent vectors, or None.
        path: the checkpoint file (``gan.load_weights(path)`` restores the rest).
    """

    epoch: int
    history: dict[str, list[float]]
    latent: np.ndarray | None
    path: Path


def partial_path(path: str | os.PathLike) -> Path:
    """The hidden temporary name a file is written under before its rename.

    The target's suffixes are kept (``.weights.h5``, ``.keras``) because Keras
    chooses the format from them.
    """
    path = Path(path)
    return path.with_name(f".{path.name}.partial{''.join(path.suffixes)}")


def replace_atomically(tmp: str | os.PathLike, path: str | os.PathLike) -> None:
    """Flushes ``tmp`` to disk and renames it over ``path``, then flushes the rename."""
    _fsync(tmp)
    os.replace(tmp, path)
    _fsync(Path(path).parent)


def _fsync(path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def checkpoint_name(epoch: int) -> str:
    return f"epoch_{epoch:03d}.weights.h5"


def epoch_of(path: str | os.PathLike) -> int | None:
    """The epoch in a checkpoint's file name, or None for any other file."""
    match = _CHECKPOINT_NAME.match(Path(path).name)
    return int(match.group(1)) if match else None


def write(gan, directory, epoch: int, history: dict, latent=None, keep: int = 2) -> Path:
    """Writes ``gan`` and the run's state as the checkpoint of ``epoch``, atomically.

    Then points ``latest.json`` at it and removes all but the ``keep`` newest
    checkpoints; an older checkpoint is removed only once its successor is
    complete and indexed.

    Args:
        gan: the (compiled) GAN.
        directory: the checkpoint directory, created if needed.
        epoch: epochs completed.
        history: metric name -> per-epoch values, up to and including ``epoch``.
        latent: the sample grids' fixed latent vectors.
        keep: how many checkpoints to keep, at least 1.

    Returns:
        The checkpoint's path.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / checkpoint_name(epoch)

    def save(tmp):
        gan.save_weights(tmp)
        with h5py.File(tmp, "a") as file:
            group = file.create_group(STATE_GROUP)
            group.attrs["epoch"] = epoch
            group.attrs["history"] = json.dumps(history)
            if latent is not None:
                group.create_dataset("latent", data=np.asarray(latent, dtype="float32"))

    write_atomically(path, save)
    write_text(directory / INDEX, json.dumps({"epoch": epoch, "weights": path.name}))
    older = sorted((p for p in directory.glob("epoch_*.weights.h5") if epoch_of(p) is not None), key=epoch_of)
    for old in older[: -max(keep, 1)]:
        if old != path:
            old.unlink()
    return path


def write_atomically(path: str | os.PathLike, save) -> Path:
    """Runs ``save(tmp)`` on a temporary file beside ``path``, then renames it over ``path``.

    A kill at any instant leaves the old file or the new one; a failure
    leaves the old one and removes the temporary file.
    """
    path = Path(path)
    tmp = partial_path(path)
    try:
        save(tmp)
        replace_atomically(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | os.PathLike, text: str) -> None:
    """Writes ``text`` to ``path`` atomically (:func:`write_atomically`)."""
    write_atomically(path, lambda tmp: tmp.write_text(text))


def read(path: str | os.PathLike) -> CheckpointState:
    """Reads a checkpoint's epoch, history and latent vectors (not its weights).

    Raises:
        ValueError: the file is missing, unreadable, or not a keras_gan checkpoint.
    """
    path = Path(path)
    try:
        with h5py.File(path, "r") as file:
            if STATE_GROUP not in file:
                raise ValueError(f"{path} is not a keras_gan checkpoint (no {STATE_GROUP!r} group)")
            group = file[STATE_GROUP]
            epoch = int(group.attrs["epoch"])
            history = json.loads(group.attrs["history"])
            latent = np.asarray(group["latent"], dtype="float32") if "latent" in group else None
    except (OSError, KeyError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not a readable checkpoint ({type(error).__name__}: {error})") from None
    if not isinstance(history, dict):
        raise ValueError(f"{path} holds a malformed history")
    return CheckpointState(epoch=epoch, history=history, latent=latent, path=path)


def latest(directory: str | os.PathLike) -> CheckpointState | None:
    """The newest complete checkpoint in ``directory``, or None when there is none.

    ``latest.json`` decides. Should it be missing or name an unreadable file
    (removed or damaged by hand; the writer never leaves it so), the newest
    readable checkpoint no newer than it is taken instead, with a warning.
    """
    directory = Path(directory)
    indexed_epoch = None
    index = directory / INDEX
    if index.is_file():
        try:
            entry = json.loads(index.read_text())
            name, indexed_epoch = str(entry["weights"]), int(entry["epoch"])
            if Path(name).name != name:  # data, not a path to follow elsewhere
                raise ValueError(f"bad file name {name!r}")
            return read(directory / name)
        except (ValueError, KeyError, TypeError) as error:
            problem = f"{index} is unusable ({error})"
    else:
        problem = f"{index} is missing"
    candidates = sorted(
        (p for p in directory.glob("epoch_*.weights.h5") if epoch_of(p) is not None), key=epoch_of, reverse=True
    )
    for candidate in candidates:
        if indexed_epoch is not None and epoch_of(candidate) > indexed_epoch:
            continue
        try:
            state = read(candidate)
        except ValueError:
            continue
        warnings.warn(f"{problem}; using {candidate.name}", stacklevel=2)
        return state
    return None


def discard_after(directory: str | os.PathLike, epoch: int) -> list[Path]:
    """Removes leftovers of writes killed mid-way and checkpoints newer than ``epoch``.

    Returns:
        The files removed.
    """
    directory = Path(directory)
    removed = [p for p in directory.glob(".*.partial*") if p.is_file()]
    removed += [p for p in directory.glob("epoch_*.weights.h5") if (epoch_of(p) or 0) > epoch]
    for path in removed:
        path.unlink()
    return removed


def save_generator(generator, path: str | os.PathLike) -> str:
    """Saves ``generator`` as a ``.keras`` file atomically (a kill leaves the old file)."""
    return str(write_atomically(path, generator.save))


def append_log_row(path: str | os.PathLike, epoch: int, logs: dict) -> None:
    """Appends one epoch's logs to a CSV file, flushed to disk.

    A new file gets the header ``epoch`` plus the logs' names, sorted; later
    rows follow the header already in the file (a name it lacks is dropped,
    one the logs lack is left empty), so a resumed run continues the same
    columns.
    """
    path = Path(path)
    header = None
    if path.is_file() and path.stat().st_size:
        with open(path, newline="") as file:
            header = next(csv.reader(file), None)
    with open(path, "a", newline="") as file:
        writer = csv.writer(file)
        if not header:
            header = ["epoch", *sorted(logs)]
            writer.writerow(header)
        writer.writerow([epoch, *(repr(float(logs[key])) if key in logs else "" for key in header[1:])])
        file.flush()
        os.fsync(file.fileno())
