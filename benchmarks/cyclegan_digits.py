"""CycleGAN on the offline digits demo: how well it learns a transform it never sees in pairs.

    python benchmarks/cyclegan_digits.py                       # seed 0, the demo's settings
    python benchmarks/cyclegan_digits.py --seeds 0 1 2 --json benchmarks/results/cyclegan_digits.json

Domain A holds the first 2,000 training digits of the shipped MNIST sample;
domain B the other 2,000, drawn by a known transform T (thicker strokes,
then inverted: ``keras_gan.data.unpaired.thicken_and_invert``). No digit is
in both domains. Because T is known, the 1,000 held-out digits score the
translation exactly (``keras_gan.models.cyclegan.known_translation_scores``):

* L1, PSNR and SSIM of G(a) against T(a), beside the identity mapping's
  (the baseline: a itself against T(a));
* the shipped MNIST classifier's accuracy on F(T(a)): whether translating
  back from B keeps the digit's class (beside its accuracy on a itself).

The goals: F(T(a)) keeps its class for at least 95% of the held-out digits,
and G(a) beats the identity's PSNR against T(a) by at least 6 dB, within
10 minutes of training on 2 CPU cores. Training time is measured around
``fit`` alone (tracing included); the CPU time of the process and the load
average are recorded with it, since other work on the machine slows the
wall clock.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the benchmarks' shared helpers sit beside it
import provenance  # noqa: E402

import keras  # noqa: E402

from keras_gan import visualization  # noqa: E402
from keras_gan.cli.config import TrainConfig  # noqa: E402
from keras_gan.data import unpaired  # noqa: E402
from keras_gan.evaluation.classifier import load_mnist_classifier  # noqa: E402
from keras_gan.models.cyclegan import CycleGAN, known_translation_scores  # noqa: E402
from keras_gan.models.paired import comparison_rows  # noqa: E402
from keras_gan.networks import cyclegan_networks  # noqa: E402
from keras_gan.training import schedules  # noqa: E402

# What ``python -m keras_gan.train --dataset mnist-inverted`` trains with.
DEMO = TrainConfig.for_dataset("mnist-inverted")
PSNR_GAIN_GOAL = 6.0
CLASS_KEPT_GOAL = 0.95
MINUTES_GOAL = 10.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--steps", type=int, default=600, help="training steps (generator updates)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--base-filters", type=int, default=16)
    parser.add_argument("--blocks", type=int, default=3, help="residual blocks of each generator")
    parser.add_argument("--downsamplings", type=int, default=None, help="stride-2 layers of each discriminator")
    parser.add_argument("--cycle-weight", type=float, default=DEMO.cycle_weight, help="weight of the cycle-consistency terms")
    parser.add_argument("--identity-weight", type=float, default=DEMO.identity_weight,
                        help="weight of the identity terms (default: the demo preset's, 0)")
    parser.add_argument("--lr", type=float, default=2e-4, help="Adam learning rate of all four networks")
    parser.add_argument("--decay-start", type=float, default=0.5, help="fraction of the steps after which the rate decays to 0")
    parser.add_argument("--steps-per-execution", type=int, default=25)
    parser.add_argument("--json", type=Path, help="write the record here")
    parser.add_argument("--grids", type=Path, help="write each seed's held-out grid here: a | G(a) | T(a) | F(T(a))")
    return parser


def run_seed(args, seed: int, held_out, classifier) -> dict:
    """Trains one seed for ``args.steps`` steps and scores it on the held-out digits."""
    keras.utils.clear_session()
    keras.utils.set_random_seed(seed)
    train = unpaired.mnist_domains("train")
    networks = cyclegan_networks(train.a.shape[1:], args.base_filters, num_blocks=args.blocks, downsamplings=args.downsamplings)
    gan = CycleGAN(*networks, cycle_weight=args.cycle_weight, identity_weight=args.identity_weight, seed=seed)
    rates = [schedules.learning_rate(args.lr, args.decay_start, args.steps) for _ in range(2)]
    gan.compile(
        d_optimizer=keras.optimizers.Adam(rates[0], beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(rates[1], beta_1=0.5),
        steps_per_execution=args.steps_per_execution,
    )
    pipeline = unpaired.unpaired_dataset(train.a, train.b, args.batch_size, seed=seed)
    epoch_steps = unpaired.steps_per_epoch(train.a, train.b, args.batch_size)
    epochs, last = divmod(args.steps, epoch_steps)
    started, cpu_started = time.perf_counter(), time.process_time()
    history = gan.fit(pipeline, steps_per_epoch=epoch_steps, epochs=epochs, verbose=0).history if epochs else {}
    if last:
        gan.fit(pipeline, steps_per_epoch=last, epochs=1, verbose=0)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    scores = known_translation_scores(gan, held_out.a, held_out.b, held_out.a_labels, classifier)
    if args.grids is not None:
        a, b = held_out.a[:8], held_out.b[:8]
        rows = comparison_rows(a, gan.translate(a, "AtoB"), b, gan.translate(b, "BtoA"))
        visualization.save_image_grid(rows, args.grids / f"seed{seed}.png", cols=4, scale=2)
    return {
        "seed": seed,
        "train_seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "load_average_after": list(os.getloadavg()),
        "psnr_gain_db": scores["AtoB"]["psnr"] - scores["identity"]["psnr"],
        "scores": scores,
        "last_epoch_losses": {key: values[-1] for key, values in history.items()},
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    record = provenance.record("benchmarks/cyclegan_digits.py", argv)
    held_out = unpaired.mnist_domains("test")
    classifier = load_mnist_classifier()
    runs = []
    for seed in args.seeds:
        run = run_seed(args, seed, held_out, classifier)
        runs.append(run)
        scores = run["scores"]
        print(
            f"seed {seed}: {run['train_seconds']:.0f} s training; PSNR G(a) vs T(a) {scores['AtoB']['psnr']:.2f} dB "
            f"(identity {scores['identity']['psnr']:.2f} dB, gain {run['psnr_gain_db']:.2f}); "
            f"L1 {scores['AtoB']['l1']:.3f} (identity {scores['identity']['l1']:.3f}); "
            f"class kept by F(T(a)) {scores['class_kept']:.1%} (classifier on a: {scores['class_real']:.1%})",
            flush=True,
        )
    met = all(
        r["psnr_gain_db"] >= PSNR_GAIN_GOAL
        and r["scores"]["class_kept"] >= CLASS_KEPT_GOAL
        and r["train_seconds"] <= 60 * MINUTES_GOAL
        for r in runs
    )
    goal = f"class kept >= {CLASS_KEPT_GOAL:.0%}, PSNR gain >= {PSNR_GAIN_GOAL:g} dB, <= {MINUTES_GOAL:g} min of training"
    print(f"goal ({goal}): {'met on every seed' if met else 'not met on every seed'}")
    if args.json is not None:
        settings = {key: value for key, value in vars(args).items() if key not in ("json", "grids")}
        report = {
            "title": "CycleGAN on the offline digits demo: the translation scored against the known transform "
                     f"(cycle weight {args.cycle_weight:g}, identity weight {args.identity_weight:g})",
            "description": __doc__.split("\n\n")[2].strip().replace("\n", " "),
            "provenance": record,
            "settings": settings,
            "goals": {"class_kept": CLASS_KEPT_GOAL, "psnr_gain_db": PSNR_GAIN_GOAL, "train_minutes": MINUTES_GOAL},
            "goal_met_on_every_seed": met,
            "runs": runs,
        }
        provenance.write_json(args.json, report)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
