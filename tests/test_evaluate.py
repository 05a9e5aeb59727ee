import json

import numpy as np
import pytest
from PIL import Image

from keras_gan import networks
from keras_gan.data import datasets as data
from keras_gan.cli import evaluate
from keras_gan.evaluation import extractors as feature_extractors
from keras_gan.cli import train
from keras_gan.cli.config import TrainConfig, defaults


def tiny_config(out, **overrides):
    settings = dict(
        dataset="mnist-sample", model="dcgan", epochs=1, steps_per_epoch=2, batch_size=16,
        latent_dim=8, base_filters=4, samples=4, out=str(out),
    )
    settings.update(overrides)
    return TrainConfig(**{**defaults(), **settings})  # a plain GAN: no preset setting


@pytest.fixture(scope="module")
def image_run(tmp_path_factory):
    return train.run(tiny_config(tmp_path_factory.mktemp("runs") / "mnist"), verbose=0).out


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
    config = tiny_config(tmp_path_factory.mktemp("runs") / "ring", dataset="ring", model="mlp", latent_dim=2)
    return train.run(config, verbose=0).out


def test_points_follow_the_pacgan_protocol(ring_run, capsys):
    assert evaluate.main([str(ring_run)]) == 0
    report = json.loads((ring_run / "metrics.json").read_text())
    assert report["dataset"] == "ring"
    entries = report["metrics"]
    assert set(entries) == {"modes", "high_quality", "reverse_kl", "mode_spread"}
    for entry in entries.values():
        assert entry["samples"]["generated"] == 2500 and entry["samples"]["num_modes"] == 8
        assert "3 std" in entry["features"]
    # Real points from the mixture: every mode, ~98.9% within 3 std (1 - exp(-4.5)), KL ~0.
    assert entries["modes"]["real_data"] == 8
    assert entries["high_quality"]["real_data"] == pytest.approx(1 - np.exp(-4.5), abs=0.01)
    assert entries["reverse_kl"]["real_data"] < 0.01
    # The ring's std is 0.01; real points' spread within 3 std is 0.974 of it (metrics.mode_statistics).
    assert entries["mode_spread"]["real_data"] == pytest.approx(0.00974, rel=0.05)
    view = report["discriminator"]
    assert {"d_real", "d_fake", "d_accuracy", "d_loss"} <= set(view)
    assert all(0.0 <= view[key]["value"] <= 1.0 for key in ("d_real", "d_fake", "d_accuracy"))
    assert view["d_real"]["samples"]["real"] == 2500 and "epoch 1" in view["d_real"]["features"]
    out = capsys.readouterr().out
    assert "modes captured" in out and "within-mode std" in out and "D accuracy" in out and "metrics.json" in out


def test_draws_report_the_mean_and_spread_of_single_draws(ring_run, tmp_path, capsys):
    singles = []
    for seed in range(3):
        assert evaluate.main([str(ring_run), "--seed", str(seed), "--out", str(tmp_path / f"seed{seed}.json")]) == 0
        singles.append(json.loads((tmp_path / f"seed{seed}.json").read_text())["metrics"])
    capsys.readouterr()
    assert evaluate.main([str(ring_run), "--draws", "3", "--out", str(tmp_path / "draws.json")]) == 0
    entries = json.loads((tmp_path / "draws.json").read_text())["metrics"]
    assert set(entries) == set(singles[0])
    for name, entry in entries.items():
        values = [single[name]["value"] for single in singles]
        floors = [single[name]["real_data"] for single in singles]
        assert entry["samples"]["draws"] == "3 (seeds 0-2)"
        if None in values:  # the tiny run's reverse KL is infinite (no high-quality sample): so is the mean
            assert entry["value"] is None and entry["draw_values"] == values
            continue
        assert entry["draw_values"] == pytest.approx(values)
        assert entry["value"] == pytest.approx(np.mean(values))
        assert entry["draw_std"] == pytest.approx(np.std(values, ddof=1))
        assert entry["real_data"] == pytest.approx(np.mean(floors))
        assert entry["real_data_draw_std"] == pytest.approx(np.std(floors, ddof=1))
    # Each draw compares its own fresh real points: three floors, each named.
    assert entries["modes"]["samples"]["real_data_floor"].count("real points") == 3
    out = capsys.readouterr().out
    assert "(sd " in out and "draws: 3 (seeds 0-2)" in out


def test_draws_of_digits_drop_the_within_draw_spread(image_run):
    from keras_gan.cli import generate

    generator = generate.load_generator(image_run / "generator.keras")
    single, _ = evaluate.evaluate_generator(generator, "mnist-sample", num_samples=32, seed=1)
    entries, _ = evaluate.evaluate_generator(generator, "mnist-sample", num_samples=32, seed=0, draws=2)
    assert set(entries) == {"fid", "kid", "classifier_score", "precision", "recall"}
    assert "std" not in entries["kid"]  # KID's spread over subsets of one draw; draw_std replaces it
    assert entries["fid"]["draw_values"][1] == pytest.approx(single["fid"]["value"])
    assert entries["fid"]["draw_std"] > 0


def test_a_reseeded_evaluation_reuses_what_its_seed_did_not_choose():
    evaluation = evaluate.Evaluation("mnist-sample", num_samples=32)
    twin = evaluation.with_seed(3)
    # All 1,000 held-out digits fit under the cap: the same images and features, another seed.
    assert twin.seed == 3 and evaluation.seed == 0
    assert twin.real_features is evaluation.real_features and twin.features is evaluation.features
    capped = evaluate.Evaluation("mnist-sample", num_samples=32, num_real=100)
    other = capped.with_seed(1)
    # Under a cap of 100 the seed picks the real subset: a new one, through the same extractor.
    assert len(other.real) == 100 and not np.array_equal(other.real, capped.real)
    assert other.features is capped.features and other.num_samples == 32


def test_rejection_sampling_writes_its_own_report_beside_the_plain_one(ring_run, capsys):
    assert evaluate.main([str(ring_run)]) == 0
    plain = (ring_run / "metrics.json").read_text()
    assert evaluate.main([str(ring_run), "--rejection"]) == 0
    assert (ring_run / "metrics.json").read_text() == plain  # the earlier report is kept
    report = json.loads((ring_run / "metrics_drs.json").read_text())
    samples = report["metrics"]["modes"]["samples"]
    assert samples["generated"] == 2500
    assert samples["sampler"].startswith("discriminator rejection sampling (Azadi et al. 2019), gamma 0: kept 2500 of")
    assert "metrics_drs.json" in capsys.readouterr().out


def test_a_packed_run_is_rejection_sampled_in_whole_packs(tmp_path):
    config = tiny_config(tmp_path / "grid", dataset="grid", model="mlp", latent_dim=2, pack=2, mlp_units=(8,))
    run = train.run(config, verbose=0).out
    assert evaluate.main([str(run), "--rejection"]) == 0
    sampler = json.loads((run / "metrics_drs.json").read_text())["metrics"]["modes"]["samples"]["sampler"]
    assert "gamma 0, whole packs of 2 kept or rejected: kept 2500 of" in sampler


def test_the_trained_generator_of_a_run_with_a_moving_average_gets_its_own_report(tmp_path, capsys):
    run = train.run(tiny_config(tmp_path / "ema", ema=0.5), verbose=0).out
    assert evaluate.main([str(run), "--num-samples", "64"]) == 0
    average = (run / "metrics.json").read_text()
    assert evaluate.main([str(run), "--num-samples", "64", "--trained-generator"]) == 0
    assert (run / "metrics.json").read_text() == average  # the earlier report is kept
    trained = json.loads((run / "metrics_trained.json").read_text())
    assert trained["generator"] == f"the trained generator of {run / 'checkpoints' / 'epoch_001.weights.h5'} (epoch 1)"
    assert trained["metrics"]["fid"]["value"] != json.loads(average)["metrics"]["fid"]["value"]
    assert "metrics_trained.json" in capsys.readouterr().out
    assert evaluate.main(["--generator", "g.keras", "--dataset", "ring", "--trained-generator"]) == 2
    assert "--trained-generator needs a run directory" in capsys.readouterr().err
    assert evaluate.report_name(rejection=True, trained_generator=True) == "metrics_trained_drs.json"


def test_rejection_sampling_needs_a_run_directory(capsys):
    assert evaluate.main(["--generator", "g.keras", "--dataset", "ring", "--rejection"]) == 2
    assert "--rejection needs a run directory" in capsys.readouterr().err


def test_digits_are_measured_in_mnist_classifier_features(image_run):
    report = evaluate.evaluate_run(image_run, num_samples=64)
    written = json.loads((image_run / "metrics.json").read_text())
    assert written == json.loads(json.dumps(report))
    entries = report["metrics"]
    assert set(entries) == {"fid", "kid", "classifier_score", "precision", "recall"}
    for entry in entries.values():
        assert entry["features"].startswith("MNIST classifier features")
        assert entry["samples"]["generated"] == 64 and entry["samples"]["real"] == 1000
        assert entry["samples"]["real_split"].startswith("test split")
        floor = entry["samples"]["real_data_floor"]
        assert floor == "64 real training images vs the 1000 real images the samples are compared with"
    # Two untrained networks: far from the digits, while real training digits sit close to them.
    assert entries["fid"]["value"] > 10 * entries["fid"]["real_data"]
    assert 1.0 <= entries["classifier_score"]["value"] <= 10.0 and entries["classifier_score"]["real_data"] > 7.0
    assert report["discriminator"]["d_accuracy"]["samples"]["real"] == 1000


def test_held_out_digits_against_themselves_are_a_perfect_score():
    evaluation = evaluate.Evaluation("mnist-sample", num_real=200)
    values = evaluation(evaluation.real)
    assert values["fid"] == pytest.approx(0.0, abs=1e-6)
    assert values["precision"] == 1.0 and values["recall"] == 1.0
    floor, what = evaluation.real_data_floor()
    assert what == "200 real training images" and 0 < floor["fid"] < 100


def test_generator_file_with_dataset(image_run, tmp_path, capsys):
    out = tmp_path / "m.json"
    args = ["--generator", str(image_run / "generator.keras"), "--dataset", "mnist-sample", "--num-samples", "32"]
    assert evaluate.main([*args, "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert "discriminator" not in report and report["metrics"]["fid"]["samples"]["generated"] == 32
    assert "FID" in capsys.readouterr().out


def write_folder(path, n=6):
    path.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (28, 28, 3), dtype=np.uint8)).save(path / f"{i}.png")
    return path


def fake_inception(include_top, weights):
    import keras

    pixels = keras.Input((299, 299, 3))
    pool = keras.layers.GlobalAveragePooling2D(name="avg_pool")(pixels)
    return keras.Model(pixels, keras.layers.Dense(3, activation="softmax")(pool))


def test_other_images_use_inception_features(tmp_path, monkeypatch):
    monkeypatch.setitem(
        feature_extractors.FEATURE_EXTRACTORS, "inception_v3",
        lambda: feature_extractors.inception_v3_features(builder=fake_inception),
    )
    folder = write_folder(tmp_path / "images")
    generator = networks.dcgan_generator(8, (28, 28, 3), base_filters=4)
    entries, _ = evaluate.evaluate_generator(generator, str(folder), num_samples=6)
    assert entries["fid"]["features"].startswith("InceptionV3 pool features")
    assert entries["fid"]["samples"]["real"] == 6 and "no held-out split" in entries["fid"]["samples"]["real_split"]


def test_missing_inception_weights_give_a_clear_message(tmp_path, monkeypatch, capsys):
    def offline():
        raise feature_extractors.FeaturesUnavailableError("InceptionV3 weights need network once")

    monkeypatch.setitem(feature_extractors.FEATURE_EXTRACTORS, "inception_v3", offline)
    folder = write_folder(tmp_path / "images")
    generator = networks.dcgan_generator(8, (28, 28, 3), base_filters=4)
    generator.save(tmp_path / "g.keras")
    assert evaluate.main(["--generator", str(tmp_path / "g.keras"), "--dataset", str(folder)]) == 0
    assert "unavailable: InceptionV3 weights need network once" in capsys.readouterr().out
    report = json.loads((tmp_path / "metrics.json").read_text())
    assert report["metrics"] == {"unavailable": {"reason": "InceptionV3 weights need network once"}}


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "either a run directory or --generator"),
        (["--generator", "g.keras"], "needs --dataset"),
        (["somewhere/that/is/not/a/run"], "not a keras_gan run directory"),
        (["somewhere", "--draws", "0"], "--draws must be a positive integer, got 0"),
    ],
)
def test_cli_errors(argv, message, capsys):
    assert evaluate.main(argv) == 2
    assert message in capsys.readouterr().err


def test_report_is_strict_json_even_with_infinite_kl(tmp_path):
    path = tmp_path / "metrics.json"
    evaluate.write_report({"metrics": {"reverse_kl": {"value": float("inf")}}}, path)
    assert json.loads(path.read_text()) == {"metrics": {"reverse_kl": {"value": None}}}
    evaluate.write_report({"metrics": {"reverse_kl": {"draw_values": [0.5, float("inf")]}}}, path)
    assert json.loads(path.read_text()) == {"metrics": {"reverse_kl": {"draw_values": [0.5, None]}}}


def test_sample_metrics_callback_reaches_history_log_and_plot(tmp_path):
    from keras_gan.training import callbacks

    config = tiny_config(tmp_path / "ring", dataset="ring", model="mlp", latent_dim=2, epochs=3)
    metric = callbacks.SampleMetrics(evaluate.Evaluation("ring"), num_samples=200, every=2)
    result = train.run(config, verbose=0, extra_callbacks=[metric])
    modes = result.history["modes"]
    assert np.isnan(modes[0]) and 0 <= modes[1] <= 8 and 0 <= modes[2] <= 8  # epoch 2, and the last
    assert set(result.history) >= {"modes", "high_quality", "reverse_kl"}
    header = (result.out / "log.csv").read_text().splitlines()[0].split(",")
    assert {"modes", "high_quality", "reverse_kl"} <= set(header)


def test_sample_metrics_callback_rejects_unknown_names():
    from keras_gan.training import callbacks

    with pytest.raises(ValueError, match=r"unknown sample metrics \['fid'\]"):
        callbacks.SampleMetrics(evaluate.Evaluation("ring"), num_samples=10, names=["fid"])


def test_train_cli_eval_every_logs_sample_metrics(tmp_path):
    out = tmp_path / "ring"
    argv = ["--dataset", "ring", "--epochs", "2", "--steps-per-epoch", "2", "--batch-size", "16", "--eval-every", "1"]
    assert train.main([*argv, "--out", str(out), "--quiet"]) == 0
    assert json.loads((out / "config.json").read_text())["eval_every"] == 1
    lines = (out / "log.csv").read_text().splitlines()
    header, last = lines[0].split(","), dict(zip(lines[0].split(","), lines[-1].split(",")))
    assert {"modes", "high_quality", "reverse_kl"} <= set(header)
    assert 0 <= float(last["modes"]) <= 8  # measured every epoch: no NaN


def test_eval_every_must_be_positive():
    with pytest.raises(ValueError, match="eval_every must be a positive integer"):
        TrainConfig(eval_every=0)
