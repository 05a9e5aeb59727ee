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
from keras_gan.networks.patchgan import normalization_layer

# Stride-2 steps down, and as many up: the generator's images need sides divisible by 4.
DOWNSAMPLINGS = 2


@keras.saving.register_keras_serializable(package="keras_gan")
class ReflectionPadding2D(layers.Layer):
    """Pads height and width by ``padding`` pixels, mirroring the image at its border.

    Example:
        >>> import numpy as np
        >>> x = np.arange(3, dtype="float32").reshape(1, 1, 3, 1)
        >>> ReflectionPadding2D(1)(x)[0, 0, :, 0].numpy().tolist()
        [1.0, 0.0, 1.0, 2.0, 1.0]
    """

    def __init__(self, padding: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, inputs):
        p = self.padding
        return ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = 2 * self.padding
        return (batch, None if height is None else height + grow, None if width is None else width + grow, channels)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


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
            x = ReflectionPadding2D(kernel_size // 2)(x)
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
    x = ReflectionPadding2D(3)(x)
    x = layers.Conv2D(output_channels, 7, kernel_initializer=normal_init())(x)
    translated = layers.Activation("tanh", dtype="float32")(x)
    return keras.Model(image, translated, name=name)
