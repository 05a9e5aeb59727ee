"""A discriminator that is a K-class classifier: the semi-supervised GAN's (Salimans et al. 2016).

Its K logits serve two verdicts (``keras_gan.models.semi_supervised``): the
class, by softmax, and real against generated, by ``logsumexp``. It is built
from stock Keras layers only, so the classifier saved from it opens with
plain ``keras.models.load_model``.

The network regularises itself as Salimans et al.'s do, because with 100
labels a classifier memorises them within a few hundred steps: Gaussian noise
on the input, dropout on the input and before the last convolution, and a
global average pool in place of a wide dense layer, so that the logits see
few weights. The global-pooled features are what feature matching compares.
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

from keras_gan import checks

FEATURES = "features"


def classifier_discriminator(
    image_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    base_filters: int = 32,
    input_noise: float = 0.3,
    input_dropout: float = 0.2,
    dropout: float = 0.5,
    name: str = "classifier_discriminator",
) -> keras.Model:
    """Builds ``image -> K class logits`` (no softmax).

    A 3x3 stride-2 convolution of ``base_filters``, a 3x3 convolution and a
    3x3 stride-2 convolution of twice as many (LeakyReLU 0.2 after each),
    dropout, a 3x3 unpadded convolution of four times as many, a global
    average pool (the layer named ``"features"``) and a dense layer to the
    logits. On 28x28 digits the maps are 14x14, 14x14, 7x7 and 5x5.

    Args:
        image_shape: ``(H, W, C)``, at least 12 pixels a side.
        num_classes: K, the number of classes (2 or more).
        base_filters: filters of the first stage.
        input_noise: standard deviation of the Gaussian noise added to the
            input in training (images in [-1, 1]); 0 is none.
        input_dropout: dropout rate on the input pixels.
        dropout: dropout rate before the last convolution.
        name: model name.
    """
    image_shape = tuple(image_shape)
    if len(image_shape) != 3 or min(image_shape[:2]) < 12:
        raise ValueError(f"image_shape must be (H, W, C) with sides of 12 pixels or more, got {image_shape}")
    checks.integer("num_classes", num_classes, 2)
    checks.integer("base_filters", base_filters, 1)
    checks.number("input_noise", input_noise, zero=True)
    for option, rate in (("input_dropout", input_dropout), ("dropout", dropout)):
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"{option} must be a rate in [0, 1), got {rate!r}")
    image = keras.Input(image_shape, name="image")
    x = layers.GaussianNoise(input_noise, name="input_noise")(image) if input_noise else image
    x = layers.Dropout(input_dropout, name="input_dropout")(x) if input_dropout else x
    x = layers.LeakyReLU(0.2)(layers.Conv2D(base_filters, 3, strides=2, padding="same", name="conv1")(x))
    x = layers.LeakyReLU(0.2)(layers.Conv2D(2 * base_filters, 3, padding="same", name="conv2")(x))
    x = layers.LeakyReLU(0.2)(layers.Conv2D(2 * base_filters, 3, strides=2, padding="same", name="conv3")(x))
    x = layers.Dropout(dropout, name="dropout")(x) if dropout else x
    x = layers.LeakyReLU(0.2)(layers.Conv2D(4 * base_filters, 3, padding="valid", name="conv4")(x))
    features = layers.GlobalAveragePooling2D(name=FEATURES)(x)
    logits = layers.Dense(num_classes, name="logits", dtype="float32")(features)
    return keras.Model(image, logits, name=name)
