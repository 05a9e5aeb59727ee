"""Time to quality of the default run: FID against wall time, per seed.

    python benchmarks/time_to_quality.py --seeds 5 --json benchmarks/results/time_to_quality.json
    python benchmarks/time_to_quality.py --seeds 1 --set epochs=60 --set lr_decay_start=0.5 --label candidate

Each seed trains the MNIST sample's preset (``python -m keras_gan.train``'s
default, ``TrainConfig.for_dataset("mnist-sample")``), with the ``--set``
changes on top, through ``keras_gan.cli.train.run``: a complete run
directory, every file the command writes. Then:

* ``generator.keras`` is scored as ``python -m keras_gan.evaluate RUN --draws 5``
  scores its samples (``evaluate.evaluate_generator``, seeds 0-4): FID, KID,
  precision and recall in the features of the shipped MNIST classifier,
  each the mean of 5 draws of 1,000 samples, with the real-data floor;
* every ``--curve-every`` epochs (and after the last) the generator the run
  samples from (the moving average, where there is one) is scored on the
  same 5 draws of FID while the clock is stopped: the curve of FID against
  the run's own wall time.

Wall time is what the command would take: this process's start-up (Python,
TensorFlow, keras_gan; measured once and counted for every seed) plus
``train.run`` from call to return, less the time the curve's measurements
took. CPU time (this process, all threads) is
reported beside it, since the machine's other work inflates wall time but
not CPU time; so is the load average.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import psutil  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the benchmarks' shared helpers sit beside it
import provenance  # noqa: E402
from changes import add_set_argument, apply_changes, variant_label  # noqa: E402

from keras_gan.cli import evaluate, train  # noqa: E402
from keras_gan.cli.config import TrainConfig  # noqa: E402

DATASET = "mnist-sample"
DRAWS = 5  # as `python -m keras_gan.evaluate RUN --draws 5`


class QualityCurve(keras.callbacks.Callback):
    """Scores the sampling generator every ``every`` epochs with the clock stopped.

    ``points`` gains one dict per measurement: the epoch, the generator
    updates so far, the wall and CPU seconds of training so far (the
    measurements' own time left out), and the FID of each of ``draws``
    draws, seeded 0.. as ``evaluate --draws`` seeds them.
    """

    def __init__(self, every: int, draws: int = DRAWS):
        super().__init__()
        if every < 1:
            raise ValueError(f"--curve-every must be a positive number of epochs; got {every}")
        self.every, self.draws = every, draws
        self.points, self.measuring_seconds, self.measuring_cpu = [], 0.0, 0.0
        self.evaluation = None

    def on_train_begin(self, logs=None):
        self.started, self.cpu_started = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every and epoch + 1 != self.params.get("epochs"):
            return
        wall, cpu = time.perf_counter(), time.process_time()
        generator = self.model.sampling_generator
        if self.evaluation is None:
            self.evaluation = evaluate.Evaluation(DATASET, image_shape=tuple(generator.outputs[0].shape[1:]))
        fids = []
        for seed in range(self.draws):
            evaluation = self.evaluation if seed == 0 else self.evaluation.with_seed(seed)
            fids.append(evaluation(evaluate.draw_samples(generator, evaluation.num_samples, seed=seed))["fid"])
        self.points.append({
            "epoch": epoch + 1,
            "steps": (epoch + 1) * self.params["steps"],
            "train_seconds": wall - self.started - self.measuring_seconds,
            "train_cpu_seconds": cpu - self.cpu_started - self.measuring_cpu,
            "fid": float(np.mean(fids)),
            "fid_draws": [float(f) for f in fids],
        })
        self.measuring_seconds += time.perf_counter() - wall
        self.measuring_cpu += time.process_time() - cpu


def startup_seconds() -> float:
    """Seconds from this process's start to now: what a command spends before it trains."""
    return time.time() - psutil.Process().create_time()


def run_seed(config: TrainConfig, curve_every: int, startup: float) -> dict:
    """Trains one run with its quality curve, then scores it as ``evaluate --draws 5``; returns its row."""
    curve = QualityCurve(curve_every)
    load_before = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    result = train.run(config, verbose=0, extra_callbacks=[curve])
    run_wall = time.perf_counter() - wall - curve.measuring_seconds
    run_cpu = time.process_time() - cpu - curve.measuring_cpu
    load_after = os.getloadavg()[0]
    generator = evaluate.load_generator(result.out / "generator.keras")
    entries, _ = evaluate.evaluate_generator(generator, DATASET, draws=DRAWS)
    figures = {
        name: {key: entry.get(key) for key in ("value", "draw_std", "draw_values", "real_data")}
        for name, entry in entries.items()
    }
    return {
        "seed": config.seed,
        "fid": figures["fid"]["value"],
        "fid_draws": figures["fid"]["draw_values"],
        "fid_floor": figures["fid"]["real_data"],
        "metrics": figures,
        "wall_seconds": startup + run_wall,
        "startup_seconds": startup,
        "train_seconds": result.seconds - curve.measuring_seconds,
        "cpu_seconds": run_cpu,
        "steps": curve.points[-1]["steps"],
        "curve": curve.points,
        "load_average": [load_before, load_after],
        "config": json.loads(config.to_json()),
    }


def summary_line(label: str, rows: list[dict]) -> str:
    """One line per setting: FID and wall time over the seeds, and FID over its floor."""
    fids = [r["fid"] for r in rows]
    walls = [r["wall_seconds"] for r in rows]
    floor = statistics.mean(r["fid_floor"] for r in rows)
    spread = f" (sd {statistics.stdev(fids):.1f})" if len(fids) > 1 else ""
    return (
        f"{label}: {len(rows)} seeds, FID {statistics.mean(fids):.1f}{spread}, {min(fids):.1f}-{max(fids):.1f}, "
        f"{statistics.mean(fids) / floor:.2f}x the floor {floor:.2f}; wall {min(walls):.0f}-{max(walls):.0f} s, "
        f"CPU {statistics.mean(r['cpu_seconds'] for r in rows):.0f} s"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5, help="seeds --first-seed .. --first-seed + N - 1")
    parser.add_argument("--first-seed", type=int, default=0)
    add_set_argument(parser, "the preset", "epochs=60, lr_decay_start=0.5")
    parser.add_argument("--label", help="the name of these runs in the JSON (default: the preset and its changes)")
    parser.add_argument("--curve-every", type=int, default=10, help="epochs between the curve's measurements")
    parser.add_argument("--runs-dir", help="where the run directories go (default: a temporary folder, removed)")
    parser.add_argument("--json", default="time_to_quality.json", help="every run's figures; appended to when it exists")
    return parser


def main(argv: list[str] | None = None) -> int:
    startup = startup_seconds()
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    changes = dict(args.changes)
    label = args.label or variant_label("preset", changes)
    # A bad --set or --curve-every fails here, before anything is trained or written.
    apply_changes(TrainConfig.for_dataset(DATASET, out="out"), changes)
    QualityCurve(args.curve_every)
    json_path = Path(args.json)
    rows = provenance.read_rows(json_path)
    with tempfile.TemporaryDirectory() as tmp:
        runs_dir = Path(args.runs_dir or tmp)
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            config = TrainConfig.for_dataset(DATASET, seed=seed, out=str(runs_dir / f"{label.replace(' ', '_')}_seed{seed}"))
            config = dataclasses.replace(apply_changes(config, changes), overwrite=True)
            row = {"label": label, "changes": changes, **run_seed(config, args.curve_every, startup)}
            row["provenance"] = provenance.record("benchmarks/time_to_quality.py", argv)
            rows = provenance.put_row(json_path, rows, row, key=lambda r: (r["label"], r["seed"]))
            print(
                f"{label} seed {seed}: FID {row['fid']:.2f} (floor {row['fid_floor']:.2f}), "
                f"{row['wall_seconds']:.0f} s wall, {row['cpu_seconds']:.0f} s CPU, {row['steps']} steps, "
                f"load {row['load_average'][0]:.1f}-{row['load_average'][1]:.1f}; curve: "
                + ", ".join(f"{p['train_seconds']:.0f} s {p['fid']:.1f}" for p in row["curve"]),
                flush=True,
            )
    labels = list(dict.fromkeys(r["label"] for r in rows))
    for name in labels:
        print(summary_line(name, [r for r in rows if r["label"] == name]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
