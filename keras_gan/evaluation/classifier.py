"""A small MNIST classifier shipped with keras_gan, for offline metrics on digits.

Inception-v3 features need ImageNet weights and a network download; on
handwritten digits they are also a poor judge. keras_gan therefore ships a
small CNN trained on the 4,000 training digits of the embedded MNIST sample
(``scripts/train_mnist_classifier.py``; the 1,000 test digits stay out of its
training and only measure its accuracy). It reads images as the GANs write
them: 28x28x1 in [-1, 1].

Two things are built on it:

* class probabilities, for the classifier (Inception) score and for checking
  that a conditional generator draws the digit it was asked for;
* its penultimate layer, a 128-d feature vector, for "FID (MNIST classifier
  features)": a Frechet distance that is only comparable with other numbers
  computed with this same classifier, never with Inception FID.

Example:
    >>> classifier = load_mnist_classifier()
    >>> images, labels = data.load_mnist_sample("test")     # doctest: +SKIP
    >>> predicted = classifier.predict(data.scale_images(images)).argmax(-1)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import keras
from keras import layers

IMAGE_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
FEATURE_LAYER = "features"
RESOURCE_NAME = "mnist_classifier.keras"


def build_mnist_classifier(name: str = "mnist_classifier") -> keras.Model:
    """Builds the (untrained) classifier: images in [-1, 1] -> 10 class probabilities.

    Three 3x3 convolutions with two max-poolings, a 128-unit ReLU layer (the
    feature layer, named ``"features"``), dropout and a softmax: about 260k
    weights, about 1 MB on disk.
    """
    images = keras.Input(IMAGE_SHAPE, name="image")
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(images)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.Flatten()(x)
    features = layers.Dense(128, activation="relu", name=FEATURE_LAYER)(x)
    x = layers.Dropout(0.3)(features)
    probabilities = layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities", dtype="float32")(x)
    return keras.Model(images, probabilities, name=name)


def default_path() -> Path:
    """Where the shipped weights live, inside the installed package."""
    return Path(str(resources.files("keras_gan") / "resources" / RESOURCE_NAME))


def load_mnist_classifier(path: str | os.PathLike | None = None) -> keras.Model:
    """Opens the shipped MNIST classifier (or the one at ``path``) with ``safe_mode``.

    Returns:
        A ``keras.Model`` from images ``(N, 28, 28, 1)`` in [-1, 1] to class
        probabilities ``(N, 10)``.

    Raises:
        ValueError: when the file is missing (train it with
            ``python scripts/train_mnist_classifier.py``) or is not a classifier
            of the expected shapes.
    """
    path = Path(path) if path is not None else default_path()
    if not path.is_file():
        raise ValueError(
            f"no MNIST classifier at {path}; train it with `python scripts/train_mnist_classifier.py`"
        )
    model = keras.models.load_model(path, safe_mode=True, compile=False)
    input_shape = tuple(model.inputs[0].shape[1:])
    output_shape = tuple(model.outputs[0].shape[1:])
    if input_shape != IMAGE_SHAPE or output_shape != (NUM_CLASSES,):
        raise ValueError(
            f"{path} maps {input_shape} -> {output_shape}; an MNIST classifier maps "
            f"{IMAGE_SHAPE} -> {(NUM_CLASSES,)}"
        )
    return model


def mnist_feature_model(classifier: keras.Model | None = None) -> keras.Model:
    """The classifier cut at its feature layer, with both outputs.

    Args:
        classifier: a model from :func:`load_mnist_classifier` (loaded when
            omitted).

    Returns:
        A ``keras.Model`` from images to ``[features (N, 128), probabilities (N, 10)]``,
        sharing the classifier's weights; one forward pass gives both.
    """
    classifier = classifier if classifier is not None else load_mnist_classifier()
    return keras.Model(
        classifier.inputs[0],
        [classifier.get_layer(FEATURE_LAYER).output, classifier.outputs[0]],
        name=f"{classifier.name}_features",
    )
