import keras
import numpy as np
import pytest

from keras_gan.evaluation import classifier
from keras_gan.data import datasets as data


@pytest.fixture(scope="module")
def shipped():
    return classifier.load_mnist_classifier()


@pytest.fixture(scope="module")
def test_digits():
    images, labels = data.load_mnist_sample("test")
    return data.scale_images(images), labels


def test_shipped_file_is_small_and_holds_no_code(shipped):
    assert classifier.default_path().stat().st_size < 2_000_000
    assert not any(type(layer).__name__ == "Lambda" for layer in shipped.layers)
    assert shipped.input_shape == (None, 28, 28, 1) and shipped.output_shape == (None, 10)


def test_held_out_accuracy_is_at_least_98_percent(shipped, test_digits):
    images, labels = test_digits
    probabilities = shipped.predict(images, verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert np.mean(probabilities.argmax(axis=1) == labels) >= 0.98


def test_feature_model_shares_the_classifier_weights(shipped, test_digits):
    images = test_digits[0][:32]
    features, probabilities = classifier.mnist_feature_model(shipped).predict(images, verbose=0)
    assert features.shape == (32, 128) and features.min() >= 0.0  # after the ReLU
    np.testing.assert_allclose(probabilities, shipped.predict(images, verbose=0), atol=1e-6)


def test_untrained_builder_matches_the_shipped_architecture(shipped):
    fresh = classifier.build_mnist_classifier()
    assert [w.shape for w in fresh.weights] == [w.shape for w in shipped.weights]


def test_missing_or_wrong_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="train_mnist_classifier.py"):
        classifier.load_mnist_classifier(tmp_path / "nope.keras")
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    other.save(tmp_path / "other.keras")
    with pytest.raises(ValueError, match=r"\(4,\) -> \(2,\)"):
        classifier.load_mnist_classifier(tmp_path / "other.keras")
