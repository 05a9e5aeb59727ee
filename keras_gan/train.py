"""``python -m keras_gan.train``: train a GAN and write a complete run directory.

With no arguments it trains a DCGAN on the MNIST sample that ships with the
package. ``run(config)`` does the work and is what tests and notebooks call;
``main(argv)`` only turns command-line flags into a :class:`TrainConfig`.

A run directory holds ``config.json``, ``generator.keras`` (plain
``keras.models.load_model`` opens it), ``samples/epoch_NNN.png`` and
``samples/progress.gif``, ``losses.png``, ``log.csv`` and ``checkpoints/``.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ start-up chatter; exceptions still surface

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import keras  # noqa: E402

from keras_gan import callbacks, data, losses, networks  # noqa: E402
from keras_gan.config import TrainConfig  # noqa: E402
from keras_gan.gan import GAN, steps_per_epoch  # noqa: E402

POINT_HIDDEN_UNITS = (128, 128, 128)


@dataclasses.dataclass
class RunResult:
    """What :func:`run` produced."""

    gan: GAN
    out: Path
    history: dict
    seconds: float


def build_gan(config: TrainConfig, sample_shape: tuple) -> GAN:
    """Builds the generator, discriminator and GAN that ``config`` names, compiled."""
    if config.model == "dcgan":
        generator = networks.dcgan_generator(config.latent_dim, sample_shape, base_filters=config.base_filters)
        discriminator = networks.dcgan_discriminator(sample_shape, base_filters=config.base_filters)
    else:
        flat = len(sample_shape) == 1
        generator = networks.mlp_generator(
            config.latent_dim, sample_shape, hidden_units=POINT_HIDDEN_UNITS if flat else (256, 512, 1024)
        )
        discriminator = networks.mlp_discriminator(
            sample_shape, hidden_units=POINT_HIDDEN_UNITS if flat else (512, 256)
        )
    gan = GAN(generator, discriminator, d_steps=config.d_steps, seed=config.seed)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(config.lr, beta_1=config.beta_1),
        g_optimizer=keras.optimizers.Adam(config.lr, beta_1=config.beta_1),
        loss=config.loss,
    )
    return gan


def prepare_out_dir(out: Path, overwrite: bool) -> None:
    """Refuses to mix two runs in one directory unless ``overwrite`` is set."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise ValueError(
                f"--out {out} already holds files (an earlier run?); choose another --out or pass --overwrite"
            )
        if not (out / "config.json").exists():
            raise ValueError(f"--out {out} holds files that are not a keras_gan run; refusing to delete them")


def run(config: TrainConfig, verbose: int = 2) -> RunResult:
    """Trains the GAN ``config`` describes and writes its run directory.

    Everything that can be checked (settings, data, networks) is checked
    before the first file is written.
    """
    config.validate()
    keras.utils.set_random_seed(config.seed)
    dataset = data.load(config.dataset, image_shape=config.image_shape, seed=config.seed)
    sample_shape = dataset.sample_shape
    if config.model == "dcgan" and dataset.kind != "image":
        raise ValueError(f"model 'dcgan' needs images; dataset {config.dataset!r} holds {dataset.kind}")
    steps = config.steps_per_epoch or steps_per_epoch(len(dataset.x), config.batch_size)
    pipeline = data.make_dataset(dataset.x, config.batch_size, seed=config.seed).repeat()
    gan = build_gan(config, sample_shape)

    out = Path(config.out)
    prepare_out_dir(out, config.overwrite)
    if out.exists():
        shutil.rmtree(out)
    (out / "samples").mkdir(parents=True)
    callbacks.atomic_write_text(out / "config.json", config.to_json())

    modes = data.mixture(config.dataset)[0] if dataset.kind == "points" else None
    grid_latent = gan.latent_vectors(config.samples if dataset.kind == "image" else 1000, seed=config.seed)
    history_plot = callbacks.HistoryPlot(out / "losses.png")
    started = time.perf_counter()
    gan.fit(
        pipeline,
        epochs=config.epochs,
        steps_per_epoch=steps,
        verbose=verbose,
        shuffle=False,
        callbacks=[
            callbacks.SampleGrid(out / "samples", grid_latent, modes=modes),
            history_plot,
            keras.callbacks.CSVLogger(str(out / "log.csv")),
            callbacks.GANCheckpoint(out / "checkpoints"),
        ],
    )
    seconds = time.perf_counter() - started
    callbacks.save_generator(gan.generator, out / "generator.keras")
    return RunResult(gan=gan, out=out, history=history_plot.history, seconds=seconds)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m keras_gan.train",
        description="Train a GAN. With no arguments: a DCGAN on the MNIST sample shipped with keras_gan. "
        "Settings not given come from the dataset's preset (see keras_gan.config.PRESETS).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--dataset", default="mnist-sample", help=f"one of {', '.join(data.DATASETS)}, or an image folder")
    add("--model", choices=sorted(networks.GENERATORS), help="network family (preset: dcgan for images, mlp for points)")
    add("--epochs", type=int, help="number of epochs")
    add("--steps-per-epoch", type=int, help="training steps per epoch (default: one pass over the data)")
    add("--batch-size", type=int, help="samples per step")
    add("--latent-dim", type=int, help="size of the Gaussian latent vector")
    add("--loss", choices=sorted(losses.LOSSES), help="loss family (default non_saturating)")
    add("--d-steps", type=int, help="discriminator updates per generator update (k)")
    add("--lr", type=float, help="Adam learning rate of both networks (default 2e-4)")
    add("--base-filters", type=int, help="width of the bundled networks")
    add("--image-size", type=int, help="resize images to this side (channels kept)")
    add("--seed", type=int, help="random seed (default 0)")
    add("--out", help="run directory (default runs/<dataset>)")
    add("--overwrite", action="store_true", help="replace an earlier run in --out")
    add("--quiet", action="store_true", help="no per-epoch progress lines")
    return parser


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """Preset for the dataset, then every flag the user gave on top."""
    overrides = {
        key: value
        for key, value in vars(args).items()
        if value is not None and key not in ("dataset", "image_size", "quiet")
    }
    overrides.setdefault("out", str(Path("runs") / Path(args.dataset).name))
    if args.image_size is not None:
        channels = 1 if args.dataset in ("mnist-sample", "mnist", "fashion_mnist") else 3
        overrides["image_shape"] = (args.image_size, args.image_size, channels)
    return TrainConfig.for_dataset(args.dataset, **overrides)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = config_from_args(args)
        result = run(config, verbose=0 if args.quiet else 2)
    except (ValueError, data.DatasetUnavailableError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = result.out
    print(f"trained in {result.seconds:.0f} s; wrote {out}/")
    for name, what in [
        ("generator.keras", "the generator (keras.models.load_model opens it)"),
        ("samples/", "a sample grid per epoch and progress.gif"),
        ("losses.png", "loss and discriminator curves"),
        ("log.csv", "per-epoch metrics"),
        ("config.json", "the resolved settings"),
        ("checkpoints/", "the whole GAN after the latest epochs"),
    ]:
        print(f"  {out / name}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
