"""``python -m keras_gan.train``: train a GAN and write a complete run directory.

With no arguments it trains a DCGAN on the MNIST sample that ships with the
package. ``run(config)`` does the work and is what tests and notebooks call;
``main(argv)`` only turns command-line flags into a :class:`TrainConfig`.

A run directory holds ``config.json``, ``generator.keras`` (plain
``keras.models.load_model`` opens it), ``samples/epoch_NNN.png`` and
``samples/progress.gif``, ``losses.png``, ``log.csv`` and ``checkpoints/``.
``python -m keras_gan.train --resume RUN_DIR`` (``resume(run_dir)``)
continues one from its last complete checkpoint.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ start-up chatter; exceptions still surface

import argparse  # noqa: E402
import csv  # noqa: E402
import dataclasses  # noqa: E402
import logging  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gan import losses, networks  # noqa: E402
from keras_gan.training import callbacks  # noqa: E402
from keras_gan.training import checkpoints
from keras_gan.data import datasets as data
from keras_gan.training import distribution as execution
from keras_gan.cli import evaluate
from keras_gan.evaluation import extractors as feature_extractors
from keras_gan.data import pairs
from keras_gan.training import schedules
from keras_gan.models.conditional import ConditionalGAN, class_grid  # noqa: E402
from keras_gan.cli.config import PAIRED_MODELS, TrainConfig  # noqa: E402
from keras_gan.models.gan import GAN, steps_per_epoch  # noqa: E402
from keras_gan.models.paired import HeldOutScores, PairedGAN  # noqa: E402
from keras_gan.models.pix2pix import Pix2Pix  # noqa: E402
from keras_gan.models.srgan import SRGAN, VGGContent, WeightsUnavailableError  # noqa: E402

POINT_HIDDEN_UNITS = (128, 128, 128)


@dataclasses.dataclass
class RunResult:
    """What :func:`run` produced."""

    gan: GAN
    out: Path
    history: dict
    seconds: float
    initial_epoch: int = 0  # epochs already trained when this call started (a resume)


def build_gan(
    config: TrainConfig, sample_shape: tuple, total_steps: int | None = None, num_classes: int | None = None
) -> GAN:
    """Builds the generator, discriminator and GAN that ``config`` names, compiled.

    All of it inside the scope of ``config.strategy`` and under the dtype
    policy ``config.mixed_precision``.

    Args:
        config: the settings.
        sample_shape: the shape of one training sample.
        total_steps: the run's training steps; the instance noise decays over
            them when ``config.instance_noise_steps`` is ``None``.
        num_classes: the number of classes, for ``model="cgan"``.
    """
    with execution.training_scope(config.strategy, config.mixed_precision):
        return _build_gan(config, sample_shape, total_steps, num_classes)


def _build_gan(config: TrainConfig, sample_shape: tuple, total_steps: int | None, num_classes: int | None) -> GAN:
    if config.model in PAIRED_MODELS:
        return compile_gan(build_paired_gan(config, sample_shape), config, total_steps)
    # With packing the discriminator judges `pack` samples stacked on the last axis.
    d_shape = tuple(sample_shape[:-1]) + (sample_shape[-1] * config.pack,)
    if config.model == "dcgan":
        generator = networks.dcgan_generator(
            config.latent_dim, sample_shape, base_filters=config.base_filters, seed_convs=config.seed_convs,
            upsample_kernel_size=config.upsample_kernel_size,
        )
        discriminator = networks.dcgan_discriminator(
            d_shape, base_filters=config.base_filters, spectral_norm=config.spectral_norm
        )
    elif config.model == "cgan":
        # Rebuilding a run's GAN (evaluate, benchmarks) without the data at hand.
        num_classes = num_classes or data.load(config.dataset, image_shape=config.image_shape).num_classes
        if not num_classes:
            raise ValueError(f"model 'cgan' needs class labels; dataset {config.dataset!r} has none")
        generator = networks.conditional_generator(
            config.latent_dim, sample_shape, num_classes, base_filters=config.base_filters,
            seed_convs=config.seed_convs, upsample_kernel_size=config.upsample_kernel_size,
        )
        discriminator = networks.conditional_discriminator(
            d_shape,
            num_classes,
            conditioning=config.conditioning,
            base_filters=config.base_filters,
            spectral_norm=config.spectral_norm,
        )
    else:
        flat = len(sample_shape) == 1
        generator_units = config.generator_units or config.mlp_units
        generator = networks.mlp_generator(
            config.latent_dim,
            sample_shape,
            hidden_units=generator_units or (POINT_HIDDEN_UNITS if flat else (256, 512, 1024)),
            data_scale=config.data_scale,
        )
        discriminator = networks.mlp_discriminator(
            d_shape,
            hidden_units=config.mlp_units or (POINT_HIDDEN_UNITS if flat else (512, 256)),
            spectral_norm=config.spectral_norm,
            data_scale=config.data_scale,
            fourier_features=config.fourier_features,
            fourier_scale=config.fourier_scale,
        )
    noise_steps = config.instance_noise_steps or total_steps
    if config.instance_noise and noise_steps is None:
        raise ValueError("instance_noise needs instance_noise_steps (or the run's total steps) to decay over")
    gan = (ConditionalGAN if config.model == "cgan" else GAN)(
        generator,
        discriminator,
        pack=config.pack,
        diffaugment=config.diffaugment,
        instance_noise=config.instance_noise,
        instance_noise_steps=noise_steps if config.instance_noise else None,
        **_step_options(config),
    )
    return compile_gan(gan, config, total_steps)


def _step_options(config: TrainConfig) -> dict:
    """The ``GAN`` constructor options every model family takes from ``config``."""
    return {
        "d_steps": config.d_steps,
        "seed": config.seed,
        "ema": config.ema,
        "share_generator_pass": config.share_generator_pass,
    }


def compile_gan(gan: GAN, config: TrainConfig, total_steps: int | None = None) -> GAN:
    """Compiles ``gan`` with the optimizers, loss and penalties ``config`` names; returns it.

    When ``config.lr_decay_start`` is set, the learning rates decay over
    ``config.lr_decay_steps``, else over ``total_steps`` (the run's training
    steps), else over ``epochs * steps_per_epoch`` where the config fixes both.
    """
    d_rate, g_rate = config.d_lr or config.lr, config.g_lr or config.lr
    if config.lr_decay_start is not None:
        span = config.lr_decay_steps or total_steps
        if span is None and config.steps_per_epoch:
            span = config.epochs * config.steps_per_epoch
        if span is None:
            raise ValueError(
                "lr_decay_start needs the steps to decay over: "
                "lr_decay_steps, steps_per_epoch, or the run's total steps"
            )
        # The discriminator's optimizer updates d_steps times a step.
        d_rate = schedules.learning_rate(d_rate, config.lr_decay_start, span * config.d_steps)
        g_rate = schedules.learning_rate(g_rate, config.lr_decay_start, span)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(d_rate, beta_1=config.beta_1),
        g_optimizer=keras.optimizers.Adam(g_rate, beta_1=config.beta_1),
        loss=config.loss,
        gp_weight=config.gp_weight,
        r1_gamma=config.r1_gamma,
        penalty_every=config.penalty_every,
        clip_value=config.clip_value,
        label_smoothing=config.label_smoothing,
        steps_per_execution=config.steps_per_execution,
        jit_compile="auto" if config.jit_compile is None else config.jit_compile,
    )
    return gan

# Residual blocks of the CLI's SRGAN generator: the paper's 16 make a CPU run
# of the MNIST demo several times slower.
SRGAN_RESIDUAL_BLOCKS = 4


def build_paired_gan(config: TrainConfig, sample_shape: tuple) -> PairedGAN:
    """The (uncompiled) pix2pix or SRGAN that ``config`` names, for targets of ``sample_shape``.

    pix2pix: a U-Net and a PatchGAN of ``base_filters``; SRGAN: a generator
    from ``sample_shape / scale`` up to ``sample_shape`` and a discriminator
    on ``sample_shape``, with the VGG19 content term when ``vgg_weight`` > 0.
    """
    if len(sample_shape) != 3:
        raise ValueError(f"model {config.model!r} needs images; got samples of shape {tuple(sample_shape)}")
    if config.model == "pix2pix":
        generator = networks.unet_generator(sample_shape, base_filters=config.base_filters)
        discriminator = networks.patchgan_discriminator(sample_shape, base_filters=config.base_filters)
        return Pix2Pix(generator, discriminator, l1_weight=config.l1_weight, **_step_options(config))
    height, width, channels = sample_shape
    if height % config.scale or width % config.scale:
        raise ValueError(
            f"scale {config.scale} needs image sides divisible by it; the images are {height}x{width} "
            "(resize them with --image-size)"
        )
    generator = networks.srgan_generator(
        (height // config.scale, width // config.scale, channels),
        config.scale,
        base_filters=config.base_filters,
        num_blocks=SRGAN_RESIDUAL_BLOCKS,
    )
    discriminator = networks.srgan_discriminator(sample_shape, base_filters=config.base_filters)
    vgg = None
    if config.vgg_weight:
        try:
            vgg = VGGContent()
        except WeightsUnavailableError as error:
            raise ValueError(f"vgg_weight {config.vgg_weight:g}: {error}") from None
    return SRGAN(generator, discriminator, vgg=vgg, vgg_weight=config.vgg_weight, **_step_options(config))


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


def numbered_run_dir(out: str | os.PathLike) -> Path:
    """``out`` if it is free (missing or empty), else the first free ``out-2``, ``out-3``, ..."""
    out = Path(out)
    candidate, number = out, 1
    while candidate.exists() and (not candidate.is_dir() or any(candidate.iterdir())):
        number += 1
        candidate = out.with_name(f"{out.name}-{number}")
    return candidate


def output_range(generator: keras.Model) -> tuple[float, float] | None:
    """The range the generator's final activation maps into, or None when unbounded."""
    activation = getattr(generator.layers[-1], "activation", None)
    return {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}.get(getattr(activation, "__name__", None))


def check_data_range(x: np.ndarray, generator: keras.Model, rescale: bool = False) -> np.ndarray:
    """Warns when ``x`` lies outside what ``generator`` can output; rescales it if asked.

    A tanh generator can only produce [-1, 1]: data in [0, 1] or [0, 255]
    leaves the discriminator an easy win. With ``rescale``, the data's
    [min, max] is mapped linearly onto the generator's range.

    Returns:
        ``x``, or its rescaled copy.
    """
    bounds = output_range(generator)
    if bounds is None or len(x) == 0:
        return x
    low, high = float(np.min(x)), float(np.max(x))
    if bounds[0] <= low and high <= bounds[1]:
        return x
    if rescale and high > low:
        warnings.warn(
            f"data span [{low:.4g}, {high:.4g}]; rescaled linearly onto the generator's output range "
            f"[{bounds[0]:g}, {bounds[1]:g}]",
            stacklevel=2,
        )
        scaled = (np.asarray(x, dtype=np.float32) - low) / (high - low)
        return (bounds[0] + scaled * (bounds[1] - bounds[0])).astype(np.float32)
    warnings.warn(
        f"data span [{low:.4g}, {high:.4g}] but the generator's output spans only [{bounds[0]:g}, {bounds[1]:g}]; "
        "scale the data (keras_gan.data.datasets.scale_images for uint8 pixels) or pass --rescale / rescale=True",
        stacklevel=2,
    )
    return x


@dataclasses.dataclass
class Prepared:
    """What a run or a resume builds from a config before writing anything.

    Attributes:
        gan: the compiled GAN (or ``PairedGAN``), untrained.
        pipeline: the repeating, shuffled training batches.
        steps: training steps per epoch.
        kind: the data's kind, ``"image"`` or ``"points"``.
        modes: a named 2-D mixture's mode centres, else ``None``.
        grid_inputs: a paired model's fixed sources for the sample grids.
        callbacks: callbacks the run adds before its directory's own.
    """

    gan: GAN
    pipeline: tf.data.Dataset
    steps: int
    kind: str
    modes: np.ndarray | None
    grid_inputs: np.ndarray | None = None  # for a paired model: fixed sources
    callbacks: list = dataclasses.field(default_factory=list)  # run before the run directory's own


def prepare(config: TrainConfig) -> Prepared:
    """Validates ``config`` and builds its data pipeline and compiled GAN, writing nothing.

    What ``run`` trains, for a benchmark or a test that drives ``fit`` itself.
    It sets the process-wide state a run needs first (intra-op threads,
    distribution strategy, op determinism, the random seed), so call it
    before TensorFlow runs any op.

    Raises:
        ValueError: a bad setting, or data the model cannot train on.
    """
    config.validate()
    # Both must come before TensorFlow does anything else in the process.
    execution.use_intra_op_threads(config.intra_op_threads)
    execution.get_strategy(config.strategy)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(config.seed)
    if config.model in PAIRED_MODELS:
        return _paired_setup(config)
    dataset = data.load(
        config.dataset, image_shape=config.image_shape, seed=config.seed, skip_invalid=config.skip_invalid
    )
    if config.model in ("dcgan", "cgan") and dataset.kind != "image":
        raise ValueError(f"model {config.model!r} needs images; dataset {config.dataset!r} holds {dataset.kind}")
    conditional = config.model == "cgan"
    if conditional and dataset.y is None:
        raise ValueError(f"model 'cgan' needs class labels; dataset {config.dataset!r} has none")
    steps = config.steps_per_epoch or steps_per_epoch(len(dataset.x), config.batch_size)
    gan = build_gan(
        config, dataset.sample_shape, total_steps=config.epochs * steps, num_classes=dataset.num_classes
    )
    x = check_data_range(dataset.x, gan.generator, rescale=config.rescale)
    labels = dataset.y if conditional else None
    pipeline = data.make_dataset(x, config.batch_size, y=labels, seed=config.seed).repeat()
    modes = data.mixture(config.dataset)[0] if config.dataset in data.DATASETS and dataset.kind == "points" else None
    return Prepared(gan, pipeline, steps, dataset.kind, modes)


def sample_metrics(config: TrainConfig, gan: GAN) -> list:
    """The ``SampleMetrics`` callback ``config.eval_every`` asks for, or none.

    Built before anything is written, so that missing image features (no
    InceptionV3 weights offline) stop the run at once.
    """
    if not config.eval_every:
        return []
    sample_shape = tuple(gan.generator.outputs[0].shape[1:])
    try:
        evaluation = evaluate.Evaluation(
            config.dataset, image_shape=sample_shape if len(sample_shape) == 3 else None, seed=config.seed
        )
    except feature_extractors.FeaturesUnavailableError as error:
        raise ValueError(f"eval_every: {error}") from None
    return [callbacks.SampleMetrics(evaluation, evaluation.num_samples, every=config.eval_every, seed=config.seed)]


def _paired_setup(config: TrainConfig) -> Prepared:
    """Data, GAN, grid inputs and held-out scoring for pix2pix or SRGAN.

    Named datasets have a held-out split: its pairs are scored after every
    epoch against the naive baseline (the source itself for pix2pix, bicubic
    upsampling for SRGAN) and fill the sample grids; a folder has none, so
    its grids show training sources.
    """
    named = config.dataset in pairs.PAIRED_DATASETS or config.dataset in data.DATASETS
    if config.model == "pix2pix":
        x, y = pairs.load_pairs(config.dataset, image_shape=config.image_shape, direction=config.direction)
        held_out = pairs.load_pairs(config.dataset, split="test", image_shape=config.image_shape) if named else None
    else:
        # Only high-resolution images: SRGAN downsamples each batch inside its step.
        x, y = data.load(config.dataset, image_shape=config.image_shape, skip_invalid=config.skip_invalid).x, None
    steps = config.steps_per_epoch or steps_per_epoch(len(x), config.batch_size)
    # Checks shapes and scale first.
    gan = build_gan(config, (y if y is not None else x).shape[1:], total_steps=config.epochs * steps)
    if config.model == "srgan":
        held_out = None
        if named:
            test = data.load(config.dataset, split="test", image_shape=config.image_shape).x
            held_out = pairs.super_resolution_pairs(test, config.scale)
    pipeline = data.make_dataset(x, config.batch_size, y=y, seed=config.seed).repeat()
    if held_out is None:
        grid_sources = x if config.model == "pix2pix" else pairs.super_resolution_pairs(x[: config.samples], config.scale)[0]
        return Prepared(gan, pipeline, steps, "image", None, grid_sources[: config.samples])
    sources, targets = held_out
    if config.model == "pix2pix":
        baseline, name = (sources, "identity") if sources.shape == targets.shape else (None, None)
    else:
        baseline, name = pairs.upsample_bicubic(sources, config.scale), "bicubic"
    scores = []
    if baseline is not None:
        out = Path(config.out)
        scores = [HeldOutScores(sources, targets, baseline, name, out / "held_out_scores.json", out / "samples" / "held_out.png")]
    return Prepared(gan, pipeline, steps, "image", None, sources[: config.samples], scores)


def _grid_inputs(config: TrainConfig, setup: Prepared) -> np.ndarray:
    """What the sample grids run the generator on: fixed latent vectors, or a paired model's fixed sources."""
    if setup.grid_inputs is not None:
        return setup.grid_inputs
    return setup.gan.latent_vectors(config.samples if setup.kind == "image" else 1000, seed=config.seed)


def run(config: TrainConfig, verbose: int = 2, extra_callbacks=()) -> RunResult:
    """Trains the GAN ``config`` describes and writes its run directory.

    Everything that can be checked (settings, data, networks) is checked
    before the first file is written.

    Args:
        config: the settings.
        verbose: Keras's ``fit`` verbosity (0 silent, 2 one line per epoch).
        extra_callbacks: more Keras callbacks, run after the divergence
            check and before the run directory's own (so that what they
            add to the logs is logged and checkpointed).

    Raises:
        ValueError: a bad setting, dataset or output directory.
        callbacks.TrainingDiverged: a loss or a weight became NaN or infinite; the run
            directory keeps the last good epoch.
    """
    setup = prepare(config)
    extra_callbacks = [*setup.callbacks, *extra_callbacks]
    extra_callbacks = [*sample_metrics(config, setup.gan), *extra_callbacks]
    if config.instance_noise and config.instance_noise_steps is None:
        # Written out, so that a resume with more epochs keeps the schedule and an evaluation can rebuild the GAN.
        config = dataclasses.replace(config, instance_noise_steps=setup.gan.instance_noise_steps)
    if config.lr_decay_start is not None and config.lr_decay_steps is None:
        config = dataclasses.replace(config, lr_decay_steps=config.epochs * setup.steps)
    out = Path(config.out)
    prepare_out_dir(out, config.overwrite)
    if out.exists():
        shutil.rmtree(out)
    (out / "samples").mkdir(parents=True)
    callbacks.atomic_write_text(out / "config.json", config.to_json())
    grid_latent = _grid_inputs(config, setup)
    return _train(config, setup, out, 0, {}, grid_latent, verbose, extra_callbacks)


def load_config(run_dir: str | os.PathLike) -> TrainConfig:
    """The settings in ``RUN_DIR/config.json`` (parsed as data, never executed)."""
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise ValueError(f"{run_dir} is not a keras_gan run directory (no config.json)")
    try:
        return TrainConfig.from_json(path.read_text())
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


def resume(run_dir: str | os.PathLike, epochs: int | None = None, verbose: int = 2, extra_callbacks=()) -> RunResult:
    """Continues the run in ``run_dir`` from its last complete checkpoint.

    The settings come from ``RUN_DIR/config.json``; ``epochs`` may raise
    their epoch count to train further (``config.json`` is then updated).
    Networks, optimizers (iteration counters included), the random
    generators' states, the metric history and the sample grids' latent
    vectors come from the checkpoint; the data pipeline skips the batches
    the finished epochs used, so a resumed run draws the same batches and
    noise as one that was never stopped. Anything written after the
    checkpoint (leftover ``.partial`` files, later checkpoints, sample grids
    and ``log.csv`` rows, a torn last line) is discarded first. A run that
    already reached its epoch count only gets its ``generator.keras`` and
    ``progress.gif`` rewritten.

    Raises:
        ValueError: no run there, no complete checkpoint, a malformed
            ``config.json``, or ``epochs`` below the epochs already trained.
        callbacks.TrainingDiverged: as for :func:`run`.
    """
    run_dir = Path(run_dir)
    config = load_config(run_dir)
    state = checkpoints.latest(run_dir / "checkpoints")
    if state is None:
        raise ValueError(
            f"{run_dir} holds no complete checkpoint to resume from (it stopped before its first epoch ended); "
            "start it again with --overwrite"
        )
    if epochs is not None and epochs < state.epoch:
        raise ValueError(f"--epochs {epochs} is fewer than the {state.epoch} epochs {run_dir} has already trained")
    if epochs and epochs > config.epochs and config.lr_decay_start is not None:
        raise ValueError(
            f"--epochs {epochs}: {run_dir}'s learning rates decay to 0 at its last step ({config.epochs} epochs; "
            f"lr_decay_start {config.lr_decay_start:g}), so further epochs would not train; "
            "start a new run with more epochs instead (or train this one's length with --no-lr-decay)"
        )
    changed = {"out": str(run_dir), "epochs": epochs or config.epochs}
    updated = dataclasses.replace(config, **changed)
    setup = prepare(updated)
    extra_callbacks = [*setup.callbacks, *extra_callbacks]
    extra_callbacks = [*sample_metrics(updated, setup.gan), *extra_callbacks]
    try:
        setup.gan.load_weights(state.path)
    except ValueError as error:
        raise ValueError(
            f"checkpoint {state.path} does not fit the networks {run_dir}/config.json describes: {error}"
        ) from None
    _rewind(run_dir, state)
    if updated != config:
        callbacks.atomic_write_text(run_dir / "config.json", updated.to_json())
    grid_latent = state.latent
    if grid_latent is None:
        grid_latent = _grid_inputs(config, setup)
    return _train(updated, setup, run_dir, state.epoch, state.history, grid_latent, verbose, extra_callbacks)


def _rewind(run_dir: Path, state: checkpoints.CheckpointState) -> None:
    """Drops whatever a stopped run wrote after the checkpoint it resumes from."""
    checkpoints.discard_after(run_dir / "checkpoints", state.epoch)
    for leftover in [*run_dir.glob(".*.partial*"), *(run_dir / "samples").glob(".*.partial*")]:
        leftover.unlink()
    for grid in (run_dir / "samples").glob("epoch_*.png"):
        if grid.stem.split("_")[-1].isdigit() and int(grid.stem.split("_")[-1]) > state.epoch:
            grid.unlink()
    _rewind_log(run_dir / "log.csv", state.epoch, state.history)


def _rewind_log(path: Path, epoch: int, history: dict) -> None:
    """Keeps ``log.csv``'s rows of epochs before ``epoch``; rebuilds it from ``history`` if they are not all there.

    A run killed while appending leaves a torn last line; killed between
    logging an epoch and checkpointing it, a row the resumed run will write
    again. Both go.
    """
    header, rows = None, []
    if path.is_file():
        with open(path, newline="") as file:
            reader = csv.reader(file)
            header = next(reader, None)
            rows = [row for row in reader if header and len(row) == len(header) and row[0].isdigit()]
    rows = [row for row in rows if int(row[0]) < epoch]
    if header is None or [int(row[0]) for row in rows] != list(range(epoch)):
        header = ["epoch", *sorted(history)]
        rows = [[str(i), *(repr(history[key][i]) for key in sorted(history))] for i in range(epoch)]
    lines = [",".join(header), *(",".join(row) for row in rows)]
    callbacks.atomic_write_text(path, "\n".join(lines) + "\n")


def _sample_grid(gan: GAN, directory: Path, latent: np.ndarray, modes) -> callbacks.SampleGrid:
    """The per-epoch grid; a conditional GAN's has one row per class, a latent vector per column."""
    if isinstance(gan, ConditionalGAN):
        latent, labels = class_grid(latent, gan.num_classes)
        return callbacks.SampleGrid(directory, latent, labels=labels, rows=gan.num_classes)
    return callbacks.SampleGrid(directory, latent, modes=modes)


def _train(config, setup, out, initial_epoch, history, grid_latent, verbose, extra_callbacks) -> RunResult:
    gan = setup.gan
    # The repeated pipeline's position: skipping the batches already trained on
    # makes a resumed run see the batches an uninterrupted one would.
    pipeline = setup.pipeline.skip(initial_epoch * setup.steps) if initial_epoch else setup.pipeline
    history_plot = callbacks.HistoryPlot(out / "losses.png", history)
    started = time.perf_counter()
    try:
        gan.fit(
            pipeline,
            epochs=config.epochs,
            initial_epoch=initial_epoch,
            steps_per_epoch=setup.steps,
            verbose=verbose,
            callbacks=[
                # First, so that a broken epoch ends before anything below scores or saves it.
                callbacks.TerminateOnNonFinite(),
                *extra_callbacks,
                _sample_grid(gan, out / "samples", grid_latent, setup.modes),
                history_plot,
                callbacks.DiscriminatorWatch(history=history),
                callbacks.CSVLog(out / "log.csv"),
                callbacks.GANCheckpoint(out / "checkpoints", latent=grid_latent, history=history),
            ],
        )
    except callbacks.TrainingDiverged as error:
        history_plot.on_train_end()  # the curves of every good epoch, drawn or not yet
        raise callbacks.TrainingDiverged(f"{error}; {_keep_last_good(gan, out)}") from None
    seconds = time.perf_counter() - started
    _save_generator(gan, out)
    return RunResult(gan=gan, out=out, history=history_plot.history, seconds=seconds, initial_epoch=initial_epoch)


def _save_generator(gan: GAN, out: Path) -> None:
    # The moving average of the weights when --ema is on.
    callbacks.save_generator(gan.sampling_generator, out / "generator.keras")


def _keep_last_good(gan: GAN, out: Path) -> str:
    """After a divergence: ``generator.keras`` from the last good checkpoint; says what the run directory holds."""
    state = checkpoints.latest(out / "checkpoints")
    if state is None:
        return f"no epoch had completed, so {out} holds no checkpoint and no generator.keras"
    gan.load_weights(state.path)
    _save_generator(gan, out)
    return (
        f"{out}/generator.keras and {out}/checkpoints/ hold epoch {state.epoch}, the last good one "
        "(resuming would repeat the same steps: start again with a lower --lr)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m keras_gan.train",
        description="Train a GAN. With no arguments: a DCGAN on the MNIST sample shipped with keras_gan. "
        "Settings not given come from the dataset's preset (see keras_gan.cli.config.PRESETS).",
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
    add("--d-steps", type=int, help="discriminator updates per generator update (k; default 1, 5 with --loss wasserstein/wgan_gp)")
    add("--lr", type=float, help="Adam learning rate of both networks (default 2e-4)")
    add("--beta-1", metavar="B", type=float, help="Adam beta_1 of both networks, in [0, 1) (default 0.5, Radford et al. 2015; preset: 0.9 for --model srgan)")
    add("--base-filters", type=int, help="width of the bundled networks")
    add("--seed-convs", type=int, metavar="N",
        help="dcgan/cgan: stride-1 convolutions on the generator's first (e.g. 7x7) feature map (preset: 1 on "
        "mnist-sample)")
    add("--upsample-kernel-size", type=int, metavar="K",
        help="dcgan/cgan: kernel of the generator's transposed convolutions (default 5; preset: 4 on mnist-sample)")
    add("--image-size", type=int, help="resize images to this side (channels kept)")
    add("--seed", type=int, help="random seed (default 0)")
    add("--out", help="run directory (default runs/<dataset>)")
    add("--overwrite", action="store_true", help="replace an earlier run in --out")
    add("--new", action="store_true", help="if --out holds a run, write to the first free OUT-2, OUT-3, ...")
    add("--skip-invalid", action="store_true", help="skip image files that cannot be read, with a warning")
    add("--rescale", action="store_true", help="map data outside the generator's output range onto it")
    add("--deterministic", action="store_true", help="TensorFlow op determinism (repeatable, slower)")
    add("--config", metavar="FILE", help="JSON settings (e.g. a run's config.json); flags given win over it")
    add(
        "--resume",
        metavar="RUN_DIR",
        help="continue RUN_DIR from its last checkpoint with its config.json; only --epochs (to train further) "
        "and --quiet may be given with it",
    )
    add("--quiet", action="store_true", help="no per-epoch progress lines")
    add("--eval-every", type=int, metavar="N", help="log sample metrics (keras_gan.evaluate) every N epochs")
    _add_stabiliser_flags(parser.add_argument_group("losses and stabilisers (default: off)"))
    _add_execution_flags(parser.add_argument_group("speed and devices"))
    _add_paired_flags(parser.add_argument_group("pix2pix (--dataset mnist-edges, mnist-masked or a pair folder) and srgan"))
    return parser


def _add_stabiliser_flags(group) -> None:
    add = group.add_argument
    add("--lr-decay-start", metavar="FRACTION", type=float,
        help="after this fraction of the run both learning rates fall linearly to 0 at its end "
        "(preset: 0.5 on grid)")
    add("--no-lr-decay", action="store_true",
        help="constant learning rates, where the preset (grid) or a --config file decays them")
    add("--d-lr", metavar="LR", type=float, help="discriminator learning rate (default --lr); with --g-lr: TTUR, Heusel et al. 2017")
    add("--g-lr", metavar="LR", type=float,
        help="generator learning rate (default --lr; preset: 3.2e-3 on mnist-sample, 3e-4 on grid)")
    add("--gp-weight", metavar="LAMBDA", type=float, help="WGAN-GP gradient penalty lambda (default: 10 with --loss wgan_gp, else 0)")
    add("--r1-gamma", metavar="GAMMA", type=float,
        help="R1 penalty gamma on real data, Mescheder et al. 2018 (e.g. 10; preset: 1 on mnist-sample, 0.1 on grid)")
    add("--penalty-every", metavar="N", type=int,
        help="lazy regularisation, Karras et al. 2020: the penalties on every N-th D update only, N times weighted")
    add("--clip-value", metavar="C", type=float, help="clip D's weights to [-C, C] after each update, WGAN (e.g. 0.01)")
    add("--label-smoothing", metavar="A", type=float, help="one-sided label smoothing: real target 1 - A, Salimans et al. 2016")
    add("--instance-noise", metavar="STD", type=float, help="initial std of Gaussian noise on D's inputs, Sonderby et al. 2016")
    add("--instance-noise-steps", metavar="N", type=int, help="steps over which the instance noise decays to 0 (default: the run)")
    add("--ema", type=float, metavar="DECAY", help="moving average of G's weights for sampling and saving (e.g. 0.999)")
    add("--no-ema", action="store_true", help="no moving average, where the preset has one (mnist-sample, ring, grid, cgan)")
    add("--diffaugment", metavar="POLICY", help="DiffAugment on D's inputs, Zhao et al. 2020: e.g. color,translation,cutout")
    add("--pack", type=int, metavar="M", help="PacGAN: D judges M samples at once, Lin et al. 2018")
    add("--spectral-norm", action="store_true", help="spectral normalisation in the discriminator, Miyato et al. 2018")
    add("--data-scale", metavar="S", type=float,
        help="--model mlp: the networks see x / S (fixed rescaling in D and G), e.g. 4 for grid (default 1)")
    add("--mlp-units", metavar="N,N,...", type=_unit_list,
        help="--model mlp: hidden layer widths of both networks (preset: 256,256,256 on grid, 128,128,128 on other points)")
    add("--generator-units", metavar="N,N,...", type=_unit_list,
        help="--model mlp: the generator's hidden layer widths, where they differ from --mlp-units "
        "(preset: 256,256,256,256 on grid)")
    add("--fourier-features", metavar="N", type=int,
        help="--model mlp: N fixed random Fourier features (Tancik et al. 2020) at D's input (preset: 128 on grid, else 0)")
    add("--fourier-scale", metavar="S", type=float,
        help="--model mlp: spread of those features' frequencies at unit scale (default 2)")
    add("--conditioning", choices=networks.conditional.CONDITIONINGS,
        help="--model cgan: how D sees the label (projection, Miyato & Koyama 2018, or one-hot channels)")



def _unit_list(text: str) -> tuple[int, ...]:
    """``"256,256,256"`` -> ``(256, 256, 256)``, for ``--mlp-units`` and ``--generator-units``."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer widths such as 256,256,256, got {text!r}") from None


def _add_execution_flags(group) -> None:
    add = group.add_argument
    add("--steps-per-execution", metavar="N", type=int,
        help="training steps per compiled call (default 1, which checks for divergence at every step; "
        "32 makes small networks several times faster)")
    add("--jit", dest="jit_compile", action=argparse.BooleanOptionalAction,
        help="XLA compilation (default: Keras's auto, on with a GPU, off on a CPU)")
    add("--share-generator-pass", action="store_true",
        help="run G forward once per step, for the last D update and the G update (the G update then reuses "
        "that batch's noise)")
    add("--intra-op-threads", metavar="N", type=int,
        help="threads TensorFlow may split one op over (default: every core); benchmarks/intra_op_threads.py "
        "times settings on your machine")
    add("--mixed-precision", choices=execution.PRECISIONS,
        help="the networks' dtype policy (default float32; 16 bits pays on GPUs and on CPUs with AMX; without AMX it was slower, even with AVX512-BF16)")
    add("--strategy", choices=execution.STRATEGIES,
        help="default: one device; mirrored: every GPU of this machine; multi-worker: the machines in TF_CONFIG "
        "(--batch-size is then the global batch)")


def _add_paired_flags(group) -> None:
    add = group.add_argument
    add("--l1-weight", metavar="LAMBDA", type=float, help="pix2pix: weight of the L1 term (default 100)")
    add("--direction", choices=pairs.DIRECTIONS, help="pix2pix: which half of a pair folder is the source (default AtoB)")
    add("--scale", type=int, help="srgan: upsampling factor, 2, 4 or 8 (default 4)")
    add("--vgg-weight", metavar="W", type=float, help="srgan: weight of the VGG19 content term; needs its ImageNet weights (default 0, off)")


_RESUME_FLAGS = {"resume", "epochs", "quiet"}


def _given(args: argparse.Namespace) -> dict:
    """The flags given on the command line: those whose value differs from the parser's default."""
    defaults = vars(build_parser().parse_args([]))
    return {key: value for key, value in vars(args).items() if value != defaults.get(key)}


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """Preset for the dataset, then the ``--config`` file's settings, then every flag given."""
    given = _given(args)
    settings = {}
    if args.config is not None:
        try:
            text = Path(args.config).read_text()
        except OSError as error:
            raise ValueError(f"cannot read --config {args.config}: {error.strerror}") from None
        try:
            settings = TrainConfig.parse_settings(text)
        except ValueError as error:
            raise ValueError(f"--config {args.config}: {error}") from None
    fields = {field.name for field in dataclasses.fields(TrainConfig)}
    settings.update({key: value for key, value in given.items() if key in fields and key != "dataset"})
    if args.no_ema:
        if "ema" in given:
            raise ValueError("--ema and --no-ema contradict each other; choose one")
        settings["ema"] = None
    if args.no_lr_decay:
        if "lr_decay_start" in given:
            raise ValueError("--lr-decay-start and --no-lr-decay contradict each other; choose one")
        settings["lr_decay_start"] = None
    dataset = given.get("dataset", settings.pop("dataset", args.dataset))
    settings.setdefault("out", str(Path("runs") / Path(dataset).name))
    if args.image_size is not None:
        channels = 1 if dataset in ("mnist-sample", "mnist", "fashion_mnist", *pairs.PAIRED_DATASETS) else 3
        settings["image_shape"] = (args.image_size, args.image_size, channels)
    if args.new:
        if settings.get("overwrite"):
            raise ValueError("--new and --overwrite contradict each other; choose one")
        settings["out"] = str(numbered_run_dir(settings["out"]))
    try:
        return TrainConfig.for_dataset(dataset, **settings)
    except TypeError as error:  # a --config value of the wrong type
        raise ValueError(f"--config {args.config}: {error}") from None


def _print_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """The CLI. Exit codes: 0 done, 2 bad input (nothing written), 3 training diverged, 130 interrupted."""
    args = build_parser().parse_args(argv)
    if not logging.getLogger("keras_gan").handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("warning: %(message)s"))
        logging.getLogger("keras_gan").addHandler(handler)
    with warnings.catch_warnings():
        warnings.showwarning = _print_warning
        out = args.resume or "RUN_DIR"
        try:
            if args.resume is not None:
                refused = sorted(set(_given(args)) - _RESUME_FLAGS)
                if refused:
                    flags = ", ".join("--" + key.replace("_", "-") for key in refused)
                    raise ValueError(
                        f"--resume continues with the settings in {args.resume}/config.json; "
                        f"only --epochs may change them, not {flags}"
                    )
                result = resume(args.resume, epochs=args.epochs, verbose=0 if args.quiet else 2)
            else:
                config = config_from_args(args)
                out = config.out
                result = run(config, verbose=0 if args.quiet else 2)
        except (ValueError, OSError, data.DatasetUnavailableError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        except callbacks.TrainingDiverged as error:
            print(f"error: {error}", file=sys.stderr)
            return 3
        except KeyboardInterrupt:
            print(f"interrupted; continue with: python -m keras_gan.train --resume {out}", file=sys.stderr)
            return 130
    out = result.out
    epochs = len(next(iter(result.history.values()), []))
    if result.initial_epoch == epochs:
        print(f"{out} had already trained all {epochs} epochs (pass --epochs to train further); rewrote its generator")
    elif result.initial_epoch:
        print(f"resumed after epoch {result.initial_epoch}; trained to epoch {epochs} in {result.seconds:.0f} s; wrote {out}/")
    else:
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
