import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan.data import datasets as data
from keras_gan.data import pairs
from keras_gan.cli import train
from keras_gan.cli.config import TrainConfig
from keras_gan.networks.srgan import srgan_discriminator, srgan_generator
from keras_gan.models.paired import pair_scores
from keras_gan.models.srgan import SRGAN, VGGContent, WeightsUnavailableError
from conftest import changed, ids, snapshot

HIGH_RES = (16, 16, 1)
LOW_RES = (4, 4, 1)


def tiny_srgan(d_steps=1, **kwargs):
    generator = srgan_generator(LOW_RES, scale=4, base_filters=4, num_blocks=1)
    discriminator = srgan_discriminator(HIGH_RES, base_filters=4, num_widths=2)
    return SRGAN(generator, discriminator, d_steps=d_steps, seed=0, **kwargs)


def high_res_batch(n=8):
    return np.random.default_rng(0).uniform(-1, 1, (n, *HIGH_RES)).astype("float32")


# ---------------------------------------------------------------------------- networks


@pytest.mark.parametrize("scale", [2, 4])
def test_generator_upsamples_by_the_scale_with_one_sub_pixel_step_per_factor_two(scale):
    generator = srgan_generator((7, 7, 3), scale=scale, base_filters=4, num_blocks=2)
    assert generator.output.shape[1:] == (7 * scale, 7 * scale, 3)
    sub_pixel = [op for op in generator.operations if type(op).__name__ == "DepthToSpace"]
    assert len(sub_pixel) == {2: 1, 4: 2}[scale]


def test_sub_pixel_upsampling_moves_channels_into_2x2_blocks():
    x = np.arange(4, dtype="float32").reshape(1, 1, 1, 4)
    out = keras.ops.convert_to_numpy(keras.ops.depth_to_space(x, 2))
    np.testing.assert_array_equal(out[0, :, :, 0], [[0, 1], [2, 3]])


def test_saved_generator_opens_with_plain_keras_and_gives_the_same_images(tmp_path):
    generator = srgan_generator(LOW_RES, scale=2, base_filters=4, num_blocks=1)
    path = tmp_path / "generator.keras"
    generator.save(path)
    reloaded = keras.models.load_model(path)  # safe_mode on: no custom code involved
    low_res = np.random.default_rng(1).uniform(-1, 1, (2, *LOW_RES)).astype("float32")
    np.testing.assert_allclose(reloaded.predict(low_res, verbose=0), generator.predict(low_res, verbose=0), atol=1e-6)


def test_bad_shapes_and_scales_are_refused():
    with pytest.raises(ValueError, match=r"scale must be one of \(2, 4, 8\), got 3"):
        srgan_generator(LOW_RES, scale=3)
    with pytest.raises(ValueError, match="at least 16 pixels"):
        srgan_discriminator((8, 8, 1), num_widths=4)
    same_size = keras.Sequential([keras.Input(HIGH_RES), keras.layers.Conv2D(1, 3, padding="same")])
    with pytest.raises(ValueError, match=r"integer factor >= 2.*\(16, 16\) to \(16, 16\)"):
        SRGAN(same_size, srgan_discriminator(HIGH_RES, base_filters=4, num_widths=2))


# ---------------------------------------------------------------------------- the frozen discriminator


def test_combined_model_outputs_the_verdict_and_the_image_and_trains_exactly_the_generator():
    gan = tiny_srgan()
    assert gan.discriminator.trainable is False
    assert ids(gan.combined.trainable_variables) == ids(gan.generator.trainable_variables)
    verdict, image = gan.combined.outputs
    assert verdict.shape[1:] == (1,) and image.shape[1:] == HIGH_RES
    assert gan.scale == 4


def test_discriminator_phase_updates_only_the_discriminator():
    gan = tiny_srgan()
    gan.compile()
    real = tf.constant(high_res_batch())
    d_before = snapshot(gan.discriminator_variables)
    g_before = snapshot(gan.generator.trainable_variables)
    gan.discriminator_step(real, pairs.downsample(real, 4))
    assert all(changed(d_before, gan.discriminator_variables))
    assert not any(changed(g_before, gan.generator.trainable_variables))
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (1, 0)


def test_generator_phase_updates_only_the_generator():
    gan = tiny_srgan()
    gan.compile()
    real = tf.constant(high_res_batch())
    d_before = snapshot(gan.discriminator.weights)
    g_before = snapshot(gan.generator.trainable_variables)
    gan.generator_step(real, pairs.downsample(real, 4))
    assert not any(changed(d_before, gan.discriminator.weights))
    assert all(changed(g_before, gan.generator.trainable_variables))
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (0, 1)


def test_one_compiled_step_on_high_resolution_images_alone_updates_both_networks():
    gan = tiny_srgan(d_steps=2)
    gan.compile()
    d_before = snapshot(gan.discriminator_variables)
    g_before = snapshot(gan.generator.trainable_variables)
    logs = gan.fit(high_res_batch(), batch_size=8, epochs=1, verbose=0).history
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (2, 1)
    assert all(changed(d_before, gan.discriminator_variables))
    assert all(changed(g_before, gan.generator.trainable_variables))
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake", "d_accuracy", "mse", "d_lr", "g_lr"}


def test_a_batch_of_high_resolution_images_is_paired_with_its_bicubic_downsampling():
    gan = tiny_srgan()
    high_res = tf.constant(high_res_batch(2))
    real, low_res = gan.unpack(high_res)
    assert real is high_res and low_res.shape == (2, *LOW_RES)
    np.testing.assert_allclose(low_res, pairs.downsample(high_res, 4))
    given = tf.zeros((2, *LOW_RES))
    assert gan.unpack((given, high_res))[1] is given


# ---------------------------------------------------------------------------- the loss


def test_content_loss_is_the_pixel_mse_on_a_hand_made_example():
    gan = tiny_srgan()
    real = np.zeros((2, *HIGH_RES), "float32")
    fake = real.copy()
    fake[1] = 0.5  # one of two images off by 0.5 everywhere: MSE = 0.25 / 2
    total, terms = gan.content_loss(real, fake)
    assert float(total) == pytest.approx(0.125) and float(terms["mse"]) == pytest.approx(0.125)


def test_generator_loss_is_content_plus_a_thousandth_of_the_adversarial_term():
    # A bicubic-free check: an upsampler whose output is constant 0.4 and a
    # discriminator that says c: g_loss = MSE(real, 0.4) + 1e-3 softplus(-c).
    c = -1.2
    low_res = keras.Input(LOW_RES)
    upsampled = keras.layers.UpSampling2D(4)(low_res)
    constant = keras.layers.Conv2D(1, 1, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(0.4))
    generator = keras.Model(low_res, constant(upsampled))
    image = keras.Input(HIGH_RES)
    pooled = keras.layers.GlobalAveragePooling2D()(image)
    logit = keras.layers.Dense(1, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(c))(pooled)
    gan = SRGAN(generator, keras.Model(image, logit))
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    real = np.full((4, *HIGH_RES), -0.1, "float32")
    logs = gan.fit(real, batch_size=4, epochs=1, verbose=0).history
    assert logs["mse"][0] == pytest.approx(0.25, rel=1e-5)
    assert logs["g_loss"][0] == pytest.approx(0.25 + 1e-3 * np.log1p(np.exp(-c)), rel=1e-5)


def test_vgg_content_term_with_random_weights_joins_the_loss_but_not_the_checkpoint():
    vgg = VGGContent(weights=None)  # never downloads; ImageNet weights are for real runs
    gan = tiny_srgan(vgg=vgg, vgg_weight=0.5)
    real = tf.constant(high_res_batch(2))
    assert float(vgg(real, real)) == pytest.approx(0.0, abs=1e-6)
    fake = real * 0.5
    total, terms = gan.content_loss(real, fake)
    assert float(terms["vgg"]) > 0
    assert float(total) == pytest.approx(float(terms["mse"]) + 0.5 * float(terms["vgg"]), rel=1e-5)
    assert not any(v is w for v in vgg.extractor.weights for w in gan.weights)  # VGG19 stays out of save_weights
    gan.compile()
    logs = gan.fit(high_res_batch(), batch_size=8, epochs=1, verbose=0).history
    assert np.isfinite(logs["vgg"][0])


def test_unavailable_vgg_weights_raise_a_clear_error():
    with pytest.raises(WeightsUnavailableError, match="could not be loaded"):
        VGGContent(weights="/nonexistent/vgg19.h5")


# ---------------------------------------------------------------------------- data and scores


def test_downsampling_keeps_flat_images_flat_and_bicubic_upsampling_restores_their_size():
    flat = np.full((2, 16, 16, 1), 0.3, "float32")
    small = pairs.downsample(flat, 4).numpy()
    assert small.shape == (2, 4, 4, 1)
    np.testing.assert_allclose(small, 0.3, atol=1e-5)
    np.testing.assert_allclose(pairs.upsample_bicubic(small, 4), flat, atol=1e-5)
    with pytest.raises(ValueError, match="cannot be downsampled by 3"):
        pairs.downsample(flat, 3)


def test_psnr_of_a_known_error_and_of_bicubic_on_the_mnist_sample():
    target = np.zeros((2, 16, 16, 1), "float32")
    # MSE = 0.01 on a range of 2: PSNR = 10 log10(4 / 0.01) = 26.02 dB.
    assert pair_scores(target + 0.1, target)["psnr"] == pytest.approx(10 * np.log10(400), abs=1e-4)
    high_res = pairs.load_pairs("mnist-edges", split="test")[1][:64]
    low_res, high_res = pairs.super_resolution_pairs(high_res, 2)
    assert low_res.shape == (64, 14, 14, 1)
    scores = pair_scores(pairs.upsample_bicubic(low_res, 2), high_res)
    assert 15 < scores["psnr"] < 40 and 0.5 < scores["ssim"] < 1


# ---------------------------------------------------------------------------- CLI


def test_config_for_srgan_on_the_mnist_sample_takes_the_model_preset():
    config = TrainConfig.for_dataset("mnist-sample", model="srgan")
    assert (config.scale, config.vgg_weight, config.lr, config.beta_1) == (4, 0.0, 1e-4, 0.9)
    assert TrainConfig.for_dataset("mnist-sample").model == "dcgan"
    with pytest.raises(ValueError, match=r"scale must be one of \(2, 4, 8\), got 3"):
        TrainConfig(model="srgan", scale=3)
    with pytest.raises(ValueError, match="vgg_weight must be a non-negative number"):
        TrainConfig(model="srgan", vgg_weight=-1.0)


def test_a_scale_that_does_not_divide_the_images_is_refused_before_anything_is_written(tmp_path):
    config = TrainConfig(model="srgan", scale=8, base_filters=4, out=str(tmp_path / "run"))
    with pytest.raises(ValueError, match="scale 8 needs image sides divisible by it; the images are 28x28"):
        train.run(config)
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_cli_trains_srgan_x2_and_scores_it_against_bicubic(tmp_path):
    out = tmp_path / "run"
    argv = ["--model", "srgan", "--scale", "2", "--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "8"]
    assert train.main([*argv, "--base-filters", "4", "--out", str(out), "--quiet"]) == 0
    generator = keras.models.load_model(out / "generator.keras")
    assert tuple(generator.input.shape[1:]) == (14, 14, 1) and tuple(generator.output.shape[1:]) == (28, 28, 1)
    scores = json.loads((out / "held_out_scores.json").read_text())
    assert scores["baseline"] == "bicubic" and scores["held_out_pairs"] == 1000
    low_res, high_res = pairs.super_resolution_pairs(data.load("mnist-sample", split="test").x, 2)
    bicubic = pair_scores(pairs.upsample_bicubic(low_res, 2), high_res)
    assert scores["baseline_scores"]["psnr"] == pytest.approx(bicubic["psnr"], rel=1e-5)


def test_a_reloaded_srgan_keeps_its_vgg_term():
    vgg = VGGContent(layer="block1_conv2", weights=None, feature_scale=0.5)
    gan = tiny_srgan(vgg=vgg, vgg_weight=0.25)
    config = gan.get_config()
    assert config["vgg"] == {"layer": "block1_conv2", "weights": None, "feature_scale": 0.5}
    reloaded = SRGAN.from_config(config)
    assert isinstance(reloaded.vgg, VGGContent) and reloaded.vgg_weight == 0.25
    assert (reloaded.vgg.layer, reloaded.vgg.weights, reloaded.vgg.feature_scale) == ("block1_conv2", None, 0.5)
    assert "vgg" in [m.name for m in reloaded.metrics]
    assert SRGAN.from_config(tiny_srgan().get_config()).vgg is None


def test_an_srgan_whose_vgg_term_cannot_be_saved_refuses_to_give_a_config():
    gan = tiny_srgan(vgg=lambda real, fake: keras.ops.mean(keras.ops.abs(real - fake)))
    with pytest.raises(ValueError, match="can save vgg only as a VGGContent, got function"):
        gan.get_config()
