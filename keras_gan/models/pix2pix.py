"""pix2pix: image-to-image translation with a conditional GAN (Isola et al. 2017).

The generator (a U-Net, :func:`keras_gan.networks.unet_generator`) maps a
source image to the target domain; the discriminator (a PatchGAN,
:func:`keras_gan.networks.patchgan_discriminator`) sees the source and a
candidate stacked along the channel axis and says, patch by patch, whether
the pair is real. The generator is trained through the combined model
``source -> [D(source, G(source)), G(source)]`` with D frozen, on

    L_G = loss.generator(D(source, G(source))) + lambda * E|target - G(source)|

lambda = 100 as in the paper: the L1 term gets the image right on the
whole, the adversarial term makes it sharp rather than the blurry mean of
the plausible outputs.

Example:
    >>> from keras_gan import Pix2Pix, networks
    >>> gan = Pix2Pix(networks.unet_generator((32, 32, 1)),
    ...               networks.patchgan_discriminator((32, 32, 1)))
    >>> gan.compile()
    >>> gan.fit(sources, targets, batch_size=32, epochs=10)   # doctest: +SKIP
    >>> outputs = gan.translate(test_sources)                 # doctest: +SKIP
"""

from __future__ import annotations

import keras
from keras import ops

from keras_gan.models import network_checks
from keras_gan.models.paired import SOURCE_INPUT_HINT, PairedGAN


@keras.saving.register_keras_serializable(package="keras_gan")
class Pix2Pix(PairedGAN):
    """A conditional GAN that translates paired images (Isola et al. 2017).

    Args:
        generator: ``source image -> image`` (e.g. a U-Net).
        discriminator: ``[source, image] -> logits``, its first input the
            source and its second the real or translated image; one logit per
            sample or a PatchGAN grid of them.
        d_steps: discriminator updates per generator update.
        l1_weight: lambda, the weight of the L1 term (100 in the paper);
            the adversarial term has weight 1.
        seed: seeds any randomness of the training step.
        name: model name.

    Batches are ``(source, target)`` pairs; ``metrics`` add ``l1``, the mean
    absolute difference between translation and target (unweighted).
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        d_steps: int = 1,
        *,
        l1_weight: float = 100.0,
        seed: int | None = None,
        name: str = "pix2pix",
        **kwargs,
    ):
        generator = network_checks.built_network(generator, "generator", None, SOURCE_INPUT_HINT)
        discriminator = network_checks.built_network(
            discriminator, "discriminator", None, "start it with two keras.Input layers, [source, image]"
        )
        if len(discriminator.inputs) != 2:
            raise ValueError(
                f"pix2pix's discriminator takes two inputs, [source, image]; got {len(discriminator.inputs)}"
            )
        source_shape = tuple(generator.inputs[0].shape[1:])
        d_source_shape = tuple(discriminator.inputs[0].shape[1:])
        if source_shape != d_source_shape:
            raise ValueError(
                f"generator input shape {source_shape} does not match the discriminator's source input "
                f"shape {d_source_shape}"
            )
        if not l1_weight >= 0:
            raise ValueError(f"l1_weight must be >= 0, got {l1_weight!r}")
        kwargs.pop("adversarial_weight", None)  # fixed at 1; lambda scales the L1 term
        super().__init__(generator, discriminator, d_steps, content_metrics=("l1",), seed=seed, name=name, **kwargs)
        self.l1_weight = float(l1_weight)

    judged_input = 1  # the discriminator takes [source, image]

    def discriminate(self, samples, source, training=False):
        """``D([source, image])``: the verdict on the pair."""
        return self.discriminator([source, samples], training=training)

    def content_loss(self, real, fake):
        """``lambda * mean|real - fake|``, and the unweighted L1."""
        l1 = ops.mean(ops.abs(ops.cast(real, fake.dtype) - fake))
        return self.l1_weight * l1, {"l1": l1}

    def get_config(self):
        config = super().get_config()
        config.pop("adversarial_weight", None)
        config["l1_weight"] = self.l1_weight
        return config
