"""What each dataset is, without loading it: names, kinds, channels and splits.

The command line reads this module to answer ``--help``, to pick a model
family for a dataset and to size images, so it imports neither TensorFlow
nor Keras. The loaders (:mod:`keras_gan.data.datasets`,
:mod:`keras_gan.data.pairs`) take their names from here.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

# The kinds of data a model family can train on.
IMAGES = "images"
POINTS = "points"
PAIRS = "pairs"
UNPAIRED = "unpaired"  # images of two domains with no correspondence, for unpaired translation


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """One named dataset.

    Attributes:
        description: one line for ``--help`` and the docs.
        kind: ``"images"``, ``"points"``, ``"pairs"`` ((source, target) images)
            or ``"unpaired"`` (images of two domains).
        channels: image channels (1 or 3); ``None`` for points.
        labelled: whether it has class labels.
        offline: whether it loads without a download.
    """

    description: str
    kind: str
    channels: int | None = None
    labelled: bool = False
    offline: bool = True


DATASETS: dict[str, DatasetInfo] = {
    "mnist-sample": DatasetInfo(
        "5,000 MNIST digits shipped with keras_gan (4,000 train / 1,000 test), 28x28x1, no download",
        IMAGES, channels=1, labelled=True,
    ),
    "mnist": DatasetInfo(
        "MNIST handwritten digits via keras.datasets (60,000 train / 10,000 test), 28x28x1",
        IMAGES, channels=1, labelled=True, offline=False,
    ),
    "fashion_mnist": DatasetInfo(
        "Fashion-MNIST clothing via keras.datasets (60,000 train / 10,000 test), 28x28x1",
        IMAGES, channels=1, labelled=True, offline=False,
    ),
    "cifar10": DatasetInfo(
        "CIFAR-10 objects via keras.datasets (50,000 train / 10,000 test), 32x32x3",
        IMAGES, channels=3, labelled=True, offline=False,
    ),
    "ring": DatasetInfo("2-D points: mixture of 8 Gaussians evenly spaced on the unit circle, std 0.01", POINTS),
    "grid": DatasetInfo("2-D points: mixture of 25 Gaussians on the grid {-4,-2,0,2,4}^2, std 0.05", POINTS),
    "mnist-edges": DatasetInfo(
        "outline of each digit of the shipped MNIST sample -> the digit (4,000 train / 1,000 test pairs)",
        PAIRS, channels=1,
    ),
    "mnist-masked": DatasetInfo(
        "digit of the shipped MNIST sample with a grey 12x12 square over it -> the whole digit",
        PAIRS, channels=1,
    ),
    "mnist-inverted": DatasetInfo(
        "unpaired domains from the shipped MNIST sample: 2,000 digits (A) and 2,000 other digits with thickened, "
        "inverted strokes (B); the 1,000 held-out digits score the translation",
        UNPAIRED, channels=1,
    ),
}
KERAS_DATASETS = ("mnist", "fashion_mnist", "cifar10")
SPLITS = ("train", "test", "all")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
# Which half of a pair folder is the source.
DIRECTIONS = ("AtoB", "BtoA")
# Channels an image folder is read with when the user gives no image shape.
FOLDER_CHANNELS = 3


def names(kind: str | None = None) -> list[str]:
    """The named datasets, or those of one ``kind``."""
    return [name for name, info in DATASETS.items() if kind is None or info.kind == kind]


def is_local(name: str) -> bool:
    """Whether ``name`` is a folder or a ``.npy`` file on disk (rather than a dataset name)."""
    path = Path(name)
    return name not in DATASETS and (path.is_dir() or (path.suffix == ".npy" and path.is_file()))


def array_shape(path: str | Path) -> tuple[int, ...] | None:
    """The shape of the array in a ``.npy`` file, read from its header only; ``None`` if unreadable."""
    import numpy as np

    try:  # memory-mapped: only the header is read
        shape = np.load(path, mmap_mode="r", allow_pickle=False).shape
    except (OSError, ValueError):
        return None
    return tuple(int(side) for side in shape)


def kind_of(name: str) -> str | None:
    """``"images"``, ``"points"`` or ``"pairs"`` for a dataset name, a ``.npy`` file or a folder.

    A folder counts as images (it may hold pairs too; the model decides how it is
    read); a ``.npy`` array of shape ``(N, D)`` holds points. ``None`` when
    ``name`` is neither a dataset nor a readable file or folder.
    """
    if name in DATASETS:
        return DATASETS[name].kind
    path = Path(name)
    if path.is_dir():
        return IMAGES
    if path.suffix == ".npy":
        shape = array_shape(path)
        if shape is None:
            return None
        return POINTS if len(shape) == 2 else IMAGES
    return None


def channels_of(name: str) -> int:
    """The image channels of a dataset: its own for a name or a ``.npy`` array, else RGB."""
    if name in DATASETS and DATASETS[name].channels:
        return DATASETS[name].channels
    if Path(name).suffix == ".npy":
        shape = array_shape(name)
        if shape is not None and len(shape) == 4:
            return shape[-1]
        if shape is not None and len(shape) == 3:
            return 1
    return FOLDER_CHANNELS


def describe_accepted() -> str:
    """Every form ``--dataset`` accepts, for help texts and error messages."""
    by_kind = {kind: ", ".join(names(kind)) for kind in (IMAGES, POINTS, PAIRS, UNPAIRED)}
    return (
        f"images: {by_kind[IMAGES]}; points: {by_kind[POINTS]}; (source, target) pairs: {by_kind[PAIRS]}; "
        f"unpaired domains: {by_kind[UNPAIRED]}; "
        "or the path of an image folder (for pix2pix: side-by-side A|B images, or A/ and B/ subfolders; "
        "for cyclegan: trainA/ and trainB/ subfolders), "
        "or of a .npy array of images (N, H, W[, C]) or points (N, D)"
    )
