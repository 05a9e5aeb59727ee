import csv
import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gan.cli import generate
from keras_gan.data import pairs
from keras_gan.cli import train
from keras_gan.cli.config import TrainConfig
from keras_gan.networks.patchgan import patchgan_discriminator
from keras_gan.networks.unet import unet_generator
from keras_gan.models.paired import pair_scores, translate_path
from keras_gan.models.pix2pix import Pix2Pix
from keras_gan.training import distribution
from conftest import changed, ids, snapshot

SHAPE = (16, 16, 1)


def tiny_pix2pix(d_steps=1, **kwargs):
    generator = unet_generator(SHAPE, base_filters=4)
    discriminator = patchgan_discriminator(SHAPE, base_filters=4, downsamplings=2)
    return Pix2Pix(generator, discriminator, d_steps=d_steps, seed=0, **kwargs)


def pair_batch(n=8):
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (n, *SHAPE)).astype("float32"), rng.uniform(-1, 1, (n, *SHAPE)).astype("float32")


# ---------------------------------------------------------------------------- networks


@pytest.mark.parametrize("side, depth", [(28, 2), (32, 5), (64, 6)])
def test_unet_keeps_the_image_size_and_halves_as_deep_as_the_side_allows(side, depth):
    generator = unet_generator((side, side, 1), base_filters=4)
    assert generator.output.shape[1:] == (side, side, 1)
    strided = [layer for layer in generator.layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose)) and layer.strides == (2, 2)]
    assert len(strided) == 2 * depth  # encoder convolutions + decoder transposed convolutions
    assert sum(isinstance(layer, keras.layers.Concatenate) for layer in generator.layers) == depth - 1


def test_unet_can_change_the_number_of_channels_and_refuses_a_depth_the_side_does_not_allow():
    assert unet_generator((32, 32, 1), output_channels=3, base_filters=4).output.shape[1:] == (32, 32, 3)
    with pytest.raises(ValueError, match=r"depth 3 needs sides divisible by 8.*\(28, 28, 1\)"):
        unet_generator((28, 28, 1), depth=3)


def test_patchgan_outputs_a_grid_of_logits_for_a_source_and_an_image():
    discriminator = patchgan_discriminator((32, 32, 1), target_shape=(32, 32, 3), base_filters=4)
    assert [tuple(t.shape[1:]) for t in discriminator.inputs] == [(32, 32, 1), (32, 32, 3)]
    assert discriminator.output.shape[1:] == (4, 4, 1)
    with pytest.raises(ValueError, match="same height and width"):
        patchgan_discriminator((32, 32, 1), target_shape=(16, 16, 1))
    with pytest.raises(ValueError, match="unknown normalization 'group'"):
        patchgan_discriminator((32, 32, 1), normalization="group")


# ---------------------------------------------------------------------------- the frozen discriminator


def test_combined_model_outputs_the_verdict_and_the_image_and_trains_exactly_the_generator():
    gan = tiny_pix2pix()
    assert gan.discriminator.trainable is False
    assert ids(gan.combined.trainable_variables) == ids(gan.generator.trainable_variables)
    verdict, image = gan.combined.outputs
    assert verdict.shape[1:] == (4, 4, 1) and image.shape[1:] == SHAPE
    assert tuple(gan.combined.inputs[0].shape[1:]) == SHAPE
    assert gan.latent_dim is None


def test_discriminator_phase_updates_only_the_discriminator():
    gan = tiny_pix2pix()
    gan.compile()
    source, target = pair_batch()
    d_before = snapshot(gan.discriminator_variables)
    g_before = snapshot(gan.generator.trainable_variables)
    gan.discriminator_step(tf.constant(target), tf.constant(source))
    assert all(changed(d_before, gan.discriminator_variables))
    assert not any(changed(g_before, gan.generator.trainable_variables))
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (1, 0)


def test_generator_phase_updates_only_the_generator():
    gan = tiny_pix2pix()
    gan.compile()
    source, target = pair_batch()
    d_before = snapshot(gan.discriminator.weights)
    g_before = snapshot(gan.generator.trainable_variables)
    gan.generator_step(tf.constant(target), tf.constant(source))
    assert not any(changed(d_before, gan.discriminator.weights))
    assert all(changed(g_before, gan.generator.trainable_variables))
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (0, 1)


def test_one_compiled_step_on_pairs_updates_both_networks():
    d_steps = 2
    gan = tiny_pix2pix(d_steps=d_steps)
    gan.compile()
    source, target = pair_batch()
    d_before = snapshot(gan.discriminator_variables)
    g_before = snapshot(gan.generator.trainable_variables)
    logs = gan.fit(source, target, batch_size=8, epochs=1, verbose=0).history
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (d_steps, 1)
    assert all(changed(d_before, gan.discriminator_variables))
    assert all(changed(g_before, gan.generator.trainable_variables))
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake", "d_accuracy", "l1", "d_lr", "g_lr"}
    assert all(np.isfinite(v[0]) for v in logs.values())


def test_in_the_compiled_step_the_generator_phase_leaves_the_discriminator_alone():
    gan = tiny_pix2pix()
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.1))
    d_before = snapshot(gan.discriminator.weights)
    gan.fit(*pair_batch(), batch_size=8, epochs=1, verbose=0)
    assert not any(changed(d_before, gan.discriminator.weights))


# ---------------------------------------------------------------------------- the loss


def constant_pix2pix(c, l1_weight=100.0):
    """Identity generator and a discriminator that says ``c`` on every patch."""
    source = keras.Input(SHAPE)
    generator = keras.Model(source, keras.layers.Identity()(source))
    d_source, d_image = keras.Input(SHAPE), keras.Input(SHAPE)
    pair = keras.layers.Concatenate()([d_source, d_image])
    logits = keras.layers.Conv2D(
        1, 4, strides=4, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(c)
    )(pair)
    return Pix2Pix(generator, keras.Model([d_source, d_image], logits), l1_weight=l1_weight)


def test_l1_term_on_a_hand_made_pair():
    gan = constant_pix2pix(0.0, l1_weight=100.0)
    real = np.zeros((2, *SHAPE), "float32")
    fake = real.copy()
    fake[0, :8] = 0.5  # half of one image off by 0.5: mean |real - fake| = 0.5 * 1/4
    total, terms = gan.content_loss(real, fake)
    assert float(terms["l1"]) == pytest.approx(0.125)
    assert float(total) == pytest.approx(12.5)


def test_generator_loss_is_adversarial_plus_lambda_times_l1():
    # The generator is the identity, so G(source) = source and
    # L1 = mean|target - source| = 0.3; D says c on every patch, so the
    # non-saturating term is softplus(-c).
    c = 0.7
    gan = constant_pix2pix(c, l1_weight=10.0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    source = np.full((4, *SHAPE), -0.5, "float32")
    target = np.full((4, *SHAPE), -0.2, "float32")
    logs = gan.fit(source, target, batch_size=4, epochs=1, verbose=0).history
    assert logs["l1"][0] == pytest.approx(0.3, rel=1e-5)
    assert logs["g_loss"][0] == pytest.approx(np.log1p(np.exp(-c)) + 10.0 * 0.3, rel=1e-5)
    assert logs["d_real"][0] == pytest.approx(1 / (1 + np.exp(-c)), rel=1e-5)


def test_evaluate_reports_the_same_loss_on_held_out_pairs():
    gan = constant_pix2pix(0.7, l1_weight=10.0)
    gan.compile()
    source, target = np.full((4, *SHAPE), -0.5, "float32"), np.full((4, *SHAPE), -0.2, "float32")
    logs = gan.evaluate(source, target, batch_size=4, verbose=0, return_dict=True)
    assert logs["l1"] == pytest.approx(0.3, rel=1e-5)
    assert logs["g_loss"] == pytest.approx(np.log1p(np.exp(-0.7)) + 3.0, rel=1e-5)


def test_translate_runs_the_generator_and_generate_asks_for_sources():
    gan = tiny_pix2pix()
    source, _ = pair_batch(5)
    assert gan.translate(source).shape == (5, *SHAPE)
    np.testing.assert_allclose(gan.generate(5, latent=source), gan.translate(source), atol=1e-6)
    with pytest.raises(ValueError, match="no latent space"):
        gan.generate(5)
    with pytest.raises(ValueError, match="do not fit"):
        gan.translate(np.zeros((2, 8, 8, 1)))


def test_networks_that_do_not_fit_are_refused():
    generator = unet_generator(SHAPE, base_filters=4)
    with pytest.raises(ValueError, match="two inputs"):
        Pix2Pix(generator, keras.Sequential([keras.Input(SHAPE), keras.layers.Conv2D(1, 4)]))
    with pytest.raises(ValueError, match=r"generator input shape \(16, 16, 1\) does not match"):
        Pix2Pix(generator, patchgan_discriminator((16, 16, 3), target_shape=SHAPE, base_filters=4))


# ---------------------------------------------------------------------------- data and scores


def write_png(path, pixels):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(pixels, np.uint8)).save(path)


def test_side_by_side_files_are_split_into_source_and_target(tmp_path):
    for i in range(3):
        left, right = np.full((8, 8), 10 * i, np.uint8), np.full((8, 8), 200 + i, np.uint8)
        write_png(tmp_path / f"{i}.png", np.concatenate([left, right], axis=1))
    sources, targets = pairs.load_side_by_side(tmp_path, (4, 4, 1))
    assert sources.shape == targets.shape == (3, 4, 4, 1)
    np.testing.assert_allclose(sources[:, 0, 0, 0], np.array([0, 10, 20]) / 127.5 - 1, atol=1e-6)
    np.testing.assert_allclose(targets[:, 0, 0, 0], np.array([200, 201, 202]) / 127.5 - 1, atol=1e-6)
    b_to_a = pairs.load_pair_folder(tmp_path, (4, 4, 1), direction="BtoA")
    np.testing.assert_array_equal(b_to_a[0], targets)


def test_parallel_folders_are_matched_by_file_name(tmp_path):
    for name, value in [("b", 50), ("a", 30)]:
        write_png(tmp_path / "A" / f"{name}.png", np.full((6, 6), value))
        write_png(tmp_path / "B" / f"{name}.png", np.full((6, 6), value + 100))
    sources, targets = pairs.load_pair_folder(tmp_path, (6, 6, 3))
    assert sources.shape == (2, 6, 6, 3)
    np.testing.assert_allclose(sources[:, 0, 0, 0], np.array([30, 50]) / 127.5 - 1, atol=1e-6)
    np.testing.assert_allclose(targets - sources, 100 / 127.5, atol=1e-6)
    write_png(tmp_path / "A" / "c.png", np.zeros((6, 6)))
    with pytest.raises(ValueError, match="no counterpart with the same name: c"):
        pairs.load_parallel_folders(tmp_path / "A", tmp_path / "B", (6, 6, 1))


def test_an_odd_width_or_an_empty_folder_is_refused(tmp_path):
    write_png(tmp_path / "odd" / "x.png", np.zeros((4, 5)))
    with pytest.raises(ValueError, match="even width"):
        pairs.load_side_by_side(tmp_path / "odd", (4, 4, 1))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no image files"):
        pairs.load_pairs(str(tmp_path / "empty"), image_shape=(4, 4, 1))
    with pytest.raises(ValueError, match="unknown paired dataset 'nope'"):
        pairs.load_pairs("nope")


def test_mnist_edge_task_pairs_each_digit_with_its_outline():
    sources, targets = pairs.load_pairs("mnist-edges", split="test")
    assert sources.shape == targets.shape == (1000, 28, 28, 1)
    outline, stroke = sources > 0, targets > 0
    assert not np.any(outline & ~stroke)  # the outline lies on the stroke
    assert 0.3 < outline.sum() / stroke.sum() < 1.0


def test_mnist_mask_task_greys_one_square_per_digit_the_same_way_every_time():
    first, targets = pairs.load_pairs("mnist-masked", split="test")
    second, _ = pairs.load_pairs("mnist-masked", split="test")
    np.testing.assert_array_equal(first, second)
    differs = first != targets
    assert np.all(differs.reshape(len(first), -1).sum(axis=1) <= pairs.MASK_SIDE**2)
    assert np.all(first[differs] == 0.0)


def test_pair_scores_match_hand_computed_psnr_l1_and_ssim():
    target = np.random.default_rng(0).uniform(-1, 1, (3, 16, 16, 1)).astype("float32")
    scores = pair_scores(target + 0.2, target)
    # MSE = 0.04 on a range of 2: PSNR = 10 log10(2^2 / 0.04) = 20 dB.
    assert scores["psnr"] == pytest.approx(20.0, abs=1e-4)
    assert scores["l1"] == pytest.approx(0.2, rel=1e-5)
    assert pair_scores(target, target)["ssim"] == pytest.approx(1.0, abs=1e-6)
    assert "ssim" not in pair_scores(target[:, :8, :8], target[:, :8, :8])


# ---------------------------------------------------------------------------- CLI and files


def test_config_presets_and_refusals_for_pix2pix():
    config = TrainConfig.for_dataset("mnist-edges")
    assert (config.model, config.image_shape, config.l1_weight, config.direction) == ("pix2pix", (32, 32, 1), 100.0, "AtoB")
    with pytest.raises(ValueError, match="model 'pix2pix' needs paired images"):
        TrainConfig(dataset="mnist-sample", model="pix2pix")
    with pytest.raises(ValueError, match="holds \\(source, target\\) pairs for model 'pix2pix', not 'dcgan'"):
        TrainConfig(dataset="mnist-masked", model="dcgan")
    with pytest.raises(ValueError, match="direction must be one of AtoB, BtoA"):
        TrainConfig(dataset="mnist-edges", model="pix2pix", direction="up")


def test_translate_path_writes_a_grid_an_array_or_one_file_per_input(tmp_path):
    generator = unet_generator(SHAPE, base_filters=4)
    for name in ("a", "b"):
        write_png(tmp_path / "in" / f"{name}.png", np.full((20, 20), 128))
    path, count = translate_path(generator, tmp_path / "in", tmp_path / "grid.png")
    with Image.open(path) as grid:
        assert count == 2 and grid.size == (2 * 16 + 3 * 2, 2 * 16 + 3 * 2)  # rows: input | output
    translate_path(generator, tmp_path / "in" / "a.png", tmp_path / "one.npy")
    assert np.load(tmp_path / "one.npy").shape == (1, *SHAPE)
    translate_path(generator, tmp_path / "in", tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.png", "b.png"]
    latent_generator = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])
    with pytest.raises(ValueError, match="--input needs an image-to-image generator"):
        translate_path(latent_generator, tmp_path / "in", tmp_path / "x.png")


@pytest.mark.slow
def test_cli_trains_pix2pix_on_the_edge_task_and_scores_held_out_pairs(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["--dataset", "mnist-edges", "--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "8"]
    assert train.main([*argv, "--base-filters", "4", "--out", str(out), "--quiet"]) == 0
    generator = keras.models.load_model(out / "generator.keras")  # plain Keras, safe mode
    assert tuple(generator.input.shape[1:]) == tuple(generator.output.shape[1:]) == (32, 32, 1)
    scores = json.loads((out / "held_out_scores.json").read_text())
    assert scores["held_out_pairs"] == 1000 and scores["baseline"] == "identity"
    assert set(scores["model"]) == set(scores["baseline_scores"]) == {"l1", "psnr", "ssim"}
    with open(out / "log.csv") as f:
        assert {"l1", "test_l1", "test_psnr", "test_ssim"} <= set(next(csv.DictReader(f)))
    assert (out / "samples" / "held_out.png").is_file()
    write_png(tmp_path / "in" / "digit.png", np.full((20, 20), 255))
    grid = tmp_path / "translated.png"
    assert generate.main([str(out / "generator.keras"), "--input", str(tmp_path / "in"), "--out", str(grid)]) == 0
    assert "wrote 1 translated images" in capsys.readouterr().out and grid.is_file()
    assert generate.main([str(out / "generator.keras"), "--out", str(tmp_path / "x.png")]) == 2
    assert "translates images; give them with --input" in capsys.readouterr().err


def test_the_shared_generator_pass_gives_the_weights_of_the_two_pass_step():
    # The translation of a source has no noise once dropout is off, so the
    # shared pass and the two passes compute the same step.
    sources, targets = pair_batch(8)
    results = []
    for share in (False, True):
        keras.utils.set_random_seed(11)
        generator = unet_generator(SHAPE, base_filters=4, dropout=0.0)
        discriminator = patchgan_discriminator(SHAPE, base_filters=4, downsamplings=2)
        gan = Pix2Pix(generator, discriminator, seed=0, share_generator_pass=share)
        gan.compile(steps_per_execution=1)
        history = gan.fit(sources, targets, batch_size=4, epochs=1, verbose=0)
        results.append((snapshot(gan.generator.trainable_variables + gan.discriminator_variables), history.history))
    (two, history_two), (one, history_one) = results
    for a, b in zip(two, one):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)
    for key in ("g_loss", "d_loss", "l1"):
        np.testing.assert_allclose(history_one[key], history_two[key], rtol=1e-5)


def test_the_moving_average_of_a_translator_keeps_the_trained_generators_statistics():
    # Its inputs are source images from the data, which the GAN does not hold: nothing to measure on.
    gan = tiny_pix2pix(ema=0.5)
    gan.compile()
    gan.fit(tf.data.Dataset.from_tensors(pair_batch()), epochs=1, verbose=0)
    assert gan.statistics_inputs(8, seed=0) is None and gan.moving_average.refresh_statistics(None) == 0
    live = [v for v in gan.generator.weights if "moving" in v.path]
    shadow = [v for v in gan.sampling_generator.weights if "moving" in v.path]
    assert live and all(np.array_equal(np.array(a), np.array(b)) for a, b in zip(live, shadow))


def test_the_held_out_step_shapes_its_logs_for_several_workers_as_the_training_step_does(monkeypatch):
    # Keras averages multi-worker logs along axis 0; every step must give it vectors of one there.
    gan = tiny_pix2pix()
    gan.compile()
    source, target = pair_batch(4)
    batch = (tf.constant(source), tf.constant(target))
    monkeypatch.setattr(distribution, "in_multi_worker_mode", lambda: True)
    for logs in (gan.test_step(batch), gan.train_step(batch)):
        assert set(logs) - {"d_lr", "g_lr"} == {"d_loss", "g_loss", "d_real", "d_fake", "d_accuracy", "l1"}
        assert all(tuple(value.shape) == (1,) for value in logs.values())
    monkeypatch.setattr(distribution, "in_multi_worker_mode", lambda: False)
    assert all(tuple(value.shape) == () for value in gan.test_step(batch).values())
