"""U-Net generator for image-to-image translation (Isola et al. 2017, after Ronneberger et al. 2015).

An encoder halves the image ``depth`` times with stride-2 convolutions; a
decoder doubles it back with transposed convolutions, and each decoder step
is concatenated with the encoder output of the same size. The skips carry
the source's fine detail (edges, positions) straight to the output, so the
bottleneck only has to carry what changes between the two domains.

As in pix2pix: 4x4 kernels, LeakyReLU(0.2) in the encoder and ReLU in the
decoder, batch normalisation everywhere except the first encoder layer and
the bottleneck, dropout (0.5) on the first decoder layers, a tanh output.
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

from keras_gan.networks.dcgan import normal_init


def max_depth(side: int) -> int:
    """How many times ``side`` halves exactly, down to 1 pixel: 5 for 32, 2 for 28."""
    depth = 0
    while side % 2 == 0 and side > 1:
        side //= 2
        depth += 1
    return depth


def unet_generator(
    image_shape: Sequence[int] = (32, 32, 1),
    output_channels: int | None = None,
    base_filters: int = 64,
    depth: int | None = None,
    max_filters: int | None = None,
    dropout: float = 0.5,
    dropout_layers: int = 3,
    name: str = "unet_generator",
) -> keras.Model:
    """Builds a U-Net ``source image -> translated image`` with outputs in [-1, 1].

    Args:
        image_shape: the source's ``(H, W, C)``; H and W must be divisible
            by ``2 ** depth``.
        output_channels: channels of the translated image; the source's when
            ``None``.
        base_filters: filters of the first encoder layer; each later layer
            doubles them, up to ``max_filters``.
        depth: number of stride-2 steps; by default as many as halve both
            sides exactly (5 for 32x32, down to 1x1; 2 for 28x28).
        max_filters: cap on the filters of a layer; ``8 * base_filters`` by
            default, as in pix2pix.
        dropout: dropout rate of the first ``dropout_layers`` decoder layers
            (pix2pix's only source of noise: the generator has no latent input).
        dropout_layers: how many decoder layers, from the bottleneck up, get
            dropout.
        name: model name.

    Example:
        >>> unet_generator((32, 32, 1), base_filters=8).output.shape
        (None, 32, 32, 1)
    """
    height, width, channels = _check_shape(image_shape)
    depth = min(max_depth(height), max_depth(width)) if depth is None else depth
    if depth < 1 or height % 2**depth or width % 2**depth:
        raise ValueError(
            f"a U-Net of depth {depth} needs sides divisible by {2 ** max(depth, 0)}, got image shape "
            f"{tuple(image_shape)}; pass a depth in 1..{min(max_depth(height), max_depth(width))} "
            "or resize the images (32x32 and 64x64 allow 5 and 6)"
        )
    max_filters = max_filters or 8 * base_filters

    source = keras.Input(tuple(image_shape), name="source")
    x = source
    skips = []
    for step in range(depth):
        filters = min(base_filters * 2**step, max_filters)
        x = layers.Conv2D(filters, 4, strides=2, padding="same", use_bias=False, kernel_initializer=normal_init())(x)
        if 0 < step < depth - 1:
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
        skips.append(x)

    for step in reversed(range(depth - 1)):
        filters = min(base_filters * 2**step, max_filters)
        x = layers.Conv2DTranspose(
            filters, 4, strides=2, padding="same", use_bias=False, kernel_initializer=normal_init()
        )(x)
        x = layers.BatchNormalization()(x)
        if dropout and depth - 2 - step < dropout_layers:
            x = layers.Dropout(dropout)(x)
        x = layers.ReLU()(x)
        x = layers.Concatenate()([x, skips[step]])

    x = layers.Conv2DTranspose(
        output_channels or channels, 4, strides=2, padding="same", kernel_initializer=normal_init()
    )(x)
    image = layers.Activation("tanh", dtype="float32")(x)
    return keras.Model(source, image, name=name)


def _check_shape(image_shape: Sequence[int]) -> tuple[int, int, int]:
    image_shape = tuple(int(v) for v in image_shape)
    if len(image_shape) != 3 or min(image_shape) < 1:
        raise ValueError(f"image_shape must be (height, width, channels), got {image_shape}")
    return image_shape
