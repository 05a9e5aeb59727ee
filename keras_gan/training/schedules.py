"""Learning-rate schedules for the GAN's two optimizers.

A constant learning rate leaves Adam's iterates moving around the end point
of a GAN's game; letting the rate fall to zero over the last part of
training lets them settle (pix2pix and CycleGAN train their second half at a
rate that decays linearly to zero: Isola et al. 2017, Zhu et al. 2017).
``docs/results.md`` ("How the defaults were chosen") gives what it did on the grid.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from keras_gan import checks


@keras.saving.register_keras_serializable(package="keras_gan")
class HoldThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """``initial_learning_rate`` until ``decay_start``, then a straight line to 0 at ``end``.

    Steps are the optimizer's own updates (``optimizer.iterations``); past
    ``end`` the rate stays 0.

    Args:
        initial_learning_rate: the rate before the decay.
        decay_start: the update at which the decay begins, in ``[0, end)``.
        end: the update at which the rate reaches 0.
    """

    def __init__(self, initial_learning_rate: float, decay_start: int, end: int):
        self.initial_learning_rate = checks.number("initial_learning_rate", initial_learning_rate)
        checks.integer("decay_start", decay_start)
        checks.integer("end", end)
        if not decay_start < end:
            raise ValueError(f"decay_start must come before end; got decay_start {decay_start}, end {end}")
        self.decay_start, self.end = decay_start, end

    def __call__(self, step):
        step = ops.cast(step, "float32")
        done = ops.clip((step - self.decay_start) / (self.end - self.decay_start), 0.0, 1.0)
        return self.initial_learning_rate * (1.0 - done)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_start": self.decay_start, "end": self.end}


def learning_rate(rate: float, decay_start: float | None, total_updates: int | None):
    """``rate``, or a :class:`HoldThenLinearDecay` from it when ``decay_start`` is set.

    Args:
        rate: the initial learning rate.
        decay_start: the fraction of ``total_updates`` after which the rate
            decays, in ``[0, 1)``; ``None`` keeps it constant.
        total_updates: the optimizer's updates in the whole run.
    """
    if decay_start is None:
        return rate
    return HoldThenLinearDecay(rate, math.floor(decay_start * total_updates), total_updates)
