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


def test_wasserstein_golden_values():
    # E[f(fake)] - E[f(real)] = 2/3 - 1/2; the generator's -E[f(fake)] = -2/3.
    real, fake = tf.constant(REAL), tf.constant(FAKE)
    assert float(losses.wasserstein_discriminator_loss(real, fake)) == pytest.approx(1 / 6, rel=1e-6)
    assert float(losses.wasserstein_generator_loss(fake)) == pytest.approx(-2 / 3, rel=1e-6)


def test_wgan_gp_is_the_wasserstein_pair_with_a_penalty_weight_of_ten():
    pair = losses.get("wgan_gp")
    assert pair.discriminator is losses.wasserstein_discriminator_loss
    assert pair.generator is losses.wasserstein_generator_loss
    assert pair.gp_weight == 10.0 and pair.d_steps == 5
    assert losses.get("wasserstein").gp_weight == 0.0 and losses.get("wasserstein").d_steps == 5


def test_least_squares_golden_values():
    # 1/2 mean([1, 1, 2.25]) + 1/2 mean([0, 1, 9]) = 0.708333 + 1.666667;
    # the generator's 1/2 mean([1, 4, 4]) = 1.5.
    real, fake = tf.constant(REAL), tf.constant(FAKE)
    assert float(losses.least_squares_discriminator_loss(real, fake)) == pytest.approx(2.375, rel=1e-6)
    assert float(losses.least_squares_generator_loss(fake)) == pytest.approx(1.5, rel=1e-6)


def test_hinge_golden_values():
    # mean(relu(1 - [0, 2, -0.5])) + mean(relu(1 + [0, -1, 3])) = 5/6 + 5/3.
    real, fake = tf.constant(REAL), tf.constant(FAKE)
    assert float(losses.hinge_discriminator_loss(real, fake)) == pytest.approx(2.5, rel=1e-6)
    assert float(losses.hinge_generator_loss(fake)) == pytest.approx(-2 / 3, rel=1e-6)


@pytest.mark.parametrize("name", ["minimax", "non_saturating"])
def test_one_sided_label_smoothing_golden_values(name):
    a = 0.1
    expected = -np.mean([(1 - a) * log_sigmoid(x) + a * log_one_minus_sigmoid(x) for x in REAL]) - np.mean(
        [log_one_minus_sigmoid(x) for x in FAKE]
    )
    real, fake = tf.constant(REAL), tf.constant(FAKE)
    smoothed = float(losses.get(name).discriminator(real, fake, label_smoothing=a))
    np.testing.assert_allclose(smoothed, expected, rtol=1e-6)
    # log sigmoid(l) - log(1 - sigmoid(l)) = l, so smoothing adds a * mean(real logits) = 0.1 * 0.5.
    plain = float(losses.get(name).discriminator(real, fake))
    assert smoothed - plain == pytest.approx(0.05, rel=1e-5)


# What each family reports for a raw output of 2, and its accuracy threshold.
SCORE_OF_TWO = {
    "minimax": (1 / (1 + math.exp(-2)), 0.5),
    "non_saturating": (1 / (1 + math.exp(-2)), 0.5),
    "wasserstein": (2.0, 0.0),
    "wgan_gp": (2.0, 0.0),
    "least_squares": (2.0, 0.5),
    "hinge": (2.0, 0.0),
}


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_reported_score_and_threshold_per_family(name):
    score_of_two, threshold = SCORE_OF_TWO[name]
    pair = losses.get(name)
    assert float(pair.score(tf.constant(2.0))) == pytest.approx(score_of_two, rel=1e-6)
    assert pair.threshold == threshold
