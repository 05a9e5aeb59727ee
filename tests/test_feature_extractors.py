import keras
import numpy as np
import pytest

from keras_gan.evaluation import classifier
from keras_gan.data import datasets as data
from keras_gan.evaluation import extractors as feature_extractors


def fake_inception(calls):
    """A stand-in for keras.applications.InceptionV3 with its input size and layer names."""

    def builder(include_top, weights):
        calls.append((include_top, weights))
        pixels = keras.Input((299, 299, 3))
        pool = keras.layers.GlobalAveragePooling2D(name="avg_pool")(pixels)
        probabilities = keras.layers.Dense(5, activation="softmax")(pool)
        return keras.Model(pixels, probabilities)

    return builder


def test_mnist_classifier_features_and_probabilities():
    images = data.scale_images(data.load_mnist_sample("test")[0][:10])
    extractor = feature_extractors.get("mnist_classifier")
    features, probabilities = extractor(images)
    assert features.shape == (10, 128) and probabilities.shape == (10, 10)
    assert features.dtype == np.float64
    assert "MNIST classifier" in extractor.description
    expected = classifier.load_mnist_classifier().predict(images, verbose=0)
    np.testing.assert_allclose(probabilities, expected, atol=1e-6)


def test_mnist_classifier_features_resize_other_sides():
    images = data.scale_images(data.resize_images(data.load_mnist_sample("test")[0][:4], (32, 32, 1)))
    features, _ = feature_extractors.mnist_classifier_features()(images)
    assert features.shape == (4, 128)
    with pytest.raises(ValueError, match="single-channel"):
        feature_extractors.mnist_classifier_features()(np.zeros((2, 28, 28, 3), "float32"))


def test_inception_wiring_resizes_and_preprocesses_without_download():
    calls = []
    extractor = feature_extractors.inception_v3_features(weights="imagenet", builder=fake_inception(calls))
    assert calls == [(True, "imagenet")]
    # Gray 28x28 images of constant value v in [-1, 1]: after resizing, repeating the channel,
    # mapping to [0, 255] and Inception's preprocess_input, every input pixel is v again.
    values = np.array([-1.0, 0.0, 0.5], "float32")
    images = np.broadcast_to(values[:, None, None, None], (3, 28, 28, 1))
    features, probabilities = extractor(images)
    np.testing.assert_allclose(features, np.repeat(values[:, None], 3, axis=1), atol=1e-5)
    assert probabilities.shape == (3, 5)
    assert "InceptionV3" in extractor.description and "ImageNet" in extractor.description


def test_inception_unavailable_is_a_clear_error():
    def offline(include_top, weights):
        raise OSError("URL fetch failure")

    with pytest.raises(feature_extractors.FeaturesUnavailableError, match="needs network.*once"):
        feature_extractors.inception_v3_features(builder=offline)


@pytest.mark.slow
def test_real_inception_architecture_with_random_weights():
    extractor = feature_extractors.inception_v3_features(weights=None)
    features, probabilities = extractor(np.zeros((2, 32, 32, 3), "float32"))
    assert features.shape == (2, 2048) and probabilities.shape == (2, 1000)


def test_unknown_extractor_lists_the_valid_names():
    with pytest.raises(ValueError, match="mnist_classifier, inception_v3"):
        feature_extractors.get("vgg")
