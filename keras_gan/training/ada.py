"""Adaptive discriminator augmentation (Karras et al. 2020, "ADA").

On a small dataset the discriminator soon memorises the real images, and its
verdicts stop teaching the generator anything. ADA shows the discriminator
every image, real and generated, in both phases, through augmentations that
each apply with a probability ``p``, and adjusts ``p`` as training goes:

    r_t = E[sign(D(x_real))]        over the real batches since the last adjustment
    p  <- clip(p + sign(r_t - target) * images / ramp_images, 0, 1)

``r_t`` is the overfitting heuristic: 0 when the discriminator cannot tell
real from generated, 1 when it is sure of every real image. Above the target
(0.6 in the paper) ``p`` rises, below it falls, by as much as lets ``p`` go
from 0 to 1 in ``ramp_images`` real images (500,000 in the paper).

Because each augmentation applies with ``p`` < 1, the discriminator still sees
some images as they are, and the generator is not driven to reproduce the
augmentations (the paper's "non-leaking" condition, which held up to p of
about 0.8 for its pipeline).

:class:`AdaptiveAugment` is a Keras layer holding ``p`` and the controller's
running sums as non-trainable variables, so ``save_weights`` / ``load_weights``
carry them and a resumed run goes on with the ``p`` it had.

Example:
    >>> ada = AdaptiveAugment(target=0.6, seed=0)
    >>> augmented = ada(images, training=True)               # doctest: +SKIP
    >>> ada.update(real_logits)                             # doctest: +SKIP
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import ops

from keras_gan import checks
from keras_gan.training import augment

# Transformations ADA may use, by name. Each only moves pixels or blanks them to 0, so
# images stay in [-1, 1]; DiffAugment's colour transformations shift values outside it.
AUGMENTATIONS = {
    "xflip": augment.x_flip,
    "rotate90": augment.rotate90,
    "xint": augment.integer_translation,
    "translation": augment.translation,
    "cutout": augment.cutout,
}
# The paper's pixel blitting: mirror, quarter turns, integer translation.
DEFAULT_AUGMENTATIONS = ("xflip", "rotate90", "xint")
DEFAULT_TARGET = 0.6
# Discriminator updates between two adjustments of p (4 in the paper).
DEFAULT_INTERVAL = 4
# Real images over which p can go from 0 to 1 (500k in the paper).
DEFAULT_RAMP_IMAGES = 500_000


def parse_augmentations(names: str | Sequence[str]) -> tuple[str, ...]:
    """``"xflip,rotate90"`` or ``["xflip", "rotate90"]`` -> ``("xflip", "rotate90")``.

    Raises:
        ValueError: for an empty list or an unknown name, listing the valid ones.
    """
    names = names.split(",") if isinstance(names, str) else list(names)
    names = tuple(name.strip() for name in names if name.strip())
    unknown = [name for name in names if name not in AUGMENTATIONS]
    if unknown or not names:
        what = f"unknown ADA augmentation {', '.join(map(repr, unknown))}" if unknown else "no ADA augmentation given"
        raise ValueError(f"{what}; valid: {', '.join(AUGMENTATIONS)}")
    return names


def check_target(target) -> float:
    """``target`` as a float; ``ValueError`` unless it is a number in (0, 1)."""
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < target < 1:
        raise ValueError(f"the ADA target must be a number in (0, 1), e.g. 0.6; got {target!r}")
    return float(target)


def augment_with_probability(x, names: Sequence[str], probability, seed=None):
    """Applies each transformation of ``names`` in turn, to each image with probability ``probability``.

    Every image draws, for every transformation, whether it applies; the
    transformation itself then draws its own parameters. Both branches are
    differentiable, so the generator's gradient flows through.

    Args:
        x: images ``(batch, H, W, C)`` in [-1, 1].
        names: names from ``AUGMENTATIONS``.
        probability: a scalar in [0, 1] (a tensor or variable is read as it is).
        seed: a ``keras.random.SeedGenerator``.
    """
    mask_shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
    probability = ops.cast(probability, x.dtype)
    for name in names:
        applies = keras.random.uniform(mask_shape, dtype=x.dtype, seed=seed) < probability
        x = ops.where(applies, AUGMENTATIONS[name](x, seed=seed), x)
    return x


def adjusted_probability(probability, overfitting, target: float, images, ramp_images: float):
    """One step of ADA's controller: ``clip(p + sign(r_t - target) * images / ramp_images, 0, 1)``.

    Args:
        probability: the current ``p``.
        overfitting: ``r_t``, the mean sign of the discriminator's outputs on
            the real images seen since the last adjustment.
        target: the ``r_t`` the controller steers to.
        images: how many real images ``r_t`` was measured on.
        ramp_images: real images over which ``p`` can go from 0 to 1.
    """
    step = ops.sign(overfitting - target) * ops.cast(images, "float32") / float(ramp_images)
    return ops.clip(probability + step, 0.0, 1.0)


class AdaptiveAugment(keras.layers.Layer):
    """Augments the discriminator's inputs with an adaptive probability ``p`` (ADA).

    In training, each transformation applies to each image with probability
    ``p``; otherwise the layer passes its inputs through. :meth:`update` is
    the controller: call it with the discriminator's outputs on every real
    batch it trains on, and every ``interval`` calls it moves ``p`` towards
    the value at which ``r_t`` equals ``target``.

    Args:
        target: the ``r_t = E[sign(D(x_real))]`` to steer to, in (0, 1).
        augmentations: names from ``AUGMENTATIONS``, as a comma-separated string or a list.
        interval: calls of :meth:`update` per adjustment of ``p``.
        ramp_images: real images over which ``p`` can go from 0 to 1; the
            step of one adjustment is the images it was measured on over this.
        initial_probability: ``p`` before the first adjustment.
        seed: seeds the augmentations.

    Attributes:
        probability: ``p``, a non-trainable scalar variable.
        overfitting: ``r_t`` at the last adjustment (0 before the first).
    """

    def __init__(
        self,
        target: float = DEFAULT_TARGET,
        augmentations: str | Sequence[str] = DEFAULT_AUGMENTATIONS,
        interval: int = DEFAULT_INTERVAL,
        ramp_images: int = DEFAULT_RAMP_IMAGES,
        initial_probability: float = 0.0,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(initial_probability, bool) or not isinstance(initial_probability, (int, float)) or not (
            0 <= initial_probability <= 1
        ):
            raise ValueError(f"the ADA initial_probability must lie in [0, 1], got {initial_probability!r}")
        self.target = check_target(target)
        self.augmentations = parse_augmentations(augmentations)
        self.interval = checks.integer("the ADA interval", interval, 1, numpy=True)
        self.ramp_images = checks.integer("the ADA ramp_images", ramp_images, 1, numpy=True)
        self.initial_probability = float(initial_probability)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.probability = self._state("probability", self.initial_probability)
        self.overfitting = self._state("overfitting", 0.0)
        # Running sums since the last adjustment: the real images' signs, the images, the calls.
        self._sign_sum = self._state("sign_sum", 0.0)
        self._images = self._state("images", 0.0)
        self._calls = self._state("calls", 0.0)
        # Nothing depends on the input's shape: the variables exist before the first call.
        self.built = True

    def _state(self, name: str, value: float):
        return self.add_weight(
            shape=(), initializer=keras.initializers.Constant(value), trainable=False, name=name, dtype="float32"
        )

    def call(self, inputs, training=None):
        if not training:
            return inputs
        return augment_with_probability(inputs, self.augmentations, self.probability, seed=self.seed_generator)

    def compute_output_shape(self, input_shape):
        return input_shape

    def check_sample_shape(self, sample_shape: tuple) -> None:
        """Raises ``ValueError`` unless the augmentations can take samples of ``sample_shape``.

        They need images ``(H, W, C)``, and square ones for ``rotate90``.
        """
        sample_shape = tuple(sample_shape)
        if len(sample_shape) != 3:
            raise ValueError(f"ADA needs image samples (H, W, C); got samples of shape {sample_shape}")
        if "rotate90" in self.augmentations and sample_shape[0] != sample_shape[1]:
            raise ValueError(
                f"ADA's rotate90 needs square images; got images of shape {sample_shape} "
                f"(leave rotate90 out of the augmentations: {', '.join(a for a in AUGMENTATIONS if a != 'rotate90')})"
            )

    def update(self, real_outputs):
        """Adds one real batch to ``r_t``; every ``interval`` calls, adjusts ``p`` and starts afresh.

        Args:
            real_outputs: the discriminator's outputs on the real batch it
                was trained on (after this layer), offset so that a positive
                value means "real": the logits for the probabilistic and the
                Wasserstein and hinge losses. Any shape with the batch first;
                a map of outputs per image (PatchGAN) counts as its mean sign.

        Returns:
            ``p`` after the call.
        """
        signs = ops.sign(ops.cast(real_outputs, "float32"))
        per_image = ops.reshape(signs, (ops.shape(signs)[0], -1))
        self._sign_sum.assign_add(ops.sum(ops.mean(per_image, axis=1)))
        self._images.assign_add(ops.cast(ops.shape(signs)[0], "float32"))
        self._calls.assign_add(1.0)
        due = ops.greater_equal(self._calls, float(self.interval))
        overfitting = self._sign_sum / ops.maximum(self._images, 1.0)
        adjusted = adjusted_probability(self.probability, overfitting, self.target, self._images, self.ramp_images)
        self.probability.assign(ops.where(due, adjusted, self.probability))
        self.overfitting.assign(ops.where(due, overfitting, self.overfitting))
        for running in (self._sign_sum, self._images, self._calls):
            running.assign(ops.where(due, 0.0, running))
        return self.probability

    def get_config(self):
        return {
            **super().get_config(),
            "target": self.target,
            "augmentations": ",".join(self.augmentations),
            "interval": self.interval,
            "ramp_images": self.ramp_images,
            "initial_probability": self.initial_probability,
        }


class StateMetric(keras.metrics.Metric):
    """One of an :class:`AdaptiveAugment` layer's variables as a metric: in a model's ``metrics``, ``fit`` logs it.

    Its result is the variable itself, not an average: the history holds
    ``p`` (or ``r_t``) as it stood at the end of each epoch, and resetting
    the metric between epochs leaves the layer alone.

    Args:
        layer: the layer to report on.
        attribute: ``"probability"`` (``p``) or ``"overfitting"`` (``r_t``).
        name: the name in the logs.
    """

    def __init__(self, layer: AdaptiveAugment, attribute: str, name: str):
        super().__init__(name=name)
        # A function, not the variable: the metric must not count it among its own variables, which it resets.
        self._value = lambda: getattr(layer, attribute)

    def update_state(self, *args, **kwargs):
        pass

    def reset_state(self):
        pass

    def result(self):
        return ops.convert_to_tensor(self._value())


def for_gan(target: float | None, ramp_images: int, sample_shape: tuple, seed: int | None):
    """What a GAN with ``ada_target=target`` adds: the layer (None when off) and the metrics that log it.

    The GAN puts the layer first among its discriminator's input layers, so
    that it augments the samples themselves, before noise and packing.
    """
    if target is None:
        return None, []
    layer = AdaptiveAugment(target, ramp_images=ramp_images, seed=seed)
    layer.check_sample_shape(sample_shape)
    return layer, [StateMetric(layer, "probability", "ada_p"), StateMetric(layer, "overfitting", "ada_rt")]
