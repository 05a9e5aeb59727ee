"""Feature extractors: the swappable network under FID, KID, IS and precision/recall.

The maths in ``keras_gan.evaluation.metrics`` works on arrays; a ``FeatureExtractor``
turns images in [-1, 1] (the generators' range) into those arrays: one
feature vector and one vector of class probabilities per image. A number
computed on one extractor's features is only comparable with numbers computed
on the same extractor, so every extractor carries a ``description`` that
``keras_gan.evaluate`` writes next to each value.

Two come with keras_gan:

* ``"mnist_classifier"``: the small CNN shipped in the package
  (``keras_gan.evaluation.classifier``), 128-d features; offline, for digits.
* ``"inception_v3"``: ``keras.applications.InceptionV3`` with ImageNet weights,
  2048-d pool features, as in the FID/KID/IS papers. Keras downloads the
  weights (about 92 MB) to ``~/.keras/models`` on first use; without network
  and without that file, building it raises ``FeaturesUnavailableError``.
  Keras's ImageNet weights are not the exact Inception graph behind published
  FIDs (Heusel et al.'s TF 2015 graph), so values land close to, not exactly
  on, papers' figures.
"""

from __future__ import annotations

from typing import Callable

import keras
import numpy as np

from keras_gan.evaluation import classifier

INCEPTION_SIZE = 299


class FeaturesUnavailableError(RuntimeError):
    """A feature extractor cannot be built here, e.g. its weights cannot be downloaded."""


class FeatureExtractor:
    """Maps images in [-1, 1] to ``(features, probabilities)``, batch by batch.

    Args:
        name: short name, e.g. ``"mnist_classifier"``.
        description: what the features are, written beside every number.
        model: a ``keras.Model`` from preprocessed images to
            ``[features (N, D), probabilities (N, K)]``.
        preprocess: maps a float32 batch in [-1, 1] to the model's input
            (resizing, channels, value range); identity when omitted.
        batch_size: images per forward pass.
    """

    def __init__(
        self,
        name: str,
        description: str,
        model: keras.Model,
        preprocess: Callable | None = None,
        batch_size: int = 200,
    ):
        self.name = name
        self.description = description
        self.model = model
        self.preprocess = preprocess
        self.batch_size = batch_size

    def __call__(self, images) -> tuple[np.ndarray, np.ndarray]:
        """Returns ``(features, probabilities)`` as float64 arrays, one row per image."""
        images = np.asarray(images, dtype="float32")
        if images.ndim != 4 or len(images) == 0:
            raise ValueError(f"{self.name} features need a non-empty (N, H, W, C) image batch; got {images.shape}")
        features, probabilities = [], []
        for start in range(0, len(images), self.batch_size):
            batch = images[start : start + self.batch_size]
            if self.preprocess is not None:
                batch = self.preprocess(batch)
            f, p = self.model(batch, training=False)
            features.append(keras.ops.convert_to_numpy(f))
            probabilities.append(keras.ops.convert_to_numpy(p))
        return (
            np.concatenate(features).astype(np.float64),
            np.concatenate(probabilities).astype(np.float64),
        )


def _resize(images, height: int, width: int):
    if tuple(images.shape[1:3]) == (height, width):
        return images
    return keras.ops.image.resize(images, (height, width), interpolation="bilinear")


def mnist_classifier_features(model: keras.Model | None = None) -> FeatureExtractor:
    """Features of keras_gan's shipped MNIST classifier (its 128-d penultimate layer).

    Single-channel images of another size (e.g. 32x32) are resized to 28x28.

    Args:
        model: a classifier as from ``classifier.load_mnist_classifier()``;
            the shipped one when omitted.
    """
    feature_model = classifier.mnist_feature_model(model)
    height, width, channels = classifier.IMAGE_SHAPE

    def preprocess(images):
        if images.shape[-1] != channels:
            raise ValueError(f"the MNIST classifier reads single-channel images; got shape {images.shape}")
        return _resize(images, height, width)

    return FeatureExtractor(
        "mnist_classifier",
        "MNIST classifier features (128-d penultimate layer of keras_gan's shipped classifier)",
        feature_model,
        preprocess,
    )


def inception_v3_features(weights: str | None = "imagenet", builder: Callable | None = None) -> FeatureExtractor:
    """InceptionV3 pool features (2048-d) and ImageNet class probabilities.

    Images in [-1, 1] are resized to 299x299 (bilinear), grayscale ones
    repeated to three channels, mapped to [0, 255] and passed through
    ``keras.applications.inception_v3.preprocess_input``.

    Args:
        weights: ``"imagenet"`` (downloaded once to ``~/.keras/models``),
            ``None`` for random weights (tests only: the numbers mean nothing),
            or the path of a weights file.
        builder: builds the network, ``keras.applications.InceptionV3`` when
            omitted; called as ``builder(include_top=True, weights=weights)``
            and must have an ``"avg_pool"`` layer.

    Raises:
        FeaturesUnavailableError: the network or its weights cannot be had,
            typically because the weights are not cached and there is no network.
    """
    builder = builder or keras.applications.InceptionV3
    try:
        network = builder(include_top=True, weights=weights)
    except Exception as error:  # keras raises several types for a failed download
        raise FeaturesUnavailableError(
            f"InceptionV3 with weights={weights!r} could not be built ({type(error).__name__}: {error}). "
            "Keras downloads the ImageNet weights to ~/.keras/models on first use, which needs network "
            "once: python -c 'import keras; keras.applications.InceptionV3()'"
        ) from error
    model = keras.Model(network.inputs, [network.get_layer("avg_pool").output, network.outputs[0]], name="inception_v3_features")

    def preprocess(images):
        images = _resize(images, INCEPTION_SIZE, INCEPTION_SIZE)
        if images.shape[-1] == 1:
            images = keras.ops.repeat(images, 3, axis=-1)
        pixels = (images + 1.0) * 127.5
        return keras.applications.inception_v3.preprocess_input(pixels)

    weights_name = "ImageNet" if weights == "imagenet" else f"weights={weights}"
    return FeatureExtractor(
        "inception_v3",
        f"InceptionV3 pool features (2048-d, keras.applications, {weights_name})",
        model,
        preprocess,
        batch_size=50,
    )


FEATURE_EXTRACTORS: dict[str, Callable[[], FeatureExtractor]] = {
    "mnist_classifier": mnist_classifier_features,
    "inception_v3": inception_v3_features,
}


def get(name: str) -> FeatureExtractor:
    """Builds the feature extractor registered as ``name``."""
    if name not in FEATURE_EXTRACTORS:
        raise ValueError(f"unknown feature extractor {name!r}; valid names: {', '.join(FEATURE_EXTRACTORS)}")
    return FEATURE_EXTRACTORS[name]()
