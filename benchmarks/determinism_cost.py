"""What ``--deterministic`` costs, and what skipping the data on a resume costs.

    python benchmarks/determinism_cost.py                  # DCGAN preset on the MNIST sample, 3 runs per mode
    python benchmarks/determinism_cost.py --dataset ring --repeats 5

Each run is its own process (op determinism cannot be turned off again), the
two modes alternate so that a change in machine load hits both, and each
times ``--steps`` training steps after a first call has traced the step.
Wall-clock and CPU time (``time.process_time``, this process's cores only)
are printed per step, with the load average when the run ended, since on a
shared machine wall time mostly measures the neighbours.

``--skip`` instead times what a resume spends positioning the data: taking
the first batch after ``pipeline.skip(n)`` for the n batches of the preset's
whole run but its last epoch.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def time_steps(dataset: str, steps: int, deterministic: bool) -> str:
    """Trains ``steps`` steps after tracing; returns wall and CPU milliseconds per step."""
    from keras_gan.cli import train
    from keras_gan.cli.config import TrainConfig

    config = TrainConfig.for_dataset(
        dataset, steps_per_epoch=steps, epochs=1, deterministic=deterministic, out="unused"
    )
    setup = train.prepare(config)
    setup.gan.fit(setup.pipeline, epochs=1, steps_per_epoch=steps, verbose=0)  # traces
    wall, cpu = time.perf_counter(), time.process_time()
    setup.gan.fit(setup.pipeline, epochs=1, steps_per_epoch=steps, verbose=0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return f"wall {1000 * wall / steps:7.1f} ms/step   cpu {1000 * cpu / steps:7.1f} ms/step"


def time_skip(dataset: str) -> str:
    """Seconds to the first batch after skipping all but the last epoch of the preset's run."""
    from keras_gan.data import datasets as data
    from keras_gan.cli.config import TrainConfig
    from keras_gan.training.distribution import steps_per_epoch

    config = TrainConfig.for_dataset(dataset, out="unused")
    loaded = data.load(dataset, seed=config.seed)
    steps = config.steps_per_epoch or steps_per_epoch(len(loaded.x), config.batch_size)
    batches = (config.epochs - 1) * steps
    pipeline = data.make_dataset(loaded.x, config.batch_size, seed=config.seed).repeat()
    started = time.perf_counter()
    next(iter(pipeline.skip(batches)))
    return f"{dataset}: skipping {batches} batches of {config.batch_size} took {time.perf_counter() - started:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="mnist-sample")
    parser.add_argument("--steps", type=int, default=30, help="timed training steps per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per mode")
    parser.add_argument("--skip", action="store_true", help="time the resume's data skip instead")
    parser.add_argument("--child", choices=["plain", "deterministic"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.skip:
        print(time_skip(args.dataset))
    elif args.child:
        print(time_steps(args.dataset, args.steps, args.child == "deterministic"))
    else:
        print(f"{args.dataset}, {args.steps} steps per run, preset batch size")
        for repeat in range(args.repeats):
            for mode in ("plain", "deterministic"):
                child = [sys.executable, __file__, "--dataset", args.dataset, "--steps", str(args.steps), "--child", mode]
                line = subprocess.run(child, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
                print(f"{repeat + 1}  {mode:13s} {line}   load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
