"""Deep convolutional GAN networks (Radford et al. 2015).

Strided (transposed) convolutions instead of pooling, batch normalisation in
the generator, ReLU in the generator and LeakyReLU(0.2) in the discriminator,
a tanh output, and weights drawn from N(0, 0.02). Square images whose side is
4 or 7 times a power of two work: 28x28, 32x32, 64x64, ...

The discriminator has no batch normalisation by default. Inside the combined
model the discriminator is frozen, and a frozen BatchNormalization layer runs
in inference mode on its moving statistics, so the generator would be trained
against a slightly different discriminator from the one that was just updated.
``normalization="batch"`` gives Radford et al.'s original; ``"layer"`` or
``spectral_norm=True`` are the usual batch-independent choices.
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

from keras_gan import checks
from keras_gan.networks.layers import SpectralNormalization


def normal_init() -> keras.initializers.Initializer:
    """A new N(0, 0.02) kernel initializer (Radford et al. 2016), for one layer.

    Each layer needs its own: an instance made once, at import, draws its seed
    before ``keras.utils.set_random_seed`` runs, so every kernel it fills
    starts from the same stream of numbers and ``--seed`` never reaches them.
    """
    return keras.initializers.RandomNormal(0.0, 0.02)


def _num_upsamplings(side: int) -> int:
    """How many stride-2 steps lead from a 4..7 pixel seed to ``side``."""
    steps = 0
    while side % 2 == 0 and side // 2 >= 4:
        side //= 2
        steps += 1
    if steps == 0 or side > 7:
        raise ValueError(
            f"image side {side * 2 ** steps} is not 4..7 times a power of two "
            "(28, 32, 64 and 128 are)"
        )
    return steps


def check_seed_convs(seed_convs) -> int:
    """Returns ``seed_convs``; raises ``ValueError`` unless it is a non-negative integer."""
    return checks.integer("seed_convs", seed_convs)


def check_upsample_kernel_size(upsample_kernel_size) -> int | None:
    """Returns ``upsample_kernel_size``; raises ``ValueError`` unless it is ``None`` or a positive integer."""
    if upsample_kernel_size is None:
        return None
    return checks.integer("upsample_kernel_size", upsample_kernel_size, 1, also=" or None")


def _check_image_shape(image_shape: Sequence[int]) -> tuple[int, int, int]:
    image_shape = tuple(image_shape)
    if len(image_shape) != 3 or image_shape[0] != image_shape[1]:
        raise ValueError(f"DCGAN needs a square (H, W, C) image shape, got {image_shape}")
    return image_shape


def dcgan_generator(
    latent_dim: int = 100,
    image_shape: Sequence[int] = (28, 28, 1),
    base_filters: int = 64,
    kernel_size: int = 5,
    seed_convs: int = 0,
    upsample_kernel_size: int | None = None,
    name: str = "dcgan_generator",
) -> keras.Model:
    """Builds a DCGAN generator ``z -> image`` with outputs in [-1, 1].

    Args:
        latent_dim: size of the Gaussian latent vector.
        image_shape: ``(H, W, C)``, square, H = 4..7 times a power of two.
        base_filters: filters of the last hidden layer; each earlier layer
            doubles them.
        kernel_size: kernel of the seed and transposed convolutions; 5, as
            in Radford et al.'s code, drew recognisable digits from the MNIST
            sample in fewer steps than 4 did here (same seed, 1,500 steps,
            no seed convolution); over whole runs 4 for the transposed ones
            scored better (``upsample_kernel_size``).
        seed_convs: stride-1 convolutions (``kernel_size``, batch norm,
            ReLU) on the 4..7 pixel seed map, before the first upsampling;
            0 is Radford et al.'s generator. The MNIST sample's preset uses 1
            (``docs/results.md``, "How the defaults were chosen").
        upsample_kernel_size: the transposed convolutions' kernel where it
            differs from ``kernel_size``. With 4, a multiple of the stride,
            every output pixel gets the same number of kernel taps, where 5
            alternates 3 and 2 taps between neighbours: the checkerboard of
            Odena et al. 2016. The MNIST sample's preset uses 4.
        name: model name.
    """
    z = keras.Input((latent_dim,), name="z")
    image = upsample_to_image(z, image_shape, base_filters, kernel_size, seed_convs, upsample_kernel_size)
    return keras.Model(z, image, name=name)


def upsample_to_image(
    vector,
    image_shape: Sequence[int],
    base_filters: int = 64,
    kernel_size: int = 5,
    seed_convs: int = 0,
    upsample_kernel_size: int | None = None,
):
    """The DCGAN generator's layers on a symbolic ``vector``; returns the image tensor.

    A building block for generators whose input is more than a latent vector
    (e.g. ``[z, label embedding]`` concatenated): dense projection to a 4..7
    pixel seed, ``seed_convs`` stride-1 convolutions on it, stride-2
    transposed convolutions (``upsample_kernel_size``, else ``kernel_size``)
    with batch norm and ReLU, and a tanh output in [-1, 1].
    """
    side, _, channels = _check_image_shape(image_shape)
    check_seed_convs(seed_convs)
    upsample_kernel_size = check_upsample_kernel_size(upsample_kernel_size) or kernel_size
    steps = _num_upsamplings(side)
    seed = side // 2**steps
    filters = base_filters * 2 ** (steps - 1)

    x = _batch_norm_relu(layers.Dense(seed * seed * filters, use_bias=False, kernel_initializer=normal_init())(vector))
    x = layers.Reshape((seed, seed, filters))(x)
    for _ in range(seed_convs):
        x = _batch_norm_relu(
            layers.Conv2D(filters, kernel_size, padding="same", use_bias=False, kernel_initializer=normal_init())(x)
        )
    for _ in range(steps - 1):
        filters //= 2
        x = _batch_norm_relu(
            layers.Conv2DTranspose(
                filters, upsample_kernel_size, strides=2, padding="same", use_bias=False, kernel_initializer=normal_init()
            )(x)
        )
    x = layers.Conv2DTranspose(
        channels, upsample_kernel_size, strides=2, padding="same", kernel_initializer=normal_init()
    )(x)
    return layers.Activation("tanh", dtype="float32")(x)


def _batch_norm_relu(x):
    """The generator's batch norm and ReLU after each of its linear layers but the last."""
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def dcgan_discriminator(
    image_shape: Sequence[int] = (28, 28, 1),
    base_filters: int = 64,
    kernel_size: int = 5,
    normalization: str | None = None,
    spectral_norm: bool = False,
    dropout: float = 0.0,
    name: str = "dcgan_discriminator",
) -> keras.Model:
    """Builds a DCGAN discriminator ``image -> logit`` (no sigmoid).

    Args:
        image_shape: ``(H, W, C)``; any square shape whose side the generator
            accepts.
        base_filters: filters of the first convolution; each later one doubles.
        kernel_size: convolution kernel size.
        normalization: ``None`` (default, see the module docstring),
            ``"batch"`` or ``"layer"``; never on the first layer.
        spectral_norm: wrap every convolution and the dense head in
            ``keras.layers.SpectralNormalization`` (Miyato et al. 2018), in the
            form that stays still while the discriminator is frozen
            (``keras_gan.networks.layers.SpectralNormalization``).
        dropout: dropout rate after each LeakyReLU.
        name: model name.
    """
    _check_image_shape(image_shape)
    image = keras.Input(tuple(image_shape), name="image")
    features = downsample_to_features(image, base_filters, kernel_size, normalization, spectral_norm, dropout)
    wrap = SpectralNormalization if spectral_norm else (lambda layer: layer)
    logit = wrap(layers.Dense(1, kernel_initializer=normal_init(), dtype="float32"))(features)
    return keras.Model(image, logit, name=name)


def downsample_to_features(
    image,
    base_filters: int = 64,
    kernel_size: int = 5,
    normalization: str | None = None,
    spectral_norm: bool = False,
    dropout: float = 0.0,
):
    """The DCGAN discriminator's layers up to its logit, on a symbolic ``image``.

    Stride-2 convolutions with LeakyReLU(0.2) down to a 4..7 pixel map,
    flattened. A building block for discriminators that add something to
    the features (a label projection) or to the input (label channels);
    the arguments are those of :func:`dcgan_discriminator`.
    """
    steps = _num_upsamplings(int(image.shape[1]))
    norms = {None: None, "none": None, "batch": layers.BatchNormalization, "layer": layers.LayerNormalization}
    if normalization not in norms:
        raise ValueError(f"unknown normalization {normalization!r}; valid: None, 'batch', 'layer'")
    norm = norms[normalization]
    wrap = SpectralNormalization if spectral_norm else (lambda layer: layer)

    x = image
    filters = base_filters
    for step in range(steps):
        x = wrap(layers.Conv2D(filters, kernel_size, strides=2, padding="same", kernel_initializer=normal_init()))(x)
        if norm is not None and step > 0:
            x = norm()(x)
        x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
        filters *= 2
    return layers.Flatten()(x)
