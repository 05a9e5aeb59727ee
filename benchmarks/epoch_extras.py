"""What the default run spends between its epochs, beside the training steps.

    python benchmarks/epoch_extras.py --json benchmarks/results/epoch_extras.json
    python benchmarks/epoch_extras.py --set base_filters=16 --set share_generator_pass=true --label 'quick recipe'

Trains the MNIST sample's preset (``python -m keras_gan.train``'s default),
with the ``--set`` changes on top, for ``--epochs`` epochs through
``keras_gan.cli.train.run``, and times each epoch in two parts:

* training: from the epoch's start to the end of its last step;
* extras: from there to the next epoch's start, the per-epoch work of the
  run directory's callbacks (the sample grid, whose moving average measures
  its batch-norm statistics, the loss plot, TensorBoard, the CSV log, the
  checkpoint).

Then, on the trained GAN, it times the grid's samples alone, alternating
``generate(..., preview=True)`` (the average's statistics measured on
``averaging.PREVIEW_SAMPLES`` inputs, what the grid does) with
``generate(...)`` (on ``averaging.STATISTICS_SAMPLES``), the statistics made
stale before each call. The first epoch (tracing) is reported apart.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import keras  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the benchmarks' shared helpers sit beside it
import provenance  # noqa: E402
from changes import add_set_argument, apply_changes, variant_label  # noqa: E402

from keras_gan.cli import train  # noqa: E402
from keras_gan.cli.config import TrainConfig  # noqa: E402

DATASET = "mnist-sample"


class EpochClock(keras.callbacks.Callback):
    """Splits each epoch's wall time into its steps and the callbacks after them.

    Run first among the extra callbacks, its ``on_epoch_end`` comes right
    after the epoch's last step and before the run directory's callbacks.
    """

    def __init__(self):
        super().__init__()
        self.training, self.extras = [], []
        self._began = self._stepped = None

    def on_epoch_begin(self, epoch, logs=None):
        now = time.perf_counter()
        if self._stepped is not None:
            self.extras.append(now - self._stepped)
        self._began = now

    def on_epoch_end(self, epoch, logs=None):
        self._stepped = time.perf_counter()
        self.training.append(self._stepped - self._began)

    def on_train_end(self, logs=None):
        self.extras.append(time.perf_counter() - self._stepped)


def time_grid(gan, latent, repeats: int) -> dict:
    """Seconds of the grid's samples with preview and with full statistics, alternated, stale each time."""
    seconds = {"preview": [], "full": []}
    for _ in range(repeats):
        for name in seconds:
            gan.moving_average.forget_statistics()
            started = time.perf_counter()
            gan.generate(len(latent), latent=latent, preview=name == "preview")
            seconds[name].append(time.perf_counter() - started)
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=6, help="epochs to train and time (the first is reported apart)")
    parser.add_argument("--repeats", type=int, default=10, help="timed grids of each kind")
    add_set_argument(parser, "the preset", "base_filters=16")
    parser.add_argument("--label", help="the name of this row in the JSON (default: the preset and its changes)")
    parser.add_argument("--json", default="epoch_extras.json", help="the figures; a row of the same label is replaced")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    if args.epochs < 2 or args.repeats < 1:
        raise SystemExit(f"--epochs must be at least 2 and --repeats at least 1; got {args.epochs} and {args.repeats}")
    changes = dict(args.changes)
    label = args.label or variant_label("preset", changes)
    json_path = Path(args.json)
    rows = provenance.read_rows(json_path)
    with tempfile.TemporaryDirectory() as tmp:
        config = apply_changes(TrainConfig.for_dataset(DATASET, out=str(Path(tmp) / "run")), changes)
        config = dataclasses.replace(config, epochs=args.epochs)
        if config.ema is None:
            raise SystemExit("the grid's statistics are the moving average's: this benchmark needs ema on")
        clock = EpochClock()
        result = train.run(config, verbose=0, extra_callbacks=[clock])
        latent = result.gan.latent_vectors(config.samples, seed=0)
        grid = time_grid(result.gan, latent, args.repeats)
    training, extras = clock.training[1:], clock.extras[1:]
    median = {"training": statistics.median(training), "extras": statistics.median(extras),
              **{kind: statistics.median(seconds) for kind, seconds in grid.items()}}
    row = {
        "label": label,
        "changes": changes,
        "epochs": args.epochs,
        "first_epoch": {"training_seconds": clock.training[0], "extras_seconds": clock.extras[0]},
        "training_seconds": training,
        "extras_seconds": extras,
        "extras_share": median["extras"] / (median["training"] + median["extras"]),
        "grid_seconds": grid,
        "grid_full_over_preview": median["full"] / median["preview"],
        "provenance": provenance.record("benchmarks/epoch_extras.py", argv),
    }
    provenance.put_row(json_path, rows, row, key=lambda r: r["label"])
    print(
        f"{label}: an epoch trains {median['training']:.2f} s and its extras take "
        f"{median['extras']:.2f} s ({row['extras_share']:.0%} of the epoch); the grid's samples take "
        f"{median['preview']:.3f} s as a preview against {median['full']:.3f} s "
        f"with full statistics ({row['grid_full_over_preview']:.1f}x); median over epochs 2-{args.epochs} "
        f"and {args.repeats} grids each"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
