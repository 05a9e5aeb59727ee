import keras
import numpy as np
import pytest

from keras_gan import networks


def test_data_scale_multiplies_the_generator_output_and_divides_the_discriminator_input():
    plain_g = networks.mlp_generator(2, (2,), hidden_units=(8,))
    scaled_g = networks.mlp_generator(2, (2,), hidden_units=(8,), data_scale=4.0)
    scaled_g.set_weights(plain_g.get_weights())  # Rescaling has no weights: the same dense layers
    z = np.random.default_rng(0).standard_normal((5, 2)).astype("float32")
    np.testing.assert_allclose(scaled_g.predict(z, verbose=0), 4 * plain_g.predict(z, verbose=0), rtol=1e-6)

    plain_d = networks.mlp_discriminator((2,), hidden_units=(8,))
    scaled_d = networks.mlp_discriminator((2,), hidden_units=(8,), data_scale=4.0)
    scaled_d.set_weights(plain_d.get_weights())
    x = np.random.default_rng(1).uniform(-1, 1, (5, 2)).astype("float32")
    np.testing.assert_allclose(scaled_d.predict(4 * x, verbose=0), plain_d.predict(x, verbose=0), rtol=1e-5)
    assert [layer.name for layer in scaled_d.layers if isinstance(layer, keras.layers.Rescaling)] == ["to_unit_scale"]


@pytest.mark.parametrize("scale", [0, -2.0, True, "4"])
def test_data_scale_must_be_a_positive_number(scale):
    with pytest.raises(ValueError, match="data_scale must be a positive number"):
        networks.mlp_generator(2, (2,), data_scale=scale)


def test_fourier_features_are_sines_and_cosines_of_a_fixed_projection_beside_the_input():
    layer = networks.mlp.FourierFeatures(2, scale=1.0)
    layer.build((None, 2))
    layer.projection.assign(np.array([[np.pi / 2, 0.0], [0.0, np.pi]], "float32"))
    x = np.array([[1.0, 0.5], [0.0, 1.0]], "float32")
    # angles: [pi/2, pi/2] and [0, pi]
    expected = np.array([[1, 1, 0, 0, 1.0, 0.5], [0, 0, 1, -1, 0.0, 1.0]], "float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), expected, atol=1e-6)
    assert layer.compute_output_shape((None, 2)) == (None, 6)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 1


def test_fourier_frequencies_have_the_requested_spread():
    layer = networks.mlp.FourierFeatures(4096, scale=2.0)
    layer.build((None, 2))
    projection = keras.ops.convert_to_numpy(layer.projection)
    assert projection.shape == (2, 4096)
    assert abs(projection.std() - 2.0) < 0.1 and abs(projection.mean()) < 0.1


def test_several_fourier_scales_draw_one_block_of_frequencies_each_and_survive_saving(tmp_path):
    keras.utils.set_random_seed(0)
    d = networks.mlp_discriminator((2,), hidden_units=(8,), fourier_features=4001, fourier_scale=(2.0, 32.0))
    fourier = d.get_layer("fourier_features")
    projection = keras.ops.convert_to_numpy(fourier.projection)
    # 4001 columns in two blocks: the first scale takes the odd one.
    assert fourier.column_scales() == [2.0] * 2001 + [32.0] * 2000
    assert abs(projection[:, :2001].std() - 2.0) < 0.1 and abs(projection[:, 2001:].std() - 32.0) < 1.6
    d.save(tmp_path / "d.keras")
    restored = keras.models.load_model(tmp_path / "d.keras").get_layer("fourier_features")
    assert restored.scale == (2.0, 32.0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(restored.projection), projection)


def test_fourier_discriminator_trains_its_dense_layers_only_and_survives_saving(tmp_path):
    keras.utils.set_random_seed(0)
    d = networks.mlp_discriminator((4,), hidden_units=(8,), data_scale=4.0, fourier_features=16, fourier_scale=2.0)
    fourier = d.get_layer("fourier_features")
    assert d.layers.index(fourier) == d.layers.index(d.get_layer("to_unit_scale")) + 1
    assert d.layers[d.layers.index(fourier) + 1].kernel.shape == (2 * 16 + 4, 8)
    projection = keras.ops.convert_to_numpy(fourier.projection).copy()
    kernel = keras.ops.convert_to_numpy(d.layers[-1].kernel).copy()
    x = np.random.default_rng(0).uniform(-4, 4, (64, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    d.compile(keras.optimizers.Adam(1e-2), keras.losses.BinaryCrossentropy(from_logits=True))
    d.fit(x, y, epochs=2, batch_size=16, verbose=0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(fourier.projection), projection)
    assert not np.allclose(keras.ops.convert_to_numpy(d.layers[-1].kernel), kernel)
    d.save(tmp_path / "d.keras")
    restored = keras.models.load_model(tmp_path / "d.keras")
    np.testing.assert_allclose(restored.predict(x, verbose=0), d.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"fourier_features": -1}, "fourier_features must be a non-negative integer, got -1"),
        ({"fourier_features": 2.5}, "fourier_features must be a non-negative integer, got 2.5"),
        ({"fourier_features": 8, "fourier_scale": 0}, "fourier_scale must be a positive number, got 0"),
        ({"fourier_features": 8, "fourier_scale": []}, r"fourier_scale must be a positive number or a list of them, got \[\]"),
        ({"fourier_features": 8, "fourier_scale": [2, -1]}, r"fourier_scale must be .* a list of them, got \[2, -1\]"),
        ({"fourier_features": 2, "fourier_scale": [1, 2, 4]}, "fourier_scale gives 3 scales; fourier_features must be at least that, got 2"),
    ],
)
def test_fourier_discriminator_refuses_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        networks.mlp_discriminator((2,), hidden_units=(8,), **kwargs)


BUILDERS = {
    "dcgan generator": lambda: networks.dcgan_generator(8, (28, 28, 1), base_filters=4),
    "dcgan discriminator": lambda: networks.dcgan_discriminator((28, 28, 1), base_filters=4),
    "cgan generator": lambda: networks.conditional_generator(8, (28, 28, 1), num_classes=3, base_filters=4),
    "cgan discriminator": lambda: networks.conditional_discriminator((28, 28, 1), num_classes=3, base_filters=4),
    "unet generator": lambda: networks.unet_generator((16, 16, 1), base_filters=4),
    "patchgan discriminator": lambda: networks.patchgan_discriminator((16, 16, 1), base_filters=4),
}


def _random_weights(model):
    """The kernels and embeddings a builder draws at random, flattened, in layer order."""
    return [np.asarray(w).ravel() for w in model.weights if w.path.endswith(("kernel", "embeddings"))]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_layer_draws_its_own_initial_weights_from_the_seed(name):
    # One N(0, 0.02) initializer made at import and shared by every layer
    # kept the seed it drew then: every kernel began with the same numbers and
    # --seed did not reach them, so two runs of one seed started apart.
    keras.utils.set_random_seed(0)
    first = _random_weights(BUILDERS[name]())
    keras.utils.set_random_seed(0)
    again = _random_weights(BUILDERS[name]())
    keras.utils.set_random_seed(1)
    other = _random_weights(BUILDERS[name]())
    assert len(first) >= 3
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not [i for i, (a, b) in enumerate(zip(first, other)) if np.array_equal(a, b)]
    starts = [tuple(values[:3]) for values in first]
    assert len(set(starts)) == len(starts), "two layers began from the same random numbers"


def test_seed_convs_add_stride_1_convolutions_on_the_seed_map_and_keep_the_image_shape():
    plain = networks.dcgan_generator(8, (28, 28, 1), base_filters=4)
    deeper = networks.dcgan_generator(8, (28, 28, 1), base_filters=4, seed_convs=2)
    convs = [layer for layer in deeper.layers if type(layer) is keras.layers.Conv2D]
    assert [layer.output.shape[1:] for layer in convs] == [(7, 7, 8), (7, 7, 8)]
    assert [layer.strides for layer in convs] == [(1, 1), (1, 1)]
    # Each adds a 5x5x8x8 kernel (no bias: batch norm follows) and batch norm's
    # gamma, beta, moving mean and moving variance over 8 channels.
    assert deeper.count_params() - plain.count_params() == 2 * (5 * 5 * 8 * 8 + 4 * 8)
    z = np.random.default_rng(0).standard_normal((3, 8)).astype("float32")
    assert deeper.predict(z, verbose=0).shape == (3, 28, 28, 1)
    labelled = networks.conditional_generator(8, (28, 28, 1), 3, base_filters=4, seed_convs=1)
    assert [layer.output.shape[1:] for layer in labelled.layers if type(layer) is keras.layers.Conv2D] == [(7, 7, 8)]


def test_upsample_kernel_size_sets_the_transposed_convolutions_kernel_only():
    plain = networks.dcgan_generator(8, (28, 28, 1), base_filters=4, seed_convs=1)
    four = networks.dcgan_generator(8, (28, 28, 1), base_filters=4, seed_convs=1, upsample_kernel_size=4)
    transposed = [layer for layer in four.layers if type(layer) is keras.layers.Conv2DTranspose]
    assert [layer.kernel_size for layer in transposed] == [(4, 4), (4, 4)]
    assert [layer.output.shape[1:] for layer in transposed] == [(14, 14, 4), (28, 28, 1)]
    assert [layer.kernel_size for layer in four.layers if type(layer) is keras.layers.Conv2D] == [(5, 5)]
    # 8 -> 4 channels and 4 -> 1 channel, 25 taps each in the plain one, 16 in this one.
    assert plain.count_params() - four.count_params() == (25 - 16) * (8 * 4 + 4 * 1)
    z = np.random.default_rng(0).standard_normal((3, 8)).astype("float32")
    assert four.predict(z, verbose=0).shape == (3, 28, 28, 1)
    labelled = networks.conditional_generator(8, (28, 28, 1), 3, base_filters=4, upsample_kernel_size=4)
    assert {layer.kernel_size for layer in labelled.layers if type(layer) is keras.layers.Conv2DTranspose} == {(4, 4)}
    with pytest.raises(ValueError, match="upsample_kernel_size must be a positive integer or None, got 0"):
        networks.dcgan_generator(8, (28, 28, 1), base_filters=4, upsample_kernel_size=0)


@pytest.mark.parametrize("seed_convs", [-1, 1.5, True, "1"])
def test_seed_convs_must_be_a_non_negative_integer(seed_convs):
    with pytest.raises(ValueError, match="seed_convs must be a non-negative integer"):
        networks.dcgan_generator(8, (28, 28, 1), base_filters=4, seed_convs=seed_convs)
