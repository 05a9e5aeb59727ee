"""ResNet generator for unpaired translation (Zhu et al. 2017, after Johnson et al. 2016).

The layers in the CycleGAN paper's notation, for ``base_filters`` k:

    c7s1-k, d2k, d4k, R4k x num_blocks, u2k, uk, c7s1-C

``c7s1-k`` is a 7x7 convolution, stride 1, k filters; ``dk`` a 3x3
convolution with stride 2 (half the side); ``Rk`` a residual block of two 3x3
convolutions; ``uk`` a 3x3 transposed convolution with stride 2 (twice the
side). Every convolution but the last is followed by instance normalisation
and a ReLU; the last gives the image through a tanh.

Unlike the U-Net of pix2pix there is no skip from the input to the output:
the image passes through a bottleneck four times smaller a side, and the
residual blocks there change its style while keeping its layout. The
convolutions that keep the size pad by reflection, as the paper does, so
the border of a light background is not darkened by zero padding.
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers, ops

from keras_gan.networks.dcgan import normal_init
from keras_gan.networks.patchgan import image_patchgan_discriminator, normalization_layer

# Stride-2 steps down, and as many up: the generator's images need sides divisible by 4.
DOWNSAMPLINGS = 2


def reflection_pad(x, padding: int):
    """Pads height and width by ``padding`` pixels, mirroring the image at its border.

    A Keras op rather than a layer of keras_gan's, so that plain Keras opens
    a saved generator without importing keras_gan.

    Example:
        >>> import numpy as np
        >>> x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
        >>> keras.ops.convert_to_numpy(reflection_pad(x, 1))[0, 0, :, 0].tolist()  # row 1 mirrored above row 0
        [4.0, 3.0, 4.0, 5.0, 4.0]
    """
    return ops.pad(x, [[0, 0], [padding, padding], [padding, padding], [0, 0]], mode="reflect")


def resnet_generator(
    image_shape: Sequence[int] = (28, 28, 1),
    output_channels: int | None = None,
    base_filters: int = 64,
    num_blocks: int = 9,
    normalization: str | None = "instance",
    name: str = "resnet_generator",
) -> keras.Model:
    """Builds ``image -> translated image`` of the same size, outputs in [-1, 1].

    Args:
        image_shape: ``(H, W, C)`` of the input; H and W divisible by 4.
        output_channels: channels of the output; the input's when ``None``.
        base_filters: k, the filters of the first convolution (64 in the
            paper); the two downsamplings double them twice.
        num_blocks: residual blocks at the bottleneck (9 for 256x256 images
            in the paper, 6 for 128x128).
        normalization: ``"instance"`` (the paper's), ``"batch"``, ``"layer"``
            or ``None``.
        name: model name.

    Example:
        >>> g = resnet_generator((28, 28, 1), base_filters=8, num_blocks=2)
        >>> g.output.shape
        (None, 28, 28, 1)
    """
    image_shape = tuple(int(v) for v in image_shape)
    if len(image_shape) != 3 or min(image_shape) < 1:
        raise ValueError(f"image_shape must be (height, width, channels), got {image_shape}")
    if image_shape[0] % 2**DOWNSAMPLINGS or image_shape[1] % 2**DOWNSAMPLINGS:
        raise ValueError(
            f"the ResNet generator halves the image twice, so its sides must be divisible by 4; got {image_shape[:2]}"
        )
    for option, value in (("base_filters", base_filters), ("num_blocks", num_blocks)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{option} must be a positive integer, got {value!r}")
    normalization_layer(normalization)  # fails early on an unknown name
    output_channels = output_channels or image_shape[-1]

    def conv(x, filters, kernel_size, strides=1, transpose=False, relu=True):
        if strides == 1:
            x = reflection_pad(x, kernel_size // 2)
        convolution = layers.Conv2DTranspose if transpose else layers.Conv2D
        norm = normalization_layer(normalization)
        x = convolution(
            filters,
            kernel_size,
            strides=strides,
            padding="valid" if strides == 1 else "same",
            use_bias=norm is None,  # a normalisation's mean subtraction would cancel the bias
            kernel_initializer=normal_init(),
        )(x)
        if norm is not None:
            x = norm(x)
        return layers.ReLU()(x) if relu else x

    image = keras.Input(image_shape, name="image")
    x = conv(image, base_filters, 7)
    for step in range(1, DOWNSAMPLINGS + 1):
        x = conv(x, base_filters * 2**step, 3, strides=2)
    width = base_filters * 2**DOWNSAMPLINGS
    for _ in range(num_blocks):
        y = conv(x, width, 3)
        x = layers.Add()([x, conv(y, width, 3, relu=False)])
    for step in reversed(range(DOWNSAMPLINGS)):
        x = conv(x, base_filters * 2**step, 3, strides=2, transpose=True)
    x = reflection_pad(x, 3)
    x = layers.Conv2D(output_channels, 7, kernel_initializer=normal_init())(x)
    translated = layers.Activation("tanh", dtype="float32")(x)
    return keras.Model(image, translated, name=name)


def cyclegan_networks(
    image_shape: Sequence[int] = (28, 28, 1),
    base_filters: int = 64,
    num_blocks: int | None = None,
    downsamplings: int | None = None,
) -> tuple[keras.Model, keras.Model, keras.Model, keras.Model]:
    """The four networks of a CycleGAN for two domains of ``image_shape``: G, F, D_A, D_B.

    Two ResNet generators (``generator_ab``, ``generator_ba``) and two
    PatchGAN discriminators on one image (``discriminator_a``,
    ``discriminator_b``), all of width ``base_filters``.

    Args:
        image_shape: ``(H, W, C)`` of both domains; H and W divisible by 4.
        base_filters: width of all four networks (64 in the paper).
        num_blocks: residual blocks of each generator; by default the
            paper's 9 for images of 256 pixels a side or more and 6 from 128,
            and 3 below that.
        downsamplings: stride-2 layers of each discriminator; by default the
            paper's 3 (70x70 patches) for images of 64 pixels a side or more,
            2 below that.

    Example:
        >>> g, f, d_a, d_b = cyclegan_networks((28, 28, 1), base_filters=8)
        >>> d_a.output.shape
        (None, 7, 7, 1)
    """
    side = min(int(v) for v in image_shape[:2])
    if num_blocks is None:
        num_blocks = 9 if side >= 256 else 6 if side >= 128 else 3
    if downsamplings is None:
        downsamplings = 3 if side >= 64 else 2
    generators = [
        resnet_generator(image_shape, base_filters=base_filters, num_blocks=num_blocks, name=name)
        for name in ("generator_ab", "generator_ba")
    ]
    discriminators = [
        image_patchgan_discriminator(image_shape, base_filters=base_filters, downsamplings=downsamplings, name=name)
        for name in ("discriminator_a", "discriminator_b")
    ]
    return (*generators, *discriminators)
