"""PatchGAN discriminator (Isola et al. 2017): one verdict per image patch.

The discriminator sees the source image and a candidate translation stacked
along the channel axis, so it judges whether the pair belongs together, not
only whether the output looks real. Its output is a grid of logits, each
with a receptive field of a patch of the input: the adversarial loss then
asks for realistic local texture, while the generator's L1 term takes care
of the low frequencies. :func:`image_patchgan_discriminator` is the same
stack on an image alone, for unpaired translation (CycleGAN).

The default normalisation is instance normalisation (``GroupNormalization``
with one group per channel): it computes the same thing in training and in
inference mode, so the discriminator frozen inside the combined model judges
exactly as the one just updated (a frozen ``BatchNormalization`` would
switch to its moving statistics). ``"batch"`` gives the paper's original.
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

from keras_gan.networks.dcgan import normal_init

NORMALIZATIONS = ("instance", "batch", "layer", None)


def normalization_layer(kind: str | None):
    """A fresh normalisation layer of ``kind`` (one of ``NORMALIZATIONS``), or None."""
    if kind == "instance":
        return layers.GroupNormalization(groups=-1)
    if kind == "batch":
        return layers.BatchNormalization()
    if kind == "layer":
        return layers.LayerNormalization()
    if kind in (None, "none"):
        return None
    raise ValueError(f"unknown normalization {kind!r}; valid: {', '.join(map(repr, NORMALIZATIONS))}")


def patchgan_discriminator(
    source_shape: Sequence[int] = (32, 32, 1),
    target_shape: Sequence[int] | None = None,
    base_filters: int = 64,
    downsamplings: int = 3,
    normalization: str | None = "instance",
    name: str = "patchgan_discriminator",
) -> keras.Model:
    """Builds a PatchGAN ``[source, image] -> logits`` of shape ``(H', W', 1)``.

    ``downsamplings`` stride-2 4x4 convolutions (filters doubling from
    ``base_filters``, up to 8x), one stride-1 convolution, then a stride-1
    convolution to one logit per patch, no sigmoid. With 3 downsamplings each
    logit sees a 70x70 patch (the paper's default) and a 32x32 input gives a
    4x4 grid.

    Args:
        source_shape: ``(H, W, C)`` of the source image.
        target_shape: ``(H, W, C')`` of the translated image; same height and
            width as the source, the source's channels when ``None``.
        base_filters: filters of the first convolution.
        downsamplings: number of stride-2 convolutions.
        normalization: ``"instance"`` (default), ``"batch"``, ``"layer"`` or
            ``None``; never on the first layer.
        name: model name.

    Example:
        >>> d = patchgan_discriminator((32, 32, 1), base_filters=8)
        >>> d.output.shape
        (None, 4, 4, 1)
    """
    source_shape = tuple(int(v) for v in source_shape)
    target_shape = tuple(int(v) for v in (target_shape or source_shape))
    if len(source_shape) != 3 or len(target_shape) != 3 or source_shape[:2] != target_shape[:2]:
        raise ValueError(
            f"source and target must be (H, W, C) images of the same height and width, "
            f"got {source_shape} and {target_shape}"
        )
    _check_patch_options(source_shape, downsamplings, normalization)

    source = keras.Input(source_shape, name="source")
    image = keras.Input(target_shape, name="image")
    logits = _patch_logits(layers.Concatenate()([source, image]), base_filters, downsamplings, normalization)
    return keras.Model([source, image], logits, name=name)


def image_patchgan_discriminator(
    image_shape: Sequence[int] = (32, 32, 1),
    base_filters: int = 64,
    downsamplings: int = 3,
    normalization: str | None = "instance",
    name: str = "image_patchgan_discriminator",
) -> keras.Model:
    """Builds a PatchGAN ``image -> logits`` that judges an image alone.

    The layers of :func:`patchgan_discriminator` without the source input:
    CycleGAN's discriminators (Zhu et al. 2017) see only images of their
    domain, since unpaired data has no source to show them.

    Example:
        >>> d = image_patchgan_discriminator((28, 28, 1), base_filters=8, downsamplings=2)
        >>> d.output.shape
        (None, 7, 7, 1)
    """
    image_shape = tuple(int(v) for v in image_shape)
    if len(image_shape) != 3:
        raise ValueError(f"image_shape must be (height, width, channels), got {image_shape}")
    _check_patch_options(image_shape, downsamplings, normalization)
    image = keras.Input(image_shape, name="image")
    return keras.Model(image, _patch_logits(image, base_filters, downsamplings, normalization), name=name)


def _check_patch_options(image_shape: tuple, downsamplings: int, normalization: str | None) -> None:
    if downsamplings < 1 or min(image_shape[:2]) < 2**downsamplings:
        raise ValueError(
            f"{downsamplings} downsamplings need images of at least {2 ** max(downsamplings, 0)} pixels "
            f"a side, got {image_shape[:2]}"
        )
    normalization_layer(normalization)  # fails early on an unknown name


def _patch_logits(x, base_filters: int, downsamplings: int, normalization: str | None):
    """The PatchGAN's layers from its (stacked) input to one logit per patch."""
    for step in range(downsamplings + 1):
        filters = base_filters * 2 ** min(step, 3)
        strides = 2 if step < downsamplings else 1
        x = layers.Conv2D(filters, 4, strides=strides, padding="same", kernel_initializer=normal_init())(x)
        norm = normalization_layer(normalization) if step > 0 else None
        if norm is not None:
            x = norm(x)
        x = layers.LeakyReLU(0.2)(x)
    return layers.Conv2D(1, 4, padding="same", kernel_initializer=normal_init(), dtype="float32")(x)
