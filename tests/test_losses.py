import math

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import losses


def log_sigmoid(x):
    return math.log(1.0 / (1.0 + math.exp(-x)))


def log_one_minus_sigmoid(x):
    return math.log(1.0 - 1.0 / (1.0 + math.exp(-x)))


REAL = [0.0, 2.0, -0.5]
FAKE = [0.0, -1.0, 3.0]


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_every_loss_is_a_finite_float32_scalar_with_gradients(name):
    pair = losses.get(name)
    real = tf.Variable(np.array([[-1000.0], [0.0], [1000.0]], "float32"))
    fake = tf.Variable(np.array([[1000.0], [0.0], [-1000.0]], "float32"))
    with tf.GradientTape(persistent=True) as tape:
        d_loss = pair.discriminator(real, fake)
        g_loss = pair.generator(fake)
    for value in (d_loss, g_loss):
        assert value.shape == ()
        assert value.dtype == tf.float32
        assert np.isfinite(value.numpy())
    d_grads = tape.gradient(d_loss, [real, fake])
    assert all(g is not None and np.all(np.isfinite(g.numpy())) for g in d_grads)
    assert tape.gradient(g_loss, real) is None
    assert np.all(np.isfinite(tape.gradient(g_loss, fake).numpy()))


def test_discriminator_loss_at_equilibrium_is_two_log_two():
    zeros = tf.zeros((8, 1))
    for name in ("minimax", "non_saturating"):
        assert float(losses.get(name).discriminator(zeros, zeros)) == pytest.approx(2 * math.log(2), rel=1e-6)


def test_minimax_golden_values():
    expected_d = -np.mean([log_sigmoid(x) for x in REAL]) - np.mean([log_one_minus_sigmoid(x) for x in FAKE])
    expected_g = np.mean([log_one_minus_sigmoid(x) for x in FAKE])
    real, fake = tf.constant(REAL), tf.constant(FAKE)
    np.testing.assert_allclose(float(losses.minimax_discriminator_loss(real, fake)), expected_d, rtol=1e-6)
    np.testing.assert_allclose(float(losses.minimax_generator_loss(fake)), expected_g, rtol=1e-6)
    assert float(losses.minimax_generator_loss(tf.zeros(4))) == pytest.approx(-math.log(2), rel=1e-6)


def test_non_saturating_golden_values():
    expected_g = -np.mean([log_sigmoid(x) for x in FAKE])
    np.testing.assert_allclose(float(losses.non_saturating_generator_loss(tf.constant(FAKE))), expected_g, rtol=1e-6)
    assert float(losses.non_saturating_generator_loss(tf.zeros(4))) == pytest.approx(math.log(2), rel=1e-6)


def test_losses_stay_exact_for_confident_logits():
    # log(1 - sigmoid(50)) underflows in float32 if computed naively; the
    # softplus form gives -50 (to 1e-6).
    assert float(losses.minimax_generator_loss(tf.constant([50.0]))) == pytest.approx(-50.0, rel=1e-6)
    assert float(losses.non_saturating_generator_loss(tf.constant([-50.0]))) == pytest.approx(50.0, rel=1e-6)


def test_the_saturating_loss_has_a_vanishing_gradient_where_the_non_saturating_one_does_not():
    fake = tf.Variable([-8.0])  # D confidently rejects the sample
    with tf.GradientTape(persistent=True) as tape:
        saturating = losses.minimax_generator_loss(fake)
        non_saturating = losses.non_saturating_generator_loss(fake)
    assert abs(float(tape.gradient(saturating, fake)[0])) == pytest.approx(1 / (1 + math.exp(8)), rel=1e-4)
    assert abs(float(tape.gradient(non_saturating, fake)[0])) == pytest.approx(1 / (1 + math.exp(-8)), rel=1e-4)


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="unknown loss 'wgan-typo'.*minimax.*non_saturating"):
        losses.get("wgan-typo")


def test_get_passes_a_loss_pair_through():
    pair = losses.get("minimax")
    assert losses.get(pair) is pair
