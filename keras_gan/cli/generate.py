"""``python -m keras_gan.generate RUN_DIR``: draw samples from a saved generator.

It takes a run directory or a ``.keras`` generator file. It writes a PNG
grid for images (or a scatter plot for 2-D points), or, when ``--out`` ends
in ``.npy``, the raw samples in data space; any other suffix is refused.

A conditional generator (two inputs, ``[z, label]``) draws one row per class,
or only the class ``--label`` names. ``--interpolate STEPS`` walks the latent
space instead (a PNG with one path per row, or an animated ``.gif``), and
``--arithmetic "3,17 - 5 + 11"`` adds and subtracts the mean latent vectors
of samples picked by their index in the grid that the same ``-n`` and
``--seed`` draw (see ``keras_gan.latent``).

An image-to-image generator (pix2pix, SRGAN, CycleGAN) takes ``--input
IMAGE_OR_FOLDER`` instead of latent vectors: ``--out`` is then a PNG grid
(input | output per row), a ``.npy`` file, or a folder of one PNG per input.
A CycleGAN run directory translates either way: ``--direction AtoB`` (the
default, its ``generator.keras``) or ``--direction BtoA``.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ start-up chatter; exceptions still surface

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gan import latent as latent_space  # noqa: E402
from keras_gan import visualization  # noqa: E402
from keras_gan.cli import parsers  # noqa: E402
from keras_gan.models.conditional import class_grid, is_conditional, num_classes_of  # noqa: E402
from keras_gan import sampling  # noqa: E402
from keras_gan.sampling import latent_vectors  # noqa: E402
from keras_gan.models.paired import takes_images, translate_path  # noqa: E402
from keras_gan.models.cyclegan import GENERATOR_FILES  # noqa: E402


def load_generator(path: str | os.PathLike, direction: str | None = None) -> keras.Model:
    """Opens a saved generator with Keras's ``safe_mode`` on (no code is unpickled).

    Args:
        path: a ``.keras`` file, or a run directory (its ``generator.keras``).
        direction: for a CycleGAN run directory, ``"AtoB"`` (G, its
            ``generator.keras``) or ``"BtoA"`` (F, ``generator_BtoA.keras``).

    Raises:
        ValueError: when the file is missing or is not a Keras model.
    """
    path = Path(path)
    if direction is not None:
        if not (path / GENERATOR_FILES["BtoA"]).is_file():
            raise ValueError(
                f"--direction picks a generator of a CycleGAN run directory (one with {GENERATOR_FILES['BtoA']}); "
                f"{path} is not one"
            )
        path = path / GENERATOR_FILES[direction]
    if path.is_dir():
        if not (path / "generator.keras").is_file():
            raise ValueError(f"{path} is a directory without generator.keras (not a finished keras_gan run)")
        path = path / "generator.keras"
    if not path.is_file():
        raise ValueError(f"no generator file at {path}")
    try:
        model = keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # Keras raises many types for a bad file
        raise ValueError(f"{path} is not a Keras model file ({type(error).__name__}: {error})") from None
    if not isinstance(model, keras.Model):
        raise ValueError(f"{path} holds a {type(model).__name__}, not a Keras model")
    return model


def sample(
    generator: keras.Model, n: int, seed: int | None = None, batch_size: int = 256, labels=None
) -> np.ndarray:
    """Draws ``n`` samples from ``generator`` with Gaussian latent vectors.

    A conditional generator draws the class ``labels`` names (one class, or
    one per sample); without labels it cycles through its classes.
    """
    if n < 1:
        raise ValueError(f"-n must be a positive number of samples, got {n}")
    if is_conditional(generator) and labels is None:
        labels = np.arange(n) % _num_classes(generator)
    return sampling.sample(generator, n, seed, labels=labels, batch_size=batch_size)


def _num_classes(generator: keras.Model) -> int:
    classes = num_classes_of(generator)
    if classes is None:
        raise ValueError(
            f"cannot tell how many classes {generator.name!r} has (no 'label_embedding' layer); pass --label"
        )
    return classes


def _check_label(generator: keras.Model, label: int | None) -> None:
    if label is None:
        return
    if not is_conditional(generator):
        raise ValueError(f"--label needs a conditional generator; {generator.name!r} takes one input, z")
    classes = num_classes_of(generator)
    if label < 0 or (classes is not None and label >= classes):
        raise ValueError(f"--label must lie in 0..{(classes or 1) - 1}, got {label}")


def write_samples(samples: np.ndarray, out: str | os.PathLike, rows: int | None = None) -> str:
    """``.npy`` -> raw array; anything else -> an image grid (``rows`` rows) or scatter plot."""
    out = Path(out)
    if out.suffix == ".npy":
        out.parent.mkdir(parents=True, exist_ok=True)
        np.save(out, samples)
        return str(out)
    return visualization.save_samples(samples, out, rows=rows)


def _plain(args, generator) -> tuple[np.ndarray, int | None]:
    """Samples for a plain run, and the grid's rows (one per class for a conditional generator)."""
    if not is_conditional(generator) or args.label is not None:
        return sample(generator, args.n, args.seed, labels=args.label), None
    classes = _num_classes(generator)
    latent, labels = class_grid(latent_vectors(args.n, generator.inputs[0].shape[-1], args.seed), classes)
    return latent_space.render(generator, latent, labels), classes


def _interpolate(args, generator) -> str:
    labels = args.label
    if is_conditional(generator) and labels is None:
        labels = np.arange(args.rows) % _num_classes(generator)  # each path its own class
    options = dict(rows=args.rows, steps=args.interpolate, seed=args.seed, method=args.method, labels=labels)
    if Path(args.out).suffix.lower() == ".gif":
        return latent_space.save_interpolation_gif(args.out, generator, **options)
    return latent_space.save_interpolation_grid(args.out, generator, **options)


def _arithmetic(args, generator) -> str:
    if is_conditional(generator) and args.label is None:
        raise ValueError("--arithmetic on a conditional generator needs --label (the class of the grid it indexes)")
    candidates = latent_vectors(args.n, generator.inputs[0].shape[-1], args.seed)
    means, result = latent_space.arithmetic_from_indices(candidates, args.arithmetic)
    images = latent_space.render(generator, np.concatenate([means, result[None]]), args.label)
    return visualization.save_image_grid(images, args.out, rows=1)


def check_out(args) -> None:
    """Refuses an ``--out`` whose suffix the chosen mode does not write, before anything is loaded."""
    suffix = Path(args.out).suffix.lower()
    if args.input is not None:
        allowed, what = (*parsers.SAMPLE_SUFFIXES, ""), ".png, .npy, or a folder (no suffix)"
    elif args.interpolate is not None:
        allowed, what = parsers.INTERPOLATION_SUFFIXES, ".png or .gif"
    elif args.arithmetic is not None:
        allowed, what = (".png",), ".png"
    else:
        allowed, what = parsers.SAMPLE_SUFFIXES, ".png (a grid, or a scatter plot for points) or .npy (raw samples)"
    if suffix not in allowed:
        raise ValueError(f"--out {args.out}: this writes {what}, not {suffix or 'a folder'}")


# The command's parser (keras_gan.cli.parsers builds it without TensorFlow).
build_parser = parsers.generate_parser


def main(argv: list[str] | None = None) -> int:
    args = parsers.generate_parser().parse_args(argv)
    try:
        if args.n < 1:
            raise ValueError(f"-n must be a positive number of samples, got {args.n}")
        if args.interpolate is not None and args.arithmetic is not None:
            raise ValueError("choose one of --interpolate and --arithmetic")
        check_out(args)
        if args.direction is not None and args.input is None:
            raise ValueError("--direction translates images: give them with --input IMAGE_OR_FOLDER")
        generator = load_generator(args.generator, args.direction)
        _check_label(generator, args.label)
        if args.input is not None:
            path, count = translate_path(generator, args.input, args.out)
            what = f"{count} translated images"
        elif takes_images(generator):
            raise ValueError(f"{generator.name!r} translates images; give them with --input IMAGE_OR_FOLDER")
        elif args.interpolate is not None:
            path = _interpolate(args, generator)
            what = f"{args.rows} interpolation paths of {args.interpolate} steps"
        elif args.arithmetic is not None:
            path = _arithmetic(args, generator)
            what = f"the group means of {args.arithmetic!r} and their result (last)"
        else:
            samples, rows = _plain(args, generator)
            path = write_samples(samples, args.out, rows=rows)
            what = f"{len(samples)} samples" + (", one row per class" if rows else "")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {what} to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
