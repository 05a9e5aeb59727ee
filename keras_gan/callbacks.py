"""Keras callbacks for GAN training: thin wrappers over pure functions."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keras
import numpy as np

from keras_gan import visualization


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Writes ``text`` to a temporary file beside ``path``, then renames it over ``path``."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text(text)
    os.replace(tmp, path)


def save_generator(generator: keras.Model, path: str | os.PathLike) -> str:
    """Saves ``generator`` as a ``.keras`` file atomically (a kill leaves the old file)."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.partial.keras")
    generator.save(tmp)
    os.replace(tmp, path)
    return str(path)


class SampleGrid(keras.callbacks.Callback):
    """Draws samples from the same latent vectors after every ``every`` epochs.

    Writes ``directory/epoch_NNN.png`` (an image grid, or a scatter plot for
    2-D points) and, when training ends, ``directory/progress.gif``.

    Args:
        directory: where the images go.
        latent: the fixed latent vectors, ``(n, latent_dim)``.
        every: epochs between grids.
        modes: for 2-D data, the mixture's modes, drawn as crosses.
    """

    def __init__(self, directory, latent, every: int = 1, modes=None):
        super().__init__()
        self.directory = Path(directory)
        self.latent = np.asarray(latent, dtype="float32")
        self.every = every
        self.modes = modes

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            samples = self.model.generate(len(self.latent), latent=self.latent)
            visualization.save_samples(samples, self.directory / f"epoch_{epoch + 1:03d}.png", modes=self.modes)

    def on_train_end(self, logs=None):
        frames = sorted(self.directory.glob("epoch_*.png"))
        if frames:
            visualization.save_gif([str(f) for f in frames], self.directory / "progress.gif")


class HistoryPlot(keras.callbacks.Callback):
    """Redraws the loss and discriminator curves into ``path`` after every epoch.

    Args:
        path: the PNG to write.
        history: earlier epochs' logs (name -> list), continued from when resuming.
    """

    def __init__(self, path, history: dict | None = None):
        super().__init__()
        self.path = Path(path)
        self.history = {k: list(v) for k, v in (history or {}).items()}

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        visualization.plot_history(self.history, self.path)


class GANCheckpoint(keras.callbacks.Callback):
    """Saves the whole GAN after each epoch: both networks and both optimizers.

    Each checkpoint is written to a temporary file and renamed into place;
    ``latest.json`` names the newest complete one and is replaced atomically
    too, so a run killed at any instant leaves a loadable checkpoint. Older
    checkpoints are removed only after their successor is complete.

    Args:
        directory: the checkpoint directory.
        keep: how many recent checkpoints to keep.
    """

    def __init__(self, directory, keep: int = 2):
        super().__init__()
        self.directory = Path(directory)
        self.keep = keep

    def on_epoch_end(self, epoch, logs=None):
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"epoch_{epoch + 1:03d}.weights.h5"
        tmp = self.directory / f".{name}.partial.weights.h5"
        self.model.save_weights(tmp)
        os.replace(tmp, self.directory / name)
        atomic_write_text(self.directory / "latest.json", json.dumps({"epoch": epoch + 1, "weights": name}))
        for old in sorted(self.directory.glob("epoch_*.weights.h5"))[: -self.keep]:
            old.unlink()


def latest_checkpoint(directory) -> tuple[int, Path] | None:
    """``(epoch, path)`` of the newest complete checkpoint in ``directory``, or None."""
    index = Path(directory) / "latest.json"
    if not index.exists():
        return None
    entry = json.loads(index.read_text())
    return int(entry["epoch"]), Path(directory) / entry["weights"]
