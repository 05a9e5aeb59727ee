import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import networks
from keras_gan.data import datasets as data
from keras_gan.models.conditional import ConditionalGAN, class_grid_labels, class_labels, is_conditional, num_classes_of
from conftest import changed, ids, snapshot

LATENT = 8
SHAPE = (28, 28, 1)
CLASSES = 10


def tiny_cgan(conditioning="concat", **kwargs):
    generator = networks.conditional_generator(LATENT, SHAPE, CLASSES, embedding_dim=4, base_filters=4)
    discriminator = networks.conditional_discriminator(SHAPE, CLASSES, conditioning=conditioning, base_filters=4)
    return ConditionalGAN(generator, discriminator, seed=0, **kwargs)


def real_batch(n=8):
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (n, *SHAPE)).astype("float32"), rng.integers(0, CLASSES, n).astype("int64")


@pytest.mark.parametrize("conditioning", ["concat", "projection"])
def test_networks_take_the_label_and_give_the_right_shapes(conditioning):
    generator = networks.conditional_generator(LATENT, SHAPE, CLASSES, base_filters=4)
    discriminator = networks.conditional_discriminator(SHAPE, CLASSES, conditioning=conditioning, base_filters=4)
    images = generator([np.zeros((3, LATENT), "float32"), np.array([0, 4, 9])])
    assert images.shape == (3, *SHAPE)
    assert discriminator([np.asarray(images), np.array([0, 4, 9])]).shape == (3, 1)
    assert is_conditional(generator) and num_classes_of(generator) == CLASSES


def test_the_label_changes_the_outputs_of_both_networks():
    generator = networks.conditional_generator(LATENT, SHAPE, CLASSES, base_filters=4)
    z = np.ones((2, LATENT), "float32")
    a, b = np.asarray(generator([z, np.array([1, 2])]))
    assert not np.allclose(a, b)
    for conditioning in ("concat", "projection"):
        discriminator = networks.conditional_discriminator(SHAPE, CLASSES, conditioning=conditioning, base_filters=4)
        # A projection discriminator's class embedding starts small but not zero.
        logits = np.asarray(discriminator([np.stack([a, a]), np.array([1, 2])]))
        assert logits[0, 0] != logits[1, 0]


def test_bad_builder_arguments_are_refused():
    with pytest.raises(ValueError, match="conditioning"):
        networks.conditional_discriminator(SHAPE, CLASSES, conditioning="hinge")
    with pytest.raises(ValueError, match="num_classes"):
        networks.conditional_generator(LATENT, SHAPE, num_classes=1)


def test_unconditional_networks_are_refused():
    with pytest.raises(ValueError, match="two inputs"):
        ConditionalGAN(networks.dcgan_generator(LATENT, SHAPE, base_filters=4),
                       networks.conditional_discriminator(SHAPE, CLASSES, base_filters=4))


def test_combined_model_stacks_label_into_both_and_trains_exactly_the_generator():
    gan = tiny_cgan()
    assert [tuple(t.shape[1:]) for t in gan.combined.inputs] == [(LATENT,), ()]
    assert ids(gan.combined.trainable_variables) == ids(gan.generator.trainable_variables)
    assert gan.discriminator.trainable is False
    assert gan.discriminator in gan.combined.layers and gan.generator in gan.combined.layers
    assert gan.discriminator.trainable_weights == []  # frozen; its variables are still reachable:
    assert len(gan.discriminator_variables) > 0


@pytest.mark.parametrize("conditioning", ["concat", "projection"])
def test_each_phase_updates_only_its_network(conditioning):
    gan = tiny_cgan(conditioning)
    gan.compile()
    images, labels = (tf.constant(a) for a in real_batch())

    d_before = snapshot(gan.discriminator.weights)
    g_before = snapshot(gan.generator.trainable_variables)
    gan.discriminator_step(images, labels)
    assert all(changed(d_before, gan.discriminator.weights))
    assert not any(changed(g_before, gan.generator.trainable_variables))
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (1, 0)

    d_before = snapshot(gan.discriminator.weights)
    g_before = snapshot(gan.generator.trainable_variables)
    gan.generator_step(images, labels)
    assert not any(changed(d_before, gan.discriminator.weights))
    # Every generator weight moves, the embedding of classes in the batch included.
    moved = changed(g_before, gan.generator.trainable_variables)
    assert all(moved)
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (1, 1)


def test_one_real_fit_step_on_labelled_batches():
    gan = tiny_cgan(d_steps=2)
    gan.compile()
    images, labels = real_batch(16)
    history = gan.fit(data.make_dataset(images, 8, y=labels, seed=0), epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations) == 4 and int(gan.g_optimizer.iterations) == 2
    assert all(np.isfinite(v[0]) for v in history.history.values())
    assert {"d_loss", "g_loss", "d_real", "d_fake", "d_accuracy"} <= set(history.history)


def test_training_without_labels_says_how_to_get_them():
    gan = tiny_cgan()
    gan.compile()
    with pytest.raises(ValueError, match="y=labels"):
        gan.fit(real_batch()[0], batch_size=8, epochs=1, verbose=0)


def test_generate_draws_the_classes_asked_for():
    gan = tiny_cgan()
    assert gan.generate(5, labels=3, seed=0).shape == (5, *SHAPE)
    assert gan.generate(labels=range(10), seed=0).shape == (10, *SHAPE)
    assert gan.generate(4).shape == (4, *SHAPE)
    np.testing.assert_array_equal(gan.generate(4, labels=7, seed=1), gan.generate(4, labels=7, seed=1))
    # The same latent vector under two labels: the label alone changes the sample.
    latent = gan.latent_vectors(1, seed=0).repeat(2, axis=0)
    a, b = gan.generate(latent=latent, labels=[2, 5])
    assert not np.allclose(a, b)
    direct = gan.generator([latent, np.array([2, 5])], training=False)
    np.testing.assert_allclose(np.stack([a, b]), np.asarray(direct), atol=1e-6)
    with pytest.raises(ValueError, match="0..9"):
        gan.generate(2, labels=10)
    with pytest.raises(ValueError, match="3 labels for n=2"):
        gan.generate(2, labels=[1, 2, 3])


def test_label_helpers():
    np.testing.assert_array_equal(class_labels(None, 5, 3), [0, 1, 2, 0, 1])
    np.testing.assert_array_equal(class_labels(2, 3, 3), [2, 2, 2])
    np.testing.assert_array_equal(class_grid_labels(3, 2), [0, 0, 1, 1, 2, 2])
    with pytest.raises(ValueError, match="integers"):
        class_labels([0.5, 1.0], 2, 3)


def test_saved_generator_opens_in_plain_keras_and_keeps_its_outputs(tmp_path):
    gan = tiny_cgan()
    path = tmp_path / "generator.keras"
    gan.generator.save(path)
    loaded = keras.models.load_model(path, safe_mode=True, compile=False)
    latent = gan.latent_vectors(3, seed=0)
    labels = np.array([0, 5, 9])
    np.testing.assert_allclose(
        np.asarray(loaded([latent, labels])), gan.generate(latent=latent, labels=labels), atol=1e-6
    )
    assert num_classes_of(loaded) == CLASSES


@pytest.mark.slow
def test_cli_trains_a_cgan_whose_grid_has_a_row_per_class_and_generate_takes_a_label(tmp_path, capsys):
    from PIL import Image

    from keras_gan.cli import generate
    from keras_gan.cli import train

    out = tmp_path / "cgan"
    argv = ["--model", "cgan", "--dataset", "mnist-sample", "--epochs", "1", "--steps-per-epoch", "2",
            "--batch-size", "8", "--base-filters", "4", "--latent-dim", "8", "--out", str(out), "--quiet"]
    assert train.main(argv) == 0
    with Image.open(out / "samples" / "epoch_001.png") as grid:
        columns = -(-64 // CLASSES)  # the default 64 grid samples, spread over 10 rows
        assert grid.size == (columns * 28 + (columns + 1) * 2, CLASSES * 28 + (CLASSES + 1) * 2)
    saved = out / "generator.keras"
    assert num_classes_of(generate.load_generator(saved)) == CLASSES

    raw = tmp_path / "threes.npy"
    assert generate.main([str(saved), "-n", "4", "--label", "3", "--seed", "0", "--out", str(raw)]) == 0
    loaded = keras.models.load_model(saved)
    expected = loaded([generate.latent_vectors(4, LATENT, 0), np.full(4, 3)], training=False)
    np.testing.assert_allclose(np.load(raw), np.asarray(expected), atol=1e-5)
    assert generate.main([str(saved), "--label", "10", "--out", str(tmp_path / "x.png")]) == 2
    assert "0..9" in capsys.readouterr().err


def test_the_moving_average_measures_its_statistics_on_every_class():
    gan = tiny_cgan(ema=0.5)
    latent, labels = gan.statistics_inputs(25, seed=0)
    assert latent.shape == (25, LATENT)
    np.testing.assert_array_equal(labels, np.arange(25) % CLASSES)
    gan.compile()
    x, y = real_batch(8)
    gan.fit(data.make_dataset(x, 8, y=y), epochs=1, verbose=0)
    norms = sum(isinstance(layer, keras.layers.BatchNormalization) for layer in gan.ema_generator.layers)
    assert norms > 0 and gan.moving_average.refresh_statistics(gan.statistics_inputs(64, seed=0)) == norms


@pytest.mark.parametrize("conditioning", ["concat", "projection"])
def test_the_joint_discriminator_pass_stacks_the_labels_with_the_images(conditioning):
    # One discriminator call on [real; fake] with the labels twice must update
    # the weights as the two calls do.
    images, labels = real_batch(8)
    results = []
    for joint in (False, True):
        keras.utils.set_random_seed(5)
        gan = tiny_cgan(conditioning, joint_discriminator_pass=joint)
        gan.compile(steps_per_execution=1)
        gan.fit(data.make_dataset(images, 8, y=labels, seed=0), epochs=2, verbose=0)
        results.append(snapshot(gan.generator.trainable_variables + gan.discriminator_variables))
    for two, one in zip(*results):
        np.testing.assert_allclose(one, two, rtol=1e-4, atol=1e-6)
