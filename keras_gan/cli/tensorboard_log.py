"""The run directory's TensorBoard events: every metric of each epoch, and the epoch's sample grid.

``python -m keras_gan.train`` writes them to ``RUN_DIR/tensorboard``; open
them with ``tensorboard --logdir RUN_DIR/tensorboard``. A resume rewrites
them from its checkpoint, so that each epoch keeps one point.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import keras
import tensorflow as tf

from keras_gan.training import callbacks


class TensorBoardLog(keras.callbacks.Callback):
    """Writes every numeric log of each epoch, and the epoch's sample grid, as TensorBoard events.

    The step of an epoch's events is the number of epochs trained (1 after
    the first), as in ``samples/epoch_NNN.png``. Open them with
    ``tensorboard --logdir DIRECTORY``. Place it after the callbacks that
    add to the logs and after the :class:`~keras_gan.training.callbacks.SampleGrid` it shows.

    Args:
        directory: where the event files go.
        grid: the ``SampleGrid`` whose latest image is logged as ``samples``; None logs none.
    """

    def __init__(self, directory, grid: callbacks.SampleGrid | None = None):
        super().__init__()
        self.directory = Path(directory)
        self.grid = grid
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(str(self.directory))
        write_epoch(self._writer, epoch + 1, logs or {}, self.grid and self.grid.last_path)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def write_epoch(writer, step: int, logs: dict, grid_path=None) -> None:
    """One epoch's events: each numeric log as a scalar, and the grid PNG (if any) as the image ``samples``."""
    with writer.as_default(step=step):
        for name, value in logs.items():
            try:
                tf.summary.scalar(name, float(value))
            except (TypeError, ValueError):  # not a number: nothing to plot
                continue
        if grid_path is not None:
            tf.summary.image("samples", tf.io.decode_png(tf.io.read_file(str(grid_path)))[tf.newaxis])
    writer.flush()


def rewrite(directory, history: dict, grids) -> None:
    """Replaces the events in ``directory`` by those of the epochs in ``history`` (a resume's checkpoint).

    Args:
        directory: the event files' folder.
        history: metric name -> per-epoch values.
        grids: the folder of the ``epoch_NNN.png`` sample grids.
    """
    shutil.rmtree(directory, ignore_errors=True)
    epochs = len(next(iter(history.values()), []))
    if not epochs:
        return
    writer = tf.summary.create_file_writer(str(directory))
    for epoch in range(1, epochs + 1):
        grid = Path(grids) / f"epoch_{epoch:03d}.png"
        logs = {name: values[epoch - 1] for name, values in history.items()}
        write_epoch(writer, epoch, logs, grid if grid.is_file() else None)
    writer.close()
