"""The three commands' argument parsers, built without TensorFlow so that ``--help`` answers at once.

Each flag's default is said once, in its help, and comes from the
``TrainConfig`` field it sets (:func:`keras_gan.cli.config.defaults`),
after the value of the run with no arguments where its preset sets another. The
training parser's defaults are ``argparse.SUPPRESS``: the namespace it
returns holds only the flags that were typed, which is how a flag typed with
its default value still wins over a ``--config`` file or a preset.

The names of losses, strategies, precisions, conditionings, feature
extractors and interpolations live in modules that import TensorFlow; they
are repeated here, and ``tests/test_cli.py`` checks that they agree.
"""

from __future__ import annotations

import argparse

from keras_gan.cli import families, presets
from keras_gan.cli.config import defaults
from keras_gan.data import catalog

LOSSES = ("minimax", "non_saturating", "wasserstein", "wgan_gp", "least_squares", "hinge")
STRATEGIES = ("default", "mirrored", "multi-worker")
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
CONDITIONINGS = ("concat", "projection")
SCALES = (2, 4, 8)
FEATURE_EXTRACTORS = ("inception_v3", "mnist_classifier")
INTERPOLATIONS = ("slerp", "linear")
# What ``--ada`` alone sets: keras_gan.training.ada.DEFAULT_TARGET, the paper's.
ADA_TARGET = 0.6
# What ``generate --out`` writes, by suffix; a folder (no suffix) takes one PNG per translated input.
SAMPLE_SUFFIXES = (".png", ".npy")
INTERPOLATION_SUFFIXES = (".png", ".gif")


def _typed(value) -> str | None:
    """A setting's value as a user would type it; None for a flag's on/off and for no value."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ",".join(map(_typed, value))
    return str(value)


def _default(name: str, otherwise: str | None = None) -> str:
    """`` (default: ...)`` for a ``TrainConfig`` field; ``otherwise`` says what a default of None means.

    Where the preset of a run with no arguments (``presets.DEFAULT_DATASET``'s)
    sets the field to another value, that value comes first: it is what
    ``python -m keras_gan.train`` alone trains with. Other datasets' presets
    may set the field too, which the text says.
    """
    value = defaults()[name]
    fallback = _typed(value) or otherwise
    preset = presets.PRESETS[presets.DEFAULT_DATASET]
    if name in preset and preset[name] != value and _typed(preset[name]) is not None:
        alone = f"{_typed(preset[name])} with no arguments; else the dataset's or the model's preset"
        return f" (default: {alone}, or {fallback})" if fallback else f" (default: {alone})"
    return f" (default: {fallback})" if fallback else ""


def train_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m keras_gan.train``; its namespace holds only the flags typed."""
    parser = argparse.ArgumentParser(
        prog="python -m keras_gan.train",
        description="Train a GAN and write a run directory. With no arguments: a DCGAN on the MNIST sample "
        "shipped with keras_gan. A setting not given comes from the dataset's preset "
        "(keras_gan.cli.presets), else from the default shown here; --print-config shows what a command resolves to.",
        argument_default=argparse.SUPPRESS,
    )
    add = parser.add_argument
    add("--dataset", help=f"what to train on: {catalog.describe_accepted()} (default: {presets.DEFAULT_DATASET}, "
        "or the --model's demo dataset)")
    add("--model", choices=list(families.FAMILIES), help="model family: " + "; ".join(
        f"{name}: {family.summary}, on {family.data.split(':')[0]}" for name, family in families.FAMILIES.items()
    ) + " (default: the dataset's preset's)")
    add("--epochs", type=int, help="number of epochs" + _default("epochs"))
    add("--steps-per-epoch", type=int, help="training steps per epoch (default: one pass over the data)")
    add("--batch-size", type=int, help="samples per step" + _default("batch_size"))
    add("--latent-dim", type=int, help="size of the Gaussian latent vector" + _default("latent_dim"))
    add("--loss", choices=LOSSES, help="loss family" + _default("loss"))
    add("--d-steps", type=int, help="discriminator updates per generator update, k (default: the loss's own: "
        "5 for wasserstein and wgan_gp, else 1)")
    add("--lr", type=float, help="Adam learning rate of both networks" + _default("lr"))
    add("--beta-1", metavar="B", type=float, help="Adam beta_1 of both networks, in [0, 1)" + _default("beta_1"))
    add("--base-filters", type=int, help="width of the bundled convolutional networks" + _default("base_filters"))
    add("--image-size", type=int, help="resize images to this side, keeping the dataset's channels")
    add("--seed", type=int, help="seeds the data order, the initial weights and the noise" + _default("seed"))
    add("--samples", type=int, help="samples in each epoch's grid" + _default("samples"))
    add("--out", help="run directory (default: runs/<dataset name>)")
    add("--overwrite", action="store_true", help="replace the run already in --out")
    add("--new", action="store_true", help="if --out holds a run, write to the first free OUT-2, OUT-3, ...")
    add("--skip-invalid", action="store_true", help="skip image files that cannot be read, with a warning")
    add("--rescale", action="store_true", help="map data outside the generator's output range onto it")
    add("--deterministic", action="store_true", help="TensorFlow op determinism (repeatable, slower)")
    add("--config", metavar="FILE", help="JSON settings (e.g. a run's config.json); the flags typed win over it")
    add("--resume", metavar="RUN_DIR", help="continue RUN_DIR from its last checkpoint with its config.json; "
        "only --epochs (to train further) and --quiet may be given with it")
    add("--quiet", action="store_true", help="no per-epoch progress lines")
    add("--print-config", action="store_true",
        help="print the settings these flags resolve to (what config.json would hold) and exit without training")
    add("--eval-every", type=int, metavar="N", help="log sample metrics (as keras_gan.evaluate) every N epochs")
    _add_stabiliser_flags(parser.add_argument_group("losses and stabilisers"))
    _add_network_flags(parser.add_argument_group("network options of one model family"))
    _add_execution_flags(parser.add_argument_group("speed and devices"))
    return parser


def _add_stabiliser_flags(group) -> None:
    add = group.add_argument
    add("--lr-decay-start", metavar="FRACTION", type=float,
        help="after this fraction of the run both learning rates fall linearly to 0 at its end (default: constant)")
    add("--no-lr-decay", action="store_true", help="constant learning rates, where a preset or --config decays them")
    add("--d-lr", metavar="LR", type=float,
        help="discriminator learning rate (default: --lr); with --g-lr the two time-scale update rule, Heusel et al. 2017")
    add("--g-lr", metavar="LR", type=float, help="generator learning rate" + _default("g_lr", otherwise="--lr"))
    add("--gp-weight", metavar="LAMBDA", type=float,
        help="WGAN-GP gradient penalty lambda (default: the loss's own: 10 for wgan_gp, else 0)")
    add("--r1-gamma", metavar="GAMMA", type=float, help="R1 penalty on real data, Mescheder et al. 2018; 0 is off"
        + _default("r1_gamma"))
    add("--penalty-every", metavar="N", type=int,
        help="lazy regularisation, Karras et al. 2020: the penalties on every N-th D update only, N times weighted"
        + _default("penalty_every"))
    add("--clip-value", metavar="C", type=float, help="clip D's weights to [-C, C] after each update, WGAN (default: off)")
    add("--label-smoothing", metavar="A", type=float,
        help="one-sided label smoothing: real target 1 - A, Salimans et al. 2016" + _default("label_smoothing"))
    add("--instance-noise", metavar="STD", type=float,
        help="initial std of Gaussian noise on D's inputs, Sonderby et al. 2016" + _default("instance_noise"))
    add("--instance-noise-steps", metavar="N", type=int,
        help="steps over which the instance noise decays to 0 (default: the whole run)")
    add("--ema", type=float, metavar="DECAY",
        help="moving average of G's weights, for sampling and saving, e.g. 0.999" + _default("ema", otherwise="off"))
    add("--no-ema", action="store_true", help="no moving average, where a preset has one")
    add("--diffaugment", metavar="POLICY",
        help="DiffAugment on D's inputs, Zhao et al. 2020, e.g. color,translation,cutout (default: off)")
    add("--ada", dest="ada_target", nargs="?", const=ADA_TARGET, type=float, metavar="TARGET",
        help="adaptive discriminator augmentation, Karras et al. 2020: D's inputs flipped, turned and shifted with "
        f"a probability p steered so that E[sign(D(real))] nears TARGET ({ADA_TARGET:g} when not given; default: off)")
    add("--ada-ramp-images", type=int, metavar="N",
        help="real images over which ADA's p can go from 0 to 1 (default: 500000, the paper's)")
    add("--pack", type=int, metavar="M", help="PacGAN: D judges M samples at once, Lin et al. 2018" + _default("pack"))
    add("--spectral-norm", action=argparse.BooleanOptionalAction,
        help="spectral normalisation in the discriminator, Miyato et al. 2018 (default: off)")


def _add_network_flags(group) -> None:
    add = group.add_argument
    add("--seed-convs", type=int, metavar="N",
        help="dcgan, cgan: stride-1 convolutions on the generator's first feature map" + _default("seed_convs"))
    add("--upsample-kernel-size", type=int, metavar="K",
        help="dcgan, cgan: kernel of the generator's transposed convolutions"
        + _default("upsample_kernel_size", otherwise="the generator's own"))
    add("--conditioning", choices=CONDITIONINGS,
        help="cgan: how D sees the label, projection (Miyato & Koyama 2018) or one-hot channels"
        + _default("conditioning"))
    add("--data-scale", metavar="S", type=float,
        help="mlp: the networks see x / S (a fixed rescaling in D and G)" + _default("data_scale"))
    add("--mlp-units", metavar="N,N,...", type=_unit_list,
        help="mlp: hidden widths of both networks (default: the bundled networks', narrower for points than for "
        "images)")
    add("--generator-units", metavar="N,N,...", type=_unit_list,
        help="mlp: the generator's hidden widths, where they differ from --mlp-units")
    add("--fourier-features", metavar="N", type=int,
        help="mlp: N fixed random Fourier features (Tancik et al. 2020) at D's input" + _default("fourier_features"))
    add("--fourier-scale", metavar="S[,S...]", type=_scale_list,
        help="mlp: spread of those features' frequencies; several split them into blocks, one per spread"
        + _default("fourier_scale"))
    add("--l1-weight", metavar="LAMBDA", type=float, help="pix2pix: weight of the L1 term" + _default("l1_weight"))
    add("--cycle-weight", metavar="W", type=float,
        help="cyclegan: weight of each cycle-consistency term" + _default("cycle_weight"))
    add("--identity-weight", metavar="W", type=float,
        help="cyclegan: weight of each identity term (the mnist-inverted demo: 0)" + _default("identity_weight"))
    add("--direction", choices=catalog.DIRECTIONS,
        help="pix2pix: which half of a pair folder is the source" + _default("direction"))
    add("--scale", type=int, choices=SCALES, help="srgan: upsampling factor" + _default("scale"))
    add("--labels", metavar="N", type=int,
        help="ssgan: training examples that keep their labels, as many of each class; the held-out accuracy is "
        "logged every epoch" + _default("labels"))
    add("--vgg-weight", metavar="W", type=float,
        help="srgan: weight of the VGG19 content term, 0 is off; needs VGG19's ImageNet weights"
        + _default("vgg_weight"))


def _unit_list(text: str) -> tuple[int, ...]:
    """``"256,256,256"`` -> ``(256, 256, 256)``, for ``--mlp-units`` and ``--generator-units``."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer widths such as 256,256,256, got {text!r}") from None


def _scale_list(text: str) -> float | tuple[float, ...]:
    """``"2"`` -> ``2.0``; ``"2,32"`` -> ``(2.0, 32.0)``, for ``--fourier-scale``."""
    try:
        scales = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or comma-separated numbers such as 2,32, got {text!r}") from None
    return scales[0] if len(scales) == 1 else scales


def _add_execution_flags(group) -> None:
    add = group.add_argument
    add("--steps-per-execution", metavar="N", type=int,
        help="training steps per compiled call; more is faster for small networks, and the divergence check "
        "then runs once per call" + _default("steps_per_execution"))
    add("--jit", dest="jit_compile", action=argparse.BooleanOptionalAction,
        help="XLA compilation (default: Keras's auto, on with a GPU, off on a CPU)")
    add("--share-generator-pass", action="store_true",
        help="run G forward once per step, for the last D update and the G update (the G update then reuses "
        "that batch's noise)")
    add("--intra-op-threads", metavar="N", type=int,
        help="threads TensorFlow may split one op over (default: every core)")
    add("--mixed-precision", choices=PRECISIONS, help="the networks' dtype policy" + _default("mixed_precision"))
    add("--strategy", choices=STRATEGIES,
        help="where to train: one device (the default strategy), every GPU of this machine (mirrored), or the "
        "machines in TF_CONFIG (multi-worker; --batch-size is then the global batch)")


def evaluate_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m keras_gan.evaluate``."""
    parser = argparse.ArgumentParser(
        prog="python -m keras_gan.evaluate",
        description="Measure a trained generator offline and write metrics.json: mode coverage for points, "
        "FID, KID, classifier score and precision/recall for images.",
    )
    add = parser.add_argument
    add("run_dir", nargs="?", help="a run directory written by python -m keras_gan.train")
    add("--generator", help="a .keras generator file instead of a run directory (needs --dataset)")
    add("--dataset", help="the data the generator imitates (with --generator)")
    add("--num-samples", type=int,
        help="generated samples (default: 2,500 points; as many images as held-out ones, at most 10,000)")
    add("--features", choices=FEATURE_EXTRACTORS,
        help="feature extractor for images (default: mnist_classifier for digits, else inception_v3)")
    add("--seed", type=int, default=0, help="seed of the latent vectors and subsets (default: 0)")
    add("--draws", type=int, default=1,
        help="repeat the measurement with seeds SEED, SEED+1, ... and report each metric's mean and its standard "
        "deviation over the draws (default: 1)")
    add("--out", help="where to write the report (default: metrics.json in the run directory, or beside --generator)")
    add("--rejection", action="store_true",
        help="draw the samples by discriminator rejection sampling (Azadi et al. 2019) with the run's discriminator, "
        "refitted; needs a run directory; writes metrics_drs.json by default")
    add("--trained-generator", action="store_true",
        help="sample the generator that trained (the run's latest checkpoint) instead of generator.keras, which is "
        "the moving average when the run had --ema; needs a run directory; writes metrics_trained.json by default")
    return parser


def generate_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m keras_gan.generate``."""
    parser = argparse.ArgumentParser(
        prog="python -m keras_gan.generate",
        description="Draw samples from a saved generator: a run directory or its generator.keras.",
    )
    add = parser.add_argument
    add("generator", help="a run directory, or the path of a .keras generator file")
    add("-n", type=int, default=64, help="number of samples; for --arithmetic, the grid indexed (default: 64)")
    add("--seed", type=int, default=None, help="seed of the latent vectors (default: a fresh draw each time)")
    add("--out", default="samples.png",
        help="a .png grid (or scatter plot for points) or a .npy array of the raw samples; .png or .gif with "
        "--interpolate; with --input also a folder, one PNG per input (default: samples.png)")
    add("--label", type=int, help="class to draw, for a conditional generator (default: one row per class)")
    add("--input", metavar="PATH", help="image or folder to translate, for an image-to-image generator (pix2pix, srgan)")
    add("--direction", choices=catalog.DIRECTIONS,
        help="cyclegan: translate --input with the run directory's A->B generator (generator.keras) or its B->A one "
        "(generator_BtoA.keras)")
    walk = parser.add_argument_group("latent space")
    walk.add_argument("--interpolate", type=int, metavar="STEPS", help="walk between random latent points in STEPS steps")
    walk.add_argument("--rows", type=int, default=8, help="paths drawn by --interpolate (default: 8)")
    walk.add_argument("--method", choices=INTERPOLATIONS, default="slerp", help="interpolation (default: slerp)")
    walk.add_argument(
        "--arithmetic", metavar="EXPR",
        help='e.g. "3,17 - 5 + 11": mean latent vectors of grid samples (0-based, row by row), added and subtracted',
    )
    return parser
