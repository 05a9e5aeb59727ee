"""Loss-side regularisers and the tricks between G and D: exact values on tiny models.

Linear critics make the penalties computable by hand; SGD with a zero
learning rate keeps weights still where a closed form needs them still.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import GAN, losses, networks
from keras_gan.training import augment
from keras_gan.cli import generate
from keras_gan.training import inputs as layers
from keras_gan.cli import parsers, train
from keras_gan.training import averaging, penalties
from keras_gan.cli.config import TrainConfig
from conftest import changed, snapshot

LATENT = 4
SHAPE = (8, 8, 1)


def linear_critic(dim, weights, bias=0.0):
    """``x -> w.x + b`` on flat inputs, as a Keras model (gradient w everywhere)."""
    x = keras.Input((dim,))
    dense = keras.layers.Dense(
        1,
        kernel_initializer=keras.initializers.Constant(np.reshape(weights, (dim, 1))),
        bias_initializer=keras.initializers.Constant(bias),
    )
    return keras.Model(x, dense(x))


def point_gan(critic, **kwargs):
    generator = networks.mlp_generator(LATENT, (critic.inputs[0].shape[-1],), hidden_units=(4,))
    return GAN(generator, critic, seed=0, **kwargs)


def image_gan(pack=1, spectral_norm=False, **kwargs):
    generator = networks.mlp_generator(LATENT, SHAPE, hidden_units=(8,))
    discriminator = networks.mlp_discriminator(
        SHAPE[:-1] + (SHAPE[-1] * pack,), hidden_units=(8,), spectral_norm=spectral_norm
    )
    return GAN(generator, discriminator, seed=0, pack=pack, **kwargs)


def image_batch(n=8, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, *SHAPE)).astype("float32")


# ------------------------------------------------------------------ gradient penalty


W = np.array([0.6, -1.2, 2.0], "float32")  # ||w|| = sqrt(5.8)


def test_gradient_penalty_of_a_linear_critic_is_exact():
    critic = linear_critic(3, W, bias=0.7)
    real = tf.constant(np.random.default_rng(0).normal(size=(16, 3)), "float32")
    fake = tf.constant(np.random.default_rng(1).normal(size=(16, 3)), "float32")
    alpha = tf.constant(np.random.default_rng(2).uniform(size=16), "float32")
    expected = (math.sqrt(5.8) - 1) ** 2
    assert float(penalties.gradient_penalty(critic, real, fake, alpha)) == pytest.approx(expected, rel=1e-5)


def test_the_gan_weighs_the_gradient_penalty_by_lambda():
    gan = point_gan(linear_critic(3, W))
    gan.compile(loss="wgan_gp")
    real, fake = tf.ones((8, 3)), tf.zeros((8, 3))
    assert float(gan.discriminator_penalty(real, fake, None)) == pytest.approx(10 * (math.sqrt(5.8) - 1) ** 2, rel=1e-5)
    gan.compile(loss="wgan_gp", gp_weight=2.5)
    assert float(gan.discriminator_penalty(real, fake, None)) == pytest.approx(2.5 * (math.sqrt(5.8) - 1) ** 2, rel=1e-5)


def test_the_gradient_penalty_draws_one_uniform_alpha_per_example():
    gan = point_gan(linear_critic(3, W))
    gan.compile(loss="wgan_gp")
    seen = []
    discriminate = gan.discriminate
    gan.discriminate = lambda x, condition, training=False: seen.append(np.array(x)) or discriminate(x, condition, training)
    n = 4000
    gan.discriminator_penalty(tf.zeros((n, 3)), tf.ones((n, 3)), None)
    interpolates = seen[0]  # alpha * 0 + (1 - alpha) * 1 = 1 - alpha
    alpha = 1 - interpolates[:, 0]
    np.testing.assert_array_equal(interpolates, np.repeat(interpolates[:, :1], 3, axis=1))  # one per example
    assert alpha.min() >= 0 and alpha.max() <= 1
    # U[0, 1]: mean 1/2, variance 1/12, each quarter holding a quarter of the draws.
    assert alpha.mean() == pytest.approx(0.5, abs=0.02)
    assert alpha.var() == pytest.approx(1 / 12, abs=0.005)
    np.testing.assert_allclose(np.histogram(alpha, bins=4, range=(0, 1))[0] / n, 0.25, atol=0.03)


def test_interpolates_lie_on_the_segments_between_pairs():
    real = tf.constant([[0.0, 0.0], [2.0, 4.0]])
    fake = tf.constant([[1.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(penalties.interpolate(real, fake, tf.constant([0.25, 0.5])), [[0.75, 0.75], [1.0, 2.0]])


def test_the_gradient_penalty_is_finite_with_a_finite_gradient_where_the_critic_is_flat():
    weights = tf.Variable(tf.zeros((3, 1)))

    def critic(x):
        return tf.matmul(x, weights)

    real, fake = tf.ones((4, 3)), tf.zeros((4, 3))
    with tf.GradientTape() as tape:
        penalty = penalties.gradient_penalty(critic, real, fake, tf.fill((4,), 0.5))
    grad = tape.gradient(penalty, weights)
    assert float(penalty) == pytest.approx(1.0, rel=1e-5)  # (0 - 1)^2
    assert grad is not None and np.all(np.isfinite(grad.numpy()))


# ------------------------------------------------------------------ R1


def test_r1_of_a_linear_critic_is_gamma_over_two_times_the_squared_weight_norm():
    critic = linear_critic(3, W, bias=-0.3)
    real = tf.constant(np.random.default_rng(0).normal(size=(8, 3)), "float32")
    assert float(penalties.r1_penalty(critic, real)) == pytest.approx(5.8, rel=1e-5)
    gan = point_gan(critic)
    gan.compile(r1_gamma=4.0)
    assert float(gan.discriminator_penalty(real, tf.zeros((8, 3)), None)) == pytest.approx(2.0 * 5.8, rel=1e-5)


def test_penalties_add_up_and_are_reported():
    gan = point_gan(linear_critic(3, W))
    gan.compile(loss="wgan_gp", r1_gamma=1.0, d_optimizer=keras.optimizers.SGD(0.0))
    gan.discriminator_step(tf.ones((8, 3)), None)
    logs = {m.name: float(m.result()) for m in gan.metrics}
    expected = 10 * (math.sqrt(5.8) - 1) ** 2 + 0.5 * 5.8
    assert logs["d_penalty"] == pytest.approx(expected, rel=1e-5)
    # d_loss is what D descends: the critic loss plus the penalties.
    assert logs["d_loss"] == pytest.approx(logs["d_fake"] - logs["d_real"] + expected, rel=1e-5)


def test_a_lazy_penalty_comes_every_nth_update_at_n_times_its_weight():
    # Linear critics: R1 = ||w||^2, whose gradient 2w moves the weights by a known amount.
    real, fake = tf.ones((8, 3)), tf.zeros((8, 3))

    def compiled(**kwargs):
        gan = point_gan(linear_critic(3, W))
        gan.compile(d_optimizer=keras.optimizers.SGD(0.1), **kwargs)
        return gan

    def step(gan, start):
        gan.discriminator.set_weights(start)
        gan.discriminator_step(real, None, fake=fake)
        return gan.discriminator.get_weights()

    lazy = compiled(r1_gamma=1.0, penalty_every=2)
    double, plain = compiled(r1_gamma=2.0), compiled()
    w0 = lazy.discriminator.get_weights()
    w1 = step(lazy, w0)  # update 1 of the optimizer: penalised at twice the weight
    np.testing.assert_allclose(w1[0], step(double, w0)[0], rtol=1e-6)
    assert not np.allclose(w1[0], step(plain, w0)[0])
    w2 = step(lazy, w1)  # update 2: no penalty
    np.testing.assert_allclose(w2[0], step(plain, w1)[0], rtol=1e-6)
    w3 = step(lazy, w2)  # update 3: penalised again
    np.testing.assert_allclose(w3[0], step(double, w2)[0], rtol=1e-6)
    assert int(lazy.d_optimizer.iterations) == 3
    # d_penalty is the mean of the penalties computed (gamma / 2 * ||w||^2), not diluted by the skipped update.
    expected = 0.5 * (np.sum(w0[0] ** 2) + np.sum(w2[0] ** 2)) / 2
    assert float(lazy.d_penalty_tracker.result()) == pytest.approx(expected, rel=1e-5)


def test_a_lazy_penalty_trains_in_the_compiled_step():
    gan = image_gan()
    gan.compile(r1_gamma=1.0, penalty_every=3, steps_per_execution=4)
    history = gan.fit(image_batch(32), batch_size=8, epochs=1, verbose=0).history
    assert int(gan.d_optimizer.iterations) == 4
    assert history["d_penalty"][0] > 0 and np.isfinite(history["d_loss"][0])


# ------------------------------------------------------------------ EMA


def test_ema_shadow_weights_follow_the_closed_form():
    decay, steps = 0.9, 3
    gan = image_gan(ema=decay)
    gan.compile(g_optimizer=keras.optimizers.SGD(0.0))
    start = snapshot(gan.ema_generator.weights)
    target = [w + 1.0 for w in start]  # the generator's weights, held still by lr 0
    gan.generator.set_weights(target)
    for _ in range(steps):
        gan.generator_step(tf.constant(image_batch()), None)
    for shadow, s0, w, variable in zip(gan.ema_generator.weights, start, target, gan.generator.weights):
        expected = decay**steps * s0 + (1 - decay**steps) * w if variable.trainable else w
        np.testing.assert_allclose(np.array(shadow), expected, rtol=1e-5, atol=1e-6)


def test_ema_is_used_by_generate_and_survives_a_checkpoint_round_trip(tmp_path):
    gan = image_gan(ema=0.5)
    gan.compile()
    assert gan.ema_generator is not gan.generator and gan.sampling_generator is gan.ema_generator
    assert not gan.ema_generator.trainable_weights
    gan.fit(image_batch(16), batch_size=8, epochs=1, verbose=0)
    z = gan.latent_vectors(3, seed=0)
    ema_out = keras.ops.convert_to_numpy(gan.ema_generator(z, training=False))
    np.testing.assert_allclose(gan.generate(3, latent=z), ema_out, rtol=1e-6)
    assert not np.allclose(ema_out, keras.ops.convert_to_numpy(gan.generator(z, training=False)))

    path = tmp_path / "gan.weights.h5"
    gan.save_weights(path)
    restored = image_gan(ema=0.5)
    restored.compile()
    assert any(changed(snapshot(restored.ema_generator.weights), gan.ema_generator.weights))
    restored.load_weights(path)
    for a, b in zip(gan.ema_generator.weights, restored.ema_generator.weights):
        np.testing.assert_array_equal(np.array(a), np.array(b))
    z = gan.latent_vectors(2, seed=0)
    np.testing.assert_array_equal(restored.generate(2, latent=z), gan.generate(2, latent=z))


def test_recomputed_batch_norm_statistics_are_the_mean_of_the_batch_statistics():
    # Two batches of 256 with known moments; the model is frozen, a nested model holds the layer,
    # and a Dense layer frozen on its own inside a trainable model must stay frozen.
    inner = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization(momentum=0.9)])
    x = keras.Input((3,))
    frozen_dense = keras.layers.Dense(3, trainable=False)
    model = keras.Model(x, frozen_dense(inner(x)))
    norm = inner.layers[0]
    rng = np.random.default_rng(0)
    first = rng.normal([1.0, -2.0, 0.0], [1.0, 0.5, 2.0], (256, 3)).astype("float32")
    second = rng.normal([3.0, 0.0, 0.0], [2.0, 0.5, 1.0], (256, 3)).astype("float32")
    gamma_beta = snapshot([norm.gamma, norm.beta])
    dense_before = snapshot(frozen_dense.weights)

    assert averaging.recompute_batch_norm_statistics(model, np.concatenate([first, second]), batch_size=256) == 1
    np.testing.assert_allclose(np.array(norm.moving_mean), (first.mean(0) + second.mean(0)) / 2, rtol=1e-5)
    np.testing.assert_allclose(np.array(norm.moving_variance), (first.var(0) + second.var(0)) / 2, rtol=1e-4)
    assert not any(changed(gamma_beta, [norm.gamma, norm.beta])) and not any(changed(dense_before, frozen_dense.weights))
    assert model.trainable and not frozen_dense.trainable and norm.momentum == 0.9

    model.trainable = False
    assert averaging.recompute_batch_norm_statistics(model, second, batch_size=256) == 1  # a frozen model is measured too
    np.testing.assert_allclose(np.array(norm.moving_mean), second.mean(0), rtol=1e-5)
    assert not model.trainable and not norm.trainable
    assert averaging.recompute_batch_norm_statistics(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), first) == 0


def dcgan_with_ema(ema=0.5):
    generator = networks.dcgan_generator(LATENT, SHAPE, base_filters=4)
    discriminator = networks.dcgan_discriminator(SHAPE, base_filters=4)
    return GAN(generator, discriminator, seed=0, ema=ema)


def test_statistics_batches_shrink_for_large_outputs():
    def generator(shape):
        z = keras.Input((4,))
        return keras.Model(z, keras.layers.Reshape(shape)(keras.layers.Dense(int(np.prod(shape)))(z)))

    assert averaging.statistics_batch_size(generator((28, 28, 1))) == 1024  # 2**20 // 784 = 1337, capped
    assert averaging.statistics_batch_size(generator((32, 32, 3))) == 341  # 2**20 // 3072
    assert averaging.statistics_batch_size(generator((64, 64, 3))) == 256  # 85, raised to the floor
    assert averaging.statistics_batch_size(generator((2,))) == 1024


def test_the_moving_average_samples_with_batch_norm_statistics_of_its_own_weights():
    gan = dcgan_with_ema()
    gan.compile(g_optimizer=keras.optimizers.Adam(0.05))  # a fast generator: the average lags well behind
    gan.fit(image_batch(32), batch_size=8, epochs=1, verbose=0)
    live = [layer for layer in gan.generator.layers if isinstance(layer, keras.layers.BatchNormalization)]
    shadow = [layer for layer in gan.ema_generator.layers if isinstance(layer, keras.layers.BatchNormalization)]
    live_before = snapshot([v for layer in live for v in (layer.moving_mean, layer.moving_variance)])
    # the moving average's update copied the trained generator's statistics
    np.testing.assert_array_equal(np.array(shadow[0].moving_mean), np.array(live[0].moving_mean))

    assert gan.sampling_generator is gan.ema_generator
    # By hand for the first layer: the averaged Dense kernel (no bias) on the statistics latents, batch by batch.
    z = gan.latent_vectors(averaging.STATISTICS_SAMPLES, averaging.STATISTICS_SEED)
    kernel = np.array(gan.ema_generator.layers[1].kernel)
    batch = averaging.statistics_batch_size(gan.ema_generator)
    assert batch == 1024  # small images: four batches of 1,024
    projected = (z @ kernel).reshape(-1, batch, kernel.shape[1])
    np.testing.assert_allclose(np.array(shadow[0].moving_mean), projected.mean(1).mean(0), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.array(shadow[0].moving_variance), projected.var(1).mean(0), rtol=1e-3)
    assert not np.allclose(np.array(shadow[0].moving_variance), np.array(live[0].moving_variance), rtol=0.05)
    assert not any(changed(live_before, [v for layer in live for v in (layer.moving_mean, layer.moving_variance)]))
    assert not gan.ema_generator.trainable

    # Measured once per generator update: sampling again without training keeps them...
    shadow[0].moving_mean.assign(np.zeros(shadow[0].moving_mean.shape, "float32"))
    gan.generate(2, seed=0)
    assert not np.any(np.array(shadow[0].moving_mean))
    # ...and a further step measures them again.
    gan.fit(image_batch(8), batch_size=8, epochs=1, verbose=0)
    gan.generate(2, seed=0)
    assert np.any(np.array(shadow[0].moving_mean))


def first_norm(generator):
    return next(layer for layer in generator.layers if isinstance(layer, keras.layers.BatchNormalization))


def first_statistics_by_hand(gan, samples):
    """The average's first batch-norm mean measured on ``samples`` statistics latents, batch by batch."""
    z = gan.latent_vectors(samples, averaging.STATISTICS_SEED)
    kernel = np.array(gan.ema_generator.layers[1].kernel)  # the Dense layer (no bias) before it
    return (z @ kernel).reshape(-1, averaging.statistics_batch_size(gan.ema_generator), kernel.shape[1]).mean(1).mean(0)


def test_a_preview_measures_the_averages_statistics_on_fewer_inputs_and_other_samples_on_all():
    gan = dcgan_with_ema()
    gan.compile(g_optimizer=keras.optimizers.Adam(0.05))
    gan.fit(image_batch(32), batch_size=8, epochs=1, verbose=0)
    moving_mean = first_norm(gan.ema_generator).moving_mean
    preview = first_statistics_by_hand(gan, averaging.PREVIEW_SAMPLES)
    full = first_statistics_by_hand(gan, averaging.STATISTICS_SAMPLES)
    assert (averaging.PREVIEW_SAMPLES, averaging.STATISTICS_SAMPLES) == (1024, 4096)
    assert not np.allclose(preview, full, rtol=1e-3, atol=1e-5)  # the two measurements tell apart

    gan.generate(2, seed=0, preview=True)
    np.testing.assert_allclose(np.array(moving_mean), preview, rtol=1e-4, atol=1e-6)
    gan.generate(2, seed=0)  # samples to keep: measured again, on every input
    np.testing.assert_allclose(np.array(moving_mean), full, rtol=1e-4, atol=1e-6)
    gan.generate(2, seed=0, preview=True)  # this step's full measurement serves a preview too
    np.testing.assert_allclose(np.array(moving_mean), full, rtol=1e-4, atol=1e-6)
    assert gan.sampling_generator is gan.ema_generator
    np.testing.assert_allclose(np.array(moving_mean), full, rtol=1e-4, atol=1e-6)


def test_saving_writes_the_average_as_it_is_and_leaves_its_statistics_to_the_next_sample(tmp_path):
    gan = dcgan_with_ema()
    gan.compile()
    gan.fit(image_batch(8), batch_size=8, epochs=1, verbose=0)  # a step since the statistics were last measured
    norm = first_norm(gan.ema_generator)
    norm.moving_mean.assign(np.full(norm.moving_mean.shape, 7.0, "float32"))
    gan.save_weights(tmp_path / "gan.weights.h5")
    gan.save(tmp_path / "gan.keras")
    assert np.all(np.array(norm.moving_mean) == 7.0)  # Keras reads sampling_generator while saving: nothing measured

    restored = dcgan_with_ema()
    restored.compile()
    restored.load_weights(tmp_path / "gan.weights.h5")
    restored_norm = first_norm(restored.ema_generator)
    assert np.all(np.array(restored_norm.moving_mean) == 7.0)  # the file holds the average as it was
    gan.generate(2, seed=0)
    full = first_statistics_by_hand(gan, averaging.STATISTICS_SAMPLES)
    np.testing.assert_allclose(np.array(norm.moving_mean), full, rtol=1e-4, atol=1e-6)
    restored.generate(2, seed=0)  # loaded weights: measured again before sampling
    np.testing.assert_allclose(np.array(restored_norm.moving_mean), np.array(norm.moving_mean), rtol=1e-5, atol=1e-6)


def test_a_runs_grid_is_a_preview_and_its_saved_generator_is_measured_on_every_input(tmp_path):
    config = TrainConfig(
        dataset="mnist-sample", epochs=1, steps_per_epoch=2, batch_size=8, latent_dim=8, base_filters=4, samples=4,
        out=str(tmp_path / "run"), ema=0.9,
    )
    result = train.run(config, verbose=0)
    assert (result.out / "samples" / "epoch_001.png").is_file()
    saved = generate.load_generator(result.out / "generator.keras")

    def measured(samples):
        copy = keras.models.clone_model(saved)
        copy.set_weights(saved.get_weights())
        z = result.gan.latent_vectors(samples, averaging.STATISTICS_SEED)
        averaging.recompute_batch_norm_statistics(copy, z, batch_size=averaging.statistics_batch_size(copy))
        return [np.array(w) for w in copy.weights if "moving" in w.path]

    statistics = [np.array(w) for w in saved.weights if "moving" in w.path]
    assert statistics
    for value, expected in zip(statistics, measured(averaging.STATISTICS_SAMPLES)):
        np.testing.assert_allclose(value, expected, rtol=1e-4, atol=1e-6)
    preview = measured(averaging.PREVIEW_SAMPLES)
    assert not all(np.allclose(value, other, rtol=1e-4, atol=1e-6) for value, other in zip(statistics, preview))


def test_the_generators_used_in_training_keep_their_statistics_and_weights_when_the_average_samples():
    gan = dcgan_with_ema()
    gan.compile()
    gan.fit(image_batch(16), batch_size=8, epochs=1, verbose=0)
    generator_before = snapshot(gan.generator.weights)
    shadow_weights = snapshot([w for w in gan.ema_generator.weights if "moving" not in w.path])
    gan.generate(4, seed=1)
    assert not any(changed(generator_before, gan.generator.weights))
    assert not any(changed(shadow_weights, [w for w in gan.ema_generator.weights if "moving" not in w.path]))


def test_ema_decay_must_lie_between_zero_and_one():
    with pytest.raises(ValueError, match="ema must be a decay in"):
        image_gan(ema=1.0)


# ------------------------------------------------------------------ packing


def test_pack_concatenates_consecutive_samples_along_the_channels():
    x = np.arange(4 * 2 * 2 * 3, dtype="float32").reshape(4, 2, 2, 3)
    packed = keras.ops.convert_to_numpy(layers.Pack(2)(x))
    assert packed.shape == (2, 2, 2, 6)
    np.testing.assert_array_equal(packed[1, ..., :3], x[2])
    np.testing.assert_array_equal(packed[1, ..., 3:], x[3])
    assert keras.ops.convert_to_numpy(layers.Pack(3)(np.ones((6, 2), "float32"))).shape == (2, 6)


@pytest.mark.parametrize("joint", [False, True])
def test_the_packed_discriminator_sees_batch_over_m_judgements_with_m_times_the_channels(joint):
    m = 2
    gan = image_gan(pack=m, joint_discriminator_pass=joint)
    gan.compile()
    assert gan.sample_shape == SHAPE
    assert gan.combined.output.shape[1:] == (1,)
    seen = []
    discriminate = gan.discriminate
    gan.discriminate = lambda x, condition, training=False: seen.append(x.shape) or discriminate(x, condition, training)
    gan.discriminator_step(tf.constant(image_batch(8)), None)
    # Real and generated packs in two calls, or stacked in one.
    assert seen == ([(2 * 8 // m, 8, 8, m)] if joint else [(8 // m, 8, 8, m), (8 // m, 8, 8, m)])
    assert keras.ops.convert_to_numpy(gan.combined(gan.latent_vectors(8, seed=0))).shape == (8 // m, 1)


def test_a_batch_not_divisible_by_m_is_refused():
    gan = image_gan(pack=2)
    gan.compile()
    with pytest.raises(ValueError, match="batch size 7 is not divisible by pack=2"):
        gan.discriminator_step(tf.constant(image_batch(7)), None)


def test_a_discriminator_that_cannot_take_m_samples_is_refused():
    generator = networks.mlp_generator(LATENT, SHAPE, hidden_units=(8,))
    discriminator = networks.mlp_discriminator((8, 8, 2), hidden_units=(8,))
    with pytest.raises(ValueError, match=r"discriminator input shape \(8, 8, 2\) cannot judge pack=3"):
        GAN(generator, discriminator, pack=3)
    with pytest.raises(ValueError, match=r"generator output shape \(8, 8, 1\) does not match discriminator input shape \(8, 8, 2\)"):
        GAN(generator, discriminator)


# ------------------------------------------------------------------ label smoothing, noise, clipping


def constant_critic_gan(c, dim=2):
    x = keras.Input((dim,))
    logit = keras.layers.Dense(1, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(c))(x)
    return point_gan(keras.Model(x, logit))


def test_one_sided_label_smoothing_in_the_training_step():
    c, a = 1.5, 0.2
    gan = constant_critic_gan(c)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0), label_smoothing=a)
    logs = gan.fit(np.zeros((4, 2), "float32"), batch_size=4, epochs=1, verbose=0).history
    softplus = lambda v: math.log1p(math.exp(v))  # noqa: E731
    expected = (1 - a) * softplus(-c) + a * softplus(c) + softplus(c)
    assert logs["d_loss"][0] == pytest.approx(expected, rel=1e-6)
    assert logs["g_loss"][0] == pytest.approx(softplus(-c), rel=1e-6)  # the generator's target stays 1


def test_label_smoothing_is_refused_for_a_critic():
    gan = constant_critic_gan(0.0)
    with pytest.raises(ValueError, match="label_smoothing needs a probabilistic loss .*minimax.*got loss 'hinge'"):
        gan.compile(loss="hinge", label_smoothing=0.1)


def test_instance_noise_stddev_decays_linearly_to_zero():
    stddevs = [float(layers.annealed_stddev(0.2, step, 10)) for step in (0, 1, 5, 10, 15)]
    np.testing.assert_allclose(stddevs, [0.2, 0.18, 0.1, 0.0, 0.0], atol=1e-7)


def test_instance_noise_follows_the_training_step():
    gan = image_gan(instance_noise=0.2, instance_noise_steps=10)
    gan.compile()
    zeros = tf.zeros((512, *SHAPE))
    assert float(np.std(gan.apply_input_layers(zeros, training=True))) == pytest.approx(0.2, rel=0.03)
    gan.g_optimizer.iterations.assign(5)
    assert float(np.std(gan.apply_input_layers(zeros, training=True))) == pytest.approx(0.1, rel=0.03)
    gan.g_optimizer.iterations.assign(10)
    np.testing.assert_array_equal(gan.apply_input_layers(zeros, training=True), zeros)
    gan.g_optimizer.iterations.assign(0)
    np.testing.assert_array_equal(gan.apply_input_layers(zeros, training=False), zeros)


def test_instance_noise_needs_its_annealing_horizon():
    with pytest.raises(ValueError, match="instance_noise needs instance_noise_steps"):
        image_gan(instance_noise=0.1)


def test_weight_clipping_bounds_every_discriminator_weight_after_a_step():
    c = 0.01
    gan = image_gan()
    gan.compile(loss="wasserstein", clip_value=c)
    assert max(float(np.abs(v).max()) for v in gan.discriminator_variables) > c  # Glorot init exceeds it
    gan.discriminator_step(tf.constant(image_batch(8)), None)
    for variable in gan.discriminator_variables:
        assert float(np.abs(np.array(variable)).max()) <= c


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("gp_weight", -1.0, "gp_weight must be a non-negative number"),
        ("r1_gamma", -0.5, "r1_gamma must be a non-negative number"),
        ("penalty_every", 0, "penalty_every must be a positive integer, got 0"),
        ("clip_value", 0.0, "clip_value must be a positive number"),
        ("label_smoothing", 1.0, r"label_smoothing must lie in \[0, 1\)"),
    ],
)
def test_compile_refuses_bad_regulariser_settings(option, value, message):
    with pytest.raises(ValueError, match=message):
        image_gan().compile(**{option: value})


# ------------------------------------------------------------------ DiffAugment


def test_diffaugment_keeps_the_shape_and_passes_gradients():
    seed = keras.random.SeedGenerator(0)
    x = tf.Variable(image_batch(4))
    with tf.GradientTape() as tape:
        y = augment.diff_augment(x, "color,translation,cutout", seed)
        total = tf.reduce_sum(y)
    assert y.shape == x.shape
    grad = tape.gradient(total, x)
    assert grad is not None and np.all(np.isfinite(grad.numpy()))


def test_translation_shifts_whole_images_and_fills_with_zeros():
    x = image_batch(16) + 5.0  # no pixel is zero before the shift
    y = keras.ops.convert_to_numpy(augment.translation(tf.constant(x), ratio=0.25, seed=keras.random.SeedGenerator(1)))
    for before, after in zip(x, y):
        matches = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if np.array_equal(after, np.pad(before, ((2, 2), (2, 2), (0, 0)))[2 - dy : 10 - dy, 2 - dx : 10 - dx])
        ]
        assert len(matches) == 1


def test_cutout_zeroes_at_most_a_half_side_square():
    x = image_batch(16) + 5.0
    y = keras.ops.convert_to_numpy(augment.cutout(tf.constant(x), seed=keras.random.SeedGenerator(2)))
    for before, after in zip(x, y):
        cut = after == 0
        assert np.array_equal(after[~cut], before[~cut])
        rows, cols = np.nonzero(cut[..., 0])
        assert 0 < cut.sum() <= 16 and np.ptp(rows) < 4 and np.ptp(cols) < 4


def test_diffaugment_runs_only_in_training_and_in_both_phases():
    gan = image_gan(diffaugment="translation,cutout")
    x = tf.constant(image_batch(4))
    np.testing.assert_array_equal(gan.apply_input_layers(x, training=False), x)
    assert not np.array_equal(gan.apply_input_layers(x, training=True), x)
    assert any(isinstance(layer, layers.DiffAugment) for layer in gan.combined.layers)


def test_unknown_diffaugment_policy_is_refused_with_the_valid_ones():
    with pytest.raises(ValueError, match="unknown DiffAugment policy 'colour'; valid: color, translation, cutout"):
        image_gan(diffaugment="colour")


def test_diffaugment_needs_images():
    with pytest.raises(ValueError, match=r"diffaugment needs image samples \(H, W, C\)"):
        point_gan(linear_critic(3, W), diffaugment="color")


# ------------------------------------------------------------------ the frozen-discriminator contract


OPTIONS = {
    **{f"loss={name}": ({}, {"loss": name}) for name in sorted(losses.LOSSES)},
    "gp_weight": ({}, {"gp_weight": 1.0}),
    "r1_gamma": ({}, {"r1_gamma": 1.0}),
    "clip_value": ({}, {"loss": "wasserstein", "clip_value": 0.5}),
    "label_smoothing": ({}, {"label_smoothing": 0.1}),
    "instance_noise": ({"instance_noise": 0.1, "instance_noise_steps": 10}, {}),
    "ema": ({"ema": 0.9}, {}),
    "diffaugment": ({"diffaugment": "color,translation,cutout"}, {}),
    "pack": ({"pack": 2}, {}),
    "spectral_norm": ({"spectral_norm": True}, {}),
    "ttur": ({}, "ttur"),  # two learning rates; the optimizers are built per test
}


@pytest.mark.parametrize("option", OPTIONS)
def test_every_option_keeps_the_frozen_discriminator_contract(option):
    gan_kwargs, compile_kwargs = OPTIONS[option]
    gan = image_gan(**gan_kwargs)
    if compile_kwargs == "ttur":
        compile_kwargs = {"d_optimizer": keras.optimizers.Adam(4e-4), "g_optimizer": keras.optimizers.Adam(1e-4)}
    gan.compile(**compile_kwargs)
    assert sorted(map(id, gan.combined.trainable_variables)) == sorted(map(id, gan.generator.trainable_variables))
    real = tf.constant(image_batch(8))

    g_before = snapshot(gan.generator.trainable_variables)
    d_before = snapshot(gan.discriminator_variables)
    gan.discriminator_step(real, None)
    assert not any(changed(g_before, gan.generator.trainable_variables))
    assert any(changed(d_before, gan.discriminator_variables))
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (1, 0)

    d_before = snapshot(gan.discriminator.weights)  # every weight, spectral-norm vectors included
    g_before = snapshot(gan.generator.trainable_variables)
    gan.generator_step(real, None)
    assert not any(changed(d_before, gan.discriminator.weights))
    assert all(changed(g_before, gan.generator.trainable_variables))
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (1, 1)


@pytest.mark.slow
def test_all_options_at_once_in_the_compiled_step():
    gan = image_gan(
        pack=2, ema=0.9, diffaugment="color,translation,cutout", instance_noise=0.1, instance_noise_steps=10,
        spectral_norm=True,
    )
    gan.d_steps = 2
    gan.compile(loss="wgan_gp", r1_gamma=1.0, clip_value=0.5, d_optimizer=keras.optimizers.Adam(4e-4))
    g_before = snapshot(gan.generator.trainable_variables)
    ema_before = snapshot(gan.ema_generator.weights)
    history = gan.fit(image_batch(16), batch_size=8, epochs=1, verbose=0).history
    assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake", "d_accuracy", "d_penalty", "d_lr", "g_lr"}
    assert all(np.all(np.isfinite(v)) for v in history.values())
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (4, 2)
    assert all(changed(g_before, gan.generator.trainable_variables))
    assert any(changed(ema_before, gan.ema_generator.weights))
    assert all(float(np.abs(np.array(v)).max()) <= 0.5 for v in gan.discriminator_variables)


# ------------------------------------------------------------------ config and CLI

STABILISER_FLAGS = (
    "--loss", "--d-steps", "--gp-weight", "--r1-gamma", "--clip-value", "--label-smoothing", "--instance-noise",
    "--instance-noise-steps", "--penalty-every", "--ema", "--diffaugment", "--pack", "--spectral-norm", "--d-lr",
    "--g-lr",
)


def test_help_lists_every_stabiliser_flag(capsys):
    with pytest.raises(SystemExit) as exit_info:
        train.main(["--help"])
    assert exit_info.value.code == 0
    printed = capsys.readouterr().out
    for flag in STABILISER_FLAGS:
        assert flag in printed
    for name in losses.LOSSES:
        assert name in printed


@pytest.mark.parametrize(
    "argv, d_steps",
    [([], 1), (["--loss", "wasserstein"], 5), (["--loss", "wgan_gp"], 5), (["--loss", "wgan_gp", "--d-steps", "2"], 2),
     (["--loss", "hinge"], 1)],
)
def test_a_critic_loss_from_the_cli_brings_five_discriminator_steps(argv, d_steps):
    assert train.config_from_args(parsers.train_parser().parse_args(argv)).d_steps == d_steps


def test_cli_flags_reach_the_config():
    argv = [
        "--loss", "non_saturating", "--gp-weight", "1", "--r1-gamma", "10", "--penalty-every", "4",
        "--clip-value", "0.1", "--label-smoothing", "0.1", "--instance-noise", "0.1", "--instance-noise-steps", "50",
        "--ema", "0.999", "--diffaugment", "color,cutout", "--pack", "2", "--spectral-norm", "--d-lr", "4e-4",
        "--g-lr", "1e-4",
    ]
    config = train.config_from_args(parsers.train_parser().parse_args(argv))
    assert (config.gp_weight, config.r1_gamma, config.clip_value, config.label_smoothing) == (1.0, 10.0, 0.1, 0.1)
    assert config.penalty_every == 4
    assert (config.instance_noise, config.instance_noise_steps, config.ema) == (0.1, 50, 0.999)
    assert (config.diffaugment, config.pack, config.spectral_norm, config.d_lr, config.g_lr) == ("color,cutout", 2, True, 4e-4, 1e-4)


def test_no_ema_turns_off_a_presets_moving_average():
    parse = lambda argv: train.config_from_args(parsers.train_parser().parse_args(argv))  # noqa: E731
    assert parse(["--dataset", "ring"]).ema == 0.999
    assert parse(["--dataset", "ring", "--no-ema"]).ema is None
    assert parse(["--model", "cgan", "--no-ema"]).ema is None
    assert parse(["--dataset", "ring", "--ema", "0.99"]).ema == 0.99


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--pack", "3"], "batch_size 32 is not divisible by pack=3"),
        (["--pack", "0"], "pack must be a positive integer, got 0"),
        (["--loss", "hinge", "--label-smoothing", "0.1"], "label_smoothing needs a probabilistic loss"),
        (["--label-smoothing", "1"], r"label_smoothing must lie in [0, 1), got 1.0"),
        (["--ema", "1.5"], "ema must be a decay in (0, 1)"),
        (["--ema", "0.99", "--no-ema"], "--ema and --no-ema contradict each other"),
        (["--diffaugment", "colour"], "unknown DiffAugment policy 'colour'; valid: color, translation, cutout"),
        (["--r1-gamma", "-1"], "r1_gamma must be a non-negative number, got -1.0"),
        (["--penalty-every", "0"], "penalty_every must be a positive integer, got 0"),
        (["--gp-weight", "-1"], "gp_weight must be a non-negative number, got -1.0"),
        (["--clip-value", "0"], "clip_value must be a positive number, got 0.0"),
        (["--d-lr", "0"], "d_lr must be a positive number, got 0.0"),
        (["--instance-noise-steps", "0"], "instance_noise_steps must be a positive integer, got 0"),
        (["--dataset", "ring", "--diffaugment", "color"], "diffaugment needs image samples (H, W, C)"),
    ],
)
def test_cli_refuses_bad_stabiliser_settings_before_writing_anything(argv, message, tmp_path, capsys):
    out = tmp_path / "run"
    assert train.main([*argv, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_a_run_with_stabilisers_saves_the_moving_average_as_its_generator(tmp_path):
    config = TrainConfig(
        dataset="mnist-sample", epochs=1, steps_per_epoch=2, batch_size=8, latent_dim=8, base_filters=4, samples=4,
        out=str(tmp_path / "run"), loss="wgan_gp", d_steps=1, pack=2, ema=0.9, diffaugment="color,translation",
        spectral_norm=True, instance_noise=0.1, d_lr=4e-4, g_lr=1e-4,
    )
    result = train.run(config, verbose=0)
    gan = result.gan
    assert gan.pack == 2 and gan.discriminator.inputs[0].shape[1:] == (28, 28, 2)
    assert gan.input_layers[1].anneal_steps == 2  # the instance noise decays over the whole run
    assert train.load_config(result.out).instance_noise_steps == 2  # written out for a resume or an evaluation
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(4e-4) and float(gan.g_optimizer.learning_rate) == pytest.approx(1e-4)
    z = gan.latent_vectors(3, seed=0)
    saved = generate.load_generator(result.out / "generator.keras")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(saved(z)), keras.ops.convert_to_numpy(gan.ema_generator(z)), atol=1e-6
    )
    assert not np.allclose(keras.ops.convert_to_numpy(saved(z)), keras.ops.convert_to_numpy(gan.generator(z)))


# ------------------------------------------------------------------ the penalty's own random stream


def test_turning_the_gradient_penalty_on_leaves_the_latent_noise_as_it_was():
    states = {}
    for gp_weight in (0.0, 10.0):
        gan = image_gan()
        gan.compile(loss="wasserstein", gp_weight=gp_weight, steps_per_execution=1)
        gan.fit(image_batch(16), batch_size=8, epochs=1, verbose=0)  # two steps, k = 1
        states[gp_weight] = (np.asarray(gan.seed_generator.state), np.asarray(gan.penalty_seed_generator.state))
    np.testing.assert_array_equal(states[10.0][0], states[0.0][0])  # the latent stream drew the same
    assert not np.array_equal(states[10.0][1], states[0.0][1])  # the penalty drew from its own


def test_the_penalty_stream_is_seeded_apart_and_reproducible():
    first, second = point_gan(linear_critic(3, W)), point_gan(linear_critic(3, W))
    for gan in (first, second):
        gan.compile(loss="wgan_gp")
    seen = []
    for gan in (first, second):
        discriminate = gan.discriminate
        gan.discriminate = lambda x, context, training=False, d=discriminate: seen.append(np.array(x)) or d(x, context, training)
        gan.discriminator_penalty(tf.zeros((6, 3)), tf.ones((6, 3)), None)
    np.testing.assert_array_equal(seen[0], seen[1])  # same seed, same coefficients
    alpha = 1 - seen[0][:, 0]
    expected = keras.random.uniform((6,), seed=keras.random.SeedGenerator(3))  # the GAN's seed 0, plus 3
    np.testing.assert_allclose(alpha, np.asarray(expected), rtol=1e-6)
