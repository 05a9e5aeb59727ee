"""Adaptive discriminator augmentation: the pixel-blitting transformations, the layer, the controller."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import networks, visualization
from keras_gan.cli import parsers, train
from keras_gan.cli.config import TrainConfig
from keras_gan.models.gan import GAN
from keras_gan.training import ada, augment

from conftest import load_benchmark_script


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def distinct_images(n, size=8, channels=1):
    """``n`` copies of one image whose pixels are all different, spread over [-1, 1]."""
    image = np.linspace(-1.0, 1.0, size * size * channels, dtype="float32").reshape(size, size, channels)
    return np.repeat(image[None], n, axis=0)


def stub_discriminator(shape=(4, 4, 1)):
    """A discriminator whose output is the image's mean pixel: known for constant images."""
    return keras.Sequential([keras.Input(shape), keras.layers.GlobalAveragePooling2D()], name="stub")


# ----------------------------------------------------------------- transformations


@pytest.mark.parametrize("name", sorted(ada.AUGMENTATIONS))
def test_every_ada_augmentation_keeps_the_shape_and_the_range(name):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, 1.0, size=(32, 12, 12, 3)).astype("float32")
    x[:, 0, 0, :], x[:, -1, -1, :] = -1.0, 1.0  # the range's ends themselves
    y = numpy(ada.AUGMENTATIONS[name](tf.constant(x), seed=keras.random.SeedGenerator(1)))
    assert y.shape == x.shape
    assert y.min() >= -1.0 and y.max() <= 1.0


def test_x_flip_mirrors_about_half_of_the_images_and_leaves_the_rest():
    x = distinct_images(64)
    y = numpy(augment.x_flip(tf.constant(x), seed=keras.random.SeedGenerator(3)))
    flipped = np.array([np.array_equal(out, x[0, :, ::-1]) for out in y])
    kept = np.array([np.array_equal(out, x[0]) for out in y])
    assert np.all(flipped ^ kept)
    assert 16 <= flipped.sum() <= 48


def test_rotate90_turns_each_image_by_one_of_the_four_quarter_turns():
    x = distinct_images(64)
    y = numpy(augment.rotate90(tf.constant(x), seed=keras.random.SeedGenerator(4)))
    turns = [np.rot90(x[0], k, axes=(0, 1)) for k in range(4)]
    which = [[k for k in range(4) if np.array_equal(out, turns[k])] for out in y]
    assert all(len(k) == 1 for k in which)
    counts = np.bincount([k[0] for k in which], minlength=4)
    assert counts.min() >= 6  # 16 expected of each


def test_rotate90_refuses_images_that_are_not_square():
    with pytest.raises(ValueError, match=r"rotate90 needs square images; got images of shape \(8, 6, 1\)"):
        augment.rotate90(tf.zeros((2, 8, 6, 1)), seed=keras.random.SeedGenerator(0))


def test_integer_translation_shifts_by_whole_pixels_with_a_mirrored_border():
    x = distinct_images(64)
    y = numpy(augment.integer_translation(tf.constant(x), ratio=0.25, seed=keras.random.SeedGenerator(5)))
    margin = 2  # a quarter of 8 pixels
    padded = np.pad(x[0], ((margin, margin), (margin, margin), (0, 0)), mode="reflect")
    shifts = {
        (dy, dx): padded[margin - dy : margin - dy + 8, margin - dx : margin - dx + 8]
        for dy in range(-margin, margin + 1)
        for dx in range(-margin, margin + 1)
    }
    found = [[shift for shift, image in shifts.items() if np.array_equal(out, image)] for out in y]
    assert all(len(match) == 1 for match in found)
    assert len({match[0] for match in found}) > 10  # of the 25 shifts
    # By hand: the row [a, b, c, ...] shifted right by one becomes [b, a, b, c, ...].
    assert any(np.array_equal(out[:, :3], x[0][:, [1, 0, 1]]) for out in y)


@pytest.mark.parametrize("transform", [augment.x_flip, augment.rotate90])
def test_mirror_and_quarter_turns_pass_every_pixels_gradient_once(transform):
    x = tf.constant(distinct_images(16))
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(transform(x, seed=keras.random.SeedGenerator(6)))
    np.testing.assert_array_equal(numpy(tape.gradient(total, x)), np.ones_like(x))


def test_integer_translation_sends_the_gradient_to_the_pixels_it_copied():
    x = tf.constant(distinct_images(16))
    weights = tf.constant(np.random.default_rng(7).normal(size=x.shape).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(weights * augment.integer_translation(x, seed=keras.random.SeedGenerator(8)))
    grads = numpy(tape.gradient(total, x))
    # A sum of each output pixel's weight over the source pixels: the totals agree.
    np.testing.assert_allclose(grads.sum(axis=(1, 2, 3)), numpy(weights).sum(axis=(1, 2, 3)), rtol=1e-5)


# ----------------------------------------------------------------- the layer


def test_with_p_zero_the_layer_is_the_identity_in_training():
    layer = ada.AdaptiveAugment(augmentations="xflip,rotate90,xint,cutout", seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 1)).astype("float32")
    np.testing.assert_array_equal(numpy(layer(x, training=True)), x)


def test_outside_training_the_layer_passes_images_through_even_at_p_one():
    layer = ada.AdaptiveAugment(augmentations="cutout", initial_probability=1.0, seed=0)
    x = np.ones((16, 8, 8, 1), "float32")
    np.testing.assert_array_equal(numpy(layer(x)), x)
    np.testing.assert_array_equal(numpy(layer(x, training=False)), x)


def test_with_p_one_every_augmentation_applies_to_every_image():
    layer = ada.AdaptiveAugment(augmentations="cutout,translation", initial_probability=1.0, seed=0)
    y = numpy(layer(np.ones((64, 8, 8, 1), "float32"), training=True))
    # Cutout blanks a square of side 4 whose centre lies inside the image, so at least 2 x 2 of it
    # stays inside; the translation's zero fill can only add zeros.
    assert ((y == 0).sum(axis=(1, 2, 3)) >= 4).all()


def test_each_image_draws_whether_an_augmentation_applies():
    layer = ada.AdaptiveAugment(augmentations="cutout", initial_probability=0.5, seed=0)
    y = numpy(layer(np.ones((400, 8, 8, 1), "float32"), training=True))
    changed = (y == 0).any(axis=(1, 2, 3)).mean()
    assert 0.4 < changed < 0.6  # binomial(400, 0.5): standard deviation 0.025


def test_the_layer_keeps_the_range_with_every_augmentation_at_p_one():
    layer = ada.AdaptiveAugment(augmentations=list(ada.AUGMENTATIONS), initial_probability=1.0, seed=2)
    x = np.random.default_rng(1).uniform(-1, 1, (32, 8, 8, 3)).astype("float32")
    y = numpy(layer(x, training=True))
    assert y.shape == x.shape and y.min() >= -1 and y.max() <= 1
    assert not np.array_equal(y, x)


# ----------------------------------------------------------------- the controller


@pytest.mark.parametrize(
    "p, overfitting, images, expected",
    [
        (0.5, 0.9, 128, 0.6),  # overconfident: up by 128 / 1280
        (0.5, 0.2, 128, 0.4),  # not: down by as much
        (0.5, 0.6, 128, 0.5),  # on target: unchanged
        (0.95, 1.0, 128, 1.0),  # clipped at 1
        (0.05, -1.0, 128, 0.0),  # clipped at 0
        (0.5, 0.7, 64, 0.55),  # the step is proportional to the images measured
    ],
)
def test_adjusted_probability_by_hand(p, overfitting, images, expected):
    value = ada.adjusted_probability(p, overfitting, 0.6, images, 1280)
    assert float(value) == pytest.approx(expected, abs=1e-6)


def run_controller(layer, discriminator, real, steps):
    """``steps`` discriminator updates' worth of the ADA loop; returns p after each."""
    history = []
    for _ in range(steps):
        layer.update(discriminator(layer(real, training=True)))
        history.append(float(layer.probability.numpy()))
    return history


def test_p_rises_when_the_discriminator_is_overconfident_on_real_data():
    # Every real image scores +0.5 (its mean pixel, which the augmentations keep): r_t = 1 > 0.6.
    layer = ada.AdaptiveAugment(target=0.6, interval=4, ramp_images=320, seed=0)
    history = run_controller(layer, stub_discriminator(), np.full((8, 4, 4, 1), 0.5, "float32"), 12)
    # Adjusted on every 4th batch only, by 4 batches x 8 images / 320 = 0.1.
    np.testing.assert_allclose(history, [0, 0, 0, 0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.2, 0.3], atol=1e-6)
    assert float(layer.overfitting.numpy()) == 1.0


def test_p_falls_when_the_discriminator_is_not_overconfident():
    # Half the real images score +0.5, half -0.5: r_t = 0 < 0.6.
    real = np.concatenate([np.full((4, 4, 4, 1), 0.5), np.full((4, 4, 4, 1), -0.5)]).astype("float32")
    layer = ada.AdaptiveAugment(target=0.6, interval=4, ramp_images=320, initial_probability=0.25, seed=0)
    history = run_controller(layer, stub_discriminator(), real, 12)
    np.testing.assert_allclose(history, [0.25] * 3 + [0.15] * 4 + [0.05] * 4 + [0.0], atol=1e-6)
    assert float(layer.overfitting.numpy()) == 0.0


def test_r_t_is_the_mean_sign_per_image_over_the_interval():
    layer = ada.AdaptiveAugment(target=0.6, interval=2, ramp_images=1000)
    layer.update(np.array([[3.0], [2.0], [1.0], [-1.0]]))  # signs +1 +1 +1 -1
    # A PatchGAN map per image: image 0 real on 3 of its 4 patches (mean sign 0.5), image 1 on all 4.
    layer.update(np.array([[1.0, 1.0, 1.0, -2.0], [1.0, 1.0, 1.0, 1.0]]).reshape(2, 2, 2, 1))
    assert float(layer.overfitting.numpy()) == pytest.approx((1 + 1 + 1 - 1 + 0.5 + 1) / 6)
    assert float(layer.probability.numpy()) == pytest.approx(0.0)  # r_t < target: stays at the floor


def test_the_controller_runs_inside_a_compiled_function():
    layer = ada.AdaptiveAugment(target=0.6, interval=2, ramp_images=160, seed=0)
    discriminator = stub_discriminator()

    @tf.function
    def step(real):
        layer.update(discriminator(layer(real, training=True)))

    real = tf.constant(np.full((8, 4, 4, 1), 0.5, "float32"))
    for _ in range(6):
        step(real)
    assert float(layer.probability.numpy()) == pytest.approx(0.3)  # 3 adjustments of 16 / 160


def test_p_and_the_running_sums_are_restored_from_saved_weights(tmp_path):
    def model():
        layer = ada.AdaptiveAugment(target=0.6, interval=4, ramp_images=320, seed=0, name="ada")
        inputs = keras.Input((4, 4, 1))
        return keras.Model(inputs, stub_discriminator()(layer(inputs))), layer

    real = np.full((8, 4, 4, 1), 0.5, "float32")
    trained, layer = model()
    run_controller(layer, trained.layers[-1], real, 6)  # p = 0.1, two batches into the next interval
    path = str(tmp_path / "ada.weights.h5")
    trained.save_weights(path)
    resumed, fresh = model()
    assert float(fresh.probability.numpy()) == 0.0
    resumed.load_weights(path)
    assert float(fresh.probability.numpy()) == pytest.approx(0.1)
    # The interval goes on where it stopped: two more batches complete it.
    assert run_controller(fresh, resumed.layers[-1], real, 2) == pytest.approx([0.1, 0.2])


def test_the_layer_adds_no_trainable_weight():
    layer = ada.AdaptiveAugment()
    assert layer.trainable_weights == []
    assert {w.name for w in layer.non_trainable_weights} >= {"probability", "overfitting"}


def test_get_config_rebuilds_the_same_layer():
    layer = ada.AdaptiveAugment(target=0.7, augmentations=["xflip", "cutout"], interval=2, ramp_images=1000,
                                initial_probability=0.2)
    twin = ada.AdaptiveAugment.from_config(layer.get_config())
    assert (twin.target, twin.augmentations, twin.interval, twin.ramp_images) == (0.7, ("xflip", "cutout"), 2, 1000)
    assert float(twin.probability.numpy()) == pytest.approx(0.2)


VALID = "xflip, rotate90, xint, translation, cutout"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"target": 1.0}, "the ADA target must be a number in (0, 1), e.g. 0.6; got 1.0"),
        ({"target": "0.6"}, "the ADA target must be a number in (0, 1), e.g. 0.6; got '0.6'"),
        ({"augmentations": "xflip,colour"}, f"unknown ADA augmentation 'colour'; valid: {VALID}"),
        ({"augmentations": ""}, f"no ADA augmentation given; valid: {VALID}"),
        ({"interval": 0}, "the ADA interval must be a positive integer, got 0"),
        ({"ramp_images": 2.5}, "the ADA ramp_images must be a positive integer, got 2.5"),
        ({"initial_probability": 1.5}, "the ADA initial_probability must lie in [0, 1], got 1.5"),
    ],
)
def test_bad_settings_are_refused_by_name(kwargs, message):
    with pytest.raises(ValueError) as error:
        ada.AdaptiveAugment(**kwargs)
    assert str(error.value) == message


# ----------------------------------------------------------------- in the GAN


def constant_discriminator(logit, shape=(8, 8, 1)):
    """A discriminator that starts out giving every image ``logit`` (zero weights, that bias)."""
    inputs = keras.Input(shape)
    dense = keras.layers.Dense(1, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(logit))
    return keras.Model(inputs, dense(keras.layers.Flatten()(inputs)), name="constant")


def ada_gan(logit=5.0, **kwargs):
    generator = networks.dcgan_generator(4, (8, 8, 1), base_filters=4)
    options = {"ada_target": 0.6, "ada_ramp_images": 320, "seed": 0, **kwargs}
    gan = GAN(generator, constant_discriminator(logit), **options)
    gan.compile(steps_per_execution=4)
    return gan


def digits(n=64):
    return np.random.default_rng(0).uniform(-1, 1, (n, 8, 8, 1)).astype("float32")


def test_the_gan_raises_p_when_its_discriminator_is_sure_of_the_real_images_and_logs_it():
    # Every real image scores sigmoid(5) > 1/2 (the bias barely moves at 2e-4 a step): r_t = 1.
    gan = ada_gan(5.0)
    history = gan.fit(digits(), batch_size=8, epochs=2, steps_per_epoch=8, verbose=0).history
    # 8 discriminator updates an epoch, an adjustment every 4, each by 4 x 8 / 320.
    assert history["ada_p"] == pytest.approx([0.2, 0.4], abs=1e-6)
    assert history["ada_rt"] == [1.0, 1.0]


def test_the_gan_feeds_the_controller_on_every_discriminator_update():
    gan = ada_gan(5.0, d_steps=2)
    history = gan.fit(digits(), batch_size=8, epochs=1, steps_per_epoch=8, verbose=0).history
    assert history["ada_p"] == pytest.approx([0.4], abs=1e-6)  # 16 updates: 4 adjustments


def test_the_gan_keeps_p_at_zero_when_its_discriminator_is_unsure():
    gan = ada_gan(-5.0)  # every real image called fake: r_t = -1
    history = gan.fit(digits(), batch_size=8, epochs=1, steps_per_epoch=8, verbose=0).history
    assert history["ada_p"] == [0.0] and history["ada_rt"] == [-1.0]


def test_ada_sits_in_both_phases_and_adds_no_trainable_weight():
    gan = ada_gan()
    assert gan.input_layers[0] is gan.ada
    assert any(layer is gan.ada for layer in gan.combined.layers)  # the generator phase sees it too
    generator_ids = sorted(map(id, gan.generator.trainable_variables))
    assert sorted(map(id, gan.combined.trainable_variables)) == generator_ids


def test_p_is_restored_on_resume(tmp_path):
    gan = ada_gan(5.0)
    gan.fit(digits(), batch_size=8, epochs=1, steps_per_epoch=6, verbose=0)  # p = 0.1, 2 updates into the next
    path = str(tmp_path / "gan.weights.h5")
    gan.save_weights(path)
    resumed = ada_gan(5.0)
    assert float(resumed.ada.probability.numpy()) == 0.0
    resumed.load_weights(path)
    assert float(resumed.ada.probability.numpy()) == pytest.approx(0.1)
    history = resumed.fit(digits(), batch_size=8, epochs=1, steps_per_epoch=2, verbose=0).history
    assert history["ada_p"] == pytest.approx([0.2])  # the interval went on where it stopped


def test_p_survives_saving_the_whole_gan(tmp_path):
    gan = ada_gan(5.0)
    gan.fit(digits(), batch_size=8, epochs=1, steps_per_epoch=8, verbose=0)  # p = 0.2
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert loaded.ada.target == 0.6 and float(loaded.ada.probability.numpy()) == pytest.approx(0.2)


def test_ada_settings_go_into_the_gan_config():
    config = ada_gan().get_config()
    assert (config["ada_target"], config["ada_ramp_images"]) == (0.6, 320)
    rebuilt = GAN.from_config(config)
    assert rebuilt.ada is not None and rebuilt.ada.target == 0.6 and rebuilt.ada.ramp_images == 320


def test_without_ada_the_gan_has_no_layer_and_logs_no_p():
    gan = ada_gan(ada_target=None)
    assert gan.ada is None and not {"ada_p", "ada_rt"} & {m.name for m in gan.metrics}


@pytest.mark.parametrize(
    "generator, discriminator, message",
    [
        (lambda: networks.mlp_generator(2, (2,), hidden_units=(4,)),
         lambda: networks.mlp_discriminator((2,), hidden_units=(4,)),
         r"ADA needs image samples \(H, W, C\); got samples of shape \(2,\)"),
        (lambda: networks.mlp_generator(2, (8, 6, 1), hidden_units=(4,)),
         lambda: networks.mlp_discriminator((8, 6, 1), hidden_units=(4,)),
         r"ADA's rotate90 needs square images; got images of shape \(8, 6, 1\)"),
    ],
)
def test_the_gan_refuses_ada_on_samples_it_cannot_augment(generator, discriminator, message):
    with pytest.raises(ValueError, match=message):
        GAN(generator(), discriminator(), ada_target=0.6)


def test_the_gan_refuses_a_bad_target_by_name():
    with pytest.raises(ValueError, match=r"the ADA target must be a number in \(0, 1\), e.g. 0.6; got 60"):
        ada_gan(ada_target=60)


def test_the_loss_plot_shows_p_beside_the_discriminator_curves():
    history = {"d_loss": [1.0, 0.9], "d_real": [0.6, 0.7], "ada_p": [0.0, 0.1], "fid": [50.0, 40.0]}
    loss_ax, d_ax, sample_ax = visualization.plot_history(history).axes
    assert [line.get_label() for line in d_ax.get_lines() if line.get_linestyle() != "--"] == ["d_real", "ada_p"]
    assert [line.get_label() for line in sample_ax.get_lines()] == ["fid"]


# ----------------------------------------------------------------- from the command line


@pytest.mark.parametrize(
    "argv, target, ramp",
    [([], None, None), (["--ada"], 0.6, None), (["--ada", "0.7", "--ada-ramp-images", "2000"], 0.7, 2000)],
)
def test_the_ada_flags(argv, target, ramp):
    config = train.config_from_args(parsers.train_parser().parse_args(argv))
    assert (config.ada_target, config.ada_ramp_images) == (target, ramp)


def test_the_flag_alone_sets_the_layers_default_target():
    assert parsers.ADA_TARGET == ada.DEFAULT_TARGET


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--ada", "1.5"], "the ADA target must be a number in (0, 1), e.g. 0.6; got 1.5"),
        (["--ada", "--ada-ramp-images", "0"], "ada_ramp_images must be a positive integer, got 0"),
        (["--ada", "--model", "pix2pix"],
         "ada_target is an option of model 'dcgan', 'mlp' and 'cgan', not of model 'pix2pix'"),
        (["--ada", "--dataset", "ring"], "ADA needs image samples (H, W, C); got samples of shape (2,)"),
    ],
)
def test_the_command_refuses_bad_ada_settings_before_writing_anything(argv, message, tmp_path, capsys):
    out = tmp_path / "run"
    assert train.main([*argv, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


class StartingProbability(keras.callbacks.Callback):
    """Records the GAN's ADA probability when training begins; sets it first, when given a value."""

    def __init__(self, set_to=None):
        super().__init__()
        self.set_to = set_to

    def on_train_begin(self, logs=None):
        if self.set_to is not None:
            self.model.ada.probability.assign(self.set_to)
        self.value = float(self.model.ada.probability.numpy())


@pytest.mark.slow
def test_a_run_logs_p_every_epoch_plots_it_and_resumes_with_it(tmp_path):
    config = TrainConfig(
        dataset="mnist-sample", epochs=2, steps_per_epoch=4, batch_size=8, latent_dim=8, base_filters=4, samples=4,
        out=str(tmp_path / "run"), ada_target=0.6, ada_ramp_images=320,
    )
    # From p = 0.5, two epochs of 4 updates make 2 adjustments of 0.1: p ends in [0.3, 0.7], not at 0.
    result = train.run(config, verbose=0, extra_callbacks=[StartingProbability(set_to=0.5)])
    logged = np.genfromtxt(result.out / "log.csv", delimiter=",", names=True)["ada_p"]
    assert len(logged) == 2 and logged[-1] == pytest.approx(float(result.gan.ada.probability.numpy()))
    assert 0.3 - 1e-6 <= logged[-1] <= 0.7 + 1e-6
    assert (result.out / "losses.png").exists()
    assert train.load_config(result.out).ada_target == 0.6
    start = StartingProbability()
    train.resume(result.out, epochs=3, verbose=0, extra_callbacks=[start])
    assert start.value == pytest.approx(logged[-1])
    assert len(np.genfromtxt(result.out / "log.csv", delimiter=",", names=True)["ada_p"]) == 3


# ----------------------------------------------------------------- the small-data benchmark


def load_small_data_benchmark():
    return load_benchmark_script("small_data")


@pytest.mark.slow
def test_the_small_data_benchmark_writes_every_row_with_its_fid_and_provenance(tmp_path):
    benchmark = load_small_data_benchmark()
    path = tmp_path / "small_data.json"
    argv = ["--settings", "ada", "--seeds", "0", "--train-size", "64", "--steps", "2", "--batch-size", "32",
            "--base-filters", "4", "--draws", "1", "--ada-ramp-images", "64", "--json", str(path)]
    assert benchmark.main(argv) == 0
    report = json.loads(path.read_text())
    (run,) = report["runs"]
    assert (run["setting"], run["seed"], run["steps"]) == ("ada", 0, 2)
    assert np.isfinite(run["fid"]) and run["fid_draws"] == [run["fid"]]
    assert len(run["ada_p"]) == len(run["ada_rt"]) == 1  # one epoch of 2 steps
    assert report["summary"] == {"ada": {"fid_mean": run["fid"], "fid_se": 0.0, "fids": [run["fid"]]}}
    assert report["goal_met"] is None  # no row without augmentation to compare with
    assert {"command", "commit", "cpu", "cores", "date"} <= set(report["provenance"])
    assert report["provenance"]["command"] == "python benchmarks/small_data.py " + " ".join(argv)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--train-size", "5000"], "--train-size must lie in 1..4000 (the shipped training digits), got 5000"),
        (["--train-size", "16", "--batch-size", "32"], "--batch-size must lie in 1..16 (--train-size), got 32"),
        (["--steps", "0"], "--steps and --draws must be positive, got 0 and 3"),
        (["--ada-target", "1"], "--ada-target must lie strictly between 0 and 1, got 1.0"),
    ],
)
def test_the_small_data_benchmark_refuses_bad_settings_before_writing(argv, message, tmp_path):
    benchmark = load_small_data_benchmark()
    path = tmp_path / "small_data.json"
    with pytest.raises(ValueError) as error:
        benchmark.main([*argv, "--json", str(path)])
    assert str(error.value) == message
    assert not path.exists()


def test_the_small_data_summary_by_hand():
    benchmark = load_small_data_benchmark()
    runs = [{"setting": "none", "fid": 10.0}, {"setting": "none", "fid": 14.0}, {"setting": "ada", "fid": 9.0}]
    summary = benchmark.summarise(runs)
    assert summary["none"] == {"fid_mean": 12.0, "fid_se": pytest.approx(2.0), "fids": [10.0, 14.0]}
    assert summary["ada"] == {"fid_mean": 9.0, "fid_se": 0.0, "fids": [9.0]}
    assert benchmark.goal_met(summary) is True
    assert benchmark.goal_met({**summary, "ada": {"fid_mean": 12.0}}) is False  # equal is not lower
    assert benchmark.goal_met({"ada": summary["ada"]}) is None


@pytest.mark.parametrize(
    "argv, expected",
    [
        ([], "Small-data training: 500 digits with no augmentation, DiffAugment and ADA"),
        (["--train-size", "100", "--settings", "none", "ada"],
         "Small-data training: 100 digits with no augmentation and ADA"),
        (["--settings", "ada", "--steps", "13500", "--r1-gamma", "0"],
         "Small-data training: 500 digits with ADA (steps 13500, r1 gamma 0)"),
        (["--settings", "none", "ada", "--ada-target", "0.3"],
         "Small-data training: 500 digits with no augmentation and ADA (ada target 0.3)"),
    ],
)
def test_the_small_data_title_names_the_rows_that_ran_and_the_changed_settings(argv, expected):
    benchmark = load_small_data_benchmark()
    assert benchmark.title(benchmark.build_parser().parse_args(argv)) == expected


def test_the_small_data_benchmark_steers_ada_to_the_target_it_is_given():
    benchmark = load_small_data_benchmark()
    args = benchmark.build_parser().parse_args(["--ada-target", "0.3", "--base-filters", "4"])
    assert benchmark.augmentation(args, "ada") == {"ada_target": 0.3, "ada_ramp_images": 20_000}
    assert benchmark.augmentation(args, "none") == {}
    gan = benchmark.build_gan(args, "ada", seed=0)
    assert gan.ada_target == 0.3
