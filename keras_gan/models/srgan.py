"""SRGAN: super-resolution with a GAN (Ledig et al. 2017).

The generator (:func:`keras_gan.networks.srgan_generator`) upsamples a
low-resolution image by 2, 4 or 8 with sub-pixel convolutions; the
discriminator (:func:`keras_gan.networks.srgan_discriminator`) judges
high-resolution images. The generator is trained through the combined model
``low_res -> [D(G(low_res)), G(low_res)]`` with D frozen, on the perceptual
loss of the paper:

    L_G = content(HR, G(LR)) + 1e-3 * loss.generator(D(G(LR)))
    content = MSE(HR, G(LR)) + vgg_weight * MSE(phi(HR), phi(G(LR))) / 12.75^2

where phi is a VGG19 feature map (:class:`VGGContent`, used only when its
ImageNet weights can be had; Ledig et al. rescale the features by 1/12.75).

Training needs only high-resolution images: a batch that is a single tensor
is taken as HR images and its LR inputs are made inside the step by bicubic
downsampling (:func:`keras_gan.data.pairs.downsample`). ``(low_res, high_res)``
batches are used as given.

Example:
    >>> from keras_gan import SRGAN, networks
    >>> gan = SRGAN(networks.srgan_generator((7, 7, 1), scale=4),
    ...             networks.srgan_discriminator((28, 28, 1)))
    >>> gan.compile()
    >>> gan.fit(high_res_images, batch_size=32, epochs=10)   # doctest: +SKIP
    >>> upscaled = gan.translate(low_res_images)             # doctest: +SKIP
"""

from __future__ import annotations

import keras
from keras import ops

from keras_gan.data import pairs
from keras_gan.models import network_checks
from keras_gan.models.paired import PairedGAN

VGG_LAYER = "block2_conv2"
VGG_FEATURE_SCALE = 1 / 12.75


class WeightsUnavailableError(RuntimeError):
    """Pretrained weights could not be loaded (typically: no network and no cached copy)."""


class VGGContent:
    """The VGG19 content term: mean squared difference of VGG19 feature maps.

    Images in [-1, 1] are mapped to [0, 255], grayscale is repeated to three
    channels, ``keras.applications.vgg19.preprocess_input`` is applied, and
    the activations of ``layer`` are compared after scaling by
    ``feature_scale``. The network is frozen.

    It is a plain callable, not a Keras layer, on purpose: an SRGAN holding
    it would otherwise save VGG19's 80 MB of fixed weights in every
    checkpoint.

    Args:
        layer: the VGG19 layer whose output is compared; ``"block2_conv2"``
            (VGG2,2 in Ledig et al.) suits small images, ``"block5_conv4"``
            (VGG5,4) is the paper's choice for 96x96 crops.
        weights: ``"imagenet"`` (downloaded by Keras on first use and cached
            in ``~/.keras/models``), a weights file, or ``None`` for random
            weights (only good for tests).
        feature_scale: multiplies the features before the difference.

    Raises:
        WeightsUnavailableError: the weights could not be loaded.
    """

    def __init__(self, layer: str = VGG_LAYER, weights: str | None = "imagenet", feature_scale: float = VGG_FEATURE_SCALE):
        try:
            vgg = keras.applications.VGG19(include_top=False, weights=weights)
        except Exception as error:  # a failed download surfaces as many exception types
            raise WeightsUnavailableError(
                f"VGG19 weights {weights!r} could not be loaded ({type(error).__name__}: {error}); "
                "train SRGAN on the pixel MSE alone (vgg_weight 0), or put vgg19_weights_tf_dim_ordering_"
                "tf_kernels_notop.h5 in ~/.keras/models"
            ) from error
        self.layer = layer
        self.weights = weights
        self.feature_scale = float(feature_scale)
        self.extractor = keras.Model(vgg.inputs, vgg.get_layer(layer).output, name=f"vgg19_{layer}")
        self.extractor.trainable = False

    def features(self, images):
        """VGG19 features of images in [-1, 1], scaled by ``feature_scale``."""
        images = ops.cast(images, "float32")
        if images.shape[-1] == 1:
            images = ops.repeat(images, 3, axis=-1)
        pixels = keras.applications.vgg19.preprocess_input((images + 1.0) * 127.5)
        return self.extractor(pixels, training=False) * self.feature_scale

    def __call__(self, real, fake):
        return ops.mean(ops.square(self.features(real) - self.features(fake)))

    def get_config(self) -> dict:
        """The settings that rebuild this term: ``VGGContent(**content.get_config())``."""
        return {"layer": self.layer, "weights": self.weights, "feature_scale": self.feature_scale}


@keras.saving.register_keras_serializable(package="keras_gan")
class SRGAN(PairedGAN):
    """Super-resolution GAN (Ledig et al. 2017).

    Args:
        generator: ``low-resolution image -> image scale times larger``.
        discriminator: ``high-resolution image -> logit``.
        d_steps: discriminator updates per generator update.
        adversarial_weight: weight of the adversarial term (1e-3 in the paper).
        vgg: a :class:`VGGContent` (or any callable ``(real, fake) -> scalar``)
            adding a feature-space term to the content loss; ``None`` (the
            default) trains on the pixel MSE alone. A ``VGGContent`` is saved
            with the model's config (its settings, not its weights); another
            callable cannot be, and ``get_config`` refuses it.
        vgg_weight: weight of that term.
        seed: seeds any randomness of the training step.
        name: model name.

    Batches are high-resolution images (downsampled inside the step) or
    ``(low_res, high_res)`` pairs; ``metrics`` add ``mse`` (pixels, in the
    [-1, 1] range) and, with ``vgg``, ``vgg``.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        d_steps: int = 1,
        *,
        adversarial_weight: float = 1e-3,
        vgg=None,
        vgg_weight: float = 1.0,
        seed: int | None = None,
        name: str = "srgan",
        **kwargs,
    ):
        generator = network_checks.built_network(
            generator, "generator", None, "start it with keras.Input(shape) of the low-resolution images"
        )
        low_res, high_res = generator.inputs[0].shape[1:3], generator.outputs[0].shape[1:3]
        scale = high_res[0] // low_res[0]
        if scale < 2 or tuple(high_res) != (low_res[0] * scale, low_res[1] * scale):
            raise ValueError(
                f"the generator must upsample by an integer factor >= 2 on both sides; it maps {tuple(low_res)} "
                f"to {tuple(high_res)}"
            )
        super().__init__(
            generator,
            discriminator,
            d_steps,
            adversarial_weight=adversarial_weight,
            content_metrics=("mse", "vgg") if vgg is not None else ("mse",),
            seed=seed,
            name=name,
            **kwargs,
        )
        self.scale = int(scale)
        self.vgg = vgg
        self.vgg_weight = float(vgg_weight)

    def unpack(self, data):
        """HR images -> ``(HR, bicubic-downsampled LR)``; ``(LR, HR)`` pairs -> ``(HR, LR)``: the context is LR."""
        if isinstance(data, (tuple, list)):
            if len(data) == 1:
                data = data[0]
            else:
                return super().unpack(data)
        return data, pairs.downsample(data, self.scale)

    def content_loss(self, real, fake):
        """Pixel MSE, plus ``vgg_weight`` times the VGG feature MSE when ``vgg`` is set."""
        mse = ops.mean(ops.square(ops.cast(real, fake.dtype) - fake))
        if self.vgg is None:
            return mse, {"mse": mse}
        vgg = self.vgg(real, fake)
        return mse + self.vgg_weight * vgg, {"mse": mse, "vgg": vgg}

    def get_config(self):
        if self.vgg is not None and not isinstance(self.vgg, VGGContent):
            raise ValueError(
                f"SRGAN.get_config can save vgg only as a VGGContent, got {type(self.vgg).__name__}: "
                "a reloaded model would train without that term"
            )
        config = super().get_config()
        config["vgg_weight"] = self.vgg_weight
        config["vgg"] = self.vgg.get_config() if self.vgg is not None else None
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("vgg") is not None:
            config["vgg"] = VGGContent(**config["vgg"])
        return super().from_config(config)
