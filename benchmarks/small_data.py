"""Small-data training: 500 digits with no augmentation, fixed DiffAugment, and ADA.

    python benchmarks/small_data.py --json benchmarks/results/small_data.json   # 3 settings x seeds 0-2
    python benchmarks/small_data.py --settings ada --seeds 0                     # one row, one seed

Each run trains the DCGAN on the first 500 training digits of the MNIST
sample shipped with keras_gan (``data.load_mnist_sample``), one setting and
one seed at a time:

* ``none``: no augmentation;
* ``diffaugment``: DiffAugment's ``translation,cutout`` on every image the
  discriminator sees (Zhao et al. 2020), always on;
* ``ada``: adaptive discriminator augmentation (Karras et al. 2020,
  ``keras_gan.training.ada``): x-flips, quarter turns and integer
  translation, each applied with a probability p that the overfitting
  heuristic r_t = E[sign(D(x_real))] steers towards ``--ada-target``
  (0.6, the paper's).

Everything else is the same in the three rows: the networks, optimizers, R1
penalty and moving average of the ``mnist-sample`` preset, the steps and the
seeds. The saved generator (the moving average of its
weights) is scored as ``python -m keras_gan.evaluate`` scores a digits run:
FID in the features of the shipped MNIST classifier, 1,000 samples against
the 1,000 held-out test digits, mean of ``--draws`` draws of latent vectors
(``keras_gan.evaluation.report.evaluate_generator``). The goal: ADA's mean FID
below no augmentation's.

Training time is measured around ``fit`` alone; the process's CPU time and
the load average go with it, since other work on the machine slows the clock.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the benchmarks' shared helpers sit beside it
import provenance  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gan import networks  # noqa: E402
from keras_gan.data import datasets as data  # noqa: E402
from keras_gan.evaluation.report import evaluate_generator  # noqa: E402
from keras_gan.models.gan import GAN  # noqa: E402

SETTINGS = {
    "none": {},
    "diffaugment": {"diffaugment": "translation,cutout"},
    "ada": {},
}


DESCRIPTION = (
    "The DCGAN trained on the first N training digits of the shipped MNIST sample, with the mnist-sample preset's "
    "networks, optimizers, R1 penalty and moving average, and the same steps and seeds in each row; only the "
    "augmentation of the discriminator's inputs differs: none, DiffAugment's "
    "translation,cutout, or ADA (x-flips, quarter turns, integer translation with a probability p steered to "
    "r_t = 0.6, or the ada target the title names). FID of the saved moving-average generator in the shipped MNIST "
    "classifier's features, 1,000 samples "
    "against the 1,000 held-out test digits, mean of the draws."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--train-size", type=int, default=500, help="the first N training digits")
    parser.add_argument("--steps", type=int, default=4500,
                        help="training steps (generator updates); 4,500 are 300 epochs of 500 digits at batch 32")
    parser.add_argument("--batch-size", type=int, default=32)
    # The networks, optimizers, R1 penalty and moving average of the mnist-sample preset (keras_gan.cli.presets).
    parser.add_argument("--base-filters", type=int, default=32)
    parser.add_argument("--seed-convs", type=int, default=1)
    parser.add_argument("--upsample-kernel-size", type=int, default=4)
    parser.add_argument("--d-lr", type=float, default=2e-4)
    parser.add_argument("--g-lr", type=float, default=3.2e-3)
    parser.add_argument("--r1-gamma", type=float, default=1.0)
    parser.add_argument("--ema", type=float, default=0.999, help="moving average of G's weights, which is scored")
    # The paper's 500,000 images are 2% of its runs; 20,000 lets p move within a run of 144,000 real images.
    parser.add_argument("--ada-ramp-images", type=int, default=20_000,
                        help="ada: real images over which p can go from 0 to 1")
    parser.add_argument("--ada-target", type=float, default=0.6,
                        help="ada: the value of r_t = E[sign(D(x_real))] that p steers towards")
    parser.add_argument("--draws", type=int, default=3, help="FID draws of 1,000 samples each, averaged")
    parser.add_argument("--json", type=Path, help="write the record here")
    return parser


ROW_NAMES = {"none": "no augmentation", "diffaugment": "DiffAugment", "ada": "ADA"}


def title(args) -> str:
    """The record's title: the digits, the rows that ran, and the settings that differ from the defaults."""
    names = [ROW_NAMES[setting] for setting in args.settings]
    rows = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    defaults = vars(build_parser().parse_args([]))
    changed = [f"{key.replace('_', ' ')} {value:g}" for key, value in vars(args).items()
               if key not in ("settings", "seeds", "json", "train_size") and value != defaults[key]]
    suffix = f" ({', '.join(changed)})" if changed else ""
    return f"Small-data training: {args.train_size} digits with {rows}{suffix}"


def check_args(args) -> None:
    """Refuses settings that cannot run, before anything trains or is written."""
    if not 1 <= args.train_size <= 4000:
        raise ValueError(f"--train-size must lie in 1..4000 (the shipped training digits), got {args.train_size}")
    if not 1 <= args.batch_size <= args.train_size:
        raise ValueError(f"--batch-size must lie in 1..{args.train_size} (--train-size), got {args.batch_size}")
    if not 0 < args.ada_target < 1:
        raise ValueError(f"--ada-target must lie strictly between 0 and 1, got {args.ada_target}")
    if args.steps < 1 or args.draws < 1:
        raise ValueError(f"--steps and --draws must be positive, got {args.steps} and {args.draws}")


def augmentation(args, setting: str) -> dict:
    """The GAN arguments that ``setting`` adds to every run."""
    if setting == "ada":
        return {"ada_target": args.ada_target, "ada_ramp_images": args.ada_ramp_images}
    return dict(SETTINGS[setting])


def build_gan(args, setting: str, seed: int) -> GAN:
    """The DCGAN of one run, compiled; ``setting`` adds its augmentation."""
    generator = networks.dcgan_generator(
        100, (28, 28, 1), base_filters=args.base_filters, seed_convs=args.seed_convs,
        upsample_kernel_size=args.upsample_kernel_size,
    )
    discriminator = networks.dcgan_discriminator((28, 28, 1), base_filters=args.base_filters)
    gan = GAN(generator, discriminator, seed=seed, ema=args.ema, **augmentation(args, setting))
    gan.compile(
        d_optimizer=keras.optimizers.Adam(args.d_lr, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(args.g_lr, beta_1=0.5),
        r1_gamma=args.r1_gamma,
    )
    return gan


def run_one(args, setting: str, seed: int, digits: np.ndarray) -> dict:
    """Trains one setting on one seed for ``args.steps`` steps and scores its saved generator."""
    keras.utils.clear_session()
    keras.utils.set_random_seed(seed)
    gan = build_gan(args, setting, seed)
    dataset = data.make_dataset(digits, args.batch_size, seed=seed)
    epoch_steps = len(digits) // args.batch_size
    epochs = math.ceil(args.steps / epoch_steps)
    started, cpu_started = time.perf_counter(), time.process_time()
    history = gan.fit(dataset, epochs=epochs, steps_per_epoch=epoch_steps, verbose=0).history
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    entries, _ = evaluate_generator(gan.sampling_generator, "mnist-sample", seed=seed, draws=args.draws)
    fid = entries["fid"]
    return {
        "setting": setting,
        "seed": seed,
        "fid": fid["value"],
        "fid_draws": fid.get("draw_values", [fid["value"]]),
        "fid_real_data": fid.get("real_data"),
        "kid": entries["kid"]["value"],
        "precision": entries["precision"]["value"],
        "recall": entries["recall"]["value"],
        "steps": epochs * epoch_steps,
        "train_seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "load_average_after": list(os.getloadavg()),
        "last_epoch": {key: float(values[-1]) for key, values in history.items()},
        # ADA's p and r_t at the end of each epoch.
        "ada_p": [round(float(p), 4) for p in history["ada_p"]] if "ada_p" in history else None,
        "ada_rt": [round(float(r), 4) for r in history["ada_rt"]] if "ada_rt" in history else None,
    }


def mean_se(values) -> tuple[float, float]:
    """Mean and standard error of the mean (sample standard deviation / sqrt(n); 0 for one value)."""
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0


def summarise(runs: list[dict]) -> dict:
    """Per setting: the seeds' FIDs, their mean and standard error."""
    summary = {}
    for setting in dict.fromkeys(run["setting"] for run in runs):
        fids = [run["fid"] for run in runs if run["setting"] == setting]
        mean, se = mean_se(fids)
        summary[setting] = {"fid_mean": mean, "fid_se": se, "fids": fids}
    return summary


def goal_met(summary: dict) -> bool | None:
    """Whether ADA's mean FID is below no augmentation's; None unless both rows ran."""
    if "ada" not in summary or "none" not in summary:
        return None
    return summary["ada"]["fid_mean"] < summary["none"]["fid_mean"]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    check_args(args)
    record = provenance.record("benchmarks/small_data.py", argv)
    digits = data.scale_images(data.load_mnist_sample("train")[0][: args.train_size])
    runs = []
    for setting in args.settings:
        for seed in args.seeds:
            run = run_one(args, setting, seed, digits)
            runs.append(run)
            p = f", final p {run['ada_p'][-1]:.3f}" if run["ada_p"] else ""
            print(f"{setting} seed {seed}: FID {run['fid']:.2f} ({run['train_seconds']:.0f} s training{p})", flush=True)
    summary = summarise(runs)
    for setting, row in summary.items():
        fids = ", ".join(f"{fid:.2f}" for fid in row["fids"])
        print(f"{setting:12s} FID {row['fid_mean']:.2f} +- {row['fid_se']:.2f}  ({fids})")
    met = goal_met(summary)
    if met is not None:
        print(f"goal (ADA's mean FID below no augmentation's): {'met' if met else 'not met'}")
    if args.json is not None:
        settings = {key: (str(value) if isinstance(value, Path) else value) for key, value in vars(args).items()}
        report = {
            "title": title(args),
            "description": DESCRIPTION,
            "provenance": record,
            "settings": {key: value for key, value in settings.items() if key != "json"},
            "augmentation": {name: augmentation(args, name) for name in args.settings},
            "goal": "ADA's mean FID below no augmentation's",
            "goal_met": met,
            "summary": summary,
            "runs": runs,
        }
        provenance.write_json(args.json, report)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
