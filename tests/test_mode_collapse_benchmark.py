"""benchmarks/mode_collapse.py: its settings, one tiny run, and the table it prints."""

import importlib.util
from pathlib import Path

import pytest

from keras_gan.config import PRESETS, TrainConfig

_PATH = Path(__file__).parent.parent / "benchmarks" / "mode_collapse.py"
_spec = importlib.util.spec_from_file_location("mode_collapse", _PATH)
mode_collapse = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mode_collapse)


def test_recommended_is_the_cli_default_and_plain_keeps_only_the_budget():
    recommended = mode_collapse.config_for("grid", "recommended", 3, "out")
    assert recommended == TrainConfig.for_dataset("grid", seed=3, out="out")
    plain = mode_collapse.config_for("grid", "plain", 3, "out")
    defaults = TrainConfig()
    for key in ("loss", "lr", "beta_1", "d_steps", "pack", "ema", "r1_gamma", "spectral_norm", "gp_weight"):
        assert getattr(plain, key) == getattr(defaults, key)
    for key in mode_collapse.PLAIN_KEYS:
        assert getattr(plain, key) == PRESETS["grid"][key]


def test_one_tiny_run_gives_a_protocol_row(tmp_path, monkeypatch):
    monkeypatch.setitem(
        PRESETS, "ring", {**PRESETS["ring"], "epochs": 1, "steps_per_epoch": 2, "batch_size": 20}
    )
    row = mode_collapse.run_one("ring", "recommended", 0, tmp_path)
    assert 0 <= row["modes"] <= 8 and 0.0 <= row["high_quality"] <= 1.0
    assert row["wall_seconds"] > 0 and row["cpu_seconds"] > 0 and len(row["load_average"]) == 2
    assert row["config"]["steps_per_epoch"] == 2


def fake_row(dataset, setting, seed, modes, hq, kl):
    return {
        "dataset": dataset, "setting": setting, "seed": seed, "modes": modes, "high_quality": hq, "reverse_kl": kl,
        "wall_seconds": 100.0 + seed, "cpu_seconds": 50.0, "load_average": [2.0, 2.0],
    }


def test_table_shows_published_rows_and_mean_with_standard_error():
    rows = [fake_row("grid", "recommended", s, m, 0.98, 0.01) for s, m in enumerate([25, 24])]
    table = mode_collapse.markdown_table(rows, ["grid"])
    assert "| GAN (PacGAN Table 1), 10 trials | 17.3 / 94.8 / 0.7 | |" in table
    # modes 25 and 24: mean 24.5, standard error std(ddof=1) / sqrt(2) = 0.5.
    assert "| keras_gan recommended settings, 2 seeds | 24.5 ± 0.5 / 98.0 ± 0.0 / 0.010 ± 0.000 |" in table
    assert mode_collapse.mean_se([1.0, 2.0, 3.0]) == pytest.approx((2.0, (1.0 / 3) ** 0.5))
