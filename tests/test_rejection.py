import keras
import numpy as np
import pytest

from keras_gan.evaluation.rejection import TooFewKept, acceptance_probability, refit_discriminator, rejection_sample


def linear(weight, bias, name):
    """``x -> weight * x + bias`` on one feature, as a Keras model."""
    x = keras.Input((1,))
    layer = keras.layers.Dense(1, name=name)
    model = keras.Model(x, layer(x), name=name)
    layer.set_weights([np.array([[weight]], "float32"), np.array([bias], "float32")])
    return model


def test_with_gamma_zero_acceptance_is_exp_of_the_logit_below_the_maximum():
    logits = np.array([2.0, 2.0 - np.log(4.0), 2.0 - np.log(10.0), -50.0])
    np.testing.assert_allclose(acceptance_probability(logits, 2.0), [1.0, 0.25, 0.1, np.exp(-52.0)], rtol=1e-4, atol=1e-6)


def test_a_positive_gamma_rejects_more_and_a_logit_above_the_maximum_counts_as_the_maximum():
    logits = np.array([1.0, 0.0, -1.0])
    plain, strict = acceptance_probability(logits, 1.0), acceptance_probability(logits, 1.0, gamma=2.0)
    assert np.all(strict < plain)
    # sigmoid(F) with F = log(p / (1 - p)) - gamma, p = exp(-1) for the logit 0:
    p = np.exp(-1.0)
    np.testing.assert_allclose(strict[1], 1 / (1 + np.exp(-(np.log(p / (1 - p)) - 2.0))), rtol=1e-5)
    np.testing.assert_allclose(acceptance_probability([3.0], 1.0), acceptance_probability([1.0], 1.0))


def test_rejection_with_the_true_density_ratio_turns_one_gaussian_into_another():
    # G(z) = z: proposals are N(0, 1). For the target N(0.5, 1) the log density
    # ratio is 0.5 x - 0.125, an exact "optimal discriminator".
    generator = linear(1.0, 0.0, "identity")
    critic = linear(0.5, -0.125, "log_ratio")
    samples, info = rejection_sample(generator, critic, 4000, seed=3, batch_size=4000)
    assert samples.shape == (4000, 1)
    assert abs(samples.mean() - 0.5) < 0.06
    assert abs(samples.std() - 1.0) < 0.06
    # Acceptance of exact rejection sampling: E[exp(0.5 z - 0.125)] / exp(M) = exp(-M).
    assert info.accepted == 4000 and info.proposed >= 4000
    np.testing.assert_allclose(info.acceptance, np.exp(-info.max_logit), rtol=0.1)
    assert "kept 4000 of" in info.describe()


def test_rejection_that_keeps_too_little_is_stopped_with_a_clear_error():
    generator = linear(1.0, 0.0, "identity")
    critic = linear(30.0, 0.0, "steep")  # keeps only the far right tail
    with pytest.raises(TooFewKept, match="rejection sampling kept .* short of 100") as caught:
        rejection_sample(generator, critic, 100, seed=0, burn_in=1000, batch_size=1000, max_proposals=3000)
    assert isinstance(caught.value, ValueError)


def test_refitting_trains_a_copy_toward_the_real_data_and_leaves_the_original_alone():
    generator = linear(0.1, 0.0, "near_zero")  # G(z) ~ N(0, 0.01)
    discriminator = linear(0.0, 0.0, "blind")  # says 0.5 everywhere
    before = [w.copy() for w in discriminator.get_weights()]
    real = np.random.default_rng(0).normal(1.0, 0.1, (512, 1)).astype("float32")
    critic = refit_discriminator(discriminator, generator, real, epochs=20, batch_size=64, learning_rate=1e-2)
    for kept, now in zip(before, discriminator.get_weights()):
        np.testing.assert_array_equal(kept, now)
    assert critic is not discriminator
    logits = critic.predict(np.array([[1.0], [0.0]], "float32"), verbose=0).reshape(-1)
    assert logits[0] > 1.0 > -1.0 > logits[1]


def test_refitting_unfreezes_the_copy_of_a_gan_s_frozen_discriminator():
    from keras_gan import GAN
    from keras_gan.networks import mlp

    gan = GAN(mlp.mlp_generator(2, (2,)), mlp.mlp_discriminator((2,)), seed=0)
    assert gan.discriminator.trainable_weights == []
    real = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    before = [w.copy() for w in gan.discriminator.get_weights()]
    critic = refit_discriminator(gan.discriminator, gan.generator, real, epochs=1, batch_size=32)
    assert len(critic.trainable_weights) == len(gan.discriminator.weights)
    assert any(not np.array_equal(b, w) for b, w in zip(before, critic.get_weights()))
    assert gan.discriminator.trainable is False and gan.discriminator.trainable_weights == []


def test_refitting_refuses_samples_the_discriminator_cannot_judge_one_by_one():
    generator = linear(1.0, 0.0, "identity")
    x = keras.Input((2,))
    packed = keras.Model(x, keras.layers.Dense(1)(x))  # e.g. pack=2 on 1-D points
    with pytest.raises(ValueError, match=r"give \(1,\), which does not fit the discriminator's input \(2,\)"):
        refit_discriminator(packed, generator, np.zeros((8, 1), "float32"))
    with pytest.raises(ValueError, match=r"packed 3 at a time give \(3,\)"):
        refit_discriminator(packed, generator, np.zeros((8, 1), "float32"), pack=3)


def packed_log_ratio():
    """The optimal critic of packs of two 1-D samples: N(0.5, 1) against N(0, 1), summed over the members."""
    x = keras.Input((2,))
    layer = keras.layers.Dense(1)
    model = keras.Model(x, layer(x))
    layer.set_weights([np.array([[0.5], [0.5]], "float32"), np.array([-0.25], "float32")])
    return model


def test_packed_rejection_keeps_whole_packs_and_each_member_follows_the_target():
    generator = linear(1.0, 0.0, "identity")
    samples, info = rejection_sample(generator, packed_log_ratio(), 6000, seed=3, batch_size=4000, pack=2)
    assert samples.shape == (6000, 1)
    assert abs(samples.mean() - 0.5) < 0.05
    assert abs(samples.std() - 1.0) < 0.05
    # Kept packs are draws of the target's square: their two members are independent.
    pairs = samples[: len(samples) // 2 * 2].reshape(-1, 2)
    assert abs(np.corrcoef(pairs[:, 0], pairs[:, 1])[0, 1]) < 0.06
    # Per pack, E[exp(0.5 (z1 + z2) - 0.25)] = 1, so the acceptance is exp(-M) again.
    assert info.pack == 2 and info.proposed % 2 == 0
    np.testing.assert_allclose(info.acceptance, np.exp(-info.max_logit), rtol=0.1)
    assert "whole packs of 2 kept or rejected" in info.describe()


def test_packed_rejection_with_a_critic_of_one_member_only_shifts_that_member():
    # A critic that reads only the first member of each pack: the second member is kept or
    # rejected with it, so it stays N(0, 1) while the first becomes N(1, 1).
    x = keras.Input((2,))
    layer = keras.layers.Dense(1)
    critic = keras.Model(x, layer(x))
    layer.set_weights([np.array([[1.0], [0.0]], "float32"), np.array([-0.5], "float32")])
    samples, _ = rejection_sample(linear(1.0, 0.0, "identity"), critic, 8000, seed=1, batch_size=4000, pack=2)
    pairs = samples.reshape(-1, 2)
    assert abs(pairs[:, 0].mean() - 1.0) < 0.06
    assert abs(pairs[:, 1].mean()) < 0.06


def test_refitting_a_packed_discriminator_judges_packs_of_real_against_packs_of_generated():
    generator = linear(0.1, 0.0, "near_zero")
    x = keras.Input((2,))
    blind = keras.Model(x, keras.layers.Dense(1, kernel_initializer="zeros")(x))
    real = np.random.default_rng(0).normal(1.0, 0.1, (513, 1)).astype("float32")  # 513: one left over
    critic = refit_discriminator(blind, generator, real, epochs=40, batch_size=64, learning_rate=1e-2, pack=2)
    logits = critic.predict(np.array([[1.0, 1.0], [0.0, 0.0]], "float32"), verbose=0).reshape(-1)
    assert logits[0] > 1.0 > -1.0 > logits[1]


def test_pack_must_be_a_positive_integer_and_fit_the_batch():
    generator = linear(1.0, 0.0, "identity")
    with pytest.raises(ValueError, match="pack must be a positive integer, got 0"):
        rejection_sample(generator, packed_log_ratio(), 10, pack=0)
    with pytest.raises(ValueError, match="at least one pack of 4 samples"):
        rejection_sample(generator, packed_log_ratio(), 10, pack=4, batch_size=3)
