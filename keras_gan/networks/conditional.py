"""Class-conditional DCGAN networks (Mirza & Osindero 2014; Miyato & Koyama 2018).

Both networks take the class label as a second input, an integer per sample:

* the generator ``[z, label] -> image`` concatenates ``z`` with a learned
  embedding of the label and runs the DCGAN generator's layers on the result;
* the discriminator ``[image, label] -> logit`` either

  - ``conditioning="concat"``: embeds the label as one extra image channel
    (an ``H x W`` map learned per class, the same as a one-hot vector through a
    dense layer) and concatenates it with the image before the first
    convolution, as Mirza & Osindero feed ``y`` to both networks; or
  - ``conditioning="projection"``: keeps the DCGAN discriminator's features
    ``phi(x)`` label-free and adds the inner product of a class embedding with
    them to the logit, ``psi(phi(x)) + <embed(y), phi(x)>`` (the projection
    discriminator of Miyato & Koyama 2018).

The label inputs are named ``"label"`` and the generator's embedding layer
``"label_embedding"``, whose ``input_dim`` is the number of classes.
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

from keras_gan import checks
from keras_gan.networks.layers import SpectralNormalization
from keras_gan.networks.dcgan import _check_image_shape, downsample_to_features, normal_init, upsample_to_image

CONDITIONINGS = ("concat", "projection")
LABEL_EMBEDDING = "label_embedding"


def label_input(name: str = "label") -> keras.KerasTensor:
    """A batch of integer class labels, one scalar per sample."""
    return keras.Input((), dtype="int32", name=name)


def conditional_generator(
    latent_dim: int = 100,
    image_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    embedding_dim: int = 50,
    base_filters: int = 64,
    kernel_size: int = 5,
    seed_convs: int = 0,
    upsample_kernel_size: int | None = None,
    name: str = "conditional_generator",
) -> keras.Model:
    """Builds a conditional DCGAN generator ``[z, label] -> image`` in [-1, 1].

    Args:
        latent_dim: size of the Gaussian latent vector.
        image_shape: ``(H, W, C)``, square, H = 4..7 times a power of two.
        num_classes: number of classes; labels lie in ``0..num_classes - 1``.
        embedding_dim: size of the learned label embedding joined to ``z``.
        base_filters: width, as in :func:`keras_gan.networks.dcgan_generator`.
        kernel_size: transposed-convolution kernel.
        seed_convs: stride-1 convolutions on the seed map, as in
            :func:`keras_gan.networks.dcgan_generator`.
        upsample_kernel_size: the transposed convolutions' kernel where it
            differs from ``kernel_size``, as there.
        name: model name.

    Example:
        >>> generator = conditional_generator(16, (28, 28, 1), base_filters=8)
        >>> generator([np.zeros((2, 16)), np.array([3, 7])]).shape
        TensorShape([2, 28, 28, 1])
    """
    _check_classes(num_classes)
    z = keras.Input((latent_dim,), name="z")
    label = label_input()
    embedded = layers.Embedding(num_classes, embedding_dim, name=LABEL_EMBEDDING)(label)
    joined = layers.Concatenate(name="z_and_label")([z, embedded])
    image = upsample_to_image(joined, image_shape, base_filters, kernel_size, seed_convs, upsample_kernel_size)
    return keras.Model([z, label], image, name=name)


def conditional_discriminator(
    image_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    conditioning: str = "projection",
    base_filters: int = 64,
    kernel_size: int = 5,
    normalization: str | None = None,
    spectral_norm: bool = False,
    dropout: float = 0.0,
    name: str = "conditional_discriminator",
) -> keras.Model:
    """Builds a conditional DCGAN discriminator ``[image, label] -> logit`` (no sigmoid).

    Args:
        image_shape: ``(H, W, C)`` of the images.
        num_classes: number of classes.
        conditioning: ``"projection"`` (a class embedding projected on the
            features; the default, which learnt the classes in far fewer
            steps on the MNIST sample) or ``"concat"`` (one-hot label
            channels joined to the image); see the module docstring.
        base_filters, kernel_size, normalization, spectral_norm, dropout: as
            in :func:`keras_gan.networks.dcgan_discriminator`.
        name: model name.
    """
    _check_classes(num_classes)
    if conditioning not in CONDITIONINGS:
        raise ValueError(f"unknown conditioning {conditioning!r}; valid: {', '.join(CONDITIONINGS)}")
    height, width, _ = _check_image_shape(image_shape)
    image = keras.Input(tuple(image_shape), name="image")
    label = label_input()
    wrap = SpectralNormalization if spectral_norm else (lambda layer: layer)
    conv_options = dict(
        base_filters=base_filters,
        kernel_size=kernel_size,
        normalization=normalization,
        spectral_norm=spectral_norm,
        dropout=dropout,
    )

    if conditioning == "concat":
        one_hot = layers.CategoryEncoding(num_classes, output_mode="one_hot", name="label_one_hot")(label)
        label_maps = layers.Reshape((1, 1, num_classes))(one_hot)
        label_maps = layers.UpSampling2D((height, width), name="label_maps")(label_maps)
        joined = layers.Concatenate(name="image_and_label")([image, label_maps])
        features = downsample_to_features(joined, **conv_options)
        logit = wrap(layers.Dense(1, kernel_initializer=normal_init(), dtype="float32"))(features)
    else:
        features = downsample_to_features(image, **conv_options)
        unconditional = wrap(layers.Dense(1, kernel_initializer=normal_init(), dtype="float32"))(features)
        class_vector = layers.Embedding(
            num_classes, features.shape[-1], embeddings_initializer=normal_init(), name="class_projection"
        )(label)
        projection = layers.Dot(axes=1, dtype="float32")([class_vector, features])
        logit = layers.Add(dtype="float32")([unconditional, projection])
    return keras.Model([image, label], logit, name=name)


def _check_classes(num_classes) -> None:
    checks.integer("num_classes", num_classes, 2)
