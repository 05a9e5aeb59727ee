"""What TensorFlow's threads within one op (``--intra-op-threads``) do to a preset's step.

    python benchmarks/intra_op_threads.py                       # grid preset: TensorFlow's default against 1
    python benchmarks/intra_op_threads.py --dataset ring --threads default,1,2 --rounds 7

TensorFlow takes the setting once, when its runtime starts, so every
measurement is its own process. A round runs one process per setting, in an
order that rotates from round to round, so that a change in the machine's
load falls on all of them alike; each process traces the step, then times
``--blocks`` blocks of ``--steps`` steps and reports the median block, in
wall-clock and in CPU milliseconds a step (``time.process_time``: all of its
threads). The summary gives the medians over rounds and, for each setting,
the median of its per-round ratios to the first setting.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def parse_threads(text: str) -> list[int | None]:
    """``"default,1"`` -> ``[None, 1]``; raises ``ValueError`` naming a bad entry."""
    settings = []
    for item in text.split(","):
        item = item.strip()
        if item == "default":
            settings.append(None)
        elif item.isdigit() and int(item) >= 1:
            settings.append(int(item))
        else:
            raise ValueError(f"--threads takes 'default' or positive integers, comma-separated; got {item!r}")
    return settings


def time_steps(dataset: str, threads: int | None, steps: int, blocks: int) -> dict:
    """Median wall and CPU milliseconds a step over ``blocks`` blocks, after a traced first block."""
    import numpy as np

    from keras_gan.cli import train
    from keras_gan.cli.config import TrainConfig

    config = TrainConfig.for_dataset(dataset, intra_op_threads=threads, epochs=1, steps_per_epoch=steps, out="unused")
    setup = train.prepare(config)  # sets the threads before TensorFlow's first op
    setup.gan.fit(setup.pipeline, epochs=1, steps_per_epoch=steps, verbose=0)  # traces
    wall, cpu = [], []
    for _ in range(blocks):
        started, cpu_started = time.perf_counter(), time.process_time()
        setup.gan.fit(setup.pipeline, epochs=1, steps_per_epoch=steps, verbose=0)
        wall.append(1000 * (time.perf_counter() - started) / steps)
        cpu.append(1000 * (time.process_time() - cpu_started) / steps)
    import tensorflow as tf

    return {
        "threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "wall_ms": float(np.median(wall)),
        "cpu_ms": float(np.median(cpu)),
    }


def label(threads: int | None) -> str:
    return "default" if threads is None else str(threads)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="grid")
    parser.add_argument("--threads", default="default,1", help="settings to compare; the first is the baseline")
    parser.add_argument("--steps", type=int, default=500, help="steps per timed block")
    parser.add_argument("--blocks", type=int, default=3, help="timed blocks per process")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        settings = parse_threads(args.threads)
    except ValueError as error:
        parser.error(str(error))
    if args.child is not None:
        print(json.dumps(time_steps(args.dataset, parse_threads(args.child)[0], args.steps, args.blocks)))
        return
    print(f"{args.dataset} preset, {args.blocks} blocks of {args.steps} steps per process, {args.rounds} rounds")
    results: dict[str, list[dict]] = {label(s): [] for s in settings}
    for round_ in range(args.rounds):
        shift = round_ % len(settings)
        for threads in settings[shift:] + settings[:shift]:
            child = [sys.executable, __file__, "--dataset", args.dataset, "--steps", str(args.steps)]
            child += ["--blocks", str(args.blocks), "--child", label(threads)]
            done = subprocess.run(child, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"the timing process for threads={label(threads)} failed:\n{done.stderr[-3000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            results[label(threads)].append(result)
            print(
                f"round {round_ + 1}  threads {label(threads):8s} (TensorFlow's: {result['threads']})  "
                f"wall {result['wall_ms']:6.2f} ms/step  "
                f"cpu {result['cpu_ms']:6.2f} ms/step  load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    base = results[label(settings[0])]
    print(f"\n| threads | wall ms/step | CPU ms/step | wall x {label(settings[0])} | CPU x {label(settings[0])} |")
    print("|---|---:|---:|---:|---:|")
    for name, rows in results.items():
        wall_ratio = statistics.median(r["wall_ms"] / b["wall_ms"] for r, b in zip(rows, base))
        cpu_ratio = statistics.median(r["cpu_ms"] / b["cpu_ms"] for r, b in zip(rows, base))
        print(
            f"| {name} | {statistics.median(r['wall_ms'] for r in rows):.2f} | "
            f"{statistics.median(r['cpu_ms'] for r in rows):.2f} | {wall_ratio:.2f} | {cpu_ratio:.2f} |"
        )


if __name__ == "__main__":
    main()
