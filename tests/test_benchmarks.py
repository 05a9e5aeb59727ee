"""benchmarks/throughput.py: its baselines are correct, its FLOP count adds up, its table has its shape."""

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from conftest import changed, load_benchmark_script, snapshot
from keras_gan import networks

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "throughput.py"
sys.path.insert(0, str(SCRIPT.parent))  # the benchmarks' helpers, as the scripts import them
import torch_peer  # noqa: E402


def load_benchmark():
    if "throughput" not in sys.modules:
        spec = importlib.util.spec_from_file_location("throughput", SCRIPT)
        module = importlib.util.module_from_spec(spec)
        sys.modules["throughput"] = module  # dataclasses look their module up while it loads
        spec.loader.exec_module(module)
    return sys.modules["throughput"]


def test_the_classic_loop_trains_d_itself_and_only_g_through_the_combined_model():
    # The Keras 3 pitfall: a D frozen before its first train_on_batch has
    # nothing to train. The loop must update D in its own calls and never
    # through the combined model.
    throughput = load_benchmark()
    generator = networks.mlp_generator(2, (2,), hidden_units=(8,))
    discriminator = networks.mlp_discriminator((2,), hidden_units=(8,))
    loop = throughput.ClassicLoop(generator, discriminator, latent_dim=2, batch_size=4)
    assert sorted(map(id, loop.combined.trainable_weights)) == sorted(map(id, generator.trainable_weights))
    real = np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
    d_before, g_before = snapshot(discriminator.weights), snapshot(generator.weights)
    loop.step(real)
    assert all(changed(d_before, discriminator.weights))
    assert all(changed(g_before, generator.weights))
    assert int(discriminator.optimizer.iterations) == 2  # one update on the real half, one on the fake half
    d_before, g_before = snapshot(discriminator.weights), snapshot(generator.weights)
    loop.combined.train_on_batch(np.ones((4, 2), "float32"), np.ones((4, 1), "float32"))
    assert not any(changed(d_before, discriminator.weights))
    assert all(changed(g_before, generator.weights))


def test_step_flops_count_every_dense_and_convolution_pass():
    throughput = load_benchmark()
    generator = networks.mlp_generator(2, (2,), hidden_units=(3,))  # MACs 2*3 + 3*2 = 12, first layer 6
    discriminator = networks.mlp_discriminator((2,), hidden_units=(4,))  # MACs 2*4 + 4*1 = 12, first layer 8
    assert throughput.forward_macs(generator) == [6, 6]
    # D step: G + 2D + 2(2D - D1) = 12 + 24 + 32; G step: G + 2D + (2G - G1) = 12 + 24 + 18.
    assert throughput.step_flops(generator, discriminator, batch_size=10) == 2 * 10 * (68 + 54)
    assert throughput.step_flops(generator, discriminator, batch_size=10, d_steps=2) == 2 * 10 * (2 * 68 + 54)

    image = keras.Input((8, 8, 1))
    features = keras.layers.Conv2D(2, 3, strides=2, padding="same")(image)  # 4*4 outputs x 9 x 1 x 2
    restored = keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same")(features)  # 4*4 inputs x 9 x 2 x 1
    assert throughput.forward_macs(keras.Model(image, restored)) == [288, 288]


def test_settings_parse_and_refuse_unknown_keys():
    throughput = load_benchmark()
    settings = throughput.Settings.parse("spe=64,jit=1,mp=mixed_bfloat16")
    assert (settings.steps_per_execution, settings.jit_compile, settings.mixed_precision) == (64, True, "mixed_bfloat16")
    assert str(settings) == "spe=64,jit=1,mp=mixed_bfloat16"
    assert not settings.share_generator_pass
    shared = throughput.Settings.parse("spe=32,share=1")
    assert shared.share_generator_pass and str(shared) == "spe=32,jit=0,mp=float32,share=1"
    assert settings.joint_discriminator_pass is None  # the GAN's own choice
    two_calls = throughput.Settings.parse("spe=32,joint=0")
    assert two_calls.joint_discriminator_pass is False and str(two_calls) == "spe=32,jit=0,mp=float32,joint=0"
    with pytest.raises(Exception, match="unknown setting 'xla'"):
        throughput.Settings.parse("xla=1")


def test_calibration_ignores_tracing_calls_and_rounds_to_whole_compiled_calls():
    throughput = load_benchmark()
    traced = set()

    def block(steps):  # 5 s of tracing the first time a block length is run, then 0.01 CPU-s per step
        tracing = 0.0 if steps in traced else 5.0
        traced.add(steps)
        return (0.0, tracing + 0.01 * steps)

    # 1 s of CPU at 0.01 s a step is 100 steps, rounded to a multiple of 32.
    assert throughput.calibrate(block, 1.0) == 96
    assert throughput.calibrate(lambda steps: (0.0, 0.05 * steps), 1.0) == 20  # below 32 steps: as computed
    assert throughput.calibrate(lambda steps: (0.0, 0.5 * steps), 1.0) == 2  # slow steps: timed one at a time


def run_script(*args):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )


def table_rows(text, header_start):
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return lines[start], rows


@pytest.mark.slow
def test_quick_run_prints_both_tables():
    result = run_script("--quick", "--cases", "mlp2d-b100", "--repeats", "1", "--fast", "spe=2,jit=0", "--no-torch")
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "- command: `python benchmarks/throughput.py --quick" in out
    assert "- machine: " in out and "- load average (1, 5, 15 min): " in out

    header, rows = table_rows(out, "| case | method |")
    assert header == (
        "| case | method | settings | steps/block | images/s | min-max | x classic | x two-tape | images/CPU-s"
        " | x classic (CPU) | x two-tape (CPU) | peak RSS (MiB) |"
    )
    assert [row[1] for row in rows] == ["classic", "two-tape", "keras_gan", "keras_gan fast"]
    for row in rows:
        assert len(row) == 12 and row[0].startswith("MLP") and row[3] == "1"
        for column in (4, 6, 7, 8, 9, 10, 11):
            assert float(row[column]) > 0
    assert rows[0][6] == rows[0][9] == "1.00" and rows[1][7] == rows[1][10] == "1.00"
    assert rows[3][2] == "spe=1,jit=0,mp=float32"  # one step per block: GAN.fit lowers 2 to 1

    header, rows = table_rows(out, "| case | GFLOP/step |")
    assert len(rows) == 1 and len(rows[0]) == 11 and rows[0][0].startswith("MLP")
    assert float(rows[0][4]) > 0 and rows[0][5].endswith("%") and rows[0][10].endswith("%")
    reason = "--no-torch" if torch_peer.available() else "PyTorch is not installed"
    assert f"The PyTorch DCGAN example's step was not timed ({reason})." in out


@pytest.mark.slow
def test_quick_run_times_the_pytorch_example_beside_keras_gan_and_writes_the_json(tmp_path):
    pytest.importorskip("torch")
    out_json = tmp_path / "throughput.json"
    result = run_script("--quick", "--cases", "dcgan28-b64", "--repeats", "1", "--torch-threads", "1", "--json", str(out_json))
    assert result.returncode == 0, result.stderr[-3000:]
    _, rows = table_rows(result.stdout, "| case | method |")
    assert [row[1] for row in rows] == ["classic", "two-tape", "keras_gan", "keras_gan fast", "pytorch example"]
    assert rows[4][2].startswith("PyTorch ") and rows[4][2].endswith(", 1 threads") and float(rows[4][4]) > 0
    line = next(line for line in result.stdout.splitlines() if line.startswith("- DCGAN 28x28x1 (tiny), batch 8: "))
    assert line.endswith("x per CPU second") and "x per wall-clock second" in line
    record = json.loads(out_json.read_text())
    assert record["provenance"]["command"].startswith("python benchmarks/throughput.py --quick")
    assert record["provenance"]["cores"] == os.cpu_count() and record["provenance"]["cpu"]
    case = record["runs"][0]
    assert case["case"] == "dcgan28-b64" and len(case["images_per_second"]["pytorch example"]) == 1
    assert set(case["images_per_second"]) == {"classic", "two-tape", "keras_gan", "keras_gan fast", "pytorch example"}


def test_a_bad_torch_thread_count_is_refused_before_any_work(capsys):
    throughput = load_benchmark()
    assert throughput.main(["--cases", "dcgan28-b64", "--torch-threads", "0"]) == 2
    captured = capsys.readouterr()
    assert "--torch-threads must be a positive number of threads; got 0" in captured.err and captured.out == ""


# ---------------------------------------------------------------- benchmarks/torch_peer.py


def test_same_padding_matches_tensorflows_rule():
    # 28 -> 14 with a 5x5 kernel: 13 * 2 + 5 - 28 = 3 pixels of padding, the odd one at the end.
    assert torch_peer._same_padding(28, 2, 5) == (1, 2)
    assert torch_peer._same_padding(28, 2, 4) == (1, 1)
    assert torch_peer._same_padding(7, 1, 5) == (2, 2)
    assert torch_peer._same_padding(4, 2, 1) == (0, 0)


@pytest.mark.parametrize(
    "build",
    [
        lambda: (networks.dcgan_generator(8, (28, 28, 1), base_filters=4), networks.dcgan_discriminator((28, 28, 1), base_filters=4)),
        lambda: (
            networks.dcgan_generator(8, (28, 28, 1), base_filters=4, seed_convs=1, upsample_kernel_size=4),
            networks.dcgan_discriminator((28, 28, 1), base_filters=4),
        ),
        lambda: (networks.mlp_generator(8, (2,), hidden_units=(16, 16)), networks.mlp_discriminator((2,), hidden_units=(16, 16))),
    ],
    ids=["dcgan", "dcgan-seed-conv-kernel-4", "mlp"],
)
def test_translated_networks_compute_what_the_keras_ones_compute(build):
    torch = pytest.importorskip("torch")
    keras.utils.set_random_seed(0)
    generator, discriminator = build()
    for layer in generator.layers:  # statistics away from (0, 1), so that inference mode is checked too
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.set_weights([w + np.random.default_rng(1).uniform(0.5, 1.5, w.shape).astype("float32") for w in layer.get_weights()])
    torch_generator, torch_discriminator = torch_peer.translate(generator), torch_peer.translate(discriminator)
    z = np.random.default_rng(2).normal(size=(16, 8)).astype("float32")
    for training in (False, True):  # batch-norm statistics: the moving ones, then the batch's own
        torch_generator.train(training)
        expected = np.asarray(generator(z, training=training))
        got = torch_generator(torch.from_numpy(z)).detach().numpy()
        got = got.transpose(0, 2, 3, 1) if got.ndim == 4 else got
        np.testing.assert_allclose(got, expected, atol=1e-5)
    images = np.random.default_rng(3).uniform(-1, 1, (16, *discriminator.input_shape[1:])).astype("float32")
    got = torch_discriminator(torch_peer.to_torch_images(images)).detach().numpy()
    np.testing.assert_allclose(got, np.asarray(discriminator(images)), atol=1e-6)


def test_translate_names_a_layer_it_cannot_translate():
    pytest.importorskip("torch")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dropout(0.5)])
    with pytest.raises(ValueError, match=r"layer 'dropout.*' \(Dropout\) has no PyTorch counterpart"):
        torch_peer.translate(model)
    fused = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu", name="fused")])
    with pytest.raises(ValueError, match="layer 'fused' \\(Dense\\) has a fused relu activation"):
        torch_peer.translate(fused)


def test_the_pytorch_example_step_trains_both_networks_from_one_generator_pass():
    torch = pytest.importorskip("torch")
    keras.utils.set_random_seed(0)
    generator = networks.dcgan_generator(8, (28, 28, 1), base_filters=4)
    discriminator = networks.dcgan_discriminator((28, 28, 1), base_filters=4)
    batches = [np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")]
    peer = torch_peer.DCGANExampleStep(generator, discriminator, latent_dim=8, batches=batches, threads=1)
    assert torch.get_num_threads() == 1
    d_before = [p.detach().clone() for p in peer.discriminator.parameters()]
    g_before = [p.detach().clone() for p in peer.generator.parameters()]
    calls = []
    peer.generator.register_forward_hook(lambda *_: calls.append("G"))
    d_loss, g_loss = peer.step()
    assert calls == ["G"]  # the example's one generator forward pass per step
    assert all(not torch.equal(b, p) for b, p in zip(d_before, peer.discriminator.parameters()))
    assert all(not torch.equal(b, p) for b, p in zip(g_before, peer.generator.parameters()))
    # At the start D outputs about 0 on everything: BCE of logit 0 is log 2, for each of D's two terms.
    assert float(d_loss) == pytest.approx(2 * math.log(2), abs=0.05)
    assert float(g_loss) == pytest.approx(math.log(2), abs=0.05)
    assert peer.d_optimizer.param_groups[0]["lr"] == 2e-4 and peer.d_optimizer.param_groups[0]["betas"] == (0.5, 0.999)
    assert peer.g_optimizer.param_groups[0]["lr"] == 2e-4 and peer.g_optimizer.param_groups[0]["betas"] == (0.5, 0.999)


def test_unknown_cases_are_refused_with_the_valid_names(capsys):
    throughput = load_benchmark()  # main() in this process: the refusal comes before any work
    assert throughput.main(["--cases", "dcgan28-b64,resnet"]) == 2
    captured = capsys.readouterr()
    assert "unknown case(s) 'resnet'; valid: dcgan28-b64, dcgan28-b256, mlp2d-b100, dcgan64-b64" in captured.err
    assert captured.out == ""


# ---------------------------------------------------------------- benchmarks/intra_op_threads.py

THREADS_SCRIPT = SCRIPT.with_name("intra_op_threads.py")


def test_threads_benchmark_times_each_setting_in_its_own_process_and_prints_the_ratios():
    result = subprocess.run(
        [sys.executable, str(THREADS_SCRIPT), "--dataset", "ring", "--threads", "default,1"]
        + ["--steps", "50", "--blocks", "1", "--rounds", "1"],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    rounds = [line.split() for line in lines if line.startswith("round 1")]
    assert [(words[3], words[5]) for words in rounds] == [("default", "0)"), ("1", "1)")]  # 0: every core
    rows = [line.split("|")[1:-1] for line in lines if line.startswith("| ") and not line.startswith("| threads")]
    assert [row[0].strip() for row in rows] == ["default", "1"]
    assert [row[3].strip() for row in rows][0] == "1.00" and rows[0][4].strip() == "1.00"  # the baseline's own
    assert all(float(value) > 0 for row in rows for value in row[1:])


def test_threads_benchmark_refuses_a_bad_setting_before_timing_anything():
    result = subprocess.run(
        [sys.executable, str(THREADS_SCRIPT), "--threads", "default,0"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "--threads takes 'default' or positive integers, comma-separated; got '0'" in result.stderr
    assert "round" not in result.stdout


# ---------------------------------------------------------------- benchmarks/time_to_quality.py

TTQ_SCRIPT = SCRIPT.with_name("time_to_quality.py")


def load_time_to_quality():
    if "time_to_quality" not in sys.modules:
        spec = importlib.util.spec_from_file_location("time_to_quality", TTQ_SCRIPT)
        module = importlib.util.module_from_spec(spec)
        sys.modules["time_to_quality"] = module
        spec.loader.exec_module(module)
    return sys.modules["time_to_quality"]


def test_time_to_quality_summary_gives_mean_fid_over_the_floor_and_the_wall_range():
    ttq = load_time_to_quality()
    rows = [
        {"fid": 15.0, "fid_floor": 8.0, "wall_seconds": 290.0, "cpu_seconds": 500.0},
        {"fid": 17.0, "fid_floor": 8.0, "wall_seconds": 310.0, "cpu_seconds": 520.0},
    ]
    # Mean FID 16.0, sd sqrt(2) = 1.4, 16 / 8 = 2.00x the floor; CPU mean 510.
    assert ttq.summary_line("candidate", rows) == (
        "candidate: 2 seeds, FID 16.0 (sd 1.4), 15.0-17.0, 2.00x the floor 8.00; wall 290-310 s, CPU 510 s"
    )


def test_time_to_quality_refuses_bad_settings_before_training_or_writing(tmp_path):
    ttq = load_time_to_quality()
    out = tmp_path / "ttq.json"
    with pytest.raises(ValueError, match="unknown TrainConfig field.s. epoch in --set"):
        ttq.main(["--set", "epoch=3", "--json", str(out)])
    with pytest.raises(ValueError, match="--curve-every must be a positive number of epochs; got 0"):
        ttq.main(["--curve-every", "0", "--json", str(out)])
    with pytest.raises(ValueError, match="lr_decay_start"):  # TrainConfig's own check of the value
        ttq.main(["--set", "lr_decay_start=2", "--json", str(out)])
    assert not out.exists()


@pytest.mark.slow
def test_time_to_quality_trains_scores_and_records_the_curve(tmp_path):
    out = tmp_path / "ttq.json"
    result = subprocess.run(
        [sys.executable, str(TTQ_SCRIPT), "--seeds", "1", "--first-seed", "3", "--set", "epochs=2",
         "--set", "steps_per_epoch=2", "--set", "base_filters=4", "--curve-every", "1", "--json", str(out)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (row,) = json.loads(out.read_text())
    assert row["label"] == "preset base_filters=4,epochs=2,steps_per_epoch=2" and row["seed"] == 3
    assert row["config"]["epochs"] == 2 and row["config"]["base_filters"] == 4 and row["steps"] == 4
    assert len(row["fid_draws"]) == 5 and row["fid"] == pytest.approx(np.mean(row["fid_draws"]))
    assert row["fid_floor"] == pytest.approx(8.096, abs=0.01)  # the real digits' floor, 5 draws
    assert [point["epoch"] for point in row["curve"]] == [1, 2] and [p["steps"] for p in row["curve"]] == [2, 4]
    assert 0 < row["curve"][0]["train_seconds"] < row["curve"][1]["train_seconds"] < row["wall_seconds"]
    assert row["curve"][1]["fid_draws"] == pytest.approx(row["fid_draws"], rel=1e-4)  # the saved generator, same draws
    assert row["startup_seconds"] > 0 and row["cpu_seconds"] > 0
    assert row["provenance"]["command"].startswith("python benchmarks/time_to_quality.py --seeds 1")
    assert "FID" in result.stdout and "1 seeds" in result.stdout


def test_the_commit_is_marked_changed_by_edited_code_but_not_by_result_files(tmp_path, monkeypatch):
    import provenance

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    for path in ("keras_gan/gan.py", "benchmarks/bench.py", "benchmarks/results/bench.json"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("0\n")
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "c")
    monkeypatch.setattr(provenance, "REPOSITORY", tmp_path)
    head = provenance.commit()
    assert len(head) == 40
    (tmp_path / "benchmarks/results/bench.json").write_text("1\n")
    assert provenance.commit() == head
    (tmp_path / "benchmarks/bench.py").write_text("1\n")
    assert provenance.commit() == head + "+changes"


def test_the_recorded_command_quotes_what_the_shell_would_split():
    import provenance

    record = provenance.record("benchmarks/time_to_quality.py", ["--label", "quick recipe, 140 epochs", "--seeds", "3"])
    assert record["command"] == "python benchmarks/time_to_quality.py --label 'quick recipe, 140 epochs' --seeds 3"


def test_the_record_names_the_thread_settings_and_the_cores_a_pinned_run_could_use(monkeypatch):
    import provenance

    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "1")
    monkeypatch.delenv("TF_NUM_INTEROP_THREADS", raising=False)
    monkeypatch.setattr(provenance.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(provenance.os, "cpu_count", lambda: 2)
    record = provenance.record("benchmarks/small_data.py", ["--seeds", "0"])
    assert record["command"] == "TF_NUM_INTRAOP_THREADS=1 python benchmarks/small_data.py --seeds 0"
    assert (record["cores"], record["cores_used"]) == (2, 1)
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS")
    monkeypatch.setattr(provenance.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    record = provenance.record("benchmarks/small_data.py", ["--seeds", "0"])
    assert record["command"] == "python benchmarks/small_data.py --seeds 0" and "cores_used" not in record


def test_a_row_of_the_same_key_replaces_the_old_one_and_other_rows_stay(tmp_path):
    import provenance

    path = tmp_path / "rows.json"
    assert provenance.read_rows(path) == []
    rows = provenance.put_row(path, [], {"label": "a", "seed": 0, "fid": 30.0}, key=lambda r: (r["label"], r["seed"]))
    rows = provenance.put_row(path, rows, {"label": "a", "seed": 1, "fid": 20.0}, key=lambda r: (r["label"], r["seed"]))
    rows = provenance.put_row(path, rows, {"label": "a", "seed": 0, "fid": 25.0}, key=lambda r: (r["label"], r["seed"]))
    assert provenance.read_rows(path) == rows == [{"label": "a", "seed": 1, "fid": 20.0}, {"label": "a", "seed": 0, "fid": 25.0}]
    path.write_text('{"title": "a report, not rows"}')
    with pytest.raises(ValueError, match="rows.json holds a dict, not the list of rows this benchmark appends to"):
        provenance.read_rows(path)


def test_epoch_extras_splits_each_epoch_and_times_the_grid_with_both_statistics(tmp_path, capsys):
    extras = load_benchmark_script("epoch_extras")
    out = tmp_path / "extras.json"
    argv = ["--epochs", "3", "--repeats", "2", "--set", "steps_per_epoch=2", "--set", "base_filters=4", "--json", str(out)]
    assert extras.main(argv) == 0
    (row,) = json.loads(out.read_text())
    assert row["label"] == "preset base_filters=4,steps_per_epoch=2" and row["epochs"] == 3
    # the first epoch (tracing) apart, then one figure per later epoch
    assert row["first_epoch"]["training_seconds"] > 0 and row["first_epoch"]["extras_seconds"] > 0
    assert len(row["training_seconds"]) == len(row["extras_seconds"]) == 2
    assert all(s > 0 for s in row["training_seconds"] + row["extras_seconds"])
    assert 0 < row["extras_share"] < 1
    grid = row["grid_seconds"]
    assert len(grid["preview"]) == len(grid["full"]) == 2
    assert row["grid_full_over_preview"] == pytest.approx(np.median(grid["full"]) / np.median(grid["preview"]))
    assert row["provenance"]["command"] == "python benchmarks/epoch_extras.py " + " ".join(argv)
    assert "extras take" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--epochs", "1"], "--epochs must be at least 2"),
    (["--set", "ema=null"], "needs ema on"),
])
def test_epoch_extras_refuses_what_it_cannot_time_before_training(tmp_path, argv, message):
    extras = load_benchmark_script("epoch_extras")
    out = tmp_path / "extras.json"
    with pytest.raises(SystemExit, match=message):
        extras.main([*argv, "--json", str(out)])
    assert not out.exists()
