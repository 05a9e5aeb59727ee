"""SRGAN networks (Ledig et al. 2017): a residual generator that upsamples, and a discriminator on HR images.

The generator works at the low resolution until its end: a 9x9 convolution,
``num_blocks`` residual blocks (conv-BN-PReLU-conv-BN plus the block's input),
a long skip over all the blocks, then one sub-pixel step per factor of 2: a
convolution to ``4 x filters`` channels rearranged into a map twice as large
(``depth_to_space``, Shi et al. 2016). Upsampling by learned sub-pixel
convolutions rather than a fixed interpolation is what lets it add detail.

The discriminator is the paper's VGG-like stack of 3x3 convolutions, stride
1 then 2 at each width, and a dense head giving one logit. Its
normalisation defaults to none, for the reason given in
``keras_gan.networks.dcgan``: a frozen batch-norm layer inside the combined
model would judge with its moving statistics.
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers, ops

from keras_gan.networks.patchgan import normalization_layer

SCALES = (2, 4, 8)


def _prelu():
    # One slope per channel, shared over the image, as in the paper.
    return layers.PReLU(shared_axes=[1, 2])


def srgan_generator(
    low_res_shape: Sequence[int] = (7, 7, 1),
    scale: int = 4,
    base_filters: int = 64,
    num_blocks: int = 16,
    batch_norm: bool = True,
    name: str = "srgan_generator",
) -> keras.Model:
    """Builds ``low-resolution image -> image scale times larger``, outputs in [-1, 1].

    Args:
        low_res_shape: ``(h, w, C)`` of the input.
        scale: upsampling factor, 2, 4 or 8 (one sub-pixel step per factor 2).
        base_filters: filters of every convolution before the upsampling.
        num_blocks: residual blocks (16 in the paper).
        batch_norm: batch normalisation inside the residual blocks (the
            paper's); ``False`` gives the EDSR/ESRGAN-style blocks without it.
        name: model name.

    Example:
        >>> srgan_generator((8, 8, 1), scale=4, base_filters=8, num_blocks=2).output.shape
        (None, 32, 32, 1)
    """
    low_res_shape = tuple(int(v) for v in low_res_shape)
    if len(low_res_shape) != 3 or min(low_res_shape) < 1:
        raise ValueError(f"low_res_shape must be (height, width, channels), got {low_res_shape}")
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    if num_blocks < 1:
        raise ValueError(f"num_blocks must be at least 1, got {num_blocks}")

    def conv_bn(x, kernel_size=3):
        x = layers.Conv2D(base_filters, kernel_size, padding="same")(x)
        return layers.BatchNormalization()(x) if batch_norm else x

    low_res = keras.Input(low_res_shape, name="low_res")
    x = layers.Conv2D(base_filters, 9, padding="same")(low_res)
    x = head = _prelu()(x)
    for _ in range(num_blocks):
        y = _prelu()(conv_bn(x))
        x = layers.Add()([x, conv_bn(y)])
    x = layers.Add()([head, conv_bn(x)])
    for _ in range({2: 1, 4: 2, 8: 3}[scale]):
        x = layers.Conv2D(4 * base_filters, 3, padding="same")(x)
        x = ops.depth_to_space(x, 2)
        x = _prelu()(x)
    x = layers.Conv2D(low_res_shape[-1], 9, padding="same")(x)
    image = layers.Activation("tanh", dtype="float32")(x)
    return keras.Model(low_res, image, name=name)


def srgan_discriminator(
    image_shape: Sequence[int] = (28, 28, 1),
    base_filters: int = 64,
    num_widths: int = 4,
    dense_units: int | None = None,
    normalization: str | None = None,
    name: str = "srgan_discriminator",
) -> keras.Model:
    """Builds ``high-resolution image -> logit`` (no sigmoid).

    ``num_widths`` pairs of 3x3 convolutions (stride 1, then stride 2), the
    filters doubling at each pair from ``base_filters``, LeakyReLU(0.2), then
    Dense(``dense_units``), LeakyReLU and Dense(1). The paper uses 4 widths
    (64..512 filters) and 1024 dense units.

    Args:
        image_shape: ``(H, W, C)`` of the high-resolution images.
        base_filters: filters of the first pair.
        num_widths: number of stride-1/stride-2 pairs.
        dense_units: width of the dense layer; ``16 * base_filters`` by default.
        normalization: ``None`` (default, see the module docstring),
            ``"batch"``, ``"instance"`` or ``"layer"``; never on the first layer.
        name: model name.
    """
    image_shape = tuple(int(v) for v in image_shape)
    if len(image_shape) != 3 or min(image_shape[:2]) < 2**num_widths:
        raise ValueError(
            f"{num_widths} stride-2 steps need (H, W, C) images of at least {2 ** num_widths} pixels a side, "
            f"got {image_shape}"
        )
    normalization_layer(normalization)  # fails early on an unknown name

    image = keras.Input(image_shape, name="image")
    x = image
    for width in range(num_widths):
        for strides in (1, 2):
            x = layers.Conv2D(base_filters * 2**width, 3, strides=strides, padding="same")(x)
            norm = normalization_layer(normalization) if (width, strides) != (0, 1) else None
            if norm is not None:
                x = norm(x)
            x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    x = layers.LeakyReLU(0.2)(layers.Dense(dense_units or 16 * base_filters)(x))
    logit = layers.Dense(1, dtype="float32")(x)
    return keras.Model(image, logit, name=name)
