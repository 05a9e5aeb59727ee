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
