"""A GAN used the way a Keras user uses any keras.Model: save and load, compile, callbacks, TensorBoard,
networks of their own, and the errors they see when something does not fit."""

import csv
import importlib
import inspect
import pkgutil
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan.models
from keras_gan import ConditionalGAN, GAN, Pix2Pix, SRGAN, losses, networks
from keras_gan.models.cyclegan import CycleGAN
from keras_gan.training import schedules

LATENT = 8
POINTS = np.random.default_rng(0).uniform(-1, 1, (32, 2)).astype("float32")


def mlp_generator(latent=LATENT, dim=2, activation=None):
    hidden = keras.layers.Dense(16, activation="relu")
    return keras.Sequential([keras.Input((latent,)), hidden, keras.layers.Dense(dim, activation=activation)])


def mlp_discriminator(dim=2):
    return keras.Sequential([keras.Input((dim,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])


def point_gan(**kwargs):
    return GAN(mlp_generator(), mlp_discriminator(), seed=0, **kwargs)


def weights(gan):
    return [np.array(v) for v in gan.weights]


def fit(gan, x, epochs=1, y=None, **kwargs):
    return gan.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0, **kwargs).history


# ---------------------------------------------------------------------------------------------- 1. save and load

CLASSES = 3
IMAGE = (8, 8, 1)
HIGH_RES, LOW_RES = (8, 8, 1), (4, 4, 1)


def _images(n, shape, seed):
    return np.random.default_rng(seed).uniform(-1, 1, (n, *shape)).astype("float32")


def _family(name):
    """A tiny model of each family, and the data ``fit`` takes for it: ``(gan, x, y)``."""
    if name == "GAN":
        return point_gan(), POINTS[:16], None
    if name == "ConditionalGAN":
        generator = networks.conditional_generator(LATENT, IMAGE, CLASSES, embedding_dim=2, base_filters=4)
        discriminator = networks.conditional_discriminator(IMAGE, CLASSES, base_filters=4)
        return ConditionalGAN(generator, discriminator, seed=0), _images(16, IMAGE, 1), np.arange(16) % CLASSES
    if name == "Pix2Pix":
        generator = networks.unet_generator(IMAGE, base_filters=4, depth=2)
        discriminator = networks.patchgan_discriminator(IMAGE, base_filters=4, downsamplings=1)
        return Pix2Pix(generator, discriminator, seed=0), _images(16, IMAGE, 1), _images(16, IMAGE, 2)
    generator = networks.srgan_generator(LOW_RES, scale=2, base_filters=4, num_blocks=1)
    discriminator = networks.srgan_discriminator(HIGH_RES, base_filters=4, num_widths=1)
    return SRGAN(generator, discriminator, seed=0), _images(16, HIGH_RES, 1), None


@pytest.mark.parametrize("family", ["GAN", "ConditionalGAN", "Pix2Pix", "SRGAN"])
def test_load_model_returns_a_compiled_gan_that_continues_as_if_never_saved(tmp_path, family):
    gan, x, y = _family(family)
    gan.compile(d_optimizer=keras.optimizers.Adam(3e-4, beta_1=0.5), g_optimizer="rmsprop", loss="hinge", r1_gamma=0.5)
    fit(gan, x, y=y, epochs=1)  # two steps
    gan.save(tmp_path / "gan.keras")
    fit(gan, x, y=y, epochs=1)  # two more, uninterrupted

    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert type(loaded) is type(gan) and loaded.compiled
    assert loaded.loss_pair.name == "hinge" and loaded.r1_gamma == 0.5
    assert isinstance(loaded.d_optimizer, keras.optimizers.Adam)
    assert float(loaded.d_optimizer.learning_rate) == pytest.approx(3e-4)
    assert isinstance(loaded.g_optimizer, keras.optimizers.RMSprop)
    assert int(loaded.d_optimizer.iterations) == int(loaded.g_optimizer.iterations) == 2
    fit(loaded, x, y=y, epochs=1)
    for continued, uninterrupted in zip(weights(loaded), weights(gan)):
        np.testing.assert_allclose(continued, uninterrupted, rtol=1e-5, atol=1e-6)
    for loaded_optimizer, optimizer in [(loaded.d_optimizer, gan.d_optimizer), (loaded.g_optimizer, gan.g_optimizer)]:
        for a, b in zip(loaded_optimizer.variables, optimizer.variables):
            np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-5, atol=1e-7)


def _model_classes():
    for module in pkgutil.iter_modules(keras_gan.models.__path__):
        loaded = importlib.import_module(f"keras_gan.models.{module.name}")
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(cls, keras.Model) and cls.__module__ == loaded.__name__:
                yield cls


def test_every_model_family_is_registered_for_loading():
    classes = list(_model_classes())
    assert {GAN, ConditionalGAN, Pix2Pix, SRGAN} <= set(classes)
    for cls in classes:
        assert keras.saving.get_registered_object(f"keras_gan>{cls.__name__}") is cls


@pytest.mark.slow
def test_load_model_in_a_new_python_session(tmp_path):
    gan = point_gan()
    decay = schedules.HoldThenLinearDecay(1e-4, decay_start=2, end=6)  # keras_gan's own schedule
    gan.compile(g_optimizer=keras.optimizers.Adam(decay))
    fit(gan, POINTS[:16])
    gan.save(tmp_path / "gan.keras")
    script = (
        "import keras_gan\nimport keras\n"  # what a user writes: keras_gan imported, nothing more
        f"gan = keras.models.load_model({str(tmp_path / 'gan.keras')!r})\n"
        "history = gan.fit(keras.random.uniform((16, 2)), batch_size=8, verbose=0).history\n"
        "print(type(gan).__name__, int(gan.optimizer.iterations), history['g_lr'][0], sorted(history))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    name, steps, rate, keys = result.stdout.strip().splitlines()[-1].split(" ", 3)
    # Two steps before saving, two after: the last step's rate is the schedule's at update 3, 1e-4 * (1 - 1/4).
    assert (name, int(steps), float(rate)) == ("GAN", 4, pytest.approx(7.5e-5))
    assert "'g_loss'" in keys


def test_fit_before_compile_says_to_call_compile(tmp_path):
    gan = point_gan()
    with pytest.raises(ValueError, match=r"call compile\(\) first"):
        gan.fit(POINTS, batch_size=8, verbose=0)
    gan.compile()
    gan.save(tmp_path / "gan.keras")
    uncompiled = keras.models.load_model(tmp_path / "gan.keras", compile=False)
    with pytest.raises(ValueError, match=r"call compile\(\) first"):
        uncompiled.fit(POINTS, batch_size=8, verbose=0)


def test_a_loss_pair_outside_the_registry_saves_with_a_warning_and_loads_uncompiled(tmp_path):
    own = losses.LossPair("own", losses.hinge_discriminator_loss, losses.hinge_generator_loss)
    gan = point_gan()
    gan.compile(loss=own)
    with pytest.warns(UserWarning, match="'own' is not in keras_gan.losses.LOSSES"):
        gan.save(tmp_path / "gan.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras's own note that compile() was not called
        loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert not loaded.compiled


# ---------------------------------------------------------------------------------------------- 2. compile


def test_compile_takes_optimizers_as_keras_does():
    gan = point_gan()
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    assert isinstance(gan.d_optimizer, keras.optimizers.Adam) and isinstance(gan.g_optimizer, keras.optimizers.Adam)
    assert gan.d_optimizer is not gan.g_optimizer
    sgd = {"class_name": "SGD", "config": {"learning_rate": 0.05}}
    gan.compile(d_optimizer=sgd, g_optimizer=keras.optimizers.Adam(1e-4))
    assert isinstance(gan.d_optimizer, keras.optimizers.SGD)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(0.05)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(1e-4)
    gan.compile()
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(2e-4) and gan.d_optimizer.beta_1 == 0.5


def test_compile_refuses_a_single_optimizer_and_unknown_names():
    gan = point_gan()
    with pytest.raises(ValueError, match="two optimizers: pass d_optimizer= and g_optimizer="):
        gan.compile(optimizer="adam")
    with pytest.raises(ValueError, match="g_optimizer must be an optimizer"):
        gan.compile(g_optimizer="adamm")
    shared = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="two different optimizer objects"):
        gan.compile(d_optimizer=shared, g_optimizer=shared)


def test_cyclegan_compiles_as_a_gan_does_and_links_its_learning_rates():
    gan = CycleGAN(*networks.cyclegan_networks((8, 8, 1), base_filters=4, num_blocks=1), seed=0)
    with pytest.raises(ValueError, match="two optimizers: pass d_optimizer= and g_optimizer="):
        gan.compile(optimizer="adam")
    gan.compile(d_optimizer=keras.optimizers.Adam(4e-4), g_optimizer="adam")
    gan.optimizer.learning_rate = 5e-4  # what Keras's learning-rate callbacks do
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(5e-4)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(2e-4)  # the ratio 4e-4 : 1e-3 (Adam's default) kept


# ---------------------------------------------------------------------------------------------- 3. callbacks


def _ttur_gan():
    gan = point_gan()
    gan.compile(d_optimizer=keras.optimizers.Adam(4e-4), g_optimizer=keras.optimizers.Adam(1e-4))
    return gan


def test_learning_rate_scheduler_moves_both_rates_and_keeps_their_ratio():
    gan = _ttur_gan()
    halving = keras.callbacks.LearningRateScheduler(lambda epoch, rate: rate / 2)
    history = fit(gan, POINTS, epochs=2, callbacks=[halving])
    np.testing.assert_allclose(history["g_lr"], [5e-5, 2.5e-5], rtol=1e-6)
    np.testing.assert_allclose(history["d_lr"], [2e-4, 1e-4], rtol=1e-6)
    history = fit(gan, POINTS, callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch: 1e-3)])
    np.testing.assert_allclose([history["g_lr"][0], history["d_lr"][0]], [1e-3, 4e-3], rtol=1e-6)


def test_reduce_lr_on_plateau_on_g_loss_halves_both_rates():
    gan = _ttur_gan()
    # min_delta so large that no epoch counts as an improvement after the first.
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="g_loss", factor=0.5, patience=1, min_delta=1e9)
    history = fit(gan, POINTS, epochs=3, callbacks=[plateau])
    np.testing.assert_allclose(history["g_lr"], [1e-4, 1e-4, 5e-5], rtol=1e-6)
    np.testing.assert_allclose(history["d_lr"], [4e-4, 4e-4, 2e-4], rtol=1e-6)
    assert plateau.mode == "min"


def test_early_stopping_on_a_gan_loss_needs_no_mode():
    gan = point_gan()
    gan.compile()
    # min_delta so large that no epoch improves on the first.
    monitors = ("g_loss", "d_loss", "val_g_loss")
    stoppers = [keras.callbacks.EarlyStopping(monitor, patience=1, min_delta=1e9) for monitor in monitors]
    history = fit(gan, POINTS, epochs=5, callbacks=stoppers, validation_data=POINTS[:8])
    assert len(history["g_loss"]) == 2
    assert [(stopper.mode, stopper.stopped_epoch) for stopper in stoppers] == [("min", 1)] * 3


def test_early_stopping_on_a_metric_without_a_direction_asks_for_mode():
    gan = point_gan()
    gan.compile()
    with pytest.raises(ValueError, match="mode='max'"):
        fit(gan, POINTS, callbacks=[keras.callbacks.EarlyStopping(monitor="d_real")])


def test_model_checkpoint_writes_loadable_keras_and_weights_files(tmp_path):
    gan = point_gan()
    gan.compile()
    callbacks = [
        keras.callbacks.ModelCheckpoint(tmp_path / "best.keras", monitor="g_loss", save_best_only=True),
        keras.callbacks.ModelCheckpoint(tmp_path / "epoch_{epoch}.weights.h5", save_weights_only=True),
    ]
    fit(gan, POINTS, epochs=2, callbacks=callbacks)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.keras", "epoch_1.weights.h5", "epoch_2.weights.h5"]
    assert keras.models.load_model(tmp_path / "best.keras").compiled
    restored = point_gan()
    restored.compile()
    restored.load_weights(tmp_path / "epoch_2.weights.h5")
    for a, b in zip(weights(restored), weights(gan)):
        np.testing.assert_array_equal(a, b)
    assert int(restored.optimizer.iterations) == 8


class _StopAt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("interrupted")


def test_backup_and_restore_resumes_an_interrupted_fit_where_it_stopped(tmp_path):
    keras.utils.set_random_seed(0)
    uninterrupted = point_gan()
    uninterrupted.compile()
    fit(uninterrupted, POINTS, epochs=3)

    keras.utils.set_random_seed(0)
    gan = point_gan()
    gan.compile()
    backup = keras.callbacks.BackupAndRestore(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="interrupted"):
        fit(gan, POINTS, epochs=3, callbacks=[backup, _StopAt(1)])
    keras.utils.set_random_seed(0)
    resumed = point_gan()
    resumed.compile()
    history = fit(resumed, POINTS, epochs=3, callbacks=[backup])
    assert len(history["g_loss"]) == 1  # only the third epoch was left
    for a, b in zip(weights(resumed), weights(uninterrupted)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_terminate_on_nan_stops_at_a_nan_loss():
    generator = mlp_generator()
    linear = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    gan = GAN(generator, linear, seed=0)
    gan.compile(steps_per_execution=1)
    x = POINTS.copy()
    x[12] = np.nan  # in the second batch
    history = fit(gan, x, epochs=3, callbacks=[keras.callbacks.TerminateOnNaN()])
    assert int(gan.optimizer.iterations) == 2
    assert np.isnan(history["d_loss"][0])


def test_csv_logger_writes_every_metric_and_both_learning_rates(tmp_path):
    gan = _ttur_gan()
    fit(gan, POINTS, epochs=2, callbacks=[keras.callbacks.CSVLogger(tmp_path / "log.csv")])
    rows = list(csv.DictReader(open(tmp_path / "log.csv")))
    assert [row["epoch"] for row in rows] == ["0", "1"]
    assert {"d_loss", "g_loss", "d_real", "d_fake", "d_accuracy", "d_lr", "g_lr"} <= set(rows[0])
    assert float(rows[1]["d_lr"]) == pytest.approx(4e-4) and float(rows[1]["g_lr"]) == pytest.approx(1e-4)


def test_validation_data_and_split_score_held_out_samples():
    gan = point_gan()
    gan.compile()
    before = weights(gan)
    held_out = gan.evaluate(POINTS[:16], batch_size=8, verbose=0, return_dict=True)
    assert {"d_loss", "g_loss", "d_accuracy"} <= set(held_out)
    for a, b in zip(before, weights(gan)):
        np.testing.assert_array_equal(a, b)
    for history in [fit(gan, POINTS, validation_data=POINTS[:16]), fit(gan, POINTS, validation_split=0.25)]:
        assert {"val_d_loss", "val_g_loss", "val_d_accuracy"} <= set(history)
        assert np.isfinite(history["val_g_loss"][0])


# ---------------------------------------------------------------------------------------------- 4. TensorBoard


def _scalars(log_dir):
    values = {}
    for path in sorted(log_dir.rglob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                values.setdefault(f"{path.parent.name}/{value.tag}", []).append(float(tf.make_ndarray(value.tensor)))
    return values


def test_tensorboard_callback_writes_both_losses_and_learning_rates(tmp_path):
    gan = _ttur_gan()
    board = keras.callbacks.TensorBoard(tmp_path / "logs")
    history = fit(gan, POINTS, epochs=2, callbacks=[board], validation_data=POINTS[:8])
    scalars = _scalars(tmp_path / "logs")
    np.testing.assert_allclose(scalars["train/epoch_g_loss"], history["g_loss"], rtol=1e-6)
    np.testing.assert_allclose(scalars["train/epoch_d_loss"], history["d_loss"], rtol=1e-6)
    np.testing.assert_allclose(scalars["train/epoch_d_lr"], [4e-4, 4e-4], rtol=1e-6)
    np.testing.assert_allclose(scalars["train/epoch_g_lr"], [1e-4, 1e-4], rtol=1e-6)
    np.testing.assert_allclose(scalars["validation/epoch_g_loss"], history["val_g_loss"], rtol=1e-6)


# ---------------------------------------------------------------------------------------------- 5. any networks


class PointGenerator(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.out = keras.layers.Dense(2)

    def call(self, z):
        return self.out(self.hidden(z))


class PointDiscriminator(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.logit = keras.layers.Dense(1)

    def call(self, x):
        return self.logit(self.hidden(x))


@pytest.mark.parametrize(
    "make",
    [
        lambda: (keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2)]),
                 keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])),
        lambda: (PointGenerator(), PointDiscriminator()),
    ],
    ids=["sequential-without-input", "subclassed"],
)
def test_networks_without_an_input_are_built_from_the_latent_size(make):
    generator, discriminator = make()
    gan = GAN(generator, discriminator, latent_dim=LATENT, seed=0)
    gan.compile()
    g_before = [np.array(v) for v in generator.trainable_variables]
    d_before = [np.array(v) for v in discriminator.weights]  # frozen inside the GAN: no trainable_variables
    fit(gan, POINTS)
    assert len(g_before) == len(d_before) == 4
    assert all(not np.array_equal(b, np.array(v)) for b, v in zip(g_before, generator.trainable_variables))
    assert all(not np.array_equal(b, np.array(v)) for b, v in zip(d_before, discriminator.weights))
    assert gan.generate(3, seed=0).shape == (3, 2)


def test_a_generator_without_an_input_needs_the_latent_size():
    message = r"generator '\w+' has no input shape; start it with keras.Input\(\(latent_dim,\)\) or pass latent_dim="
    with pytest.raises(ValueError, match=message):
        GAN(keras.Sequential([keras.layers.Dense(2)]), mlp_discriminator())


def test_a_conditional_network_without_inputs_is_told_what_to_add():
    generator = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match=r"has no input shape; start it with two keras.Input layers, \[z, label\]"):
        ConditionalGAN(generator, mlp_discriminator(), num_classes=3)


@pytest.mark.parametrize(
    "last_layers, message",
    [
        (lambda: [keras.layers.Dense(2)], r"outputs shape \(None, 2\); it must output one logit per sample, shape"),
        (lambda: [keras.layers.Dense(1), keras.layers.Reshape((1, 1))], r"outputs shape \(None, 1, 1\); it must"),
        (lambda: [keras.layers.Dense(1, activation="softmax")], r"ends in a softmax"),
        (lambda: [keras.layers.Dense(1), keras.layers.Activation("sigmoid")], r"layer .activation. applies a sigmoid"),
    ],
    ids=["two-outputs", "one-by-one", "softmax", "sigmoid"],
)
def test_a_discriminator_must_output_one_logit_per_sample(last_layers, message):
    discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16, activation="relu"), *last_layers()])
    with pytest.raises(ValueError, match=message):
        GAN(mlp_generator(), discriminator)


def test_data_of_the_wrong_shape_is_refused_before_the_first_step():
    gan = point_gan()
    gan.compile()
    before = weights(gan)
    with pytest.raises(ValueError, match=r"the data's samples have shape \(3,\) but the generator makes .* \(2,\)"):
        fit(gan, np.zeros((16, 3), "float32"))
    for a, b in zip(before, weights(gan)):
        np.testing.assert_array_equal(a, b)
    assert int(gan.optimizer.iterations) == 0


def test_paired_data_of_the_wrong_shape_names_the_source_images():
    gan, x, y = _family("Pix2Pix")
    gan.compile()
    message = r"the data's source images have shape \(4, 4, 1\) but the generator takes \(8, 8, 1\)"
    with pytest.raises(ValueError, match=message):
        fit(gan, _images(16, (4, 4, 1), 0), y=y)


def test_a_latent_size_that_disagrees_with_the_generator_names_both():
    message = r"latent_dim=5 does not match the generator '\w+', whose input takes latent vectors of size 8"
    with pytest.raises(ValueError, match=message):
        GAN(mlp_generator(), mlp_discriminator(), latent_dim=5)


def test_data_outside_a_tanh_generators_range_draws_the_command_lines_warning():
    gan = GAN(mlp_generator(activation="tanh"), mlp_discriminator(), seed=0)
    gan.compile()
    x = POINTS.copy()
    x[0] = [-3, 3]
    message = r"data span \[-3, 3\] but the generator's output spans only \[-1, 1\]; scale the data"
    with pytest.warns(UserWarning, match=message) as caught:
        fit(gan, x)
    assert caught[0].filename == __file__  # points at the user's call
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(gan, POINTS)


def test_summary_shows_both_networks_and_says_the_discriminator_trains(capsys):
    gan = point_gan()
    lines = []
    gan.summary(print_fn=lambda line, **kwargs: lines.append(line))
    text = "\n".join(lines)
    assert gan.generator.name in text and gan.discriminator.name in text
    assert "discriminator's 65 trainable parameters show as non-trainable" in text
    assert "train in the discriminator phase" in text
