"""Paired image data: (source, target) arrays for pix2pix and SRGAN.

Three sources of pairs:

* image folders in either common pix2pix layout (:func:`load_pair_folder`):
  each file holds A and B side by side (the layout of the pix2pix datasets:
  facades, maps, edges2shoes, ...), or two parallel folders ``A/`` and ``B/``
  whose files share names;
* demo tasks made from the MNIST sample shipped with the package, so that
  translation trains offline in minutes (``PAIRED_DATASETS``:
  ``mnist-edges``, outline -> digit; ``mnist-masked``, digit with a grey
  square over it -> whole digit);
* high-resolution images alone, for super-resolution: :func:`downsample`
  makes the low-resolution inputs by bicubic resizing, on the fly.

Every loader returns ``(sources, targets)``, float32 in [-1, 1], ready for
``keras_gan.data.datasets.make_dataset(sources, batch_size, y=targets)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import tensorflow as tf
from PIL import Image

from keras_gan.data import catalog
from keras_gan.data import datasets as data

PAIRED_DATASETS = {name: catalog.DATASETS[name].description for name in catalog.names(catalog.PAIRS)}
DIRECTIONS = catalog.DIRECTIONS
MASK_SIDE = 12
_MODES = {1: "L", 3: "RGB"}


# ---------------------------------------------------------------------------- super-resolution pairs


def downsample(images, scale: int):
    """Bicubic downsampling by ``scale`` with antialiasing, clipped to [-1, 1].

    Works on a batch ``(N, H, W, C)`` of images in [-1, 1], eagerly or inside
    a traced step; H and W must be multiples of ``scale``.
    """
    images = tf.convert_to_tensor(images, tf.float32)
    height, width = images.shape[1], images.shape[2]
    if height % scale or width % scale:
        raise ValueError(f"images of {height}x{width} pixels cannot be downsampled by {scale} exactly")
    small = tf.image.resize(images, (height // scale, width // scale), method="bicubic", antialias=True)
    return tf.clip_by_value(small, -1.0, 1.0)


def upsample_bicubic(images, scale: int) -> np.ndarray:
    """Bicubic upsampling by ``scale``, clipped to [-1, 1]: the baseline a super-resolution model must beat."""
    images = tf.convert_to_tensor(images, tf.float32)
    large = tf.image.resize(images, (images.shape[1] * scale, images.shape[2] * scale), method="bicubic")
    return tf.clip_by_value(large, -1.0, 1.0).numpy()


def super_resolution_pairs(high_res, scale: int, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """``(low_res, high_res)`` arrays made by :func:`downsample`, for evaluation or a fixed dataset."""
    high_res = np.asarray(high_res, dtype=np.float32)
    low_res = np.concatenate(
        [downsample(high_res[i : i + batch_size], scale).numpy() for i in range(0, len(high_res), batch_size)]
    )
    return low_res, high_res


# ---------------------------------------------------------------------------- MNIST demo tasks


def outlines(images) -> np.ndarray:
    """The one-pixel outline of each digit: stroke pixels with a background 4-neighbour.

    ``images`` in [-1, 1] (the stroke is where the value is above 0); the
    result is +1 on the outline and -1 elsewhere.
    """
    stroke = np.asarray(images) > 0.0
    padded = np.pad(stroke, ((0, 0), (1, 1), (1, 1), (0, 0)))
    inside = (
        padded[:, :-2, 1:-1] & padded[:, 2:, 1:-1] & padded[:, 1:-1, :-2] & padded[:, 1:-1, 2:]
    )
    return np.where(stroke & ~inside, 1.0, -1.0).astype(np.float32)


def mask_squares(images, side: int = MASK_SIDE, seed: int = 0) -> np.ndarray:
    """Covers a ``side`` x ``side`` square of each image with grey (0), at a seeded random place.

    The square lies within the central part of the image, where the strokes
    are, so most of the time it hides part of the digit.
    """
    images = np.array(images, dtype=np.float32)
    height, width = images.shape[1:3]
    if side >= min(height, width):
        raise ValueError(f"a {side}-pixel square does not fit in {height}x{width} images")
    rng = np.random.default_rng(seed)
    margin_y, margin_x = (height - side) // 4, (width - side) // 4
    tops = rng.integers(margin_y, height - side - margin_y + 1, size=len(images))
    lefts = rng.integers(margin_x, width - side - margin_x + 1, size=len(images))
    for image, top, left in zip(images, tops, lefts):
        image[top : top + side, left : left + side] = 0.0
    return images


def mnist_pairs(name: str, split: str = "train", image_shape: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(sources, targets)`` of a demo task from the shipped MNIST sample (no download).

    Args:
        name: ``"mnist-edges"`` or ``"mnist-masked"`` (see ``PAIRED_DATASETS``).
        split: ``"train"`` (4,000 pairs) or ``"test"`` (the 1,000 held-out digits).
        image_shape: resize the digits first, e.g. ``(32, 32, 1)``; 28x28x1
            when ``None``.
    """
    if name not in PAIRED_DATASETS:
        raise ValueError(f"unknown paired dataset {name!r}; valid: {', '.join(PAIRED_DATASETS)}")
    targets = data.load("mnist-sample", split=split, image_shape=image_shape).x
    if name == "mnist-edges":
        return outlines(targets), targets
    # A different square per split, the same ones every time.
    return mask_squares(targets, seed={"train": 0, "test": 1}.get(split, 2)), targets


# ---------------------------------------------------------------------------- folders


def split_side_by_side(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Splits one ``(H, 2W, C)`` image into its left (A) and right (B) halves."""
    width = image.shape[1]
    if width % 2:
        raise ValueError(f"a side-by-side pair needs an even width, got {width} pixels")
    return image[:, : width // 2], image[:, width // 2 :]


def load_side_by_side(
    folder: str | Path, image_shape: Sequence[int], direction: str = "AtoB"
) -> tuple[np.ndarray, np.ndarray]:
    """Loads pairs stored as one image each, A on the left and B on the right.

    Every image file under ``folder`` (recursively, sorted) is split at half
    its width; each half is converted to ``image_shape`` (channels, then
    Lanczos resizing).

    Args:
        folder: the folder, e.g. ``facades/train``.
        image_shape: ``(H, W, C)`` of each half after loading.
        direction: ``"AtoB"`` (sources on the left) or ``"BtoA"``.

    Returns:
        ``(sources, targets)``, float32 in [-1, 1].
    """
    _check_direction(direction)
    halves = [split_side_by_side(_read(file, image_shape[-1])) for file in _image_files(folder)]
    a = _resize_all([h[0] for h in halves], image_shape)
    b = _resize_all([h[1] for h in halves], image_shape)
    return _oriented(a, b, direction)


def load_parallel_folders(
    a_folder: str | Path, b_folder: str | Path, image_shape: Sequence[int], direction: str = "AtoB"
) -> tuple[np.ndarray, np.ndarray]:
    """Loads pairs from two folders whose files share names: ``A/x.png`` goes with ``B/x.png``.

    Files are matched by their path relative to each folder, with the
    extension ignored (``A/x.jpg`` pairs with ``B/x.png``).

    Raises:
        ValueError: a file has no counterpart, or the folders hold no pairs.
    """
    _check_direction(direction)
    a_files = {_key(file, a_folder): file for file in _image_files(a_folder)}
    b_files = {_key(file, b_folder): file for file in _image_files(b_folder)}
    unmatched = sorted(set(a_files) ^ set(b_files))
    if unmatched:
        shown = ", ".join(unmatched[:5]) + (" ..." if len(unmatched) > 5 else "")
        raise ValueError(
            f"{len(unmatched)} file(s) of {str(a_folder)!r} and {str(b_folder)!r} have no counterpart "
            f"with the same name: {shown}"
        )
    keys = sorted(a_files)
    a = _resize_all([_read(a_files[k], image_shape[-1]) for k in keys], image_shape)
    b = _resize_all([_read(b_files[k], image_shape[-1]) for k in keys], image_shape)
    return _oriented(a, b, direction)


def load_pair_folder(
    path: str | Path, image_shape: Sequence[int], direction: str = "AtoB"
) -> tuple[np.ndarray, np.ndarray]:
    """Loads pairs from ``path`` in whichever layout it has.

    With subfolders ``A`` and ``B``, they are parallel folders
    (:func:`load_parallel_folders`); otherwise every image holds a
    side-by-side pair (:func:`load_side_by_side`).
    """
    path = Path(path)
    if (path / "A").is_dir() and (path / "B").is_dir():
        return load_parallel_folders(path / "A", path / "B", image_shape, direction)
    return load_side_by_side(path, image_shape, direction)


def load_pairs(
    name: str, split: str = "train", image_shape: Sequence[int] | None = None, direction: str = "AtoB"
) -> tuple[np.ndarray, np.ndarray]:
    """``(sources, targets)`` of a demo task (``PAIRED_DATASETS``) or of a pair folder.

    A folder has no split: ``split`` applies to the demo tasks only, and a
    folder needs ``image_shape``.
    """
    if name in PAIRED_DATASETS:
        if direction != "AtoB":
            raise ValueError(f"the demo task {name!r} has one direction, source -> digit")
        return mnist_pairs(name, split, image_shape)
    if Path(name).is_dir():
        if image_shape is None:
            raise ValueError(f"loading pairs from the folder {name!r} needs image_shape, e.g. (64, 64, 3)")
        return load_pair_folder(name, image_shape, direction)
    raise ValueError(
        f"unknown paired dataset {name!r}: not one of {list(PAIRED_DATASETS)} and not an existing folder "
        "(a folder of side-by-side A|B images, or one with A/ and B/ subfolders)"
    )


def read_images(path: str | Path, image_shape: Sequence[int]) -> tuple[np.ndarray, list[Path]]:
    """Reads one image file, or every image in a folder, as float32 ``image_shape`` arrays in [-1, 1].

    Returns:
        ``(images, files)``: the images and the files they came from.
    """
    path = Path(path)
    files = [path] if path.is_file() else _image_files(path)
    images = _resize_all([_read(file, image_shape[-1]) for file in files], image_shape)
    return data.scale_images(images), files


def _image_files(folder: str | Path) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"image folder {str(folder)!r} does not exist")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in data.IMAGE_EXTENSIONS and p.is_file())
    if not files:
        raise ValueError(f"image folder {str(folder)!r} holds no image files ({', '.join(data.IMAGE_EXTENSIONS)})")
    return files


def _read(file: Path, channels: int) -> np.ndarray:
    if channels not in _MODES:
        raise ValueError(f"images must have 1 or 3 channels, got {channels}")
    try:
        with Image.open(file) as image:
            pixels = np.asarray(image.convert(_MODES[channels]), dtype=np.uint8)
    except (OSError, SyntaxError, ValueError) as error:
        raise ValueError(f"cannot read image file {str(file)!r}: {error}") from error
    return pixels.reshape(*pixels.shape[:2], channels)


def _resize_all(images: list[np.ndarray], image_shape: Sequence[int]) -> np.ndarray:
    # One at a time: the files may differ in size.
    return np.stack([data.resize_images(image[np.newaxis], tuple(image_shape))[0] for image in images])


def _key(file: Path, folder: str | Path) -> str:
    return str(file.relative_to(folder).with_suffix(""))


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")


def _oriented(a: np.ndarray, b: np.ndarray, direction: str) -> tuple[np.ndarray, np.ndarray]:
    a, b = data.scale_images(a), data.scale_images(b)
    return (a, b) if direction == "AtoB" else (b, a)
