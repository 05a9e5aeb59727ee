"""Keras callbacks for GAN training: thin wrappers over pure functions."""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import keras
import numpy as np

from keras_gan import visualization
from keras_gan.training import checkpoints

logger = logging.getLogger("keras_gan")

atomic_write_text = checkpoints.write_text
append_log_row = checkpoints.append_log_row
save_generator = checkpoints.save_generator


def _append_logs(history: dict, logs) -> None:
    for key, value in (logs or {}).items():
        history.setdefault(key, []).append(float(value))


class SampleGrid(keras.callbacks.Callback):
    """Draws samples from the same latent vectors after every ``every`` epochs.

    Writes ``directory/epoch_NNN.png`` (an image grid, or a scatter plot for
    2-D points) and, when training ends, ``directory/progress.gif``. The
    samples are ``generate(..., preview=True)``'s: a moving average's
    batch-norm statistics measured on fewer inputs, which a picture does not
    show and a quarter of the time.

    Args:
        directory: where the images go.
        latent: the fixed latent vectors, ``(n, latent_dim)``.
        every: epochs between grids.
        modes: for 2-D data, the mixture's modes, drawn as crosses.
        labels: for a conditional GAN, the class of each sample.
        rows: rows of the image grid (near-square when omitted).
    """

    def __init__(self, directory, latent, every: int = 1, modes=None, labels=None, rows=None):
        super().__init__()
        self.directory = Path(directory)
        self.latent = np.asarray(latent, dtype="float32")
        self.every = every
        self.modes = modes
        self.labels = labels
        self.rows = rows
        self.last_path = None  # the grid the latest epoch wrote, None in epochs that wrote none

    def on_epoch_end(self, epoch, logs=None):
        self.last_path = None
        if (epoch + 1) % self.every == 0:
            conditional = {} if self.labels is None else {"labels": self.labels}
            samples = self.model.generate(len(self.latent), latent=self.latent, preview=True, **conditional)
            path = self.directory / f"epoch_{epoch + 1:03d}.png"
            visualization.save_samples(samples, path, rows=self.rows, modes=self.modes)
            self.last_path = path

    def on_train_end(self, logs=None):
        frames = sorted(self.directory.glob("epoch_*.png"))
        if frames:
            visualization.save_gif([str(f) for f in frames], self.directory / "progress.gif")


class HistoryPlot(keras.callbacks.Callback):
    """Redraws the loss and discriminator curves into ``path`` as training goes.

    After the first epoch, then after an epoch once ``min_interval`` seconds
    have passed since the last drawing, and when training ends (so the file
    always ends complete): a drawing takes a few tenths of a second, too
    long to repeat after every short epoch.

    Args:
        path: the PNG to write.
        history: earlier epochs' logs (name -> list), continued from when resuming.
        min_interval: seconds between drawings during training; 0 draws
            after every epoch.
    """

    def __init__(self, path, history: dict | None = None, min_interval: float = 15.0):
        super().__init__()
        self.path = Path(path)
        self.history = {k: list(v) for k, v in (history or {}).items()}
        self.min_interval = min_interval
        self._drawn_at = None  # time of the last drawing; None before the first
        self._pending = False  # epochs logged since then

    def on_epoch_end(self, epoch, logs=None):
        _append_logs(self.history, logs)
        self._pending = True
        if self._drawn_at is None or time.monotonic() - self._drawn_at >= self.min_interval:
            self.draw()

    def on_train_end(self, logs=None):
        if self._pending:
            self.draw()

    def draw(self) -> None:
        """Writes the curves of every epoch logged so far."""
        visualization.plot_history(self.history, self.path)
        self._drawn_at = time.monotonic()
        self._pending = False


class CSVLog(keras.callbacks.Callback):
    """Appends each epoch's logs to ``path`` (``epoch`` counts from 0, as in Keras).

    Unlike ``keras.callbacks.CSVLogger``, it adds no empty ``val_*`` columns
    and takes its columns from the file when it exists, which is what a
    resumed run needs.
    """

    def __init__(self, path):
        super().__init__()
        self.path = Path(path)

    def on_epoch_end(self, epoch, logs=None):
        append_log_row(self.path, epoch, logs or {})


class GANCheckpoint(keras.callbacks.Callback):
    """Saves everything a resumed run needs after each epoch (see :mod:`keras_gan.training.checkpoints`).

    Both networks, both optimizers with their iteration counters, the random
    generators' states, the epoch, the metric history and the sample grids'
    latent vectors go into one file, written atomically; ``latest.json``
    then names it, and only after that are older checkpoints removed. Place
    it after every callback that adds to the epoch's logs.

    Args:
        directory: the checkpoint directory.
        keep: how many recent checkpoints to keep.
        latent: the sample grids' fixed latent vectors, stored for a resume.
        history: earlier epochs' logs (name -> list), continued from when resuming.
    """

    def __init__(self, directory, keep: int = 2, latent=None, history: dict | None = None):
        super().__init__()
        self.directory = Path(directory)
        self.keep = keep
        self.latent = latent
        self.history = {k: list(v) for k, v in (history or {}).items()}

    def on_epoch_end(self, epoch, logs=None):
        _append_logs(self.history, logs)
        checkpoints.write(self.model, self.directory, epoch + 1, self.history, self.latent, keep=self.keep)


class TrainingDiverged(RuntimeError):
    """A loss, a metric or a weight became NaN or infinite during training."""


def non_finite_logs(logs) -> dict[str, float]:
    """The entries of ``logs`` that are NaN or infinite, losses first."""
    bad = {}
    for key, value in (logs or {}).items():
        try:
            value = float(value)
        except (TypeError, ValueError):  # not a scalar: not a loss either
            continue
        if not math.isfinite(value):
            bad[key] = value
    return dict(sorted(bad.items(), key=lambda item: "loss" not in item[0]))


def _variable_groups(model):
    """(owner, variables) pairs: a GAN's networks and optimizers by name, else the model's own."""
    parts = [
        ("generator", getattr(model, "generator", None)),
        ("discriminator", getattr(model, "discriminator", None)),
        ("moving-average generator", getattr(model, "ema_generator", None)),
    ]
    groups = [(owner, part.weights) for owner, part in parts if part is not None]
    for owner in ("g_optimizer", "d_optimizer"):
        optimizer = getattr(model, owner, None)
        if optimizer is not None:
            groups.append((owner, optimizer.variables))
    return groups or [(model.name, model.weights)]


def non_finite_weights(model) -> list[str]:
    """The floating-point variables of ``model`` holding a NaN or an infinity, each as ``"owner path (k of n)"``.

    For a :class:`~keras_gan.models.gan.GAN` it reads the generator, the
    discriminator, the moving-average generator and both optimizers' slots.
    """
    bad = []
    for owner, variables in _variable_groups(model):
        for variable in variables:
            if not np.issubdtype(np.dtype(keras.backend.standardize_dtype(variable.dtype)), np.floating):
                continue
            values = keras.ops.convert_to_numpy(variable.value)
            broken = int(np.size(values) - np.isfinite(values).sum())
            if broken:
                bad.append(f"{owner} {variable.path} ({broken} of {np.size(values)})")
    return bad


class TerminateOnNonFinite(keras.callbacks.Callback):
    """Stops training at the first step whose logs hold a NaN or an infinity,
    or at the end of an epoch that left a NaN or an infinity in a weight.

    Unlike ``keras.callbacks.TerminateOnNaN``, which lets the epoch end (and
    so lets later callbacks save the broken state), it raises
    :class:`TrainingDiverged` from inside the step loop: no later callback's
    ``on_epoch_end`` runs for the broken epoch, so it is never checkpointed.
    The message names the loss and the step. With ``steps_per_execution``
    above 1, Keras calls batch hooks once per group of steps, so the
    message names the group.

    The losses alone can miss a NaN weight: TensorFlow's fused
    matmul-bias-ReLU kernel on CPU (oneDNN, in graph mode) turns a NaN into
    0, so a generator whose first kernel is NaN trains on with finite losses
    and a constant output. Hence the weight check at each epoch's end,
    before the epoch is saved. Place this callback ahead of those that save.
    """

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        self.first_step = batch

    def on_train_batch_end(self, batch, logs=None):
        bad = non_finite_logs(logs)
        if bad:
            before = self.epoch * self.params.get("steps", 0)
            first = getattr(self, "first_step", batch)
            where = f"step {batch + 1}" if first == batch else f"one of steps {first + 1}-{batch + 1}"
            steps = f"{before + batch + 1}" if first == batch else f"{before + first + 1}-{before + batch + 1}"
            names = ", ".join(f"{key} = {value}" for key, value in bad.items())
            raise TrainingDiverged(
                f"training diverged: {names} at epoch {self.epoch + 1}, {where} of the epoch (training step {steps})"
            )

    def on_epoch_end(self, epoch, logs=None):
        bad = non_finite_weights(self.model)
        if bad:
            shown = "; ".join(bad[:3]) + (f"; and {len(bad) - 3} more" if len(bad) > 3 else "")
            raise TrainingDiverged(
                f"training diverged: weights hold NaN or infinite values at the end of epoch {epoch + 1} "
                f"though every logged loss was finite: {shown}"
            )


def discriminator_dominance(history: dict, window: int = 5, min_accuracy: float = 0.95) -> str | None:
    """Says whether the discriminator has been winning outright for ``window`` epochs.

    That is: its accuracy stayed at or above ``min_accuracy`` in each of the
    last ``window`` epochs while the generator's loss rose over them (a
    positive least-squares slope and a last value above the first). The
    generator then gets little useful gradient and rarely recovers.

    Args:
        history: metric name -> per-epoch values; reads ``d_accuracy`` and ``g_loss``.
        window: how many recent epochs to look at.
        min_accuracy: the accuracy that counts as winning outright.

    Returns:
        A warning naming the usual remedies, or None when all is well.
    """
    accuracy = list(history.get("d_accuracy", []))[-window:]
    g_loss = list(history.get("g_loss", []))[-window:]
    if len(accuracy) < window or len(g_loss) < window or window < 2:
        return None
    if min(accuracy) < min_accuracy:
        return None
    slope = np.polyfit(np.arange(window), np.asarray(g_loss, dtype="float64"), 1)[0]
    if not (slope > 0 and g_loss[-1] > g_loss[0]):
        return None
    return (
        f"the discriminator is winning outright: d_accuracy >= {min(accuracy):.2f} and g_loss rising "
        f"from {g_loss[0]:.3g} to {g_loss[-1]:.3g} over the last {window} epochs; usual remedies: "
        "a lower discriminator learning rate (two time-scale update rule), one-sided label smoothing, "
        "instance noise, an R1 penalty or spectral normalisation in the discriminator, fewer d_steps"
    )


class DiscriminatorWatch(keras.callbacks.Callback):
    """Logs a warning (logger ``keras_gan``) when :func:`discriminator_dominance` fires.

    It warns once per stretch: again only after the condition has cleared.

    Args:
        window: epochs in the stretch.
        min_accuracy: the discriminator accuracy that counts as winning outright.
        history: earlier epochs' logs (name -> list), continued from when resuming.
    """

    def __init__(self, window: int = 5, min_accuracy: float = 0.95, history: dict | None = None):
        super().__init__()
        self.window = window
        self.min_accuracy = min_accuracy
        self.history = {k: list(v) for k, v in (history or {}).items()}
        self.warned = False

    def on_epoch_end(self, epoch, logs=None):
        _append_logs(self.history, logs)
        message = discriminator_dominance(self.history, self.window, self.min_accuracy)
        if message and not self.warned:
            logger.warning("epoch %d: %s", epoch + 1, message)
        self.warned = message is not None


class SampleMetrics(keras.callbacks.Callback):
    """Adds sample-quality metrics to the epoch's logs every ``every`` epochs.

    The samples come from the same latent vectors each time, so epochs are
    comparable. Placed before the logging callbacks, the numbers reach the
    History, ``log.csv``, the loss plot, checkpoints and TensorBoard. Epochs
    in between log NaN, so every epoch has the same columns; the last epoch
    is always measured.

    Args:
        evaluation: a callable ``samples -> {name: value}`` with a
            ``metric_names`` attribute, such as
            :class:`keras_gan.evaluate.Evaluation`.
        num_samples: samples drawn each time.
        every: epochs between measurements.
        names: which of the evaluation's metrics to log; all when None.
        seed: seed of the fixed latent vectors.
    """

    def __init__(self, evaluation, num_samples: int, every: int = 1, names=None, seed: int = 0):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be a positive number of epochs, got {every}")
        unknown = sorted(set(names or ()) - set(evaluation.metric_names))
        if unknown:
            raise ValueError(f"unknown sample metrics {unknown}; this evaluation gives {list(evaluation.metric_names)}")
        self.evaluation = evaluation
        self.num_samples = num_samples
        self.every = every
        self.names = list(names or evaluation.metric_names)
        self.seed = seed

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        due = (epoch + 1) % self.every == 0 or epoch + 1 == self.params.get("epochs")
        values = {}
        if due:
            latent = self.model.latent_vectors(self.num_samples, seed=self.seed)
            values = self.evaluation(self.model.generate(len(latent), latent=latent))
        for name in self.names:
            logs[name] = float(values.get(name, np.nan))
