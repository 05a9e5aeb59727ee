import csv
import json
import os
import subprocess
import sys

import h5py
import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import networks
from keras_gan.cli import generate, parsers
from keras_gan.cli import train
from keras_gan.cli.config import TrainConfig, defaults

METRICS = {"d_loss", "g_loss", "d_real", "d_fake", "d_accuracy"}


def tiny_config(out, **overrides):
    settings = dict(
        dataset="mnist-sample", model="dcgan", epochs=2, steps_per_epoch=2, batch_size=16,
        latent_dim=8, base_filters=4, samples=4, out=str(out),
    )
    settings.update(overrides)
    return TrainConfig(**{**defaults(), **settings})  # a plain GAN: no preset setting


@pytest.fixture(scope="module")
def image_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "mnist"
    return train.run(tiny_config(out), verbose=0)


def test_run_writes_a_complete_run_directory(image_run):
    out = image_run.out
    assert TrainConfig.from_json((out / "config.json").read_text()) == tiny_config(out)
    for epoch in (1, 2):
        with Image.open(out / "samples" / f"epoch_{epoch:03d}.png") as grid:
            assert grid.mode == "L" and grid.size == (2 * 28 + 3 * 2, 2 * 28 + 3 * 2)  # 4 samples, 2x2
    with Image.open(out / "samples" / "progress.gif") as gif:
        assert gif.n_frames == 2
    with Image.open(out / "losses.png") as plot:
        assert plot.size[0] > 100
    with open(out / "log.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [0, 1]
    assert METRICS <= set(rows[0]) and all(np.isfinite(float(rows[-1][m])) for m in METRICS)
    assert json.loads((out / "checkpoints" / "latest.json").read_text())["epoch"] == 2
    assert (out / "checkpoints" / "epoch_002.weights.h5").is_file()
    assert set(image_run.history) == METRICS | {"d_lr", "g_lr"} and len(image_run.history["d_loss"]) == 2
    np.testing.assert_allclose(image_run.history["d_lr"], [2e-4, 2e-4], rtol=1e-6)  # both learning rates logged


def test_the_steps_counted_are_epochs_times_steps(image_run):
    assert int(image_run.gan.g_optimizer.iterations) == 4
    assert int(image_run.gan.d_optimizer.iterations) == 4


def test_generator_file_opens_in_plain_keras_without_keras_gan(image_run):
    script = (
        "import sys, numpy as np, keras\n"
        f"model = keras.models.load_model({str(image_run.out / 'generator.keras')!r})\n"
        "images = keras.ops.convert_to_numpy(model(np.zeros((3, 8), 'float32')))\n"
        "assert 'keras_gan' not in sys.modules\n"
        "print(images.shape, float(images.min()) >= -1, float(images.max()) <= 1)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd="/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(3, 28, 28, 1) True True"


def test_saved_generator_matches_the_trained_one(image_run):
    generator = generate.load_generator(image_run.out / "generator.keras")
    np.testing.assert_allclose(
        generate.sample(generator, 5, seed=1), image_run.gan.generate(5, seed=1), atol=1e-5
    )


def test_generate_cli_writes_a_png_grid(image_run, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert generate.main([str(image_run.out / "generator.keras"), "-n", "9", "--seed", "0", "--out", str(out)]) == 0
    with Image.open(out) as grid:
        assert grid.size == (3 * 28 + 4 * 2, 3 * 28 + 4 * 2)
    assert "wrote 9 samples" in capsys.readouterr().out


def test_cli_trains_points_and_generate_writes_raw_samples(tmp_path, capsys):
    out = tmp_path / "ring"
    code = train.main(["--dataset", "ring", "--epochs", "1", "--steps-per-epoch", "3", "--out", str(out), "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    assert str(out / "generator.keras") in printed
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == "mlp" and config["latent_dim"] == 2  # the ring preset
    assert (out / "samples" / "epoch_001.png").is_file()
    raw = tmp_path / "points.npy"
    assert generate.main([str(out / "generator.keras"), "-n", "50", "--out", str(raw)]) == 0
    points = np.load(raw)
    assert points.shape == (50, 2) and points.dtype == np.float32


def test_cli_data_scale_puts_the_rescaling_into_the_saved_generator(tmp_path):
    out = tmp_path / "grid"
    argv = ["--dataset", "grid", "--data-scale", "4", "--epochs", "1", "--steps-per-epoch", "2", "--out", str(out)]
    assert train.main([*argv, "--quiet"]) == 0
    assert json.loads((out / "config.json").read_text())["data_scale"] == 4.0
    generator = keras.models.load_model(out / "generator.keras")
    rescaling = generator.get_layer("to_data_scale")
    assert rescaling.scale == 4.0 and generator.layers[-1] is rescaling


def test_the_cli_takes_several_fourier_scales_and_a_resumed_run_keeps_them(tmp_path, capsys):
    out = tmp_path / "grid"
    argv = ["--dataset", "grid", "--fourier-scale", "2,32", "--epochs", "1", "--steps-per-epoch", "2", "--out", str(out)]
    assert train.main([*argv, "--quiet", "--no-lr-decay"]) == 0
    assert json.loads((out / "config.json").read_text())["fourier_scale"] == [2.0, 32.0]
    assert train.main(["--resume", str(out), "--epochs", "2", "--quiet"]) == 0
    assert TrainConfig.from_json((out / "config.json").read_text()).fourier_scale == (2.0, 32.0)
    with pytest.raises(SystemExit):
        train.main(["--dataset", "grid", "--fourier-scale", "2,fine", "--out", str(tmp_path / "bad")])
    assert "expected a number or comma-separated numbers such as 2,32, got '2,fine'" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_grid_preset_gives_the_discriminator_fourier_features_and_the_cli_turns_them_off(tmp_path):
    gan = train.build_gan(TrainConfig.for_dataset("grid"), (2,))
    fourier = gan.discriminator.get_layer("fourier_features")
    assert (fourier.features, fourier.scale) == (128, 2.0)
    assert fourier.projection.shape == (4, 128)  # pairs of 2-D points (PacGAN2)
    assert not any(isinstance(layer, networks.mlp.FourierFeatures) for layer in gan.generator.layers)
    assert TrainConfig.plain_for_dataset("grid").fourier_features == 0
    out = tmp_path / "grid"
    argv = ["--dataset", "grid", "--fourier-features", "0", "--epochs", "1", "--steps-per-epoch", "2", "--out", str(out)]
    assert train.main([*argv, "--quiet"]) == 0
    assert json.loads((out / "config.json").read_text())["fourier_features"] == 0
    argv = ["--dataset", "grid", "--fourier-scale", "1.5", "--epochs", "1", "--steps-per-epoch", "2", "--out", str(out)]
    assert train.main([*argv, "--quiet", "--overwrite", "--no-lr-decay"]) == 0  # constant rates, so it can resume
    assert json.loads((out / "config.json").read_text())["fourier_scale"] == 1.5
    # The projection is a weight: resuming restores it rather than drawing a new one.
    assert train.main(["--resume", str(out), "--epochs", "2", "--quiet"]) == 0
    projections = []
    for epoch in (1, 2):
        found = []

        def collect(name, item):
            if "fourier_features" in name and isinstance(item, h5py.Dataset):
                found.append(item[()])

        with h5py.File(out / "checkpoints" / f"epoch_{epoch:03d}.weights.h5") as weights:
            weights.visititems(collect)
        assert len(found) == 1 and found[0].shape == (4, 128)
        projections.append(found[0])
    np.testing.assert_array_equal(projections[0], projections[1])


def test_default_preset_trains_the_generator_16_times_faster_than_the_discriminator_and_samples_its_average():
    config = TrainConfig.for_dataset("mnist-sample")
    assert (config.d_lr, config.g_lr, config.lr) == (None, 3.2e-3, 2e-4)
    gan = train.build_gan(config, (28, 28, 1))
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(2e-4)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(3.2e-3)
    # A flag still wins over the preset.
    assert TrainConfig.for_dataset("mnist-sample", g_lr=2e-4).g_lr == 2e-4
    # Another model family on the same digits does not inherit the DCGAN's learning rates or moving average.
    assert config.ema == 0.999
    for model in ("cgan", "srgan", "mlp"):
        assert TrainConfig.for_dataset("mnist-sample", model=model).g_lr is None
    assert TrainConfig.for_dataset("mnist-sample", model="cgan").ema == 0.999  # cgan's own preset
    assert TrainConfig.for_dataset("mnist-sample", model="srgan").ema is None
    assert TrainConfig.for_dataset("mnist-sample", model="mlp").ema is None
    srgan = train.build_gan(TrainConfig.for_dataset("mnist-sample", model="srgan", base_filters=4), (28, 28, 1))
    assert float(srgan.g_optimizer.learning_rate) == pytest.approx(1e-4)


def test_default_preset_trains_25000_steps_and_the_readme_repeats_the_150_epoch_one_with_a_flag():
    # 200 epochs of 125 batches of 32 from the 4,000 training digits.
    config = TrainConfig.for_dataset("mnist-sample", base_filters=4)
    assert (config.epochs, train.prepare(config).steps) == (200, 125)
    assert train.config_from_args(parsers.train_parser().parse_args(["--epochs", "150"])).epochs == 150
    # README's tried-settings rows: a row's own --epochs comes after the 150 and wins.
    argv = ["--epochs", "150", "--d-steps", "2", "--epochs", "100"]
    assert train.config_from_args(parsers.train_parser().parse_args(argv)).epochs == 100


def test_default_preset_generator_convolves_its_7x7_map_once_and_old_run_configs_keep_the_plain_one():
    config = TrainConfig.for_dataset("mnist-sample", base_filters=4)
    assert config.seed_convs == 1
    generator = train.build_gan(config, (28, 28, 1)).generator
    assert [layer.output.shape[1:] for layer in generator.layers if type(layer) is keras.layers.Conv2D] == [(7, 7, 8)]
    assert TrainConfig.for_dataset("mnist-sample", seed_convs=0).seed_convs == 0  # a flag wins over the preset
    for model in ("cgan", "srgan"):  # measured on the DCGAN only
        assert TrainConfig.for_dataset("mnist-sample", model=model).seed_convs == 0
    # A config.json written before the option existed rebuilds the generator it trained.
    old = json.loads(config.to_json())
    del old["seed_convs"]
    assert TrainConfig.from_json(json.dumps(old)).seed_convs == 0


def test_default_preset_upsamples_with_kernel_4_and_penalises_d_with_r1_on_the_dcgan_only():
    config = TrainConfig.for_dataset("mnist-sample", base_filters=4)
    assert (config.upsample_kernel_size, config.r1_gamma) == (4, 1.0)
    gan = train.build_gan(config, (28, 28, 1))
    assert {layer.kernel_size for layer in gan.generator.layers if type(layer) is keras.layers.Conv2DTranspose} == {
        (4, 4)
    }
    assert gan.r1_gamma == 1.0
    for model in ("cgan", "srgan"):  # measured on the DCGAN only
        other = TrainConfig.for_dataset("mnist-sample", model=model)
        assert (other.upsample_kernel_size, other.r1_gamma) == (None, 0.0)
    # A config.json written before the option existed rebuilds the kernel-5 generator it trained.
    old = json.loads(config.to_json())
    del old["upsample_kernel_size"]
    rebuilt = train.build_gan(TrainConfig.from_json(json.dumps(old)), (28, 28, 1)).generator
    assert {layer.kernel_size for layer in rebuilt.layers if type(layer) is keras.layers.Conv2DTranspose} == {(5, 5)}


def _dense_widths(model):
    return [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def test_cli_mlp_units_set_both_networks_widths_and_survive_config_json(tmp_path):
    out = tmp_path / "grid"
    argv = ["--dataset", "grid", "--mlp-units", "16,8", "--epochs", "1", "--steps-per-epoch", "2", "--out", str(out)]
    assert train.main([*argv, "--quiet"]) == 0
    config = TrainConfig.from_json((out / "config.json").read_text())
    assert config.mlp_units == (16, 8)
    gan = train.build_gan(config, (2,))
    assert _dense_widths(gan.generator) == [16, 8, 2]
    assert _dense_widths(gan.discriminator) == [16, 8, 1]
    assert _dense_widths(keras.models.load_model(out / "generator.keras")) == [16, 8, 2]
    # Unset, the points keep the bundled 3 x 128.
    assert _dense_widths(train.build_gan(TrainConfig.for_dataset("ring"), (2,)).generator) == [128, 128, 128, 2]


@pytest.mark.parametrize(
    "units, message",
    [
        ((), "mlp_units must be a non-empty list of positive integers, got ()"),
        ((16, 0), r"mlp_units must be a non-empty list of positive integers, got \(16, 0\)"),
        ((16, 2.5), r"mlp_units must be a non-empty list of positive integers, got \(16, 2.5\)"),
    ],
)
def test_config_rejects_bad_mlp_units(units, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig.for_dataset("grid", mlp_units=units)


def test_mlp_units_belong_to_the_mlp_networks_only():
    with pytest.raises(ValueError, match="mlp_units is an option of model 'mlp', not of model 'dcgan'"):
        TrainConfig.for_dataset("mnist-sample", mlp_units=(64,))
    with pytest.raises(ValueError, match="generator_units is an option of model 'mlp', not of model 'dcgan'"):
        TrainConfig.for_dataset("mnist-sample", generator_units=(64,))
    with pytest.raises(ValueError, match=r"generator_units must be a non-empty list of positive integers, got \(8, -1\)"):
        TrainConfig.for_dataset("grid", generator_units=(8, -1))


def test_generator_units_give_the_generator_its_own_widths_and_survive_config_json(tmp_path):
    out = tmp_path / "grid"
    argv = ["--dataset", "grid", "--mlp-units", "16,8", "--generator-units", "12,12,4", "--epochs", "1"]
    assert train.main([*argv, "--steps-per-epoch", "2", "--out", str(out), "--quiet"]) == 0
    config = train.load_config(out)
    assert (config.mlp_units, config.generator_units) == ((16, 8), (12, 12, 4))
    gan = train.build_gan(config, (2,))
    assert _dense_widths(gan.generator) == [12, 12, 4, 2]
    assert _dense_widths(gan.discriminator) == [16, 8, 1]
    assert _dense_widths(keras.models.load_model(out / "generator.keras")) == [12, 12, 4, 2]


def test_mlp_units_alone_replace_a_presets_generator_widths():
    preset = train.build_gan(TrainConfig.for_dataset("grid"), (2,))
    assert _dense_widths(preset.generator) == [256, 256, 256, 256, 2]  # the grid's deeper generator
    assert _dense_widths(preset.discriminator) == [256, 256, 256, 1]
    assert TrainConfig.for_dataset("grid", mlp_units=(16,)).generator_units is None  # both networks 16 wide
    assert TrainConfig.for_dataset("grid", mlp_units=(16,), generator_units=(8, 8)).generator_units == (8, 8)


def test_cli_rejects_malformed_mlp_units(tmp_path, capsys):
    out = tmp_path / "grid"
    with pytest.raises(SystemExit) as stop:
        train.main(["--dataset", "grid", "--mlp-units", "256,x", "--out", str(out)])
    assert stop.value.code == 2
    assert "expected comma-separated layer widths such as 256,256,256, got '256,x'" in capsys.readouterr().err
    # A zero width parses, and the config's own check names it.
    assert train.main(["--dataset", "grid", "--mlp-units", "256,0", "--out", str(out)]) != 0
    assert "mlp_units must be a non-empty list of positive integers, got (256, 0)" in capsys.readouterr().err
    assert not out.exists()


def test_cli_beta_1_reaches_both_optimizers():
    config = train.config_from_args(parsers.train_parser().parse_args(["--dataset", "ring", "--beta-1", "0"]))
    assert config.beta_1 == 0.0
    gan = train.build_gan(config, (2,))
    assert (float(gan.d_optimizer.beta_1), float(gan.g_optimizer.beta_1)) == (0.0, 0.0)
    # Without the flag: the default, 0.5.
    assert float(train.build_gan(TrainConfig.for_dataset("ring"), (2,)).g_optimizer.beta_1) == 0.5


def test_cli_share_generator_pass_reaches_the_config_and_the_gan(tmp_path):
    out = tmp_path / "ring"
    argv = ["--dataset", "ring", "--share-generator-pass", "--epochs", "1", "--steps-per-epoch", "2", "--out", str(out)]
    assert train.main([*argv, "--quiet"]) == 0
    config = TrainConfig.from_json((out / "config.json").read_text())
    assert config.share_generator_pass is True
    assert train.build_gan(config, (2,)).share_generator_pass is True
    assert TrainConfig.for_dataset("ring").share_generator_pass is False
    with pytest.raises(ValueError, match="share_generator_pass must be true or false, got 'yes'"):
        TrainConfig(share_generator_pass="yes")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--dataset", "nope"], "unknown dataset 'nope'; valid: images: mnist-sample, mnist"),
        (["--epochs", "0"], "epochs must be a positive integer, got 0"),
        (["--batch-size", "-4"], "batch_size must be a positive integer, got -4"),
        (["--lr", "0"], "lr must be a positive number, got 0.0"),
        (["--beta-1", "1"], "beta_1 must lie in [0, 1), got 1.0"),
        (["--batch-size", "5000", "--epochs", "1"], "5000"),
        (["--dataset", "grid", "--data-scale", "0"], "data_scale must be a positive number, got 0.0"),
        (["--data-scale", "4"], "data_scale is an option of model 'mlp', not of model 'dcgan'"),
        (["--fourier-features", "16"], "fourier_features is an option of model 'mlp', not of model 'dcgan'"),
        (["--seed-convs", "-1"], "seed_convs must be a non-negative integer, got -1"),
        (
            ["--dataset", "ring", "--seed-convs", "1"],
            "seed_convs is an option of model 'dcgan', 'cgan' and 'ssgan', not of model 'mlp'",
        ),
        (["--upsample-kernel-size", "0"], "upsample_kernel_size must be a positive integer or None, got 0"),
        (
            ["--dataset", "ring", "--upsample-kernel-size", "4"],
            "upsample_kernel_size is an option of model 'dcgan', 'cgan' and 'ssgan', not of model 'mlp'",
        ),
        (["--dataset", "grid", "--fourier-features", "-1"], "fourier_features must be a non-negative integer, got -1"),
        (["--dataset", "grid", "--fourier-scale", "0"], "fourier_scale must be a positive number, got 0.0"),
    ],
)
def test_cli_refuses_bad_settings_before_writing_anything(argv, message, tmp_path, capsys):
    out = tmp_path / "run"
    assert train.main([*argv, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_an_earlier_run_is_kept_unless_overwrite_is_given(image_run, tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.json").write_text("{}")
    assert train.main(["--dataset", "ring", "--epochs", "1", "--steps-per-epoch", "1", "--out", str(out)]) == 2
    assert (
        f"--out {out} already holds a run: continue it with --resume {out}, write a new one beside it with --new, "
        "or replace it with --overwrite"
    ) in capsys.readouterr().err
    assert (out / "config.json").read_text() == "{}"
    argv = ["--dataset", "ring", "--epochs", "1", "--steps-per-epoch", "1", "--out", str(out), "--overwrite", "--quiet"]
    assert train.main(argv) == 0
    assert json.loads((out / "config.json").read_text())["dataset"] == "ring"


def test_overwrite_never_deletes_a_folder_that_is_not_a_run(tmp_path, capsys):
    out = tmp_path / "photos"
    out.mkdir()
    (out / "holiday.jpg").write_bytes(b"not really")
    argv = ["--dataset", "ring", "--epochs", "1", "--out", str(out), "--overwrite"]
    assert train.main(argv) == 2
    assert "not a keras_gan run" in capsys.readouterr().err
    assert (out / "holiday.jpg").exists()


def test_generate_refuses_a_file_that_is_not_a_keras_model(tmp_path, capsys):
    bogus = tmp_path / "generator.keras"
    bogus.write_text("hello")
    assert generate.main([str(bogus), "--out", str(tmp_path / "x.png")]) == 2
    assert "is not a Keras model file" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_help_lists_the_options():
    result = subprocess.run(
        [sys.executable, "-m", "keras_gan.train", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    for flag in ("--model", "--dataset", "--epochs", "--steps-per-epoch", "--batch-size", "--latent-dim",
                 "--loss", "--d-steps", "--lr", "--seed", "--out"):
        assert flag in result.stdout


def test_importing_the_package_registers_the_models_and_names_load_on_first_use():
    code = (
        "import keras, keras_gan\n"
        "print(keras.saving.get_registered_object('keras_gan>GAN') is keras_gan.GAN)\n"
        "from keras_gan import GAN, losses\n"
        "from keras_gan.models.gan import GAN as direct\n"
        "print(GAN is direct, losses.__name__)\n"
        "try:\n"
        "    keras_gan.no_such_name\n"
        "except AttributeError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "True",
        "True keras_gan.losses",
        "module 'keras_gan' has no attribute 'no_such_name'",
    ]


def test_cli_sets_the_tensorflow_log_level_before_tensorflow_loads():
    # While `python -m keras_gan.train` imports the package, Python has set sys.argv[0] to "-m";
    # the package then leaves TensorFlow unloaded so that the command can quieten it first.
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    code = (
        "import os, sys\n"
        "sys.argv[0] = '-m'\n"
        "import keras_gan\n"
        "assert 'tensorflow' not in sys.modules\n"
        "import keras_gan.train\n"
        "import tensorflow\n"
        "print(os.environ['TF_CPP_MIN_LOG_LEVEL'])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3"
    # TensorFlow's "This TensorFlow binary is optimized ..." line, written at level INFO
    # when the level was not set before TensorFlow loaded (on CPUs it was not built for).
    assert "cpu_feature_guard" not in result.stderr


def test_config_rejects_malformed_json():
    with pytest.raises(ValueError, match="not valid JSON"):
        TrainConfig.from_json("{epochs: 3")
    with pytest.raises(ValueError, match="unknown settings: colour"):
        TrainConfig.from_json('{"colour": "blue"}')
