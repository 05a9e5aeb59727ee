"""Does a conditional generator draw the digit it is asked for?

    python benchmarks/conditional_accuracy.py                                # trains the cgan preset first
    python benchmarks/conditional_accuracy.py runs/mnist-sample/generator.keras  # a saved conditional generator

Training, when no generator is given, is exactly ``python -m keras_gan.train
--model cgan --dataset mnist-sample`` (``keras_gan.cli.config``'s preset) into a
temporary run directory. Then 100 samples of every digit (1,000 in all,
seed 0) are read by the MNIST classifier shipped with the package
(``keras_gan.evaluation.classifier``; 98.6% on the sample's 1,000 held-out real
digits), and the fraction read as the asked-for digit is printed, overall
and per digit, with the confusion matrix (``keras_gan.models.conditional.evaluate_classes``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from keras_gan.cli import generate  # noqa: E402
from keras_gan.cli import train  # noqa: E402
from keras_gan.evaluation.classifier import load_mnist_classifier  # noqa: E402
from keras_gan.models.conditional import evaluate_classes  # noqa: E402
from keras_gan.cli.config import TrainConfig  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("generator", nargs="?", type=Path, help="a saved conditional generator (default: train one)")
    parser.add_argument("--per-class", type=int, default=100, help="samples asked for per digit")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latent vectors")
    parser.add_argument("--out", type=Path, help="run directory when training (default: a temporary one)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    cpu_started = time.process_time()
    if args.generator is None:
        out = args.out or Path(tempfile.mkdtemp(prefix="cgan_")) / "run"
        config = TrainConfig.for_dataset("mnist-sample", model="cgan", out=str(out), overwrite=True)
        result = train.run(config, verbose=2)
        path = result.out / "generator.keras"
        print(f"trained the cgan preset ({config.epochs} epochs, batch {config.batch_size}) in {result.seconds:.0f} s; {path}")
    else:
        path = args.generator
    generator = generate.load_generator(path)

    report = evaluate_classes(generator, load_mnist_classifier(), per_class=args.per_class, seed=args.seed)
    print(f"\n{report['accuracy']:.1%} of {report['samples']} samples ({args.per_class} per digit, seed {args.seed}) "
          "are read by keras_gan's MNIST classifier as the digit asked for")
    print("per digit: " + "  ".join(f"{digit}: {fraction:.0%}" for digit, fraction in enumerate(report["per_class"])))
    print("confusion matrix (rows: asked for, columns: read as):")
    print(np.array(report["confusion"]))
    print(f"\n{time.perf_counter() - started:.0f} s wall, {time.process_time() - cpu_started:.0f} s CPU; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
