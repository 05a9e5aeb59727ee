"""The learning-rate decay (keras_gan.training.schedules) and what a run does with it."""

import dataclasses
import json

import keras
import numpy as np
import pytest

from keras_gan.training import checkpoints
from keras_gan.training import schedules
from keras_gan.cli import train
from keras_gan.cli.config import TrainConfig


def test_the_rate_holds_then_falls_on_a_straight_line_to_zero():
    schedule = schedules.HoldThenLinearDecay(1e-3, decay_start=10, end=30)
    rates = [float(schedule(step)) for step in (0, 9, 10, 15, 20, 29, 30, 45)]
    np.testing.assert_allclose(rates, [1e-3, 1e-3, 1e-3, 7.5e-4, 5e-4, 5e-5, 0.0, 0.0], rtol=1e-6, atol=1e-12)


def test_the_schedule_survives_serialization():
    schedule = schedules.HoldThenLinearDecay(2e-4, decay_start=5, end=8)
    restored = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert isinstance(restored, schedules.HoldThenLinearDecay)
    assert restored.get_config() == {"initial_learning_rate": 2e-4, "decay_start": 5, "end": 8}


@pytest.mark.parametrize(
    "args, message",
    [
        ((0.0, 0, 10), "initial_learning_rate must be a positive number, got 0.0"),
        ((1e-3, -1, 10), "decay_start must be a non-negative integer, got -1"),
        ((1e-3, 2.5, 10), "decay_start must be a non-negative integer, got 2.5"),
        ((1e-3, 10, 10), "decay_start must come before end; got decay_start 10, end 10"),
    ],
)
def test_bad_schedules_are_refused(args, message):
    with pytest.raises(ValueError, match=message):
        schedules.HoldThenLinearDecay(*args)


def test_a_fraction_of_the_run_becomes_the_step_the_decay_starts():
    assert schedules.learning_rate(3e-4, None, 100) == 3e-4
    schedule = schedules.learning_rate(3e-4, 0.5, 101)
    assert (schedule.decay_start, schedule.end) == (50, 101)
    assert schedules.learning_rate(3e-4, 0.99, 2).decay_start == 1  # always before the end


def test_the_discriminators_schedule_counts_its_k_updates_a_step():
    config = TrainConfig.for_dataset("ring", d_steps=3, d_lr=4e-4, g_lr=1e-4, lr_decay_start=0.5)
    gan = train.build_gan(config, (2,), total_steps=100)
    # Held for half of each optimizer's updates (150 of D's 300, 50 of G's 100), then half way down, then 0.
    cases = ((gan.d_optimizer, (0, 150, 225, 300), 4e-4), (gan.g_optimizer, (0, 50, 75, 100), 1e-4))
    for optimizer, updates, rate in cases:
        rates = []
        for update in updates:
            optimizer.iterations.assign(update)
            rates.append(float(optimizer.learning_rate))
        np.testing.assert_allclose(rates, [rate, rate, rate / 2, 0.0], rtol=1e-6, atol=1e-12)
    # Without the run's steps: the config's epochs x steps_per_epoch (the ring preset's 20 x 1250), else an error.
    optimizer = train.build_gan(config, (2,)).g_optimizer
    optimizer.iterations.assign(24_999)
    assert float(optimizer.learning_rate) > 0
    optimizer.iterations.assign(25_000)
    assert float(optimizer.learning_rate) == 0.0
    with pytest.raises(ValueError, match="lr_decay_start needs the steps to decay over: lr_decay_steps, steps_per_epoch"):
        train.build_gan(dataclasses.replace(config, steps_per_epoch=None), (2,))


def run_config(out, **overrides):
    settings = dict(
        dataset="ring", model="mlp", epochs=2, steps_per_epoch=3, batch_size=16, latent_dim=2, out=str(out),
        lr_decay_start=0.0,
    )
    settings.update(overrides)
    return TrainConfig(**settings)


def test_a_run_writes_its_span_and_stops_learning_once_the_rate_reaches_zero(tmp_path):
    # 3 epochs of 2 steps; the schedule spans 3 steps: rates 1, 2/3 (epoch 1), 1/3, 0 (epoch 2), 0, 0 (epoch 3).
    out = tmp_path / "run"
    weights = []
    keep = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: weights.append(
            [v.numpy() for v in keep.model.generator.weights + keep.model.discriminator.weights]
        )
    )
    train.run(run_config(out, epochs=3, steps_per_epoch=2, lr_decay_steps=3), verbose=0, extra_callbacks=[keep])
    saved = train.load_config(out)
    assert (saved.lr_decay_start, saved.lr_decay_steps) == (0.0, 3)
    assert len(weights) == 3
    assert any(not np.array_equal(a, b) for a, b in zip(weights[0], weights[1]))  # a step at 1/3 of the rate
    for second, third in zip(weights[1], weights[2]):
        np.testing.assert_array_equal(second, third)


def test_without_a_span_the_run_writes_its_own_step_count(tmp_path):
    out = tmp_path / "run"
    train.run(run_config(out, epochs=1), verbose=0)
    assert json.loads((out / "config.json").read_text())["lr_decay_steps"] == 3


def test_resuming_a_decayed_run_for_more_epochs_is_refused_before_anything_changes(tmp_path):
    out = tmp_path / "run"
    train.run(run_config(out, epochs=1), verbose=0)
    before = (out / "config.json").read_text()
    with pytest.raises(ValueError, match=r"--epochs 3: .* learning rates decay to 0 at its last step \(1 epochs; "):
        train.resume(out, epochs=3, verbose=0)
    assert (out / "config.json").read_text() == before
    assert checkpoints.latest(out / "checkpoints").epoch == 1


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"lr_decay_start": 1.0}, r"lr_decay_start must lie in \[0, 1\) \(a fraction of the run\), got 1.0"),
        ({"lr_decay_start": -0.5}, r"lr_decay_start must lie in \[0, 1\)"),
        ({"lr_decay_start": "half"}, r"lr_decay_start must lie in \[0, 1\)"),
        ({"lr_decay_steps": 0}, "lr_decay_steps must be a positive integer, got 0"),
    ],
)
def test_bad_decay_settings_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig.for_dataset("ring", **overrides)


def test_the_flags_reach_the_config(tmp_path):
    parse = train.build_parser().parse_args
    assert train.config_from_args(parse(["--dataset", "ring", "--lr-decay-start", "0.5"])).lr_decay_start == 0.5
    assert train.config_from_args(parse(["--dataset", "ring"])).lr_decay_start is None
    assert train.config_from_args(parse(["--dataset", "grid"])).lr_decay_start == 0.5  # the grid's preset decays
    assert train.config_from_args(parse(["--dataset", "grid", "--no-lr-decay"])).lr_decay_start is None
    decaying = tmp_path / "decaying.json"
    decaying.write_text('{"lr_decay_start": 0.25}')
    assert train.config_from_args(parse(["--config", str(decaying)])).lr_decay_start == 0.25
    assert train.config_from_args(parse(["--config", str(decaying), "--no-lr-decay"])).lr_decay_start is None
    with pytest.raises(ValueError, match="--lr-decay-start and --no-lr-decay contradict each other"):
        train.config_from_args(parse(["--dataset", "grid", "--no-lr-decay", "--lr-decay-start", "0.2"]))
