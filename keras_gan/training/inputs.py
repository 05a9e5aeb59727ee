"""Layers that sit between the generator and the discriminator.

The GAN applies them, in this order, to every batch the discriminator sees:
the real and the generated batch in the discriminator phase, and the
generated batch inside the combined model in the generator phase. One
object per option serves both phases, so the two always agree.

- :class:`DiffAugment`: differentiable augmentation (Zhao et al. 2020),
  training only.
- :class:`InstanceNoise`: Gaussian noise whose standard deviation is annealed
  to zero (Sonderby et al. 2016), training only.
- :class:`Pack`: PacGAN packing (Lin et al. 2018), always: ``m`` samples
  become one input with ``m`` times the channels.

None has trainable weights, so the combined model's trainable variables stay
exactly the generator's. :func:`discriminator_input_layers` builds them from a
GAN's settings; :func:`call_dependent_layers` finds the discriminator's layers
that forbid judging the real and the generated batch in one call.
"""

from __future__ import annotations

from typing import Callable

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gan.training import augment


class DiffAugment(keras.layers.Layer):
    """Applies a DiffAugment policy in training, passes inputs through otherwise.

    Args:
        policy: e.g. ``"color,translation,cutout"`` (see ``keras_gan.training.augment``).
        seed: seeds the augmentation parameters.
    """

    def __init__(self, policy: str, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.policy = ",".join(augment.parse_policy(policy))
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        return augment.diff_augment(inputs, self.policy, seed=self.seed_generator)

    def compute_output_shape(self, input_shape):
        return input_shape


def annealed_stddev(initial: float, step, anneal_steps: int):
    """``initial * max(0, 1 - step / anneal_steps)``: linear decay to zero.

    Sonderby et al. (2016) anneal the instance noise to zero so that the
    discriminator ends up judging the true distributions.
    """
    progress = ops.cast(step, "float32") / float(anneal_steps)
    return initial * ops.maximum(0.0, 1.0 - progress)


class InstanceNoise(keras.layers.Layer):
    """Adds Gaussian noise with an annealed standard deviation in training.

    Args:
        stddev: the standard deviation at step 0.
        anneal_steps: the step from which the noise is zero.
        step: returns the current training step as a tensor (read inside the
            compiled step, e.g. an optimizer's ``iterations``).
        seed: seeds the noise.
    """

    def __init__(self, stddev: float, anneal_steps: int, step: Callable, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = float(stddev)
        self.anneal_steps = int(anneal_steps)
        self.step = step
        self.seed_generator = keras.random.SeedGenerator(seed)

    def current_stddev(self):
        """The standard deviation the next training batch gets."""
        return annealed_stddev(self.stddev, self.step(), self.anneal_steps)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        noise = keras.random.normal(ops.shape(inputs), dtype=inputs.dtype, seed=self.seed_generator)
        return inputs + ops.cast(self.current_stddev(), inputs.dtype) * noise

    def compute_output_shape(self, input_shape):
        return input_shape


class Pack(keras.layers.Layer):
    """Concatenates groups of ``m`` consecutive samples along the last axis (PacGAN).

    ``(batch, ..., C) -> (batch / m, ..., m * C)``: sample ``j`` of a group
    fills channels ``j * C`` to ``(j + 1) * C - 1``.

    Args:
        m: samples per judgement.
    """

    def __init__(self, m: int, **kwargs):
        super().__init__(**kwargs)
        self.m = int(m)

    def call(self, inputs):
        m = self.m
        sample_shape = tuple(inputs.shape[1:])
        batch = inputs.shape[0]
        if batch is not None and batch % m:
            raise ValueError(f"batch size {batch} is not divisible by pack={m}; use a multiple of {m}")
        if batch is None:
            tf.debugging.assert_equal(
                tf.shape(inputs)[0] % m, 0, message=f"the batch size is not divisible by pack={m}"
            )
        groups = ops.reshape(inputs, (-1, m) + sample_shape)
        groups = ops.moveaxis(groups, 1, -2)  # (batch / m, ..., m, C)
        return ops.reshape(groups, (-1,) + sample_shape[:-1] + (m * sample_shape[-1],))

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] // self.m
        return (batch, *input_shape[1:-1], input_shape[-1] * self.m)

    def get_config(self):
        return {**super().get_config(), "m": self.m}


def discriminator_input_layers(
    sample_shape: tuple,
    diffaugment: str | None = None,
    instance_noise: float = 0.0,
    instance_noise_steps: int | None = None,
    pack: int = 1,
    *,
    step: Callable = lambda: 0,
    seed: int | None = None,
) -> list:
    """The layers a GAN puts between its samples and its discriminator, in the order they apply.

    Args:
        sample_shape: the shape of one sample; DiffAugment needs images ``(H, W, C)``.
        diffaugment: a DiffAugment policy, or None.
        instance_noise: the noise's initial standard deviation; 0 is none.
        instance_noise_steps: the training steps over which it decays to zero.
        pack: samples per judgement; 1 is no packing.
        step: returns the current training step (read inside the compiled step).
        seed: seeds DiffAugment (``seed + 1``) and the instance noise (``seed + 2``).

    Raises:
        ValueError: for settings that cannot work, naming them.
    """
    layers = []
    if diffaugment:
        if len(sample_shape) != 3:
            raise ValueError(f"diffaugment needs image samples (H, W, C); this GAN's samples have shape {sample_shape}")
        layers.append(DiffAugment(diffaugment, seed=derived_seed(seed, 1)))
    if instance_noise:
        if not instance_noise > 0:
            raise ValueError(f"instance_noise must be a non-negative standard deviation, got {instance_noise!r}")
        if not isinstance(instance_noise_steps, (int, np.integer)) or instance_noise_steps < 1:
            raise ValueError(
                "instance_noise needs instance_noise_steps, the positive number of training steps "
                f"over which it decays to zero; got {instance_noise_steps!r}"
            )
        layers.append(InstanceNoise(instance_noise, instance_noise_steps, step, seed=derived_seed(seed, 2)))
    if pack > 1:
        layers.append(Pack(pack))
    return layers


def derived_seed(seed: int | None, offset: int) -> int | None:
    """The seed of one of a GAN's random streams: ``seed + offset``, or None for an unseeded GAN."""
    return None if seed is None else seed + offset


# Layers whose training-mode call depends on the batch it sees or updates state
# on every call, so that one call on two stacked batches differs from two calls.
CALL_DEPENDENT_LAYERS = (keras.layers.BatchNormalization, keras.layers.SpectralNormalization)


def call_dependent_layers(model: keras.layers.Layer) -> list:
    """The layers of ``CALL_DEPENDENT_LAYERS`` in ``model``, nested models included."""
    return [layer for layer in model._flatten_layers() if isinstance(layer, CALL_DEPENDENT_LAYERS)]

