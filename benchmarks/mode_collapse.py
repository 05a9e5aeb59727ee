"""Mode collapse on the 2-D ring and grid: PacGAN's Table 1 protocol, measured.

    python benchmarks/mode_collapse.py                      # 5 seeds, ring and grid, both rows
    python benchmarks/mode_collapse.py --seeds 10 --datasets grid --settings recommended
    python benchmarks/mode_collapse.py --seeds 1 --datasets ring --settings recommended --set ema=0.99

For each dataset, setting and seed it trains with ``keras_gan.train.run`` (a
complete run directory, as ``python -m keras_gan.train`` writes), draws 2,500
samples from the saved ``generator.keras`` and applies the VEEGAN/PacGAN
protocol (``keras_gan.evaluation.metrics.mode_statistics``): a sample is high quality
within 3 standard deviations of its nearest mode, a mode is captured when it
is the nearest mode of a high-quality sample, reverse KL between the
generated and the uniform distribution over modes; and the spread within
the modes, which the protocol does not look at: the high-quality samples'
RMS distance to their mode over the mixture's own (1.0 for samples of the
mixture, 0.5 for modes drawn at half their width). It prints a markdown
table, mean ± standard error over the seeds, beside the published rows
(Lin et al. 2018, "PacGAN", Table 1, 10 trials), and writes every run's
numbers to ``--json``.

Settings:

* ``recommended``: the defaults of ``python -m keras_gan.train --dataset
  ring|grid`` (``keras_gan.cli.config.PRESETS``);
* ``plain``: ``TrainConfig.plain_for_dataset``: the same networks, batch
  size, latent size, number of steps and steps per compiled call, with the non-saturating loss, Adam(2e-4,
  beta_1=0.5) and no stabiliser (no packing, unit scale, penalty, spectral
  norm or EMA): a plain GAN.

``--set KEY=VALUE`` (repeatable) changes one ``TrainConfig`` field of every
run on top of its setting, e.g. ``--set ema=null --set lr_decay_start=0.5``
(values are JSON: numbers, ``null``, ``true``, lists); such runs form their
own rows, labelled with the changes.

One draw of 2,500 samples is itself noisy: at 97% high quality its
binomial standard error is sqrt(0.97 * 0.03 / 2500) = 0.34 points. So each
saved generator is also scored on 100,000 samples (the same seed; the
protocol's 2,500 are their first), whose figure is the generator's own to
about 0.05 points: the "100,000 samples" row and column.

Where the saved generator is a moving average of the generator's weights
(the presets' EMA), the generator that trained is scored on the same protocol
too: the average draws its modes narrower than the data, which the protocol
rewards (README, "What the protocol does not see").

Each run is also sampled by discriminator rejection (``keras_gan.evaluation.rejection``);
a packed discriminator judges groups of samples, so a packed run keeps or
rejects whole packs (the optimal packed logit is the sum of the members' log
density ratios).

Wall time is per run, training plus evaluation, on whatever else the
machine is doing; the load average is reported with it, and the CPU time
the process used, which does not depend on the load.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the benchmarks' shared helpers sit beside it
import provenance  # noqa: E402
from changes import add_set_argument, apply_changes, variant_label  # noqa: E402

from keras_gan.data import datasets as data  # noqa: E402
from keras_gan.evaluation import metrics  # noqa: E402
from keras_gan.cli import evaluate  # noqa: E402
from keras_gan.cli import generate  # noqa: E402
from keras_gan.evaluation import rejection  # noqa: E402
from keras_gan.cli import train  # noqa: E402
from keras_gan.cli.config import TrainConfig  # noqa: E402

NUM_SAMPLES = 2500
PRECISE_SAMPLES = 100_000
# Lin et al. 2018, Table 1 (10 trials): modes captured, % high-quality samples, reverse KL.
PUBLISHED = {
    "GAN (PacGAN Table 1)": {"ring": (6.3, 98.2, 0.45), "grid": (17.3, 94.8, 0.70)},
    "PacGAN4 (PacGAN Table 1)": {"ring": (7.8, 95.9, 0.07), "grid": (24.8, 93.6, 0.04)},
}
SETTINGS = ("plain", "recommended")


def config_for(dataset: str, setting: str, seed: int, out: str, changes: dict | None = None) -> TrainConfig:
    """The training settings of one benchmark run: ``setting``'s, with ``changes`` on top."""
    if setting == "recommended":
        config = TrainConfig.for_dataset(dataset, seed=seed, out=out)
    elif setting == "plain":
        config = TrainConfig.plain_for_dataset(dataset, seed=seed, out=out)
    else:
        raise ValueError(f"unknown setting {setting!r}; valid: {', '.join(SETTINGS)}")
    return apply_changes(config, changes)


def run_one(dataset: str, setting: str, seed: int, runs_dir: Path, changes: dict | None = None) -> dict:
    """Trains one GAN and measures its 2,500 samples; returns one result row."""
    variant = variant_label(setting, changes)
    folder = f"{dataset}_{variant.replace(' ', '_').replace('=', '-').replace(',', '_')}_seed{seed}"
    config = config_for(dataset, setting, seed, str(runs_dir / folder), changes)
    config = dataclasses.replace(config, overwrite=True)
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    result = train.run(config, verbose=0)
    generator = generate.load_generator(result.out / "generator.keras")

    def score(model, n=NUM_SAMPLES):  # the protocol on n samples drawn with the benchmark's seed
        return protocol(dataset, evaluate.draw_samples(model, n, seed=seed + 1))

    stats = score(generator)
    precise = {**protocol_figures(score(generator, PRECISE_SAMPLES)), "samples": PRECISE_SAMPLES}
    drs = drs_statistics(result.gan, generator, dataset, seed)
    # generator.keras holds the moving average where there is one: score the generator that trained too.
    trained = protocol_figures(score(result.gan.generator)) if result.gan.ema_generator is not None else None
    return {
        "dataset": dataset,
        "setting": setting,
        "variant": variant,
        "changes": dict(changes or {}),
        "seed": seed,
        **protocol_figures(stats),
        "train_seconds": result.seconds,
        "wall_seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "load_average": [load_before, os.getloadavg()[0]],
        "config": json.loads(config.to_json()),
        "drs": drs,
        "trained": trained,
        "precise": precise,
    }


def protocol_figures(stats: dict) -> dict:
    """The protocol's figures of one :func:`protocol` result, as a result row stores them."""
    keys = ("high_quality", "reverse_kl", "mode_spread", "relative_spread")
    return {"modes": int(stats["modes"]), **{key: stats[key] for key in keys if key in stats}}


def relative_spread(stats: dict, dataset: str) -> float | None:
    """The within-mode spread over the mixture's own (``metrics.mode_statistics``), or None where not measured.

    Rows measured before the figure existed hold ``mode_spread`` only; the
    ratio follows from it and the mixture's std.
    """
    if "relative_spread" in stats:
        return stats["relative_spread"]
    if "mode_spread" not in stats:
        return None
    return stats["mode_spread"] / (data.mixture(dataset)[1] * metrics.truncated_gaussian_rms(2))


def row_variant(row: dict) -> str:
    """A row's variant: its setting, with the ``--set`` changes it ran with."""
    return row.get("variant", row["setting"])


def protocol(dataset: str, samples) -> dict:
    """``metrics.mode_statistics`` of generated points against the mixture ``dataset`` draws from."""
    modes, std = data.mixture(dataset)
    samples = np.asarray(samples, dtype=np.float64)
    return metrics.mode_statistics(samples.reshape(len(samples), -1), modes, std)


def drs_statistics(gan, generator, dataset: str, seed: int) -> dict:
    """The protocol on 2,500 samples kept by discriminator rejection sampling from the same generator.

    The run's discriminator is refitted against the saved generator on the
    run's own training points (``keras_gan.evaluation.rejection``); no more training of
    the generator, and the plain samples above are not affected. When the
    refitted discriminator keeps too few proposals, the result is
    ``{"failed": reason}`` and the run's other figures stand.
    """
    started = time.perf_counter()
    real = data.load(dataset, seed=seed).x
    critic = rejection.refit_discriminator(gan.discriminator, generator, real, seed=seed, pack=gan.pack)
    try:
        samples, info = rejection.rejection_sample(generator, critic, NUM_SAMPLES, seed=seed + 1, pack=gan.pack)
    except rejection.TooFewKept as error:
        return {"failed": str(error)}
    stats = protocol(dataset, samples)
    return {
        **protocol_figures(stats),
        "acceptance": info.acceptance,
        "seconds": time.perf_counter() - started,
    }


def drs_measured(row: dict) -> bool:
    """Whether ``row`` holds rejection-sampling figures (not run, or failed, otherwise)."""
    return bool(row.get("drs")) and "failed" not in row["drs"]


def mean_se(values) -> tuple[float, float]:
    """Mean and standard error of the mean (sample std / sqrt(n); 0 for one value)."""
    values = np.asarray(values, dtype=float)
    se = values.std(ddof=1) / math.sqrt(len(values)) if len(values) > 1 else 0.0
    return float(values.mean()), float(se)


VIEWS = ("saved", "precise", "drs", "trained")


def summarize(rows: list[dict], dataset: str, setting: str, view: str = "saved") -> dict | None:
    """Mean ± standard error over the seeds of one view of the runs.

    ``setting`` is a variant label (:func:`variant_label`): a setting with no
    changes selects the rows that ran without ``--set``.

    ``view`` is ``"saved"`` (the samples of the saved ``generator.keras``),
    ``"precise"`` (the same generator on ``PRECISE_SAMPLES`` samples),
    ``"drs"`` (the same generator, rejection-sampled) or ``"trained"`` (the
    generator that trained, where the saved one is its moving average).
    """
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; valid: {', '.join(VIEWS)}")
    drs = view == "drs"
    picked = [
        r
        for r in rows
        if r["dataset"] == dataset
        and row_variant(r) == setting
        and (view == "saved" or (drs_measured(r) if drs else r.get(view)))
    ]
    if not picked:
        return None
    stats = [r if view == "saved" else r[view] for r in picked]
    spreads = [relative_spread(r, dataset) for r in stats]
    return {
        "n": len(picked),
        "modes": mean_se([r["modes"] for r in stats]),
        "high_quality": mean_se([100 * r["high_quality"] for r in stats]),
        "reverse_kl": mean_se([r["reverse_kl"] for r in stats]),
        "min_modes": min(r["modes"] for r in stats),
        "min_high_quality": min(100 * r["high_quality"] for r in stats),
        "max_reverse_kl": max(r["reverse_kl"] for r in stats),
        "mode_spread": mean_se([r["mode_spread"] for r in stats]) if all("mode_spread" in r for r in stats) else None,
        "relative_spread": mean_se(spreads) if None not in spreads else None,
        "min_relative_spread": min(spreads) if None not in spreads else None,
        "max_relative_spread": max(spreads) if None not in spreads else None,
        "acceptance": mean_se([100 * r["acceptance"] for r in stats]) if drs else None,
        "drs_seconds": mean_se([r["seconds"] for r in stats]) if drs else None,
        "wall": mean_se([r["wall_seconds"] for r in picked]),
        "max_wall": max(r["wall_seconds"] for r in picked),
        "cpu": mean_se([r["cpu_seconds"] for r in picked]),
        "load": float(np.mean([np.mean(r["load_average"]) for r in picked])),
    }


def _cell(summary: dict | None) -> str:
    if summary is None:
        return "not run"
    (m, m_se), (hq, hq_se), (kl, kl_se) = summary["modes"], summary["high_quality"], summary["reverse_kl"]
    spread = "-" if summary["relative_spread"] is None else "{:.2f} ± {:.2f}".format(*summary["relative_spread"])
    return f"{m:.1f} ± {m_se:.1f} / {hq:.1f} ± {hq_se:.1f} / {kl:.3f} ± {kl_se:.3f} / {spread}"


def _spreads(trained: dict, saved: dict) -> str:
    """'; within-mode spread A against the average's B', where both views measured it."""
    if trained["relative_spread"] is None or saved["relative_spread"] is None:
        return ""
    return (
        f"; within-mode spread {trained['relative_spread'][0]:.2f} against the average's "
        f"{saved['relative_spread'][0]:.2f}"
    )


def _variants(rows: list[dict]) -> list[str]:
    """The settings, then every variant with ``--set`` changes in the order the rows first show it."""
    variants = list(SETTINGS)
    for row in rows:
        if row_variant(row) not in variants:
            variants.append(row_variant(row))
    return variants


def markdown_table(rows: list[dict], datasets=("ring", "grid")) -> str:
    """The comparison table: published rows, then this script's rows (mean ± standard error).

    Each cell is modes / % high quality / reverse KL / within-mode spread
    (1.0: as wide as the data's modes).
    """
    header = "| | " + " | ".join(f"{d}: modes / % HQ / reverse KL / spread" for d in datasets) + " | time per run |"
    lines = [header, "|---" * (len(datasets) + 2) + "|"]
    for name, published in PUBLISHED.items():
        cells = [" / ".join(f"{v:g}" for v in published[d]) for d in datasets]
        lines.append(f"| {name}, 10 trials | " + " | ".join(cells) + " | |")
    labels = {"plain": "GAN, keras_gan (this script)", "recommended": "keras_gan recommended settings"}
    for setting in _variants(rows):
        base, _, changes = setting.partition(" ")
        labels.setdefault(setting, f"{labels[base]} with {changes}")
        by_view = {view: {d: summarize(rows, d, setting, view) for d in datasets} for view in VIEWS}
        for view, summaries in by_view.items():
            if not any(summaries.values()):
                continue
            n = max(s["n"] for s in summaries.values() if s)
            if view == "precise":
                label = f"{labels[setting]}: the same generators on {PRECISE_SAMPLES:,} samples, {n} seeds"
                times = [f"{d}: the same runs" for d, s in summaries.items() if s]
            elif view == "trained":
                label = f"{labels[setting]}: the generator that trained (not its moving average), {n} seeds"
                times = [f"{d}: the same runs{_spreads(s, by_view['saved'][d])}" for d, s in summaries.items() if s]
            elif view == "drs":
                label = f"{labels[setting]} + DRS sampling, {n} seeds"
                times = [
                    f"{d} + {s['drs_seconds'][0]:.0f} s (refit and sampling), {s['acceptance'][0]:.0f}% accepted"
                    for d, s in summaries.items()
                    if s
                ]
            else:
                label = f"{labels[setting]}, {n} seeds"
                times = [
                    f"{d} {s['wall'][0]:.0f} s wall (max {s['max_wall']:.0f}, load {s['load']:.1f}), {s['cpu'][0]:.0f} s CPU"
                    for d, s in summaries.items()
                    if s
                ]
            lines.append(
                f"| {label} | " + " | ".join(_cell(summaries[d]) for d in datasets) + " | " + "; ".join(times) + " |"
            )
    return "\n".join(lines)


def per_seed_table(rows: list[dict]) -> str:
    lines = [
        "| dataset | setting | seed | modes | % HQ | reverse KL | spread | % HQ of 100,000 | wall s | CPU s | DRS: modes "
        "| % HQ | reverse KL | % accepted | trained G: modes | % HQ | reverse KL | spread |",
        "|---" * 18 + "|",
    ]

    def spread(stats):
        value = relative_spread(stats, r["dataset"])
        return "not measured" if value is None else f"{value:.2f}"

    for r in sorted(rows, key=lambda r: (r["dataset"], row_variant(r), r["seed"])):
        d, t = r.get("drs"), r.get("trained")
        precise = f"{100 * r['precise']['high_quality']:.2f}" if r.get("precise") else "not measured"
        if drs_measured(r):
            drs = f"{d['modes']} | {100 * d['high_quality']:.1f} | {d['reverse_kl']:.4f} | {100 * d['acceptance']:.0f}"
        else:
            drs = "kept too few | | |" if d else "not run | | |"
        if t:
            trained = f"{t['modes']} | {100 * t['high_quality']:.1f} | {t['reverse_kl']:.4f} | {spread(t)}"
        else:  # None: the run had no moving average; absent: a row from before the script scored it
            trained = "no average | | |" if "trained" in r else "not measured | | |"
        lines.append(
            f"| {r['dataset']} | {row_variant(r)} | {r['seed']} | {r['modes']} | {100 * r['high_quality']:.1f} | "
            f"{r['reverse_kl']:.4f} | {spread(r)} | {precise} | {r['wall_seconds']:.0f} | {r['cpu_seconds']:.0f} | "
            f"{drs} | {trained} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1; 0 prints the table of --json's rows")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--datasets", nargs="+", default=["ring", "grid"], choices=["ring", "grid"])
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=SETTINGS)
    add_set_argument(parser, "every run", "ema=0.99, ema=null")
    parser.add_argument("--runs-dir", help="where the run directories go (default: a temporary folder, removed)")
    parser.add_argument("--json", default="mode_collapse.json", help="every run's numbers; appended to when it exists")
    args = parser.parse_args(argv)

    changes = dict(args.changes)
    for dataset in args.datasets:  # a bad --set fails here, before anything is trained or written
        for setting in args.settings:
            config_for(dataset, setting, args.first_seed, "out", changes)
    json_path = Path(args.json)
    rows = provenance.read_rows(json_path)
    with tempfile.TemporaryDirectory() as tmp:
        runs_dir = Path(args.runs_dir or tmp)
        for dataset in args.datasets:
            for setting in args.settings:
                for seed in range(args.first_seed, args.first_seed + args.seeds):
                    row = run_one(dataset, setting, seed, runs_dir, changes)
                    row["provenance"] = provenance.record("benchmarks/mode_collapse.py", sys.argv[1:] if argv is None else argv)
                    rows = provenance.put_row(json_path, rows, row, key=lambda r: (r["dataset"], row_variant(r), r["seed"]))
                    drs = row["drs"]
                    with_drs = (
                        f"with DRS sampling {drs['modes']} modes, {100 * drs['high_quality']:.1f}% HQ, "
                        f"reverse KL {drs['reverse_kl']:.4f}, {100 * drs['acceptance']:.0f}% accepted"
                        if drs_measured(row)
                        else f"DRS sampling failed: {drs['failed']}"
                    )
                    print(
                        f"{dataset} {row['variant']} seed {seed}: {row['modes']} modes, "
                        f"{100 * row['high_quality']:.1f}% HQ, reverse KL {row['reverse_kl']:.4f}, "
                        f"spread {row['relative_spread']:.2f}, {row['wall_seconds']:.0f} s wall, "
                        f"{row['cpu_seconds']:.0f} s CPU, load {row['load_average'][0]:.1f}; "
                        f"{100 * row['precise']['high_quality']:.2f}% HQ and spread "
                        f"{row['precise']['relative_spread']:.3f} of {PRECISE_SAMPLES:,}; {with_drs}",
                        flush=True,
                    )
    print()
    print(markdown_table(rows, [d for d in ("ring", "grid") if any(r["dataset"] == d for r in rows)]))
    print()
    print(per_seed_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
