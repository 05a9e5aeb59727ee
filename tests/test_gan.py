import re
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import GAN, ConditionalGAN, Pix2Pix, SRGAN, networks
from keras_gan.training import freezing
from conftest import changed, ids, snapshot

LATENT = 8
SHAPE = (28, 28, 1)


def tiny_gan(d_steps=1, normalization="batch", **kwargs):
    generator = networks.dcgan_generator(LATENT, SHAPE, base_filters=4)
    discriminator = networks.dcgan_discriminator(SHAPE, base_filters=4, normalization=normalization)
    return GAN(generator, discriminator, d_steps=d_steps, seed=0, **kwargs)


def real_batch(n=8):
    return np.random.default_rng(0).uniform(-1, 1, (n, *SHAPE)).astype("float32")


def test_combined_model_trains_exactly_the_generator():
    gan = tiny_gan()
    assert isinstance(gan.combined, keras.Model)
    assert ids(gan.combined.trainable_variables) == ids(gan.generator.trainable_variables)
    assert gan.discriminator.trainable is False
    assert gan.discriminator in gan.combined.layers and gan.generator in gan.combined.layers
    assert len(gan.discriminator_variables) == len(gan.discriminator.weights) - 2  # BN moving mean/var
    assert gan.combined.output.shape[1:] == (1,)


def test_discriminator_phase_updates_only_the_discriminator():
    gan = tiny_gan()
    gan.compile()
    d_before = snapshot(gan.discriminator.weights)
    g_before = snapshot(gan.generator.trainable_variables)
    gan.discriminator_step(tf.constant(real_batch()), None)
    assert all(changed(d_before, gan.discriminator.weights))  # BN statistics included
    # The generator's batch-norm statistics do follow its training-mode
    # forward pass; its trainable weights stay put.
    assert not any(changed(g_before, gan.generator.trainable_variables))
    assert int(gan.d_optimizer.iterations) == 1
    assert int(gan.g_optimizer.iterations) == 0


def test_generator_phase_updates_only_the_generator():
    gan = tiny_gan()
    gan.compile()
    d_before = snapshot(gan.discriminator.weights)
    g_trainable_before = snapshot(gan.generator.trainable_variables)
    gan.generator_step(tf.constant(real_batch()), None)
    # The frozen discriminator's batch-norm layers run in inference mode:
    # not even its moving statistics change.
    assert not any(changed(d_before, gan.discriminator.weights))
    assert all(changed(g_trainable_before, gan.generator.trainable_variables))
    assert int(gan.d_optimizer.iterations) == 0
    assert int(gan.g_optimizer.iterations) == 1


@pytest.mark.parametrize("d_steps", [1, 3])
def test_one_compiled_step_advances_the_optimizers_by_k_and_one(d_steps):
    gan = tiny_gan(d_steps=d_steps)
    gan.compile()
    d_before = snapshot(gan.discriminator_variables)
    g_before = snapshot(gan.generator.trainable_variables)
    gan.fit(real_batch(8), batch_size=8, epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations) == d_steps
    assert int(gan.g_optimizer.iterations) == 1
    assert all(changed(d_before, gan.discriminator_variables))
    assert all(changed(g_before, gan.generator.trainable_variables))


def test_in_the_compiled_step_the_generator_phase_leaves_the_discriminator_alone():
    # With a zero discriminator learning rate any change to D's trainable
    # weights would have to come from the generator phase.
    gan = tiny_gan(normalization=None)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.1))
    d_before = snapshot(gan.discriminator_variables)
    g_before = snapshot(gan.generator.trainable_variables)
    gan.fit(real_batch(8), batch_size=8, epochs=1, verbose=0)
    assert not any(changed(d_before, gan.discriminator_variables))
    assert all(changed(g_before, gan.generator.trainable_variables))


def test_in_the_compiled_step_the_discriminator_phase_leaves_the_generator_alone():
    gan = tiny_gan(normalization=None)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.0))
    g_before = snapshot(gan.generator.trainable_variables)
    d_before = snapshot(gan.discriminator_variables)
    gan.fit(real_batch(8), batch_size=8, epochs=1, verbose=0)
    assert not any(changed(g_before, gan.generator.trainable_variables))
    assert all(changed(d_before, gan.discriminator_variables))


def test_a_discriminator_update_is_visible_through_the_combined_model():
    gan = tiny_gan(normalization=None)
    gan.compile()
    z = gan.latent_vectors(4, seed=1)
    before = keras.ops.convert_to_numpy(gan.combined(z))
    gan.discriminator_step(tf.constant(real_batch()), None)
    after = keras.ops.convert_to_numpy(gan.combined(z))
    np.testing.assert_allclose(after, keras.ops.convert_to_numpy(gan.discriminator(gan.generator(z))), rtol=1e-6)
    assert not np.allclose(before, after)


def test_fit_reports_every_metric_in_the_history():
    gan = tiny_gan()
    gan.compile(loss="minimax")
    history = gan.fit(real_batch(16), batch_size=8, epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake", "d_accuracy", "d_lr", "g_lr"}
    for values in history.history.values():
        assert len(values) == 2 and np.all(np.isfinite(values))
    assert 0.0 <= history.history["d_accuracy"][-1] <= 1.0


def test_fit_on_a_dataset_does_not_shuffle_it_or_warn_that_it_cannot(recwarn):
    gan = tiny_gan()
    gan.compile(loss="minimax")
    batches = tf.data.Dataset.from_tensor_slices(real_batch(16)).batch(8)
    gan.fit(batches, epochs=1, verbose=0)
    gan.fit(x=batches, epochs=1, verbose=0)
    assert [str(w.message) for w in recwarn if "shuffle" in str(w.message)] == []
    with pytest.warns(UserWarning, match="shuffle=True. was passed, but will be ignored"):
        gan.fit(batches, epochs=1, verbose=0, shuffle=True)  # asked for, Keras's warning stands


def test_reported_discriminator_numbers_match_a_hand_computation():
    # A discriminator that outputs a constant logit: D(x) = sigmoid(c) for
    # every input, so d_real = d_fake = sigmoid(c), accuracy 1/2 (c > 0:
    # all real right, all fake wrong) and d_loss = softplus(-c) + softplus(c).
    c = 1.5
    generator = networks.mlp_generator(LATENT, (2,), hidden_units=(4,))
    x = keras.Input((2,))
    logit = keras.layers.Dense(1, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(c))(x)
    gan = GAN(generator, keras.Model(x, logit))
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    logs = gan.fit(np.zeros((4, 2), "float32"), batch_size=4, epochs=1, verbose=0).history
    sigmoid = 1 / (1 + np.exp(-c))
    assert logs["d_real"][0] == pytest.approx(sigmoid, rel=1e-6)
    assert logs["d_fake"][0] == pytest.approx(sigmoid, rel=1e-6)
    assert logs["d_accuracy"][0] == pytest.approx(0.5)
    assert logs["d_loss"][0] == pytest.approx(np.log1p(np.exp(-c)) + np.log1p(np.exp(c)), rel=1e-6)
    assert logs["g_loss"][0] == pytest.approx(np.log1p(np.exp(-c)), rel=1e-6)


def test_any_keras_models_work():
    generator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5)])
    discriminator = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    gan = GAN(generator, discriminator)
    assert gan.latent_dim == 3
    gan.compile()
    gan.fit(np.ones((8, 5), "float32"), batch_size=4, epochs=1, verbose=0)
    assert gan.generate(6, seed=0).shape == (6, 5)


def test_mismatched_shapes_are_refused_with_both_shapes_named():
    generator = networks.dcgan_generator(LATENT, (28, 28, 1), base_filters=4)
    discriminator = networks.dcgan_discriminator((32, 32, 3), base_filters=4)
    with pytest.raises(ValueError, match=r"generator output shape \(28, 28, 1\) does not match discriminator input shape \(32, 32, 3\)"):
        GAN(generator, discriminator)


def test_a_discriminator_ending_in_a_sigmoid_is_refused():
    generator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    with pytest.raises(ValueError, match="sigmoid"):
        GAN(generator, discriminator)


@pytest.mark.parametrize("d_steps", [0, -1, 1.5, True])
def test_d_steps_must_be_a_positive_integer(d_steps):
    with pytest.raises(ValueError, match="d_steps must be a positive integer"):
        tiny_gan(d_steps=d_steps)


def test_one_optimizer_cannot_serve_both_networks():
    gan = tiny_gan()
    adam = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="two different optimizer objects"):
        gan.compile(d_optimizer=adam, g_optimizer=adam)


def test_generate_is_reproducible_and_in_the_tanh_range():
    gan = tiny_gan()
    first, second = gan.generate(5, seed=3), gan.generate(5, seed=3)
    assert first.shape == (5, *SHAPE) and first.dtype == np.float32
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, gan.generate(5, seed=4))
    assert first.min() >= -1 and first.max() <= 1


def test_generate_in_chunks_matches_one_pass():
    gan = tiny_gan()
    z = gan.latent_vectors(7, seed=0)
    np.testing.assert_allclose(gan.generate(7, latent=z, batch_size=3), gan.generate(7, latent=z), atol=1e-6)


def test_the_latent_size_is_read_from_the_generator():
    assert tiny_gan().latent_dim == LATENT


# ------------------------------------------------------------------ the shared generator pass


class FixedNoiseGAN(GAN):
    """Draws the same latent batch every time: both phases then see one noise."""

    def __init__(self, *args, latent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_latent = tf.constant(latent)

    def generator_inputs(self, batch_size, condition):
        return self.fixed_latent


class CountCalls(keras.layers.Layer):
    """Identity that counts its training-mode calls in a variable."""

    def build(self, input_shape):
        self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False, name="calls")

    def call(self, x, training=None):
        if training:
            self.calls.assign_add(1.0)
        return x


def train_on_fixed_noise(**options):
    """Two steps of a tiny DCGAN (k = 2) on one latent batch, from fixed initial weights.

    Returns the updated weights (G's, then D's), the History and D's update count.
    """
    latent = np.random.default_rng(3).normal(size=(8, LATENT)).astype("float32")
    keras.utils.set_random_seed(7)
    generator = networks.dcgan_generator(LATENT, SHAPE, base_filters=4)
    discriminator = networks.dcgan_discriminator(SHAPE, base_filters=4)
    gan = FixedNoiseGAN(generator, discriminator, d_steps=2, seed=0, latent=latent, **options)
    gan.compile(steps_per_execution=1)
    history = gan.fit(real_batch(8), batch_size=8, epochs=2, verbose=0)
    weights = snapshot(gan.generator.trainable_variables + gan.discriminator_variables)
    return weights, history.history, int(gan.d_optimizer.iterations)


def test_the_shared_pass_gives_the_weights_of_the_two_pass_step_on_the_same_noise():
    # With one latent batch for both phases, sharing the forward pass changes
    # nothing but the work done: the updated weights must agree.
    weights_two, history_two, d_iters_two = train_on_fixed_noise(share_generator_pass=False)
    weights_one, history_one, d_iters_one = train_on_fixed_noise(share_generator_pass=True)
    assert d_iters_two == d_iters_one == 4
    for two, one in zip(weights_two, weights_one):
        np.testing.assert_allclose(one, two, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(history_one["g_loss"], history_two["g_loss"], rtol=1e-5)


@pytest.mark.parametrize("share, expected_calls", [(False, 2), (True, 1)])
def test_the_shared_pass_runs_the_generator_once_a_step(share, expected_calls):
    z = keras.Input((LATENT,))
    counter = CountCalls()
    generator = keras.Model(z, counter(networks.dcgan_generator(LATENT, SHAPE, base_filters=4)(z)))
    discriminator = networks.dcgan_discriminator(SHAPE, base_filters=4)
    gan = GAN(generator, discriminator, seed=0, share_generator_pass=share)
    gan.compile(steps_per_execution=1)
    gan.fit(real_batch(8), batch_size=4, epochs=1, verbose=0)  # two steps
    assert float(counter.calls) == 2 * expected_calls
    assert int(gan.g_optimizer.iterations) == 2


def test_share_generator_pass_must_be_a_bool():
    with pytest.raises(ValueError, match="share_generator_pass must be True or False"):
        tiny_gan(share_generator_pass="yes")


# ------------------------------------------------------------------ the joint discriminator pass


def test_the_joint_pass_gives_the_weights_of_two_discriminator_calls():
    # Without batch statistics D's logits on [real; fake] are its logits on each:
    # one call or two, the updated weights and the reported numbers must agree.
    weights_two, history_two, _ = train_on_fixed_noise(joint_discriminator_pass=False)
    weights_one, history_one, _ = train_on_fixed_noise(joint_discriminator_pass=True)
    for two, one in zip(weights_two, weights_one):
        np.testing.assert_allclose(one, two, rtol=1e-4, atol=1e-6)
    for name in ("d_loss", "g_loss", "d_real", "d_fake", "d_accuracy"):
        np.testing.assert_allclose(history_one[name], history_two[name], rtol=1e-5)


@pytest.mark.parametrize("joint, expected_calls", [(False, 2), (True, 1)])
def test_the_joint_pass_calls_the_discriminator_once_a_discriminator_step(joint, expected_calls):
    image = keras.Input(SHAPE)
    counter = CountCalls()
    discriminator = keras.Model(image, networks.dcgan_discriminator(SHAPE, base_filters=4)(counter(image)))
    gan = GAN(networks.dcgan_generator(LATENT, SHAPE, base_filters=4), discriminator, seed=0,
              joint_discriminator_pass=joint)
    gan.compile(steps_per_execution=1)
    gan.fit(real_batch(8), batch_size=4, epochs=1, verbose=0)  # two steps
    # Per step: the discriminator phase's calls, and one in the generator phase.
    assert float(counter.calls) == 2 * (expected_calls + 1)


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"normalization": None}, True),
        ({"normalization": "layer"}, True),
        ({"normalization": "batch"}, False),
        ({"spectral_norm": True}, False),
    ],
)
def test_the_joint_pass_is_on_unless_the_discriminator_depends_on_its_calls(options, expected):
    discriminator = networks.dcgan_discriminator(SHAPE, base_filters=4, **options)
    wrapped = keras.Sequential([keras.Input(SHAPE), discriminator])  # found inside a nested model too
    for network in (discriminator, wrapped):
        gan = GAN(networks.dcgan_generator(LATENT, SHAPE, base_filters=4), network, seed=0)
        assert gan.joint_discriminator_pass is expected
    assert GAN.from_config(gan.get_config()).joint_discriminator_pass is expected


def test_joint_discriminator_pass_must_be_a_bool_or_none():
    with pytest.raises(ValueError, match="joint_discriminator_pass must be True, False or None"):
        tiny_gan(joint_discriminator_pass="yes")
    assert tiny_gan(normalization="batch", joint_discriminator_pass=True).joint_discriminator_pass is True


# ------------------------------------------------------------------ freezing: what it changes, what it keeps


def discriminator_with_a_frozen_layer():
    image = keras.Input(SHAPE)
    features = keras.layers.Dense(4, name="trained")(keras.layers.Flatten()(image))
    frozen = keras.layers.Dense(4, name="frozen_by_user")
    frozen.trainable = False
    return keras.Model(image, keras.layers.Dense(1, name="logit")(frozen(features))), frozen


def test_a_layer_frozen_inside_the_discriminator_stays_frozen_through_fit_and_a_config_round_trip():
    discriminator, frozen = discriminator_with_a_frozen_layer()
    gan = GAN(networks.dcgan_generator(LATENT, SHAPE, base_filters=4), discriminator, seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.1), steps_per_execution=1)
    assert ids(gan.discriminator_variables) == ids(
        [v for layer in discriminator.layers if layer.name in ("trained", "logit") for v in layer.weights]
    )
    frozen_before, trained_before = snapshot(frozen.weights), snapshot(discriminator.get_layer("trained").weights)
    gan.fit(real_batch(16), batch_size=8, epochs=1, verbose=0)
    assert not any(changed(frozen_before, frozen.weights))
    assert all(changed(trained_before, discriminator.get_layer("trained").weights))
    assert discriminator.trainable is False and frozen.trainable is False  # the GAN's freeze is back after the step
    assert [layer.name for layer in gan.layers] == [gan.generator.name, discriminator.name, "combined"]
    layers = {layer["config"]["name"]: layer["config"].get("trainable") for layer in gan.get_config()["discriminator"]["config"]["layers"]}
    assert layers["frozen_by_user"] is False and layers["trained"] is True
    assert not GAN.from_config(gan.get_config()).discriminator.get_layer("frozen_by_user").trainable


def test_unfreezing_restores_every_layers_own_flag_nested_models_included():
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, name="on"), keras.layers.Dense(3, name="off")])
    inner.get_layer("off").trainable = False
    outer = keras.Sequential([keras.Input((3,)), inner, keras.layers.Dense(1, name="head")])
    flags = freezing.layer_flags(outer)
    outer.trainable = False
    assert not inner.get_layer("on").trainable
    with freezing.unfrozen(outer, flags):  # the flags the layers had: "off" stays frozen
        assert [inner.get_layer("on").trainable, inner.get_layer("off").trainable, outer.get_layer("head").trainable] == [True, False, True]
        assert len(outer.trainable_weights) == 4
    assert not any(freezing.layer_flags(outer))  # frozen as before the block
    with freezing.trainable(outer):  # no flags: every layer, and afterwards the flags it found
        assert inner.get_layer("off").trainable and len(outer.trainable_weights) == 6
    assert not any(freezing.layer_flags(outer))
    freezing.restore(outer, flags)
    with freezing.trainable(inner):
        assert inner.get_layer("off").trainable
    assert [inner.get_layer("on").trainable, inner.get_layer("off").trainable] == [True, False]


def test_the_frozen_discriminator_keeps_its_batch_statistics_but_still_drops_units_in_the_generator_phase():
    image = keras.Input(SHAPE)
    x = keras.layers.BatchNormalization()(keras.layers.Dense(8)(keras.layers.Flatten()(image)))
    discriminator = keras.Model(image, keras.layers.Dense(1)(keras.layers.Dropout(0.5)(x)))
    gan = GAN(networks.dcgan_generator(LATENT, SHAPE, base_filters=4), discriminator, seed=0)
    gan.compile()
    z = gan.latent_vectors(16, seed=0)
    statistics = snapshot(discriminator.non_trainable_weights)
    first, second = (np.asarray(gan.combined(z, training=True)) for _ in range(2))
    assert not np.allclose(first, second)  # Dropout still drops in the frozen discriminator
    np.testing.assert_array_equal(np.asarray(gan.combined(z)), np.asarray(gan.combined(z)))  # inference mode: no dropout
    gan.generator_step(tf.constant(real_batch()), None)
    assert not any(changed(statistics, discriminator.non_trainable_weights))  # BatchNormalization in inference mode


# ------------------------------------------------------------------ sampling: predict, call and generate agree


@pytest.mark.parametrize("ema", [None, 0.5])
def test_predict_calling_the_gan_and_generate_sample_the_same_generator(ema):
    gan = tiny_gan(ema=ema)
    gan.compile(steps_per_execution=1)
    gan.fit(real_batch(16), batch_size=8, epochs=1, verbose=0)
    z = gan.latent_vectors(6, seed=2)
    generated = gan.generate(latent=z)
    np.testing.assert_allclose(gan.predict(z, verbose=0), generated, atol=1e-5)
    np.testing.assert_allclose(np.asarray(gan(z)), generated, atol=1e-5)
    trained = np.asarray(gan.generator(z, training=False))
    assert np.allclose(generated, trained, atol=1e-5) == (ema is None)  # with ema, the average samples


# ------------------------------------------------------------------ weights files written by an earlier layout

CHECKPOINTS = Path(__file__).parent / "data" / "checkpoints"


def checkpoint_gan(family):
    """A tiny GAN of ``family`` with every option that adds weights or random streams, from plain Keras layers."""
    keras.utils.set_random_seed(0)
    side = 8
    image = keras.Input((side, side, 1))
    logit = keras.layers.Dense(1)(keras.layers.Flatten()(keras.layers.Conv2D(2, 3, strides=2)(image)))
    if family == "gan":
        z = keras.Input((4,))
        x = keras.layers.BatchNormalization()(keras.layers.Dense(side * side)(z))
        generator = keras.Model(z, keras.layers.Reshape((side, side, 1))(keras.layers.Activation("tanh")(x)))
        options = dict(ema=0.9, diffaugment="translation", instance_noise=0.1, instance_noise_steps=10)
        return GAN(generator, keras.Model(image, logit), seed=0, **options)
    if family == "cgan":
        z, label = keras.Input((4,)), keras.Input((), dtype="int32")
        embedded = keras.layers.Embedding(3, 2, name="label_embedding")(label)
        x = keras.layers.Dense(side * side)(keras.layers.Concatenate()([z, embedded]))
        generator = keras.Model([z, label], keras.layers.Reshape((side, side, 1))(keras.layers.BatchNormalization()(x)))
        d_label = keras.Input((), dtype="int32")
        verdict = keras.layers.Add()([logit, keras.layers.Embedding(3, 1)(d_label)])
        return ConditionalGAN(generator, keras.Model([image, d_label], verdict), seed=0, ema=0.9)
    low = side // 2 if family == "srgan" else side
    source = keras.Input((low, low, 1))
    x = keras.layers.BatchNormalization()(keras.layers.Conv2D(1, 3, padding="same")(source))
    if family == "srgan":
        return SRGAN(keras.Model(source, keras.layers.UpSampling2D(2)(x)), keras.Model(image, logit), seed=0, ema=0.9)
    pair_source = keras.Input((side, side, 1))
    patches = keras.layers.Conv2D(1, 3, strides=2)(keras.layers.Concatenate()([pair_source, image]))
    return Pix2Pix(keras.Model(source, x), keras.Model([pair_source, image], patches), seed=0, ema=0.9)


def datasets_in(path):
    with h5py.File(path) as file:
        found = {}
        file.visititems(lambda name, item: found.update({name: item[()]}) if isinstance(item, h5py.Dataset) else None)
    return found


@pytest.mark.parametrize("family", ["gan", "cgan", "pix2pix", "srgan"])
def test_a_weights_file_of_the_earlier_layout_loads_and_is_written_again_with_the_same_layout(family, tmp_path):
    old = CHECKPOINTS / f"{family}.weights.h5"
    gan = checkpoint_gan(family)
    gan.compile(loss="wgan_gp" if family == "gan" else "non_saturating", steps_per_execution=1)
    gan.load_weights(old)
    gan.save_weights(tmp_path / "again.weights.h5")
    before, after = datasets_in(old), datasets_in(tmp_path / "again.weights.h5")
    assert set(after) == set(before) | {"vars/penalty_seed_generator_state"}  # the penalty's stream is new
    # Loading measures the moving average's batch-norm statistics again, on its loaded weights.
    measured = {name for name in before if re.fullmatch(r"ema_generator/layers/batch_normalization/vars/[23]", name)}
    assert len(measured) == 2
    for name in set(before) - measured:
        np.testing.assert_array_equal(after[name], before[name], err_msg=name)  # every weight and stream where it was
    assert any(np.any(value) for name, value in before.items() if name.startswith("g_optimizer"))
