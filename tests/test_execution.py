"""Speed settings (steps per call, XLA, mixed precision) and tf.distribute training."""

import json
import os
import socket
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import GAN, networks
from keras_gan.training import distribution as execution
from keras_gan.cli import parsers, train
from keras_gan.training.distribution import DEFAULT_STEPS_PER_EXECUTION
from conftest import changed, snapshot

LATENT = 8
SHAPE = (8, 8, 1)


def tiny_gan(**kwargs):
    generator = networks.mlp_generator(LATENT, SHAPE, hidden_units=(16,))
    discriminator = networks.dcgan_discriminator(SHAPE, base_filters=4)
    return GAN(generator, discriminator, seed=0, **kwargs)


def real_batch(n=8):
    return np.random.default_rng(0).uniform(-1, 1, (n, *SHAPE)).astype("float32")


# ---------------------------------------------------------------- steps per call


def test_steps_per_execution_defaults_to_several_steps_per_call_on_one_device():
    gan = tiny_gan()
    gan.compile()
    assert gan.steps_per_execution == DEFAULT_STEPS_PER_EXECUTION > 1
    gan.compile(steps_per_execution=1)
    assert gan.steps_per_execution == 1


@pytest.mark.parametrize("value", [0, -2, 1.5, True, "4"])
def test_steps_per_execution_must_be_a_positive_integer(value):
    with pytest.raises(ValueError, match="steps_per_execution must be a positive integer"):
        tiny_gan().compile(steps_per_execution=value)


@pytest.mark.parametrize("steps_per_epoch, per_call", [(5, 5), (12, 6), (7, 7)])
def test_fit_trains_exactly_steps_per_epoch_whatever_the_steps_per_call(steps_per_epoch, per_call):
    # Keras alone would run whole calls of 8 steps on a repeated dataset:
    # 16 steps an epoch for 12 asked.
    gan = tiny_gan(d_steps=2)
    gan.compile(steps_per_execution=8)
    dataset = tf.data.Dataset.from_tensor_slices(real_batch(32)).batch(4).repeat()
    gan.fit(dataset, epochs=2, steps_per_epoch=steps_per_epoch, shuffle=False, verbose=0)
    assert int(gan.g_optimizer.iterations) == 2 * steps_per_epoch
    assert int(gan.d_optimizer.iterations) == 2 * 2 * steps_per_epoch
    assert gan.steps_per_execution == per_call


def test_a_prime_steps_per_epoch_over_the_steps_per_call_warns_that_fit_falls_to_one_step_per_call():
    gan = tiny_gan()
    gan.compile(steps_per_execution=8)
    dataset = tf.data.Dataset.from_tensor_slices(real_batch(32)).batch(4).repeat()
    with pytest.warns(UserWarning, match=r"steps_per_epoch=11 has no divisor between 2 and steps_per_execution=8"):
        gan.fit(dataset, epochs=1, steps_per_epoch=11, verbose=0)
    assert gan.steps_per_execution == 1 and int(gan.g_optimizer.iterations) == 11


def test_several_steps_per_call_give_the_same_weights_as_one():
    results = []
    for per_call in (1, 4):
        keras.utils.set_random_seed(0)
        gan = tiny_gan()
        gan.compile(steps_per_execution=per_call)
        dataset = tf.data.Dataset.from_tensor_slices(real_batch(16)).batch(4)
        history = gan.fit(dataset, epochs=1, verbose=0).history
        results.append((snapshot(gan.generator.weights + gan.discriminator.weights), history))
    (weights_1, history_1), (weights_4, history_4) = results
    for a, b in zip(weights_1, weights_4):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for key in history_1:
        assert history_4[key] == pytest.approx(history_1[key], rel=1e-5)


# ---------------------------------------------------------------- mixed precision


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_keeps_the_frozen_discriminator_contract(policy):
    with execution.precision(policy):
        gan = tiny_gan()
    gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1))
    assert keras.config.dtype_policy().name == "float32"  # restored after the block
    assert gan.generator.layers[1].dtype_policy.name == policy
    assert sorted(map(id, gan.combined.trainable_variables)) == sorted(map(id, gan.generator.trainable_variables))
    assert all(v.dtype == "float32" for v in gan.generator.weights + gan.discriminator.weights)
    loss_scaled = isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert loss_scaled == isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer) == (policy == "mixed_float16")
    assert gan.combined(np.zeros((2, LATENT), "float32")).dtype == "float32"  # logits, then losses, in float32

    d_before, g_before = snapshot(gan.discriminator_variables), snapshot(gan.generator.trainable_variables)
    gan.discriminator_step(tf.constant(real_batch()), None)
    assert all(changed(d_before, gan.discriminator_variables))
    assert not any(changed(g_before, gan.generator.trainable_variables))
    d_before = snapshot(gan.discriminator_variables)
    gan.generator_step(tf.constant(real_batch()), None)
    assert not any(changed(d_before, gan.discriminator_variables))
    assert all(changed(g_before, gan.generator.trainable_variables))
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (1, 1)
    history = gan.fit(real_batch(16), batch_size=8, epochs=1, verbose=0).history
    assert all(np.isfinite(values[0]) for values in history.values())


def test_unknown_precision_and_strategy_are_refused_with_the_valid_names():
    with pytest.raises(ValueError, match="unknown precision 'float8'.*mixed_bfloat16"):
        with execution.precision("float8"):
            pass
    with pytest.raises(ValueError, match="unknown strategy 'tpu'.*multi-worker"):
        execution.get_strategy("tpu")


# ---------------------------------------------------------------- tf.distribute, in process


def test_under_a_strategy_steps_per_call_default_to_one_and_more_is_refused():
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
        gan = tiny_gan()
        gan.compile()
        assert gan.steps_per_execution == 1
        with pytest.raises(ValueError, match="keras-team/keras#19246"):
            gan.compile(steps_per_execution=4)
    gan.compile()  # outside the scope: Keras remembers the model's strategy
    assert gan.steps_per_execution == 1
    before = snapshot(gan.discriminator_variables)
    gan.fit(real_batch(8), batch_size=4, epochs=1, verbose=0)
    assert all(changed(before, gan.discriminator_variables))
    assert int(gan.g_optimizer.iterations) == 2


def test_cli_flags_reach_the_config_and_the_compiled_gan():
    args = parsers.train_parser().parse_args(
        ["--dataset", "ring", "--steps-per-execution", "16", "--no-jit", "--mixed-precision", "mixed_bfloat16"]
    )
    config = train.config_from_args(args)
    assert (config.steps_per_execution, config.jit_compile, config.mixed_precision, config.strategy) == (
        16,
        False,
        "mixed_bfloat16",
        "default",
    )
    gan = train.build_gan(config, (2,))
    assert gan.steps_per_execution == 16 and gan.jit_compile is False
    assert gan.generator.layers[1].dtype_policy.name == "mixed_bfloat16"
    assert keras.config.dtype_policy().name == "float32"
    defaults = train.config_from_args(parsers.train_parser().parse_args(["--dataset", "mnist-sample"]))
    assert (defaults.steps_per_execution, defaults.jit_compile, defaults.strategy) == (25, None, "default")
    assert train.build_gan(defaults, (28, 28, 1)).steps_per_execution == 25
    # Timed on the DCGAN only: another family on the same digits keeps one step per call.
    cgan = train.config_from_args(parsers.train_parser().parse_args(["--dataset", "mnist-sample", "--model", "cgan"]))
    assert cgan.steps_per_execution == 1
    assert train.config_from_args(parsers.train_parser().parse_args(["--dataset", "mnist"])).steps_per_execution == 1
    assert train.config_from_args(parsers.train_parser().parse_args(["--dataset", "ring"])).steps_per_execution == 50
    # A strategy needs one step per call: the preset's 50 yields to it, a flag given does not.
    ring = ["--dataset", "ring", "--strategy", "multi-worker"]
    assert train.config_from_args(parsers.train_parser().parse_args(ring)).steps_per_execution == 1
    with pytest.raises(ValueError, match="steps_per_execution 8 does not work with strategy 'multi-worker'"):
        train.config_from_args(parsers.train_parser().parse_args([*ring, "--steps-per-execution", "8"]))


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"strategy": "mirrored", "steps_per_execution": 8}, "keras-team/keras#19246"),
        ({"mixed_precision": "float16"}, "unknown mixed_precision 'float16'"),
        ({"strategy": "horovod"}, "unknown strategy 'horovod'"),
        ({"jit_compile": "yes"}, "jit_compile must be"),
        ({"intra_op_threads": 0}, "intra_op_threads must be a positive integer, got 0"),
    ],
)
def test_bad_execution_settings_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        train.TrainConfig.for_dataset("ring", **overrides)


# ---------------------------------------------------------------- threads within an op

def test_threads_are_tensorflows_choice_unless_the_flag_sets_them():
    parse = parsers.train_parser().parse_args
    assert train.config_from_args(parse(["--dataset", "grid"])).intra_op_threads is None
    assert train.config_from_args(parse(["--dataset", "ring", "--intra-op-threads", "2"])).intra_op_threads == 2
    with pytest.raises(SystemExit):
        parse(["--intra-op-threads", "two"])


def test_a_run_sets_the_threads_before_tensorflow_starts(tmp_path):
    # A fresh process: TensorFlow takes the setting when its runtime starts, at the run's first op.
    code = (
        "import tensorflow as tf\n"
        "from keras_gan import train\n"
        "before = tf.config.threading.get_intra_op_parallelism_threads()\n"
        "train.main(['--dataset', 'ring', '--epochs', '1', '--steps-per-epoch', '2', '--intra-op-threads', '1',\n"
        f"            '--quiet', '--out', {str(tmp_path / 'run')!r}])\n"
        "print('threads', before, tf.config.threading.get_intra_op_parallelism_threads())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "threads 0 1" in result.stdout  # TensorFlow's default (0: every core), then the flag's 1
    assert "not applied" not in result.stderr


def test_threads_asked_for_after_tensorflow_started_warn_and_change_nothing():
    tf.constant(1.0) + 1.0  # the runtime has started
    current = tf.config.threading.get_intra_op_parallelism_threads()
    assert execution.use_intra_op_threads(None) is True
    with pytest.warns(UserWarning, match=f"intra_op_threads={current + 7} not applied: TensorFlow's runtime had"):
        assert execution.use_intra_op_threads(current + 7) is False
    assert tf.config.threading.get_intra_op_parallelism_threads() == current
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="intra_op_threads must be a positive integer or None"):
            execution.use_intra_op_threads(bad)


# ---------------------------------------------------------------- tf.distribute, two devices

# Runs in a fresh process: logical devices must be set before TensorFlow
# initialises its devices.
TWO_REPLICAS = r"""
import json
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
import numpy as np
from keras_gan import GAN, networks

def build():
    return (networks.mlp_generator(4, (8, 8, 1), hidden_units=(16,)),
            networks.dcgan_discriminator((8, 8, 1), base_filters=4))

keras.utils.set_random_seed(0)
initial = [model.get_weights() for model in build()]
real = np.random.default_rng(0).uniform(-1, 1, (8, 8, 8, 1)).astype("float32")

def one_step(strategy):
    with strategy.scope():
        generator, discriminator = build()
        for model, weights in zip((generator, discriminator), initial):
            model.set_weights(weights)
        gan = GAN(generator, discriminator, seed=0)
        gan.compile(d_optimizer=keras.optimizers.SGD(0.5), g_optimizer=keras.optimizers.SGD(0.5))
    history = gan.fit(real, batch_size=8, epochs=1, shuffle=False, verbose=0).history
    weights = [np.array(v) for v in generator.weights + discriminator.weights]
    return gan, weights, {key: float(values[0]) for key, values in history.items()}

_, single, single_logs = one_step(tf.distribute.get_strategy())
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
gan, mirrored, mirrored_logs = one_step(strategy)
latents = strategy.experimental_local_results(strategy.run(lambda: gan.sample_latent(4)))
print(json.dumps({
    "replicas": strategy.num_replicas_in_sync,
    "differences": [float(np.max(np.abs(a - b))) for a, b in zip(single, mirrored)],
    "updates": [float(np.max(np.abs(a - b))) for a, b in zip(single, initial[0] + initial[1])],
    "single_logs": single_logs,
    "mirrored_logs": mirrored_logs,
    "replica_latents_differ": not np.allclose(np.array(latents[0]), np.array(latents[1])),
}))
"""


def _run(code_or_args, env=None, timeout=600):
    command = [sys.executable, "-c", code_or_args] if isinstance(code_or_args, str) else [sys.executable, *code_or_args]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.mark.slow
def test_one_mirrored_step_on_two_devices_matches_one_single_device_step():
    report = json.loads(_run(TWO_REPLICAS).stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    # Each replica scales its loss by 1/2 and the optimizer sums their
    # gradients; each draws its own slice of the global batch's noise.
    for difference, update in zip(report["differences"], report["updates"]):
        assert update > 0  # every variable moved, so agreeing means something
        assert difference <= 1e-3 * update + 1e-7
    assert report["mirrored_logs"].keys() == report["single_logs"].keys()
    for key, value in report["single_logs"].items():
        assert report["mirrored_logs"][key] == pytest.approx(value, rel=1e-5, abs=1e-6)
    assert report["replica_latents_differ"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_cli_trains_on_two_multi_worker_processes_in_step(tmp_path):
    # Two workers on this machine, talking over loopback; each writes its own run directory.
    workers = [f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"]
    argv = ["-m", "keras_gan.train", "--dataset", "ring", "--epochs", "2", "--steps-per-epoch", "3"]
    argv += ["--batch-size", "16", "--strategy", "multi-worker", "--quiet"]
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        processes.append(
            subprocess.Popen(
                [sys.executable, *argv, "--out", str(tmp_path / f"worker{index}")],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_CONFIG": json.dumps(tf_config)},
            )
        )
    for process in processes:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-3000:]
    runs = [tmp_path / f"worker{index}" for index in range(2)]
    assert all(json.loads((run / "config.json").read_text())["strategy"] == "multi-worker" for run in runs)
    logs = [(run / "log.csv").read_text() for run in runs]
    assert len(logs[0].strip().splitlines()) == 3 and logs[0] == logs[1]  # metrics reduced over both workers
    generators = [keras.models.load_model(run / "generator.keras") for run in runs]
    for a, b in zip(*(generator.get_weights() for generator in generators)):
        np.testing.assert_array_equal(a, b)  # the workers' gradients were summed: one model
