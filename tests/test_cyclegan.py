import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gan import losses, networks
from keras_gan.data import unpaired
from keras_gan.models.cyclegan import CycleGAN, known_translation_scores
from keras_gan.models.paired import pair_scores
from keras_gan.networks.resnet import reflection_pad
from keras_gan.training.image_pool import ImagePool

SHAPE = (8, 8, 1)


def tiny_cyclegan(**options):
    return CycleGAN(*networks.cyclegan_networks(SHAPE, base_filters=4, num_blocks=1), seed=0, **options)


def tiny_networks():
    """G, F, D_A, D_B, not yet frozen by a CycleGAN."""
    def generator(name):
        return networks.resnet_generator(SHAPE, base_filters=4, num_blocks=1, name=name)

    def discriminator(name):
        return networks.image_patchgan_discriminator(SHAPE, base_filters=4, downsamplings=2, name=name)

    return generator("g"), generator("f"), discriminator("d_a"), discriminator("d_b")


def images(n=4, seed=0, shape=SHAPE):
    return np.random.default_rng(seed).uniform(-1, 1, (n, *shape)).astype("float32")


def snapshot(variables):
    return [np.array(v) for v in variables]


def changed(before, variables):
    return [not np.array_equal(b, np.array(v)) for b, v in zip(before, variables)]


def ids(variables):
    return sorted(id(v) for v in variables)


def kernels(model):
    return [v for v in model.trainable_variables if "kernel" in v.path]


# ---------------------------------------------------------------------------- networks


def test_resnet_generator_keeps_the_size_and_goes_down_twice_through_residual_blocks():
    generator = networks.resnet_generator((28, 28, 3), base_filters=8, num_blocks=2)
    assert generator.output.shape == (None, 28, 28, 3)
    kinds = (keras.layers.Conv2D, keras.layers.Conv2DTranspose)
    convolutions = [layer for layer in generator.layers if isinstance(layer, kinds)]
    # c7s1-8, d16, d32, two blocks of two 3x3 convolutions at 32, u16, u8, c7s1-3
    assert [(c.kernel_size, c.strides, c.filters) for c in convolutions] == [
        ((7, 7), (1, 1), 8), ((3, 3), (2, 2), 16), ((3, 3), (2, 2), 32),
        *[((3, 3), (1, 1), 32)] * 4,
        ((3, 3), (2, 2), 16), ((3, 3), (2, 2), 8), ((7, 7), (1, 1), 3),
    ]
    assert sum(isinstance(layer, keras.layers.Add) for layer in generator.layers) == 2
    assert [isinstance(c, keras.layers.Conv2DTranspose) for c in convolutions].count(True) == 2
    out = generator(images(2, shape=(28, 28, 3)))
    assert float(np.max(np.abs(out))) <= 1.0


def test_resnet_generator_refuses_sides_not_divisible_by_four_and_bad_sizes():
    with pytest.raises(ValueError, match=r"divisible by 4; got \(30, 30\)"):
        networks.resnet_generator((30, 30, 1))
    with pytest.raises(ValueError, match="num_blocks must be a positive integer, got 0"):
        networks.resnet_generator((28, 28, 1), num_blocks=0)


def test_reflection_padding_mirrors_the_border():
    x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    padded = keras.ops.convert_to_numpy(reflection_pad(x, 1))[0, ..., 0]
    np.testing.assert_array_equal(padded[0], [4, 3, 4, 5, 4])  # row 1 mirrored above row 0
    np.testing.assert_array_equal(padded[:, 0], [4, 1, 4, 7, 4])


@pytest.mark.slow
def test_plain_keras_opens_a_saved_resnet_generator_without_keras_gan(tmp_path):
    generator = networks.resnet_generator(SHAPE, base_filters=2, num_blocks=1)
    generator.save(tmp_path / "generator.keras")
    expected = keras.ops.convert_to_numpy(generator(images(2)))
    np.save(tmp_path / "x.npy", images(2))
    code = (
        "import sys, keras, numpy as np; assert not any(m.startswith('keras_gan') for m in sys.modules); "
        f"m = keras.models.load_model({str(tmp_path / 'generator.keras')!r}, safe_mode=True, compile=False); "
        f"np.save({str(tmp_path / 'y.npy')!r}, keras.ops.convert_to_numpy(m(np.load({str(tmp_path / 'x.npy')!r}))))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, atol=1e-5)


def test_image_patchgan_judges_one_image_with_a_grid_of_logits():
    discriminator = networks.image_patchgan_discriminator((28, 28, 1), base_filters=8, downsamplings=2)
    assert len(discriminator.inputs) == 1
    assert discriminator.output.shape == (None, 7, 7, 1)


@pytest.mark.parametrize("side, blocks, grid", [(28, 3, 7), (64, 3, 8), (128, 6, 16)])
def test_cyclegan_networks_are_sized_as_the_paper_for_the_image_side(side, blocks, grid):
    g, f, d_a, d_b = networks.cyclegan_networks((side, side, 1), base_filters=2)
    assert [net.name for net in (g, f, d_a, d_b)] == ["generator_ab", "generator_ba", "discriminator_a", "discriminator_b"]
    assert sum(isinstance(layer, keras.layers.Add) for layer in g.layers) == blocks
    assert d_b.output.shape == (None, grid, grid, 1)  # 2 stride-2 layers below 64 pixels, 3 from 64


# ---------------------------------------------------------------------------- the frozen discriminators


def test_combined_model_outputs_verdicts_cycles_identities_and_trains_exactly_both_generators():
    gan = tiny_cyclegan()
    assert set(gan.combined.output) == {"verdict_a", "verdict_b", "cycle_a", "cycle_b", "identity_a", "identity_b"}
    expected = ids(gan.generator_ab.trainable_variables + gan.generator_ba.trainable_variables)
    assert ids(gan.combined.trainable_variables) == expected
    assert gan.discriminator_a.trainable is False and gan.discriminator_b.trainable is False
    assert len(gan.discriminator_variables) == len(gan.discriminator_a.weights) + len(gan.discriminator_b.weights)
    a, b = images(2, 1), images(2, 2)
    out = gan.combined([a, b])
    g, f = gan.generator_ab, gan.generator_ba
    np.testing.assert_allclose(out["cycle_a"], f(g(a)), atol=1e-6)
    np.testing.assert_allclose(out["cycle_b"], g(f(b)), atol=1e-6)
    np.testing.assert_allclose(out["identity_b"], g(b), atol=1e-6)
    np.testing.assert_allclose(out["identity_a"], f(a), atol=1e-6)
    np.testing.assert_allclose(out["verdict_b"], gan.discriminator_b(g(a)), atol=1e-6)
    np.testing.assert_allclose(out["verdict_a"], gan.discriminator_a(f(b)), atol=1e-6)
    # Networks that arrive frozen as a whole (from another CycleGAN) train whole in their phase.
    again = CycleGAN(g, f, gan.discriminator_a, gan.discriminator_b)
    assert ids(again.discriminator_variables) == ids(gan.discriminator_variables)


def test_discriminator_phase_updates_both_discriminators_and_no_generator():
    gan = tiny_cyclegan()
    gan.compile()
    a, b = tf.constant(images(4, 1)), tf.constant(images(4, 2))
    d_before = [snapshot(kernels(d)) for d in gan.discriminators]
    g_before = [snapshot(g.weights) for g in (gan.generator_ab, gan.generator_ba)]
    fake_a, fake_b = gan.pooled_fakes(a, b)
    gan.discriminator_step(a, b, fake_a, fake_b)
    for before, discriminator in zip(d_before, gan.discriminators):
        assert all(changed(before, kernels(discriminator)))
    for before, generator in zip(g_before, (gan.generator_ab, gan.generator_ba)):
        assert not any(changed(before, generator.weights))
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (1, 0)
    assert gan.discriminator_a.trainable is False  # frozen again after its phase


def test_generator_phase_updates_both_generators_and_no_discriminator():
    gan = tiny_cyclegan()
    gan.compile()
    d_before = [snapshot(d.weights) for d in gan.discriminators]
    g_before = [snapshot(g.trainable_variables) for g in (gan.generator_ab, gan.generator_ba)]
    gan.generator_step(tf.constant(images(4, 1)), tf.constant(images(4, 2)))
    for before, discriminator in zip(d_before, gan.discriminators):
        assert not any(changed(before, discriminator.weights))
    for before, generator in zip(g_before, (gan.generator_ab, gan.generator_ba)):
        assert all(changed(before, generator.trainable_variables))
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (0, 1)


def test_in_the_compiled_step_the_generator_phase_leaves_both_discriminators_alone():
    # With a zero discriminator learning rate, any change to D_A or D_B would have to come from the generator phase.
    gan = tiny_cyclegan()
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.1), steps_per_execution=2)
    assert gan.loss_pair.name == "least_squares"
    d_before, g_before = snapshot(gan.discriminator_variables), snapshot(gan.generator_variables)
    history = gan.fit(unpaired.unpaired_dataset(images(8, 1), images(6, 2), 4, seed=0), steps_per_epoch=2, verbose=0)
    assert not any(changed(d_before, gan.discriminator_variables))
    assert all(changed(g_before, gan.generator_variables))
    assert set(history.history) == {"d_a_loss", "d_b_loss", "g_loss", "g_adversarial", "cycle_l1", "identity_l1"}
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (2, 2)
    assert int(gan.pool_a.count) == int(gan.pool_b.count) == 8  # two batches of 4 stored


def test_in_the_compiled_step_the_discriminator_phase_leaves_the_generators_and_a_frozen_layer_alone():
    g, f, d_a, d_b = tiny_networks()
    frozen = d_a.layers[1]
    frozen.trainable = False
    gan = CycleGAN(g, f, d_a, d_b, seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.0))
    assert all(id(v) not in ids(frozen.weights) for v in gan.discriminator_variables)
    frozen_before = snapshot(frozen.weights)
    d_before, g_before = snapshot(gan.discriminator_variables), snapshot(gan.generator_variables)
    gan.fit(unpaired.unpaired_dataset(images(8, 1), images(8, 2), 4, seed=0), steps_per_epoch=2, verbose=0)
    assert not any(changed(g_before, gan.generator_variables))
    assert any(changed(d_before, gan.discriminator_variables))
    assert not any(changed(frozen_before, frozen.weights))
    assert frozen.trainable is False


def test_generator_loss_is_the_two_adversarial_terms_plus_weighted_cycle_and_identity_l1():
    gan = tiny_cyclegan(cycle_weight=10.0, identity_weight=5.0)
    gan.compile()
    a, b = images(3, 1), images(3, 2)
    loss, terms = gan.generator_loss(tf.constant(a), tf.constant(b))
    g = lambda x: keras.ops.convert_to_numpy(gan.generator_ab(x, training=True))  # noqa: E731
    f = lambda x: keras.ops.convert_to_numpy(gan.generator_ba(x, training=True))  # noqa: E731
    lsq = losses.least_squares_generator_loss
    adversarial = float(lsq(gan.discriminator_b(g(a)))) + float(lsq(gan.discriminator_a(f(b))))
    cycle = np.mean(np.abs(f(g(a)) - a)) + np.mean(np.abs(g(f(b)) - b))
    identity = np.mean(np.abs(g(b) - b)) + np.mean(np.abs(f(a) - a))
    assert float(loss) == pytest.approx(adversarial + 10 * cycle + 5 * identity, rel=1e-5)
    assert float(terms["cycle_l1"]) == pytest.approx(cycle / 2, rel=1e-5)
    assert float(terms["identity_l1"]) == pytest.approx(identity / 2, rel=1e-5)


def test_networks_that_do_not_fit_together_are_refused_with_their_shapes():
    gan = tiny_cyclegan()
    other = networks.image_patchgan_discriminator((16, 16, 1), base_filters=4, downsamplings=2, name="d_big")
    with pytest.raises(ValueError, match=r"discriminator_b's input has shape \(16, 16, 1\).*must be \(8, 8, 1\)"):
        CycleGAN(gan.generator_ab, gan.generator_ba, gan.discriminator_a, other)
    twin = networks.image_patchgan_discriminator(SHAPE, base_filters=4, downsamplings=2, name="discriminator_a")
    with pytest.raises(ValueError, match=r"distinct names; \['discriminator_a'\]"):
        CycleGAN(gan.generator_ab, gan.generator_ba, gan.discriminator_a, twin)
    color = networks.resnet_generator(SHAPE, output_channels=3, base_filters=4, num_blocks=1, name="to_rgb")
    back = networks.resnet_generator((8, 8, 3), output_channels=1, base_filters=4, num_blocks=1, name="to_gray")
    d_rgb = networks.image_patchgan_discriminator((8, 8, 3), base_filters=4, downsamplings=2, name="d_rgb")
    with pytest.raises(ValueError, match="pass identity_weight=0"):
        CycleGAN(color, back, gan.discriminator_a, d_rgb)
    assert CycleGAN(color, back, gan.discriminator_a, d_rgb, identity_weight=0).b_shape == (8, 8, 3)
    with pytest.raises(ValueError, match="cycle_weight must be a non-negative number, got -1"):
        tiny_cyclegan(cycle_weight=-1)


def test_translate_runs_g_or_f_and_refuses_a_wrong_direction_or_shape():
    gan = tiny_cyclegan()
    a = images(3)
    np.testing.assert_allclose(gan.translate(a, "AtoB"), gan.generator_ab(a), atol=1e-6)
    np.testing.assert_allclose(gan.translate(a, "BtoA"), gan.generator_ba(a), atol=1e-6)
    with pytest.raises(ValueError, match="direction must be one of"):
        gan.translate(a, "AtoA")
    with pytest.raises(ValueError, match=r"do not fit the AtoB generator's input \(8, 8, 1\)"):
        gan.translate(images(3, shape=(4, 4, 1)))


def test_a_saved_cyclegan_loads_compiled_and_continues_as_the_original(tmp_path):
    a, b = tf.constant(images(4, 1)), tf.constant(images(4, 2))
    g, f, d_a, d_b = tiny_networks()
    d_b.layers[1].trainable = False  # a layer the user froze
    gan = CycleGAN(g, f, d_a, d_b, seed=0)
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    for _ in range(2):
        gan.train_step((a, b))
    gan.save(tmp_path / "cyclegan.keras")
    loaded = keras.models.load_model(tmp_path / "cyclegan.keras")
    assert isinstance(loaded, CycleGAN) and loaded.cycle_weight == 10.0 and loaded.pool_size == 50
    assert len(loaded.discriminator_variables) == len(gan.discriminator_variables)
    assert loaded.discriminator_b.layers[1].trainable is False and loaded.discriminator_a.trainable is False
    assert int(loaded.d_optimizer.iterations) == 2 and int(loaded.pool_a.count) == 8
    np.testing.assert_array_equal(np.array(loaded.pool_b.images), np.array(gan.pool_b.images))
    gan.train_step((a, b))
    loaded.train_step((a, b))
    for mine, theirs in zip(gan.generator_variables + gan.discriminator_variables,
                            loaded.generator_variables + loaded.discriminator_variables):
        np.testing.assert_allclose(np.array(mine), np.array(theirs), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.array(loaded.pool_a.images), np.array(gan.pool_a.images))


def test_a_checkpoint_holds_both_history_buffers_and_both_optimizers(tmp_path):
    a, b = tf.constant(images(4, 1)), tf.constant(images(4, 2))
    gan = tiny_cyclegan()
    gan.compile()
    gan.train_step((a, b))
    gan.save_weights(tmp_path / "epoch_001.weights.h5")
    resumed = tiny_cyclegan()
    resumed.compile()
    resumed.load_weights(tmp_path / "epoch_001.weights.h5")
    assert int(resumed.pool_a.count) == int(resumed.pool_b.count) == 4
    np.testing.assert_array_equal(np.array(resumed.pool_a.images), np.array(gan.pool_a.images))
    assert (int(resumed.d_optimizer.iterations), int(resumed.g_optimizer.iterations)) == (1, 1)
    for mine, theirs in zip(gan.generator_variables, resumed.generator_variables):
        np.testing.assert_array_equal(np.array(mine), np.array(theirs))


# ---------------------------------------------------------------------------- the history buffer


def constant_images(values):
    return np.asarray(values, dtype="float32")[:, None, None, None] * np.ones((1, 2, 2, 1), "float32")


def test_the_pool_fills_to_its_size_returning_the_images_it_is_given():
    pool = ImagePool((2, 2, 1), pool_size=50, seed=0)
    for start in range(0, 50, 10):
        batch = constant_images(range(start, start + 10))
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(pool(batch)), batch)
    assert int(pool.count) == 50
    np.testing.assert_array_equal(np.array(pool.images)[:, 0, 0, 0], np.arange(50))


def test_a_full_pool_returns_a_stored_image_half_the_time_and_stores_the_new_one():
    pool = ImagePool((2, 2, 1), pool_size=50, seed=0)
    pool(constant_images(range(50)))
    shown_stored, queries = 0, 0
    for step in range(40):
        before = set(np.array(pool.images)[:, 0, 0, 0].tolist())
        new = 1000 + 10 * step + np.arange(10)
        shown = keras.ops.convert_to_numpy(pool(constant_images(new)))[:, 0, 0, 0]
        after = set(np.array(pool.images)[:, 0, 0, 0].tolist())
        swapped = [value for value, own in zip(shown, new) if value != own]
        assert set(swapped) <= before  # a shown image is the new one or one the pool held
        assert after == (before - set(swapped)) | {own for value, own in zip(shown, new) if value != own}
        assert int(pool.count) == 50
        shown_stored += len(swapped)
        queries += 10
    assert 0.4 < shown_stored / queries < 0.6  # 400 fair coin flips: 0.5 +- 0.025 (one standard error)


def test_the_pools_state_survives_save_and_load_and_the_draws_continue_alike(tmp_path):
    pool = ImagePool((2, 2, 1), pool_size=4, seed=3)
    pool(constant_images([1, 2, 3]))
    pool(constant_images([4, 5]))
    holder = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Identity()])
    holder.pool = pool
    holder.save_weights(tmp_path / "pool.weights.h5")
    fresh = ImagePool((2, 2, 1), pool_size=4, seed=99)
    other = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Identity()])
    other.pool = fresh
    other.load_weights(tmp_path / "pool.weights.h5")
    assert int(fresh.count) == 4
    np.testing.assert_array_equal(np.array(fresh.images), np.array(pool.images))
    batch = constant_images([10, 11, 12, 13])
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(fresh(batch)), keras.ops.convert_to_numpy(pool(batch)))


def test_pool_size_zero_passes_images_through_and_bad_sizes_are_refused():
    batch = constant_images([1, 2, 3])
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(ImagePool((2, 2, 1), pool_size=0)(batch)), batch)
    with pytest.raises(ValueError, match="pool_size must be a non-negative integer"):
        ImagePool((2, 2, 1), pool_size=-1)
    with pytest.raises(ValueError, match="a batch of 3 images is larger than the history buffer's pool_size 2"):
        ImagePool((2, 2, 1), pool_size=2)(batch)


# ---------------------------------------------------------------------------- data


def write_images(folder, count, size=(12, 10), value=200):
    folder.mkdir(parents=True)
    for i in range(count):
        Image.fromarray(np.full(size, value, np.uint8)).save(folder / f"{i:03d}.png")


def test_two_unpaired_folders_load_with_their_own_counts(tmp_path):
    write_images(tmp_path / "summer", 3, value=255)
    write_images(tmp_path / "winter", 5, value=0)
    domains = unpaired.load_unpaired_folders(tmp_path / "summer", tmp_path / "winter", (8, 8, 1))
    assert domains.a.shape == (3, 8, 8, 1) and domains.b.shape == (5, 8, 8, 1)
    np.testing.assert_allclose(domains.a, 1.0)
    np.testing.assert_allclose(domains.b, -1.0)
    assert domains.aligned is False


def test_the_cyclegan_dataset_layout_loads_by_split_and_names_what_is_missing(tmp_path):
    root = tmp_path / "horse2zebra"
    for name, count in (("trainA", 4), ("trainB", 3), ("testA", 2)):
        write_images(root / name, count)
    assert unpaired.is_cyclegan_folder(root)
    train = unpaired.load_unpaired(root, "train", (8, 8, 3))
    assert train.a.shape == (4, 8, 8, 3) and train.b.shape == (3, 8, 8, 3)
    with pytest.raises(ValueError, match=r"lacks testB/"):
        unpaired.load_cyclegan_folder(root, (8, 8, 3), split="test")
    with pytest.raises(ValueError, match="needs image_shape"):
        unpaired.load_unpaired(root)
    with pytest.raises(ValueError, match="not a CycleGAN dataset folder: it needs trainA/ and trainB/"):
        unpaired.load_unpaired(root / "trainA", image_shape=(8, 8, 1))
    with pytest.raises(ValueError, match="unknown unpaired dataset 'nowhere'"):
        unpaired.load_unpaired("nowhere")


def test_the_demo_transform_thickens_by_one_pixel_and_inverts_on_a_hand_made_image():
    image = -np.ones((1, 5, 5, 1), "float32")
    image[0, 2, 2] = 1.0  # one white stroke pixel in the middle
    image[0, 0, 4] = 0.0  # a grey pixel in a corner
    expected = np.ones((5, 5), "float32")  # white background
    expected[0:2, 3:5] = 0.0  # the grey pixel spreads to its neighbours inside the image
    expected[1:4, 1:4] = -1.0  # the stroke becomes a black 3x3 block
    np.testing.assert_array_equal(unpaired.thicken_and_invert(image)[0, ..., 0], expected)


def test_the_digits_demo_has_no_digit_in_both_domains_and_aligned_held_out_pairs():
    train, test = unpaired.mnist_domains("train"), unpaired.mnist_domains("test")
    assert train.a.shape == train.b.shape == (2000, 28, 28, 1) and not train.aligned
    assert len(train.a_labels) == 2000 and set(train.a_labels) == set(range(10))
    # B is T of the other half: T of A's own digits is nowhere in B.
    transformed_a = {image.tobytes() for image in unpaired.thicken_and_invert(train.a)}
    assert not transformed_a & {image.tobytes() for image in train.b}
    assert test.aligned and len(test.a) == 1000
    np.testing.assert_array_equal(test.b, unpaired.thicken_and_invert(test.a))


def test_unpaired_batches_draw_each_domain_on_its_own():
    a, b = constant_images(range(6)), constant_images(range(100, 104))
    batches = list(unpaired.unpaired_dataset(a, b, 2, seed=0).take(6).as_numpy_iterator())
    assert all(x.shape == (2, 2, 2, 1) and y.shape == (2, 2, 2, 1) for x, y in batches)
    seen_a = sorted(np.concatenate([x[:, 0, 0, 0] for x, _ in batches[:3]]).tolist())
    assert seen_a == list(range(6))  # one pass over A in its first 3 batches
    assert unpaired.steps_per_epoch(a, b, 2) == 3
    with pytest.raises(ValueError, match=r"batch_size must lie in 1..4 \(the smaller domain's images\), got 5"):
        unpaired.unpaired_dataset(a, b, 5)


def test_known_translation_scores_compare_g_with_the_true_translation_and_the_identity():
    gan = tiny_cyclegan()
    a = images(6, 1)
    b = unpaired.thicken_and_invert(a)
    classifier = keras.Sequential([keras.Input(SHAPE), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    labels = keras.ops.convert_to_numpy(classifier(gan.generator_ba(b))).argmax(-1)
    scores = known_translation_scores(gan, a, b, labels, classifier)
    assert scores["held_out"] == 6
    assert scores["AtoB"] == pytest.approx(pair_scores(gan.generator_ab(a), b), rel=1e-5)
    assert scores["identity"] == pytest.approx(pair_scores(a, b))
    assert scores["class_kept"] == 1.0


# ---------------------------------------------------------------------------- the command line


def test_the_command_line_trains_on_the_digits_demo_unless_given_a_folder():
    from keras_gan.cli.config import TrainConfig

    config = TrainConfig(model="cyclegan")
    assert (config.dataset, config.loss, config.lr_decay_start) == ("mnist-inverted", "least_squares", 0.5)
    assert (config.cycle_weight, config.identity_weight) == (10.0, 0.0)  # the demo drops the identity term


def test_the_loss_weights_reach_the_model_from_the_command_line_and_a_folder_keeps_the_papers(tmp_path):
    from keras_gan.cli import build, parsers
    from keras_gan.cli.config import TrainConfig

    root = tmp_path / "photos"
    for name in ("trainA", "trainB"):
        write_images(root / name, 2, value=255)
    folder = TrainConfig(model="cyclegan", dataset=str(root))
    assert (folder.cycle_weight, folder.identity_weight) == (10.0, 5.0)  # 0.5 x 10, as Zhu et al.
    args = parsers.train_parser().parse_args(["--model", "cyclegan", "--cycle-weight", "4", "--identity-weight", "1.5"])
    config = TrainConfig(**vars(args))
    gan = build.build_cyclegan(dataclasses.replace(config, base_filters=2), (32, 32, 1))
    assert (gan.cycle_weight, gan.identity_weight) == (4.0, 1.5)
    with pytest.raises(ValueError, match="identity_weight is an option of model 'cyclegan', not of model 'dcgan'"):
        TrainConfig(model="dcgan", identity_weight=1.0)
    with pytest.raises(ValueError, match="cycle_weight must be a non-negative number"):
        TrainConfig(model="cyclegan", cycle_weight=-1.0).validate()
    with pytest.raises(SystemExit):  # a training setting: translating with a saved generator takes no weights
        parsers.generate_parser().parse_args(["runs/x", "--identity-weight", "1"])
    with pytest.raises(ValueError, match="model 'dcgan' needs images; dataset 'mnist-inverted' holds unpaired"):
        TrainConfig(dataset="mnist-inverted", model="dcgan").validate()


@pytest.mark.slow
def test_cli_trains_a_cyclegan_folder_and_translates_both_ways_from_the_run_directory(tmp_path, capsys):
    from keras_gan.cli import generate, train

    root = tmp_path / "summer2winter"
    for name, count, value in (("trainA", 8, 255), ("trainB", 6, 0), ("testA", 3, 255)):
        write_images(root / name, count, value=value)
    out = tmp_path / "run"
    argv = ["--model", "cyclegan", "--dataset", str(root), "--image-size", "8", "--epochs", "1", "--batch-size", "4",
            "--base-filters", "4", "--quiet", "--out", str(out)]
    assert train.main(argv) == 0
    for name in ("generator.keras", "generator_BtoA.keras", "config.json", "log.csv", "samples/epoch_001.png"):
        assert (out / name).is_file(), name
    assert unpaired.steps_per_epoch(range(8), range(6), 4) == 2
    translated = {}
    for direction in ("AtoB", "BtoA"):
        target = tmp_path / f"{direction}.npy"
        argv = [str(out), "--input", str(root / "testA"), "--direction", direction, "--out", str(target)]
        assert generate.main(argv) == 0
        translated[direction] = np.load(target)
        assert translated[direction].shape == (3, 8, 8, 3)
    gan = keras.models.load_model(out / "generator_BtoA.keras", compile=False)
    expected = keras.ops.convert_to_numpy(gan(unpaired.load_unpaired_folders(root / "testA", root / "testA", (8, 8, 3)).a))
    np.testing.assert_allclose(translated["BtoA"], expected, atol=1e-5)
    assert not np.allclose(translated["AtoB"], translated["BtoA"])
    assert generate.main([str(out), "--direction", "BtoA"]) == 2
    assert "--direction translates images" in capsys.readouterr().err


def test_the_digits_benchmark_trains_scores_against_the_known_transform_and_records_the_run(tmp_path):
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "cyclegan_digits.py"
    out = tmp_path / "cyclegan.json"
    result = subprocess.run(
        [sys.executable, str(script), "--steps", "3", "--batch-size", "4", "--base-filters", "4", "--blocks", "1",
         "--steps-per-execution", "1", "--json", str(out), "--grids", str(tmp_path / "grids")],
        capture_output=True, text=True, timeout=600, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    (run,) = report["runs"]
    scores = run["scores"]
    assert run["seed"] == 0 and run["psnr_gain_db"] == pytest.approx(scores["AtoB"]["psnr"] - scores["identity"]["psnr"])
    assert 0 <= scores["class_kept"] <= 1 and scores["class_real"] > 0.9  # the shipped classifier reads a itself
    assert report["goal_met_on_every_seed"] is False  # three steps translate nothing
    assert report["provenance"]["command"].startswith("python benchmarks/cyclegan_digits.py --steps 3")
    assert report["settings"]["steps"] == 3 and run["train_seconds"] > 0
    assert (tmp_path / "grids" / "seed0.png").stat().st_size > 0
    assert "goal (class kept >= 95%" in result.stdout
