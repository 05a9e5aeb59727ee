"""``python -m keras_gan.generate GENERATOR.keras``: draw samples from a saved generator.

Writes a PNG grid for images (or a scatter plot for 2-D points), or, when
``--out`` ends in ``.npy``, the raw samples in data space.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ start-up chatter; exceptions still surface

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gan import visualization  # noqa: E402
from keras_gan.gan import latent_vectors, predict_in_batches  # noqa: E402


def load_generator(path: str | os.PathLike) -> keras.Model:
    """Opens a saved generator with Keras's ``safe_mode`` on (no code is unpickled).

    Raises:
        ValueError: when the file is missing or is not a Keras model.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no generator file at {path}")
    try:
        model = keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # Keras raises many types for a bad file
        raise ValueError(f"{path} is not a Keras model file ({type(error).__name__}: {error})") from None
    if not isinstance(model, keras.Model):
        raise ValueError(f"{path} holds a {type(model).__name__}, not a Keras model")
    return model


def sample(generator: keras.Model, n: int, seed: int | None = None, batch_size: int = 256) -> np.ndarray:
    """Draws ``n`` samples from ``generator`` with Gaussian latent vectors."""
    if n < 1:
        raise ValueError(f"-n must be a positive number of samples, got {n}")
    latent = latent_vectors(n, generator.inputs[0].shape[-1], seed)
    return predict_in_batches(generator, latent, batch_size)


def write_samples(samples: np.ndarray, out: str | os.PathLike) -> str:
    """``.npy`` -> raw array; anything else -> an image grid or scatter plot."""
    out = Path(out)
    if out.suffix == ".npy":
        out.parent.mkdir(parents=True, exist_ok=True)
        np.save(out, samples)
        return str(out)
    return visualization.save_samples(samples, out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m keras_gan.generate",
        description="Draw samples from a saved generator (generator.keras in a run directory).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("generator", help="path of a .keras generator file")
    parser.add_argument("-n", type=int, default=64, help="number of samples")
    parser.add_argument("--seed", type=int, default=None, help="seed of the latent vectors")
    parser.add_argument("--out", default="samples.png", help="PNG grid, or .npy for the raw samples")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.n < 1:
            raise ValueError(f"-n must be a positive number of samples, got {args.n}")
        generator = load_generator(args.generator)
        path = write_samples(sample(generator, args.n, args.seed), args.out)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {args.n} samples to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
