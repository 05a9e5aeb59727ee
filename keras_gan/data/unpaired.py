"""Unpaired image data: two domains A and B with no correspondence, for CycleGAN.

Three sources:

* two image folders, one per domain (:func:`load_unpaired_folders`);
* a folder in the layout of the public CycleGAN datasets (horse2zebra,
  summer2winter_yosemite, ...): ``trainA/ trainB/ testA/ testB``
  (:func:`load_cyclegan_folder`);
* an offline demo made from the MNIST sample shipped with the package
  (``UNPAIRED_DATASETS``): domain A holds digits as shipped, domain B the
  *other* half of the training digits drawn by a known transform
  :func:`thicken_and_invert`. No digit appears in both domains, so there
  are no pairs to learn from; because the transform is known, the held-out
  digits can still be scored exactly against ``T(a)``.

Every loader returns float32 images in [-1, 1]; :func:`unpaired_dataset`
turns two arrays into a ``tf.data`` pipeline of ``(a, b)`` batches drawn
independently from each domain.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

import numpy as np
import tensorflow as tf

from keras_gan.data import datasets as data

UNPAIRED_DATASETS = {
    "mnist-inverted": "digits of the shipped MNIST sample (A) and the other half of them with thickened, "
    "inverted strokes (B); 2,000 + 2,000 unpaired training digits, the 1,000 held-out digits scored against T(a)",
}
CYCLEGAN_SPLITS = ("train", "test")


@dataclasses.dataclass
class UnpairedData:
    """Images of two domains, float32 in [-1, 1].

    Attributes:
        a: images of domain A, ``(N_A, H, W, C)``.
        b: images of domain B, ``(N_B, H, W, C)``.
        a_labels: class labels of ``a`` where known (the digits demo), else None.
        aligned: whether ``b[i]`` is the known translation of ``a[i]`` (the
            demo's held-out split, made for scoring); never for training data.
    """

    a: np.ndarray
    b: np.ndarray
    a_labels: np.ndarray | None = None
    aligned: bool = False


def thicken_and_invert(images) -> np.ndarray:
    """The digits demo's transform T: thicker strokes, then light and dark swapped.

    In [0, 1] pixel values, ``T(x) = 1 - maxfilter3x3(x)``: each pixel takes
    the brightest value of its 3x3 neighbourhood (the stroke grows by one
    pixel on every side), then the image is inverted. On images in [-1, 1]
    that is ``-maxfilter3x3(x)``. The neighbourhood stops at the image's
    border.

    Args:
        images: ``(N, H, W, C)`` in [-1, 1].

    Returns:
        float32 ``(N, H, W, C)`` in [-1, 1].
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4:
        raise ValueError(f"images must be a batch (N, H, W, C), got shape {images.shape}")
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=-np.inf)
    height, width = images.shape[1:3]
    neighbours = [padded[:, dy : dy + height, dx : dx + width] for dy in range(3) for dx in range(3)]
    return -np.max(neighbours, axis=0)


def mnist_domains(split: str = "train") -> UnpairedData:
    """The digits demo: A = digits as shipped, B = :func:`thicken_and_invert` of other digits.

    Args:
        split: ``"train"``: the first 2,000 of the 4,000 training digits as A
            and T of the last 2,000 as B, so that no digit is in both;
            ``"test"``: the 1,000 held-out digits as A and T of the same
            digits as B, aligned, for scoring a translation.

    Returns:
        :class:`UnpairedData` of 28x28x1 images, with A's class labels.
    """
    if split not in CYCLEGAN_SPLITS:
        raise ValueError(f"split must be one of {CYCLEGAN_SPLITS}, got {split!r}")
    images, labels = data.load_mnist_sample(split)
    images = data.scale_images(images)
    if split == "test":
        return UnpairedData(images, thicken_and_invert(images), labels, aligned=True)
    half = len(images) // 2
    return UnpairedData(images[:half], thicken_and_invert(images[half:]), labels[:half])


def load_unpaired_folders(a_folder: str | Path, b_folder: str | Path, image_shape: Sequence[int]) -> UnpairedData:
    """Loads every image under ``a_folder`` as domain A and under ``b_folder`` as domain B.

    The folders may hold different numbers of images with unrelated names;
    each image is converted to ``image_shape`` (channels, then Lanczos
    resizing) as :func:`keras_gan.data.datasets.load_image_folder` does.

    Raises:
        ValueError: a folder is missing, holds no image, or a file cannot be read.
    """
    image_shape = tuple(image_shape)
    a = data.scale_images(data.load_image_folder(a_folder, image_shape))
    b = data.scale_images(data.load_image_folder(b_folder, image_shape))
    return UnpairedData(a, b)


def is_cyclegan_folder(path: str | Path) -> bool:
    """Whether ``path`` has the ``trainA/`` and ``trainB/`` subfolders of a CycleGAN dataset."""
    path = Path(path)
    return (path / "trainA").is_dir() and (path / "trainB").is_dir()


def load_cyclegan_folder(path: str | Path, image_shape: Sequence[int], split: str = "train") -> UnpairedData:
    """Loads ``path/{split}A`` and ``path/{split}B``, the layout of the public CycleGAN datasets.

    Args:
        path: the dataset's folder, e.g. ``horse2zebra`` holding
            ``trainA/ trainB/ testA/ testB``.
        image_shape: ``(H, W, C)`` every image is converted to.
        split: ``"train"`` or ``"test"``.

    Raises:
        ValueError: a bad split, or a missing or empty subfolder (named).
    """
    if split not in CYCLEGAN_SPLITS:
        raise ValueError(f"split must be one of {CYCLEGAN_SPLITS}, got {split!r}")
    path = Path(path)
    missing = [f"{split}{domain}" for domain in "AB" if not (path / f"{split}{domain}").is_dir()]
    if missing:
        raise ValueError(
            f"{str(path)!r} lacks {' and '.join(f'{name}/' for name in missing)}: a CycleGAN dataset folder "
            "holds trainA/ trainB/ (and testA/ testB/ for held-out images)"
        )
    return load_unpaired_folders(path / f"{split}A", path / f"{split}B", image_shape)


def load_unpaired(name: str | Path, split: str = "train", image_shape: Sequence[int] | None = None) -> UnpairedData:
    """The demo (``UNPAIRED_DATASETS``) or a CycleGAN dataset folder, by name or path.

    A folder needs ``image_shape``; the demo's digits are 28x28x1 and are
    resized when ``image_shape`` asks for another size.
    """
    if str(name) in UNPAIRED_DATASETS:
        domains = mnist_domains(split)
        if image_shape is not None and tuple(image_shape) != domains.a.shape[1:]:
            shape = tuple(image_shape)
            domains = dataclasses.replace(domains, a=_resized(domains.a, shape), b=_resized(domains.b, shape))
        return domains
    if Path(name).is_dir():
        if image_shape is None:
            raise ValueError(f"loading the folder {str(name)!r} needs image_shape, e.g. (64, 64, 3)")
        if not is_cyclegan_folder(name):
            raise ValueError(
                f"{str(name)!r} is not a CycleGAN dataset folder: it needs trainA/ and trainB/ subfolders "
                "(and testA/ testB/ for held-out images)"
            )
        return load_cyclegan_folder(name, image_shape, split)
    raise ValueError(
        f"unknown unpaired dataset {str(name)!r}: not one of {list(UNPAIRED_DATASETS)} and not an existing folder "
        "(one with trainA/ and trainB/ subfolders)"
    )


def _resized(images: np.ndarray, image_shape: tuple) -> np.ndarray:
    return data.scale_images(data.resize_images(data.unscale_images(images), image_shape))


def unpaired_dataset(a, b, batch_size: int, seed: int | None = None) -> tf.data.Dataset:
    """Endless ``(a, b)`` batches, each domain shuffled on its own.

    Each domain repeats with a fresh order every pass, so the two are
    paired at random and never the same way twice; the domains may differ
    in size. One epoch is ``max(len(a), len(b)) // batch_size`` steps by
    CycleGAN's convention (:func:`steps_per_epoch`).

    Raises:
        ValueError: ``batch_size`` is not in 1..the smaller domain's size.
    """
    smallest = min(len(a), len(b))
    if not isinstance(batch_size, int) or not 1 <= batch_size <= smallest:
        raise ValueError(f"batch_size must lie in 1..{smallest} (the smaller domain's images), got {batch_size!r}")
    streams = []
    for offset, images in enumerate((a, b)):
        stream = tf.data.Dataset.from_tensor_slices(np.asarray(images, dtype=np.float32))
        stream_seed = None if seed is None else seed + offset
        stream = stream.shuffle(len(images), seed=stream_seed, reshuffle_each_iteration=True).repeat()
        streams.append(stream.batch(batch_size, drop_remainder=True))
    return tf.data.Dataset.zip(tuple(streams)).prefetch(tf.data.AUTOTUNE)


def steps_per_epoch(a, b, batch_size: int) -> int:
    """Batches in one pass over the larger domain."""
    return max(1, max(len(a), len(b)) // batch_size)
