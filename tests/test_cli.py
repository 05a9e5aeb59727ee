"""The command line from the user's side: the family registry, one source of defaults, flags as typed,
fast and clean --help, run directories, TensorBoard logs, and generate/evaluate on run directories."""

import csv
import dataclasses
import io
import json
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gan import losses, latent
from keras_gan.cli import evaluate, families, generate, parsers, presets, train
from keras_gan.cli.config import TrainConfig, defaults, field_names
from keras_gan.data import catalog
from keras_gan.evaluation import extractors
from keras_gan.models.gan import GAN
from keras_gan.networks import conditional, srgan
from keras_gan.training import distribution


def parse(*argv):
    return train.config_from_args(parsers.train_parser().parse_args(list(argv)))


def tiny_ring(out, **overrides):
    settings = dict(
        dataset="ring", model="mlp", epochs=2, steps_per_epoch=2, batch_size=16, latent_dim=2, mlp_units=(8,),
        samples=4, out=str(out),
    )
    return TrainConfig(**{**defaults(), **settings, **overrides})


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
    return train.run(tiny_ring(tmp_path_factory.mktemp("runs") / "ring"), verbose=0)


# ---------------------------------------------------------------------------- the registry


@pytest.mark.parametrize("name", list(families.FAMILIES))
def test_every_family_names_importable_functions_an_offline_demo_and_real_settings(name):
    family = families.FAMILIES[name]
    assert family.name == name
    assert callable(family.builder()) and callable(family.data_setup())
    assert issubclass(family.gan_type(), keras.Model) and hasattr(family.gan_type(), "train_step")
    assert catalog.DATASETS[family.demo].offline
    family.check_dataset(family.demo)  # the demo is data it can train on
    assert set(family.settings) <= set(field_names())
    assert set(family.preset) <= set(field_names())
    # Given no dataset, the family trains on its demo.
    assert TrainConfig(model=name).dataset == family.demo
    assert parse("--model", name).dataset == family.demo


def test_model_choices_come_from_the_registry_and_a_new_family_is_one_entry(monkeypatch, tmp_path):
    assert parsers.train_parser()._option_string_actions["--model"].choices == list(families.FAMILIES)
    toy = dataclasses.replace(families.FAMILIES["dcgan"], name="toy", summary="a DCGAN under another name")
    monkeypatch.setitem(families.FAMILIES, "toy", toy)
    assert "toy" in parsers.train_parser()._option_string_actions["--model"].choices
    config = parse("--model", "toy", "--base-filters", "4", "--latent-dim", "4", "--out", str(tmp_path / "toy"))
    assert (config.model, config.dataset, config.seed_convs) == ("toy", "mnist-sample", 0)  # no DCGAN preset
    gan = train.build_gan(config, (28, 28, 1))
    assert type(gan) is GAN and gan.generator.outputs[0].shape[1:] == (28, 28, 1)


def test_a_setting_of_another_family_is_refused_naming_the_families_that_read_it():
    with pytest.raises(ValueError, match=r"pack is an option of model 'dcgan' and 'mlp', not of model 'cgan' "
                                         r"\(leave it at 1\)"):
        TrainConfig(model="cgan", pack=2)
    with pytest.raises(ValueError, match="l1_weight is an option of model 'pix2pix', not of model 'srgan'"):
        TrainConfig(model="srgan", l1_weight=10.0)
    with pytest.raises(ValueError, match="spectral_norm is an option of model 'dcgan', 'mlp' and 'cgan', "
                                         "not of model 'pix2pix'"):
        TrainConfig(model="pix2pix", spectral_norm=True)


def test_the_data_a_family_needs_is_checked_by_the_registry():
    with pytest.raises(ValueError, match="model 'dcgan' needs images; dataset 'ring' holds points"):
        TrainConfig(dataset="ring", model="dcgan")
    with pytest.raises(ValueError, match="dataset 'mnist-edges' holds \\(source, target\\) pairs for model 'pix2pix'"):
        TrainConfig(dataset="mnist-edges", model="cgan")
    with pytest.raises(ValueError, match="model 'cgan' needs labelled images; dataset 'ring' holds points"):
        TrainConfig(dataset="ring", model="cgan")


def test_parser_names_agree_with_the_modules_that_define_them():
    assert parsers.LOSSES == tuple(losses.LOSSES)
    assert parsers.STRATEGIES == distribution.STRATEGIES
    assert parsers.PRECISIONS == distribution.PRECISIONS
    assert parsers.CONDITIONINGS == conditional.CONDITIONINGS
    assert parsers.SCALES == srgan.SCALES
    assert set(parsers.FEATURE_EXTRACTORS) == set(extractors.FEATURE_EXTRACTORS)
    assert parsers.INTERPOLATIONS == latent.METHODS


# ---------------------------------------------------------------------------- one source of defaults


def test_the_command_with_no_arguments_trains_exactly_the_settings_dataclass():
    assert parse() == TrainConfig() == TrainConfig.for_dataset("mnist-sample")
    assert TrainConfig().out == "runs/mnist-sample"
    for name, preset in presets.PRESETS.items():
        config = parse("--dataset", name)
        assert config == TrainConfig(dataset=name)
        assert {key: getattr(config, key) for key in preset} == {
            key: tuple(value) if isinstance(value, list) else value for key, value in preset.items()
        }
    # Every field has one default, written on the field; only dataset, model and out are resolved.
    assert set(field_names()) - set(defaults()) == {"dataset", "model", "out"}


def test_print_config_shows_the_resolved_settings_and_trains_nothing(tmp_path, capsys):
    out = tmp_path / "cgan"
    assert train.main(["--model", "cgan", "--epochs", "3", "--out", str(out), "--print-config"]) == 0
    printed = TrainConfig.from_json(capsys.readouterr().out)
    assert printed == TrainConfig(model="cgan", epochs=3, out=str(out))
    assert (printed.dataset, printed.loss, printed.ema) == ("mnist-sample", "hinge", 0.999)  # cgan's preset
    assert not out.exists()


def test_every_compile_option_is_passed_from_the_settings():
    config = TrainConfig(dataset="ring", steps_per_execution=3, penalty_every=2, r1_gamma=0.5)
    gan = train.build_gan(config, (2,))
    assert (gan.penalty_every, gan.r1_gamma) == (2, 0.5)
    assert int(gan.steps_per_execution) == 3


# ---------------------------------------------------------------------------- flags as typed


def test_a_flag_typed_with_its_default_value_wins_over_the_config_file(tmp_path):
    settings = tmp_path / "cfg.json"
    settings.write_text(json.dumps({"dataset": "ring", "epochs": 3, "seed": 7}))
    config = parse("--config", str(settings), "--dataset", "mnist-sample", "--seed", "0")
    assert (config.dataset, config.seed, config.epochs) == ("mnist-sample", 0, 3)
    assert parse("--config", str(settings)).dataset == "ring"


def test_resume_refuses_a_dataset_flag_even_with_the_default_value(ring_run, capsys):
    before = (ring_run.out / "config.json").read_text()
    assert train.main(["--resume", str(ring_run.out), "--dataset", "mnist-sample"]) == 2
    assert "only --epochs may change them, not --dataset" in capsys.readouterr().err
    assert (ring_run.out / "config.json").read_text() == before


def test_cgan_with_packing_is_refused_before_any_file_is_written(tmp_path, capsys):
    out = tmp_path / "cgan"
    assert train.main(["--model", "cgan", "--pack", "2", "--out", str(out)]) == 2
    assert "pack is an option of model 'dcgan' and 'mlp', not of model 'cgan'" in capsys.readouterr().err
    assert not out.exists()


def test_image_size_keeps_each_datasets_own_channels(tmp_path):
    images = tmp_path / "gray.npy"
    np.save(images, np.zeros((4, 8, 8), np.uint8))
    assert parse("--dataset", "mnist-edges", "--image-size", "16").image_shape == (16, 16, 1)
    assert parse("--dataset", "cifar10", "--image-size", "16").image_shape == (16, 16, 3)
    assert parse("--dataset", str(tmp_path), "--image-size", "16").image_shape == (16, 16, 3)
    assert parse("--dataset", str(images), "--image-size", "16").image_shape == (16, 16, 1)
    assert parse("--model", "pix2pix", "--image-size", "16").image_shape == (16, 16, 1)  # its demo's


def test_an_array_of_points_picks_the_mlp_and_one_of_images_the_dcgan(tmp_path):
    points, images = tmp_path / "points.npy", tmp_path / "images.npy"
    np.save(points, np.zeros((10, 2), np.float32))
    np.save(images, np.zeros((10, 8, 8, 1), np.uint8))
    assert (TrainConfig(dataset=str(points)).model, TrainConfig(dataset=str(images)).model) == ("mlp", "dcgan")
    assert TrainConfig(dataset=str(points)).out == "runs/points"


def test_old_run_configs_without_the_newer_settings_take_their_defaults(ring_run):
    old = json.loads((ring_run.out / "config.json").read_text())
    for name in ("penalty_every", "beta_1", "share_generator_pass", "upsample_kernel_size", "samples"):
        del old[name]
    config = TrainConfig.from_json(json.dumps(old))
    assert (config.penalty_every, config.beta_1, config.share_generator_pass, config.samples) == (1, 0.5, False, 64)
    assert (config.epochs, config.mlp_units) == (2, (8,))  # the file's own settings


def test_an_old_style_run_directory_resumes(tmp_path):
    out = tmp_path / "old"
    train.run(tiny_ring(out, epochs=1), verbose=0)
    old = json.loads((out / "config.json").read_text())
    del old["penalty_every"], old["beta_1"]
    (out / "config.json").write_text(json.dumps(old))
    result = train.resume(out, epochs=2, verbose=0)
    assert (result.initial_epoch, len(result.history["d_loss"])) == (1, 2)


# ---------------------------------------------------------------------------- --help


@pytest.mark.parametrize("command", ["train", "generate", "evaluate"])
def test_help_answers_without_importing_tensorflow(command):
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", f"keras_gan.{command}", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert f"python -m keras_gan.{command}" in result.stdout
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "keras_gan.cli.parsers" in imported
    assert not {"tensorflow", "keras"} & imported


@pytest.mark.parametrize("parser", [parsers.train_parser, parsers.generate_parser, parsers.evaluate_parser])
def test_each_help_string_says_its_default_once(parser):
    for action in parser()._actions:
        text = action.help or ""
        assert text.count("default") <= 1, text
        assert "(default: None)" not in text and "%(default)" not in text
    assert "(default" not in parser().format_help().replace("(default:", "")  # one form: "(default: X)"


def test_help_gives_what_a_run_with_no_arguments_trains_with(capsys):
    # The user reads --help, then runs the command alone: the help's figure is the one the run uses.
    assert train.main(["--print-config"]) == 0
    resolved = TrainConfig.from_json(capsys.readouterr().out)
    text = " ".join(parsers.train_parser().format_help().split())
    assert resolved.epochs == 200 and "number of epochs (default: 200 with no arguments;" in text
    assert "or 40)" in text  # what a dataset without a preset value gets (TrainConfig's own default)
    assert resolved.batch_size == 32 and "samples per step (default: 32 with no arguments;" in text
    assert resolved.g_lr == 3.2e-3 and "generator learning rate (default: 0.0032 with no arguments;" in text
    assert resolved.ema == 0.999 and "e.g. 0.999 (default: 0.999 with no arguments;" in text
    assert resolved.r1_gamma == 1.0 and "0 is off (default: 1 with no arguments;" in text
    # A setting the preset leaves alone shows the one default.
    assert resolved.latent_dim == 100 and "latent vector (default: 100)" in text


def test_dataset_help_lists_every_accepted_form():
    text = parsers.train_parser()._option_string_actions["--dataset"].help
    for name in catalog.DATASETS:
        assert name in text
    for form in ("image folder", ".npy array", "A/ and B/ subfolders"):
        assert form in text


# ---------------------------------------------------------------------------- generate and evaluate on a run


def test_generate_takes_a_run_directory(ring_run, tmp_path, capsys):
    out = tmp_path / "points.npy"
    assert generate.main([str(ring_run.out), "-n", "10", "--seed", "0", "--out", str(out)]) == 0
    assert np.load(out).shape == (10, 2)
    assert "wrote 10 samples" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--out", "x.jpg"], "--out x.jpg: this writes .png (a grid, or a scatter plot for points) or .npy"),
        (["--out", "x.gif"], "--out x.gif: this writes .png"),
        (["--interpolate", "4", "--out", "x.npy"], "--out x.npy: this writes .png or .gif, not .npy"),
    ],
)
def test_generate_refuses_an_output_it_does_not_write_before_loading_anything(argv, message, tmp_path, capsys):
    assert generate.main([str(tmp_path / "missing.keras"), *argv]) == 2
    assert message in capsys.readouterr().err


def test_evaluate_on_a_run_over_an_array_of_points_needs_no_image_features(tmp_path, monkeypatch):
    array = tmp_path / "blob.npy"
    np.save(array, np.random.default_rng(0).normal(size=(200, 2)).astype(np.float32))
    run_dir = tmp_path / "blob"
    train.run(tiny_ring(run_dir, dataset=str(array), epochs=1), verbose=0)

    def refuse(name):
        raise AssertionError(f"feature extractor {name} loaded for points")

    monkeypatch.setattr(extractors, "get", refuse)
    report = evaluate.evaluate_run(run_dir, num_samples=100)
    assert set(report["metrics"]) == {"fid", "precision", "recall"}
    assert "coordinates" in report["metrics"]["fid"]["features"]
    assert json.loads((run_dir / "metrics.json").read_text())["metrics"]["fid"]["value"] >= 0


# ---------------------------------------------------------------------------- TensorBoard


def _events(directory):
    scalars, images = {}, []
    for path in sorted(directory.glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                array = tf.make_ndarray(value.tensor)
                if value.tag == "samples":
                    images.append((event.step, array[2:]))  # width, height, then the encoded images
                else:
                    scalars.setdefault(value.tag, []).append((event.step, float(array)))
    return scalars, images


def test_the_run_directory_holds_tensorboard_events_of_every_metric_and_each_sample_grid(ring_run):
    scalars, images = _events(ring_run.out / "tensorboard")
    with open(ring_run.out / "log.csv") as file:
        rows = list(csv.DictReader(file))
    assert set(scalars) == set(rows[0]) - {"epoch"}
    for name, points in scalars.items():
        assert [step for step, _ in points] == [1, 2]
        np.testing.assert_allclose([value for _, value in points], [float(row[name]) for row in rows], rtol=1e-6)
    assert [step for step, _ in images] == [1, 2]
    for step, encoded in images:
        logged = np.asarray(Image.open(io.BytesIO(encoded[0])))
        with Image.open(ring_run.out / "samples" / f"epoch_{step:03d}.png") as written:
            np.testing.assert_array_equal(logged, np.asarray(written))


def test_keras_tensorboard_callback_logs_a_gans_fit(tmp_path):
    gan = train.build_gan(tiny_ring(tmp_path / "unused"), (2,))
    points = np.random.default_rng(0).normal(size=(32, 2)).astype("float32")
    gan.fit(points, batch_size=16, epochs=2, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path / "logs")])
    scalars, _ = _events(tmp_path / "logs" / "train")
    assert [step for step, _ in scalars["epoch_d_loss"]] == [0, 1]
    assert [step for step, _ in scalars["epoch_g_loss"]] == [0, 1]


def test_a_resumed_run_keeps_one_tensorboard_point_per_epoch(tmp_path):
    out = tmp_path / "ring"
    first = train.run(tiny_ring(out), verbose=0)
    # As if killed after logging epoch 2 but before its checkpoint became the latest.
    (out / "checkpoints" / "latest.json").write_text(json.dumps({"epoch": 1, "weights": "epoch_001.weights.h5"}))
    resumed = train.resume(out, verbose=0)
    scalars, images = _events(out / "tensorboard")
    assert [step for step, _ in scalars["d_loss"]] == [1, 2] and [step for step, _ in images] == [1, 2]
    np.testing.assert_allclose([value for _, value in scalars["d_loss"]], resumed.history["d_loss"], rtol=1e-6)
    assert scalars["d_loss"][0][1] == pytest.approx(first.history["d_loss"][0], rel=1e-6)  # from the checkpoint
