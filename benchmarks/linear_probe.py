"""Linear probes on a DCGAN discriminator's features (Radford et al. 2015, section 5.1).

    python benchmarks/linear_probe.py                         # trains the default DCGAN first
    python benchmarks/linear_probe.py --run runs/mnist-sample # a finished `python -m keras_gan.train` run

A softmax regression (``keras_gan.evaluation.probe.linear_probe``) learns the ten
digits from 100 labels (10 per class) and from 1,000 labels (100 per class)
drawn from the 4,000 training digits of the embedded MNIST sample, and is
scored on its 1,000 held-out test digits, on four kinds of input:

* raw pixels (784 numbers);
* the features of the trained DCGAN discriminator (the flattened output of
  its last convolution, what its logit is computed from);
* the same features of an untrained discriminator of the same architecture
  and initial weights (the run's seed), which separates what training taught
  it from what random convolutions already give;
* the trained discriminator's first convolution, flattened, as a
  lower-level alternative.

Each cell is the mean and standard deviation over ``--draws`` draws of the
labelled examples. The discriminator never saw a label: the GAN trains on
the 4,000 training images alone.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gan.training import checkpoints  # noqa: E402
from keras_gan.data import datasets as data  # noqa: E402
from keras_gan.evaluation import probe as features  # noqa: E402
from keras_gan.cli import train  # noqa: E402
from keras_gan.cli.config import TrainConfig  # noqa: E402


def restore_run(run_dir: Path):
    """The run's config and its GAN from the latest checkpoint."""
    config = train.load_config(run_dir)
    state = checkpoints.latest(run_dir / "checkpoints")
    if state is None:
        raise SystemExit(f"error: {run_dir} holds no checkpoint")
    gan = train.build_gan(config, data.load(config.dataset).sample_shape)
    gan.load_weights(state.path)
    return config, gan, state.epoch


def first_conv_name(discriminator: keras.Model) -> str:
    inner = [(layer, getattr(layer, "layer", layer)) for layer in discriminator.layers]
    return next(layer.name for layer, core in inner if isinstance(core, keras.layers.Conv2D))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Path, help="a DCGAN run directory (default: train one)")
    parser.add_argument("--epochs", type=int, help="epochs when training (default: the mnist-sample preset)")
    parser.add_argument("--draws", type=int, default=5, help="draws of the labelled examples per cell")
    parser.add_argument("--probe-epochs", type=int, default=300, help="full-batch Adam steps of each probe")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    if args.run is None:
        out = Path(tempfile.mkdtemp(prefix="linear_probe_")) / "dcgan"
        overrides = {"epochs": args.epochs} if args.epochs else {}
        config = TrainConfig.for_dataset("mnist-sample", model="dcgan", out=str(out), **overrides)
        result = train.run(config, verbose=0)
        gan, run_dir, epochs = result.gan, out, config.epochs
    else:
        config, gan, epochs = restore_run(args.run)
        run_dir = args.run
    if config.model != "dcgan":
        raise SystemExit(f"error: {run_dir} trained model {config.model!r}; this benchmark probes a DCGAN")
    trained_seconds = time.perf_counter() - started

    keras.utils.set_random_seed(config.seed)  # the same initial weights the run started from
    untrained = train.build_gan(config, gan.sample_shape).discriminator

    x_train, y_train = data.scale_images(data.load_mnist_sample("train")[0]), data.load_mnist_sample("train")[1]
    x_test, y_test = data.scale_images(data.load_mnist_sample("test")[0]), data.load_mnist_sample("test")[1]
    sources = {
        "raw pixels": None,
        "untrained discriminator": features.discriminator_features(untrained),
        "trained discriminator": features.discriminator_features(gan.discriminator),
        "trained discriminator, first conv": features.discriminator_features(
            gan.discriminator, layer=first_conv_name(gan.discriminator)
        ),
    }
    # Features once per source; each probe then only fits a softmax regression.
    cached = {name: (features.extract(f, x_train), features.extract(f, x_test)) for name, f in sources.items()}

    print(f"DCGAN: {run_dir} ({epochs} epochs, base_filters {config.base_filters}); "
          f"probe: softmax regression, {args.probe_epochs} full-batch Adam steps, L2 1e-3; "
          f"test: the 1,000 held-out digits; mean ± std over {args.draws} draws of the labels\n")
    print("| features | dims | 100 labels | 1,000 labels |")
    print("|---|---|---|---|")
    for name, (train_features, test_features) in cached.items():
        cells = []
        for per_class in (10, 100):
            scores = []
            for draw in range(args.draws):
                picks = features.balanced_subset(y_train, per_class, seed=draw)
                scores.append(
                    features.linear_probe(
                        lambda x: x, train_features[picks], y_train[picks], test_features, y_test,
                        num_classes=10, epochs=args.probe_epochs,
                    )
                )
            cells.append(f"{100 * np.mean(scores):.1f}% ± {100 * np.std(scores):.1f}")
        print(f"| {name} | {train_features.shape[1]} | {cells[0]} | {cells[1]} |")
    print(f"\n{time.perf_counter() - started:.0f} s in all ({trained_seconds:.0f} s training or restoring); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
