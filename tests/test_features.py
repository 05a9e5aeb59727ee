import keras
import numpy as np
import pytest

from keras_gan import networks
from keras_gan.evaluation import probe as features

SHAPE = (28, 28, 1)


def separable_problem(n=60, dim=5, seed=0):
    """Three classes far apart along the first three axes: any linear classifier separates them."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    x = rng.normal(0.0, 0.1, (n, dim)).astype("float32")
    x[np.arange(n), y] += 5.0
    return x, y


def test_default_features_are_what_the_logit_is_computed_from():
    discriminator = networks.dcgan_discriminator(SHAPE, base_filters=4)
    extractor = features.discriminator_features(discriminator)
    x = np.random.default_rng(0).uniform(-1, 1, (3, *SHAPE)).astype("float32")
    flat = np.asarray(extractor(x))
    assert flat.shape == (3, 7 * 7 * 8)  # two stride-2 convolutions, 4 then 8 filters
    head = discriminator.layers[-1]
    np.testing.assert_allclose(np.asarray(head(flat)), np.asarray(discriminator(x)), rtol=1e-5, atol=1e-6)
    assert extractor.layers[1] is discriminator.layers[1]  # shared, not copied


def test_a_named_or_indexed_layer_is_flattened():
    discriminator = networks.dcgan_discriminator(SHAPE, base_filters=4)
    first_conv = next(layer for layer in discriminator.layers if isinstance(layer, keras.layers.Conv2D))
    by_name = features.discriminator_features(discriminator, layer=first_conv.name)
    assert by_name.output.shape[1:] == (14 * 14 * 4,)
    by_index = features.discriminator_features(discriminator, layer=discriminator.layers.index(first_conv))
    assert by_index.output.shape[1:] == (14 * 14 * 4,)
    with pytest.raises(ValueError, match="no layer 'nope'"):
        features.discriminator_features(discriminator, layer="nope")


def test_projection_discriminator_features_are_label_free_and_take_both_inputs():
    discriminator = networks.conditional_discriminator(SHAPE, 10, conditioning="projection", base_filters=4)
    extractor = features.discriminator_features(discriminator)
    x = np.zeros((2, *SHAPE), "float32")
    assert len(extractor.inputs) == 2
    a = np.asarray(extractor([x, np.array([0, 1])]))
    b = np.asarray(extractor([x, np.array([5, 9])]))
    assert a.shape == (2, 7 * 7 * 8)
    np.testing.assert_array_equal(a, b)


def test_linear_probe_separates_a_separable_problem_perfectly():
    x, y = separable_problem(seed=0)
    x_test, y_test = separable_problem(seed=1)
    assert features.linear_probe(None, x, y, x_test, y_test, epochs=100) == 1.0


def test_linear_probe_accepts_a_model_or_a_function():
    x, y = separable_problem(seed=0)
    x_test, y_test = separable_problem(seed=1)
    identity = keras.Sequential([keras.Input((5,)), keras.layers.Identity()])
    assert features.linear_probe(identity, x, y, x_test, y_test, epochs=100) == 1.0
    # Features that drop the informative axes leave only chance.
    useless = lambda batch: batch[:, 3:]  # noqa: E731
    assert features.linear_probe(useless, x, y, x_test, y_test, epochs=100) < 0.6


def test_linear_probe_is_deterministic_and_counts_correctly():
    x, y = separable_problem(seed=0)
    x_test, y_test = separable_problem(seed=1)
    flipped = y_test.copy()
    flipped[:6] = (flipped[:6] + 1) % 3  # six of 60 labels now wrong
    assert features.linear_probe(None, x, y, x_test, flipped, epochs=100) == pytest.approx(54 / 60)
    assert features.linear_probe(None, x, y, x_test, y_test, epochs=20) == features.linear_probe(
        None, x, y, x_test, y_test, epochs=20
    )


def test_repeated_probes_of_one_shape_compile_the_training_loop_once():
    # One compiled loop per probe made TensorFlow warn about retracing from the fifth probe on
    # (benchmarks/linear_probe.py runs 20); the weights it trains are arguments, not captures.
    x, y = separable_problem(seed=0)
    x_test, y_test = separable_problem(seed=1)
    features.linear_probe(None, x, y, x_test, y_test, epochs=5)
    traced = features._softmax_regression_adam.experimental_get_tracing_count()
    results = [features.linear_probe(None, x, y, x_test, y_test, epochs=epochs) for epochs in (5, 10, 100, 100)]
    assert features._softmax_regression_adam.experimental_get_tracing_count() == traced
    assert results[-1] == results[-2] == 1.0  # the reused loop still trains, and repeats


def test_balanced_subset_picks_the_same_number_of_each_class():
    y = np.repeat(np.arange(4), 10)
    picks = features.balanced_subset(y, 3, seed=0)
    assert len(picks) == 12 and np.all(np.bincount(y[picks]) == 3)
    np.testing.assert_array_equal(picks, features.balanced_subset(y, 3, seed=0))
    with pytest.raises(ValueError, match="fewer than"):
        features.balanced_subset(y, 11)
