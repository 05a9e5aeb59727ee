"""What a GAN tells Keras's callbacks and its user about training.

Keras's ``EarlyStopping``, ``ModelCheckpoint`` and ``ReduceLROnPlateau``
decide with ``mode="auto"`` whether a monitored metric should go down or up.
They read the answer from a metric's direction only for metrics compiled the
standard way (a loss, or ``compile(metrics=...)``), which a GAN's own trackers
are not. So each tracker carries its direction, and ``GAN.fit`` hands it to
those callbacks: ``monitor="g_loss"`` with the default ``mode`` then means
"lower is better", as ``monitor="loss"`` does for any Keras model.

``keras.callbacks.TerminateOnNaN`` watches the entry ``"loss"`` of the logs,
which a GAN, with its two losses, does not have; ``GAN.fit`` shows it every
loss instead (:class:`WatchEveryLoss`).

The logs of each training step also carry both learning rates, ``d_lr`` and
``g_lr`` (:func:`learning_rates`), and ``GAN.summary`` says why the
discriminator's weights show as non-trainable (:func:`frozen_note`).
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from keras_gan.models import network_checks

DOWN = "down"
UP = "up"


def tracker(name: str, direction: str | None = None) -> keras.metrics.Mean:
    """A running mean named ``name``; ``direction`` ``"down"`` when lower is better, ``"up"`` when higher is.

    Metrics without a direction (the discriminator's mean score on real
    data, say) have no better side: a callback monitoring one needs ``mode``.
    """
    metric = keras.metrics.Mean(name=name)
    if direction is not None:
        if direction not in (DOWN, UP):
            raise ValueError(f"direction must be {DOWN!r}, {UP!r} or None, got {direction!r}")
        metric._direction = direction  # where Keras's own metrics declare theirs
    return metric


class WatchEveryLoss(keras.callbacks.Callback):
    """Passes a ``keras.callbacks.TerminateOnNaN`` the logs with ``"loss"`` set from every loss of a GAN.

    ``"loss"`` becomes the first non-finite entry whose name ends in
    ``loss`` (``d_loss``, ``g_loss``, ...), or the first of them when all
    are finite, so the callback stops training (or raises, with
    ``raise_error=True``) as soon as any of them is NaN or infinite.

    Args:
        callback: the ``TerminateOnNaN`` given to ``fit``.
    """

    def __init__(self, callback: keras.callbacks.Callback):
        super().__init__()
        self.callback = callback

    def set_model(self, model):
        super().set_model(model)
        self.callback.set_model(model)

    def on_train_batch_end(self, batch, logs=None):
        logs = dict(logs or {})
        losses = [float(value) for key, value in logs.items() if key.endswith("loss")]
        if losses:
            logs["loss"] = next((value for value in losses if not math.isfinite(value)), losses[0])
        self.callback.on_train_batch_end(batch, logs)


def adapt_callbacks(metrics, callbacks) -> list | None:
    """``fit``'s callbacks, readied for a GAN's metrics.

    Each callback that monitors one of ``metrics`` with ``mode="auto"``
    gets the metric's direction as its ``mode`` (the name may carry Keras's
    ``val_`` prefix; a metric without a direction leaves it as it is, and
    Keras then asks for ``mode``). Each ``keras.callbacks.TerminateOnNaN`` is
    wrapped in :class:`WatchEveryLoss`.
    """
    if callbacks is None:
        return None
    directions = {m.name: getattr(m, "_direction", None) for m in metrics}
    adapted = []
    for callback in callbacks:
        monitor = getattr(callback, "monitor", None)
        if isinstance(monitor, str) and getattr(callback, "mode", None) == "auto":
            direction = directions.get(monitor.removeprefix("val_"))
            if direction is not None:
                callback.mode = "min" if direction == DOWN else "max"
        if isinstance(callback, keras.callbacks.TerminateOnNaN):
            callback = WatchEveryLoss(callback)
        adapted.append(callback)
    return adapted


def learning_rates(d_optimizer, g_optimizer) -> dict:
    """``{"d_lr": ..., "g_lr": ...}``: the learning rate each optimizer applies at its next update, for the logs."""
    return {
        "d_lr": ops.cast(d_optimizer.learning_rate, "float32"),
        "g_lr": ops.cast(g_optimizer.learning_rate, "float32"),
    }


def prepare_fit(gan, args: tuple, kwargs: dict) -> dict:
    """``fit``'s keyword arguments for ``gan``, after checking that it can train on what ``fit`` was given.

    Refuses a GAN that ``compile`` has not set up (a new one, or one loaded
    with ``compile=False``); warns of real samples outside the generator's
    range (``network_checks.check_fit_data``); readies the callbacks
    (:func:`adapt_callbacks`).
    """
    if not gan.compiled or getattr(gan, "loss_pair", None) is None:
        raise ValueError(f"{gan.name!r} is not compiled: call compile() first (gan.compile() takes the defaults)")
    x, y = (args[0] if args else kwargs.get("x")), (args[1] if len(args) > 1 else kwargs.get("y"))
    network_checks.check_fit_data(gan, x, y, stacklevel=4)
    if kwargs.get("callbacks") is not None:
        kwargs = {**kwargs, "callbacks": adapt_callbacks(gan.metrics, kwargs["callbacks"])}
    return kwargs


def frozen_note(discriminator_variables) -> str:
    """The line ``GAN.summary`` adds: the discriminator trains, although Keras counts it non-trainable."""
    count = sum(int(np.prod(variable.shape)) for variable in discriminator_variables)
    return (
        f"The discriminator's {count:,} trainable parameters show as non-trainable above: it is frozen inside "
        "'combined', the generator phase's model. They train in the discriminator phase (d_optimizer)."
    )
