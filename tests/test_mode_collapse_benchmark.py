"""benchmarks/mode_collapse.py: its settings, one tiny run, and the table it prints."""

import importlib.util
import math
import sys
from pathlib import Path

import pytest

from keras_gan.cli import config
from keras_gan.cli.config import TrainConfig
from keras_gan.cli.presets import PLAIN_SETTINGS, PRESETS

_PATH = Path(__file__).parent.parent / "benchmarks" / "mode_collapse.py"
_spec = importlib.util.spec_from_file_location("mode_collapse", _PATH)
mode_collapse = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mode_collapse)


def test_recommended_is_the_cli_default_and_plain_keeps_only_the_budget():
    recommended = mode_collapse.config_for("grid", "recommended", 3, "out")
    assert recommended == TrainConfig.for_dataset("grid", seed=3, out="out")
    plain = mode_collapse.config_for("grid", "plain", 3, "out")
    defaults = config.defaults()
    for key in ("loss", "lr", "beta_1", "d_steps", "pack", "ema", "r1_gamma", "spectral_norm", "gp_weight"):
        assert getattr(plain, key) == defaults[key]
    for key in PLAIN_SETTINGS:
        assert getattr(plain, key) == PRESETS["grid"][key]


def test_one_tiny_run_gives_a_protocol_row(tmp_path, monkeypatch):
    monkeypatch.setitem(
        PRESETS, "ring", {**PRESETS["ring"], "epochs": 1, "steps_per_epoch": 2, "batch_size": 20}
    )
    row = mode_collapse.run_one("ring", "recommended", 0, tmp_path)
    assert 0 <= row["modes"] <= 8 and 0.0 <= row["high_quality"] <= 1.0
    assert row["wall_seconds"] > 0 and row["cpu_seconds"] > 0 and len(row["load_average"]) == 2
    assert row["config"]["steps_per_epoch"] == 2
    precise = row["precise"]  # the same generator on 100,000 samples
    assert precise["samples"] == 100_000 and 0 <= precise["modes"] <= 8 and 0.0 <= precise["high_quality"] <= 1.0
    drs = row["drs"]
    assert 0 <= drs["modes"] <= 8 and 0.0 <= drs["high_quality"] <= 1.0 and 0.0 < drs["acceptance"] <= 1.0
    for stats in (row, drs):  # the spread about the modes: NaN exactly when no sample is high quality
        if stats["high_quality"] == 0:
            assert math.isnan(stats["mode_spread"])
        else:
            assert 0.0 <= stats["mode_spread"] <= 3 * 0.01
            # The ring's std is 0.01; its own draws spread 0.9744 std within 3 std.
            assert stats["relative_spread"] == pytest.approx(stats["mode_spread"] / (0.01 * 0.974396), rel=1e-5)


def test_a_packed_run_is_rejection_sampled_in_whole_packs(tmp_path, monkeypatch):
    monkeypatch.setitem(
        PRESETS, "grid", {**PRESETS["grid"], "epochs": 1, "steps_per_epoch": 2, "mlp_units": (8,), "pack": 2}
    )
    row = mode_collapse.run_one("grid", "recommended", 0, tmp_path)
    assert row["config"]["pack"] == 2
    assert 0 <= row["modes"] <= 25
    assert 0 <= row["drs"]["modes"] <= 25 and 0.0 < row["drs"]["acceptance"] <= 1.0
    assert "| grid | recommended | 0 |" in mode_collapse.per_seed_table([row])
    assert 0 <= row["trained"]["modes"] <= 25  # the preset averages G: the generator that trained is scored too


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
    assert "| grid: modes / % HQ / reverse KL / spread | time per run |" in table
    # These rows have no spread (measured before it was): a dash.
    assert "| keras_gan recommended settings, 2 seeds | 24.5 ± 0.5 / 98.0 ± 0.0 / 0.010 ± 0.000 / - |" in table
    assert mode_collapse.mean_se([1.0, 2.0, 3.0]) == pytest.approx((2.0, (1.0 / 3) ** 0.5))


def test_the_drs_row_summarises_the_rejection_sampled_statistics():
    rows = [fake_row("grid", "recommended", s, 24, 0.90, 0.1) for s in range(2)]
    rows[0]["drs"] = {"modes": 25, "high_quality": 0.99, "reverse_kl": 0.01, "acceptance": 0.5, "seconds": 10.0}
    rows[1]["drs"] = {"modes": 23, "high_quality": 0.97, "reverse_kl": 0.03, "acceptance": 0.3, "seconds": 12.0}
    table = mode_collapse.markdown_table(rows, ["grid"])
    assert "| keras_gan recommended settings, 2 seeds | 24.0 ± 0.0 / 90.0 ± 0.0 / 0.100 ± 0.000 / - |" in table
    assert (
        "| keras_gan recommended settings + DRS sampling, 2 seeds | 24.0 ± 1.0 / 98.0 ± 1.0 / 0.020 ± 0.010 / - | "
        "grid + 11 s (refit and sampling), 40% accepted |" in table
    )
    summary = mode_collapse.summarize(rows, "grid", "recommended", view="drs")
    assert (summary["min_modes"], summary["min_high_quality"], summary["max_reverse_kl"]) == (23, 97.0, 0.03)
    assert "| grid | recommended | 0 | 24 | 90.0 | 0.1000 | not measured | not measured | 100 | 50 | 25 | 99.0 | 0.0100 | 50 | not measured | | |" in (
        mode_collapse.per_seed_table(rows)
    )


def test_a_run_whose_rejection_sampling_keeps_too_few_keeps_its_other_figures(tmp_path, monkeypatch):
    monkeypatch.setitem(
        PRESETS, "ring", {**PRESETS["ring"], "epochs": 1, "steps_per_epoch": 2, "batch_size": 20}
    )

    def keeps_too_few(*args, **kwargs):
        raise mode_collapse.rejection.TooFewKept("rejection sampling kept 12 of 2500000 proposals, short of 2500")

    monkeypatch.setattr(mode_collapse.rejection, "rejection_sample", keeps_too_few)
    row = mode_collapse.run_one("ring", "recommended", 0, tmp_path)
    assert row["drs"] == {"failed": "rejection sampling kept 12 of 2500000 proposals, short of 2500"}
    assert 0 <= row["modes"] <= 8 and row["precise"]["samples"] == 100_000 and row["trained"]["modes"] <= 8

    measured = fake_row("ring", "recommended", 1, 8, 0.98, 0.01)
    measured["drs"] = {"modes": 8, "high_quality": 0.99, "reverse_kl": 0.01, "acceptance": 0.5, "seconds": 10.0}
    rows = [row, measured]
    assert mode_collapse.summarize(rows, "ring", "recommended", view="drs")["n"] == 1
    assert mode_collapse.summarize(rows, "ring", "recommended")["n"] == 2
    assert "| kept too few | | |" in mode_collapse.per_seed_table(rows)


def test_the_trained_generator_row_summarises_the_generator_behind_the_average():
    rows = [fake_row("grid", "recommended", s, 25, 0.97, 0.01) for s in range(2)]
    rows[0]["trained"] = {"modes": 25, "high_quality": 0.95, "reverse_kl": 0.02, "mode_spread": 0.04}
    rows[1]["trained"] = {"modes": 24, "high_quality": 0.93, "reverse_kl": 0.04, "mode_spread": 0.05}
    table = mode_collapse.markdown_table(rows, ["grid"])
    # modes 25 and 24: 24.5 ± 0.5; HQ 95 and 93: 94.0 ± 1.0; KL 0.02 and 0.04: 0.030 ± 0.010.
    assert (
        "| keras_gan recommended settings: the generator that trained (not its moving average), 2 seeds | "
        "24.5 ± 0.5 / 94.0 ± 1.0 / 0.030 ± 0.010 / 0.92 ± 0.10 | grid: the same runs |" in table
    )  # the saved rows have no within-mode spread (written before it was measured): no comparison
    for row, spread in zip(rows, (0.02, 0.03)):
        row["mode_spread"] = spread
    # Rows that hold only mode_spread: over the grid's own, 0.05 * 0.9744: 0.04 and 0.05 -> 0.821 and 1.026
    # (mean 0.92), 0.02 and 0.03 -> 0.410 and 0.616 (mean 0.51).
    assert "| grid: the same runs; within-mode spread 0.92 against the average's 0.51 |" in (
        mode_collapse.markdown_table(rows, ["grid"])
    )
    summary = mode_collapse.summarize(rows, "grid", "recommended", view="trained")
    assert summary["mode_spread"] == pytest.approx((0.045, 0.005))
    assert summary["relative_spread"][0] == pytest.approx(0.045 / (0.05 * 0.974396), rel=1e-5)
    assert (summary["min_relative_spread"], summary["max_relative_spread"]) == pytest.approx((0.8210, 1.0263), abs=1e-4)
    assert mode_collapse.summarize(rows, "grid", "plain", view="trained") is None
    assert "| 25 | 95.0 | 0.0200 | 0.82 |" in mode_collapse.per_seed_table(rows)
    rows[1]["trained"] = None  # a run without a moving average
    assert "| grid | recommended | 1 | 25 | 97.0 | 0.0100 | 0.62 | not measured | 101 | 50 | not run | | | | no average | | | |" in (
        mode_collapse.per_seed_table(rows)
    )
    with pytest.raises(ValueError, match="unknown view 'ema'; valid: saved, precise, drs, trained"):
        mode_collapse.summarize(rows, "grid", "recommended", view="ema")


def test_the_precise_row_and_column_show_the_generators_on_100000_samples():
    rows = [fake_row("grid", "recommended", s, 25, hq, 0.01) for s, hq in enumerate([0.968, 0.974])]
    rows[0]["precise"] = {"modes": 25, "high_quality": 0.9712, "reverse_kl": 0.002, "samples": 100_000}
    rows[1]["precise"] = {"modes": 25, "high_quality": 0.9738, "reverse_kl": 0.004, "samples": 100_000}
    table = mode_collapse.markdown_table(rows, ["grid"])
    # HQ 97.12 and 97.38: mean 97.25, standard error 0.13; KL 0.002 and 0.004: 0.003 ± 0.001.
    assert (
        "| keras_gan recommended settings: the same generators on 100,000 samples, 2 seeds | "
        "25.0 ± 0.0 / 97.2 ± 0.1 / 0.003 ± 0.001 / - | grid: the same runs |" in table
    )
    assert "| grid | recommended | 0 | 25 | 96.8 | 0.0100 | not measured | 97.12 | 100 | 50 |" in (
        mode_collapse.per_seed_table(rows)
    )
    summary = mode_collapse.summarize(rows, "grid", "recommended", view="precise")
    assert summary["high_quality"] == pytest.approx((97.25, 0.13))
    assert summary["min_high_quality"] == pytest.approx(97.12)


def test_set_changes_a_field_on_top_of_the_setting_and_refuses_unknown_ones():
    changed = mode_collapse.config_for("ring", "recommended", 1, "out", {"ema": None, "lr_decay_start": 0.5})
    assert changed == TrainConfig.for_dataset("ring", seed=1, out="out", ema=None, lr_decay_start=0.5)
    changes = sys.modules["changes"]  # benchmarks/changes.py, which mode_collapse's --set parses with
    assert changes.parse_change("ema=null") == ("ema", None)
    assert changes.parse_change("mlp_units=[64, 64]") == ("mlp_units", [64, 64])
    assert mode_collapse.variant_label("recommended", {"lr_decay_start": 0.5, "ema": None}) == (
        "recommended ema=null,lr_decay_start=0.5"
    )
    assert mode_collapse.variant_label("plain", {}) == "plain"
    with pytest.raises(ValueError, match="unknown TrainConfig field.s. emma in --set"):
        mode_collapse.config_for("ring", "recommended", 0, "out", {"emma": 0.99})
    with pytest.raises(ValueError, match="ema must be a decay in"):  # TrainConfig's own check
        mode_collapse.config_for("ring", "recommended", 0, "out", {"ema": 2})


def test_a_bad_set_is_refused_before_anything_is_trained_or_written(tmp_path):
    out = tmp_path / "rows.json"
    with pytest.raises(ValueError, match="unknown TrainConfig field.s. emma"):
        mode_collapse.main(["--seeds", "1", "--datasets", "ring", "--set", "emma=0.9", "--json", str(out)])
    assert not out.exists()
    with pytest.raises(SystemExit):
        mode_collapse.main(["--set", "ema"])


def test_variant_rows_form_their_own_table_row():
    rows = [fake_row("ring", "recommended", s, 8, 0.98, 0.01) for s in range(2)]
    variant = fake_row("ring", "recommended", 0, 8, 0.97, 0.02)
    variant.update(variant="recommended ema=0.99", changes={"ema": 0.99}, mode_spread=0.0097, relative_spread=0.995)
    table = mode_collapse.markdown_table([*rows, variant], ["ring"])
    assert "| keras_gan recommended settings, 2 seeds | 8.0 ± 0.0 / 98.0 ± 0.0 / 0.010 ± 0.000 / - |" in table
    assert "| keras_gan recommended settings with ema=0.99, 1 seeds | 8.0 ± 0.0 / 97.0 ± 0.0 / 0.020 ± 0.000 / 0.99 ± 0.00 |" in (
        table
    )
    assert "| ring | recommended ema=0.99 | 0 | 8 | 97.0 | 0.0200 | 0.99 |" in mode_collapse.per_seed_table([*rows, variant])
