"""``python -m keras_gan.train``: train a GAN and write a complete run directory.

With no arguments it trains ``TrainConfig()``: the preset of the MNIST
sample that ships with the package. ``run(config)`` does the work and is
what tests and notebooks call; ``main(argv)`` only turns command-line flags
into a :class:`TrainConfig` (the flags are parsed by
:mod:`keras_gan.cli.parsers` before TensorFlow loads).

A run directory holds the files ``keras_gan.cli.run_dir.FILES`` lists.
``python -m keras_gan.train --resume RUN_DIR`` (``resume(run_dir)``)
continues one from its last complete checkpoint.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ start-up chatter; exceptions still surface

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

from keras_gan.cli import families, parsers, tensorboard_log  # noqa: E402
from keras_gan.cli.build import build_gan, compile_gan  # noqa: E402,F401  (part of this module's API)
from keras_gan.cli.config import TrainConfig, dataset_for, image_shape_for  # noqa: E402
from keras_gan.cli.run_dir import FILES, TENSORBOARD, load_config, numbered_run_dir, prepare_out_dir, rewind  # noqa: E402,F401
from keras_gan.cli.run_dir import rewind_log as _rewind_log  # noqa: E402,F401
from keras_gan.cli.setups import Prepared, check_data_range, output_range  # noqa: E402,F401
from keras_gan.data import datasets as data  # noqa: E402
from keras_gan.evaluation import extractors as feature_extractors  # noqa: E402
from keras_gan.evaluation import report  # noqa: E402
from keras_gan.models.conditional import ConditionalGAN, class_grid  # noqa: E402
from keras_gan.models.gan import GAN  # noqa: E402
from keras_gan.training import callbacks, checkpoints, distribution  # noqa: E402


@dataclasses.dataclass
class RunResult:
    """What :func:`run` produced."""

    gan: GAN
    out: Path
    history: dict
    seconds: float
    initial_epoch: int = 0  # epochs already trained when this call started (a resume)


def prepare(config: TrainConfig) -> Prepared:
    """Validates ``config`` and builds its data pipeline and compiled GAN, writing nothing.

    What ``run`` trains, for a benchmark or a test that drives ``fit`` itself.
    It sets the process-wide state a run needs first (intra-op threads,
    distribution strategy, op determinism, the random seed), so call it
    before TensorFlow runs any op. The model family's ``setup``
    (:mod:`keras_gan.cli.families`) loads the data and builds the GAN.

    Raises:
        ValueError: a bad setting, or data the model cannot train on.
    """
    config.validate()
    # Both must come before TensorFlow does anything else in the process.
    distribution.use_intra_op_threads(config.intra_op_threads)
    distribution.get_strategy(config.strategy)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(config.seed)
    return families.get(config.model).data_setup()(config)


def sample_metrics(config: TrainConfig, gan: GAN) -> list:
    """The ``SampleMetrics`` callback ``config.eval_every`` asks for, or none.

    Built before anything is written, so that missing image features (no
    InceptionV3 weights offline) stop the run at once.
    """
    if not config.eval_every:
        return []
    sample_shape = tuple(gan.generator.outputs[0].shape[1:])
    try:
        evaluation = report.Evaluation(
            config.dataset, image_shape=sample_shape if len(sample_shape) == 3 else None, seed=config.seed
        )
    except feature_extractors.FeaturesUnavailableError as error:
        raise ValueError(f"eval_every: {error}") from None
    return [callbacks.SampleMetrics(evaluation, evaluation.num_samples, every=config.eval_every, seed=config.seed)]


def _grid_inputs(config: TrainConfig, setup: Prepared) -> np.ndarray:
    """What the sample grids run the generator on: fixed latent vectors, or a paired model's fixed sources."""
    if setup.grid_inputs is not None:
        return setup.grid_inputs
    return setup.gan.latent_vectors(config.samples if setup.kind == "image" else 1000, seed=config.seed)


def run(config: TrainConfig, verbose: int = 2, extra_callbacks=()) -> RunResult:
    """Trains the GAN ``config`` describes and writes its run directory.

    Everything that can be checked (settings, data, networks, the run
    directory) is checked before the first file is written.

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
    out = Path(config.out)
    prepare_out_dir(out, config.overwrite)
    setup = prepare(config)
    extra_callbacks = [*sample_metrics(config, setup.gan), *setup.callbacks, *extra_callbacks]
    if config.instance_noise and config.instance_noise_steps is None:
        # Written out, so that a resume with more epochs keeps the schedule and an evaluation can rebuild the GAN.
        config = dataclasses.replace(config, instance_noise_steps=setup.gan.instance_noise_steps)
    if config.lr_decay_start is not None and config.lr_decay_steps is None:
        config = dataclasses.replace(config, lr_decay_steps=config.epochs * setup.steps)
    if out.exists():
        shutil.rmtree(out)
    (out / "samples").mkdir(parents=True)
    callbacks.atomic_write_text(out / "config.json", config.to_json())
    grid_latent = _grid_inputs(config, setup)
    return _train(config, setup, out, 0, {}, grid_latent, verbose, extra_callbacks)


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
    extra_callbacks = [*sample_metrics(updated, setup.gan), *setup.callbacks, *extra_callbacks]
    try:
        setup.gan.load_weights(state.path)
    except ValueError as error:
        raise ValueError(
            f"checkpoint {state.path} does not fit the networks {run_dir}/config.json describes: {error}"
        ) from None
    rewind(run_dir, state)
    tensorboard_log.rewrite(run_dir / TENSORBOARD, state.history, run_dir / "samples")
    if updated != config:
        callbacks.atomic_write_text(run_dir / "config.json", updated.to_json())
    grid_latent = state.latent
    if grid_latent is None:
        grid_latent = _grid_inputs(config, setup)
    return _train(updated, setup, run_dir, state.epoch, state.history, grid_latent, verbose, extra_callbacks)


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
    grid = _sample_grid(gan, out / "samples", grid_latent, setup.modes)
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
                grid,
                history_plot,
                tensorboard_log.TensorBoardLog(out / TENSORBOARD, grid),
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


def _print_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr)


# What --resume may be given with: anything else would change the run it continues.
_RESUME_FLAGS = {"resume", "epochs", "quiet"}
# Flags that are not settings of TrainConfig.
_COMMAND_FLAGS = {"dataset", "config", "resume", "quiet", "new", "no_ema", "no_lr_decay", "image_size", "print_config"}


def config_from_args(args) -> TrainConfig:
    """The dataset's preset, then the ``--config`` file's settings, then every flag typed.

    ``args`` holds only the flags that were typed (the parser's defaults are
    ``argparse.SUPPRESS``), so a flag typed with its default value still wins
    over the ``--config`` file.
    """
    given = vars(args)
    settings = {}
    if "config" in given:
        try:
            text = Path(args.config).read_text()
        except OSError as error:
            raise ValueError(f"cannot read --config {args.config}: {error.strerror}") from None
        try:
            settings = TrainConfig.parse_settings(text)
        except ValueError as error:
            raise ValueError(f"--config {args.config}: {error}") from None
    settings.update({key: value for key, value in given.items() if key not in _COMMAND_FLAGS})
    if "dataset" in given:
        settings["dataset"] = args.dataset
    if given.get("no_ema"):
        if "ema" in given:
            raise ValueError("--ema and --no-ema contradict each other; choose one")
        settings["ema"] = None
    if given.get("no_lr_decay"):
        if "lr_decay_start" in given:
            raise ValueError("--lr-decay-start and --no-lr-decay contradict each other; choose one")
        settings["lr_decay_start"] = None
    if given.get("new") and settings.get("overwrite"):
        raise ValueError("--new and --overwrite contradict each other; choose one")
    if "image_size" in given:
        settings["image_shape"] = image_shape_for(dataset_for(settings), args.image_size)
    try:
        config = TrainConfig(**settings)
    except TypeError as error:  # a --config value of the wrong type
        raise ValueError(f"--config {args.config}: {error}") from None
    if given.get("new"):
        config = dataclasses.replace(config, out=str(numbered_run_dir(config.out)))
    return config


# The command's parser (keras_gan.cli.parsers builds it without TensorFlow).
build_parser = parsers.train_parser


def main(argv: list[str] | None = None) -> int:
    """The CLI. Exit codes: 0 done, 2 bad input (nothing written), 3 training diverged, 130 interrupted."""
    args = parsers.train_parser().parse_args(argv)
    if not logging.getLogger("keras_gan").handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("warning: %(message)s"))
        logging.getLogger("keras_gan").addHandler(handler)
    quiet = getattr(args, "quiet", False)
    with warnings.catch_warnings():
        warnings.showwarning = _print_warning
        out = getattr(args, "resume", "RUN_DIR")
        try:
            if "resume" in vars(args):
                refused = sorted(set(vars(args)) - _RESUME_FLAGS)
                if refused:
                    flags = ", ".join("--" + key.replace("_", "-") for key in refused)
                    raise ValueError(
                        f"--resume continues with the settings in {args.resume}/config.json; "
                        f"only --epochs may change them, not {flags}"
                    )
                result = resume(args.resume, epochs=getattr(args, "epochs", None), verbose=0 if quiet else 2)
            else:
                config = config_from_args(args)
                if getattr(args, "print_config", False):
                    print(config.to_json())
                    return 0
                out = config.out
                result = run(config, verbose=0 if quiet else 2)
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
    for name, what in FILES.items():
        print(f"  {out / name}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
