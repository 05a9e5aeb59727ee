"""Datasets -> tf.data pipelines scaled to the generator's output range, [-1, 1].

Two kinds of data feed the GANs in this package:

* images (NHWC), from the MNIST sample shipped with the package, from
  `keras.datasets` (downloaded on first use) or from a folder of image files;
* 2-D points drawn from a Gaussian mixture ("ring" or "grid"), the toy
  problems on which mode collapse is easy to see and to count.

`load(name)` returns either kind as a `Data` record whose `x` is float32 and,
for images, already scaled to [-1, 1]; `make_dataset(data.x, batch_size)`
turns it into a shuffled, batched `tf.data.Dataset`.

The shipped sample, `resources/mnist_sample.npz`, holds 5,000 real MNIST digits
(LeCun et al., 1998) split 4,000 train / 1,000 test; `scripts/make_mnist_sample.py`
says where they come from and how they were split. The test digits are held
out: nothing in the project trains on them.
"""

import dataclasses
import warnings
from importlib import resources
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from keras_gan.data import catalog

# Name -> description of the datasets ``load`` reads (the paired ones are keras_gan.data.pairs').
DATASETS = {
    name: info.description for name, info in catalog.DATASETS.items() if info.kind in (catalog.IMAGES, catalog.POINTS)
}
KERAS_DATASETS = catalog.KERAS_DATASETS
SPLITS = catalog.SPLITS
IMAGE_EXTENSIONS = catalog.IMAGE_EXTENSIONS

RING_MODES = np.stack(
    [np.cos(2 * np.pi * np.arange(8) / 8), np.sin(2 * np.pi * np.arange(8) / 8)], axis=1
).astype(np.float32)
RING_STD = 0.01
GRID_MODES = np.array(
    [(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)], dtype=np.float32
)
GRID_STD = 0.05
_MIXTURES = {"ring": (RING_MODES, RING_STD), "grid": (GRID_MODES, GRID_STD)}

_CHANNELS_TO_MODE = {1: "L", 3: "RGB"}


class DatasetUnavailableError(RuntimeError):
    """A dataset could not be obtained, typically because its download failed."""


@dataclasses.dataclass
class Data:
    """A loaded dataset, ready for `make_dataset`.

    Attributes:
        x: float32 samples: images scaled to [-1, 1] in NHWC layout, or 2-D
            points as drawn.
        y: int64 labels, or None when the dataset has none.
        name: the name `load` was given.
        kind: "image" or "points".
    """

    x: np.ndarray
    y: np.ndarray | None
    name: str
    kind: str

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one sample, e.g. (28, 28, 1) or (2,)."""
        return self.x.shape[1:]

    @property
    def num_classes(self) -> int | None:
        """Number of classes, taken as the largest label + 1; None without labels."""
        if self.y is None or len(self.y) == 0:
            return None
        return int(self.y.max()) + 1


def mixture(name: str) -> tuple[np.ndarray, float]:
    """Returns the (modes, std) of the Gaussian mixture `name` ("ring" or "grid")."""
    if name not in _MIXTURES:
        raise ValueError(f"unknown mixture {name!r}; valid names: {sorted(_MIXTURES)}")
    return _MIXTURES[name]


def sample_mixture(name: str, n: int, seed: int | None = None) -> np.ndarray:
    """Draws points from the Gaussian mixture `name`.

    Each point picks one of the modes uniformly at random and adds isotropic
    Gaussian noise N(0, std^2).

    Args:
        name: "ring" or "grid".
        n: number of points.
        seed: seed for `np.random.default_rng`; None draws different points
            on every call.

    Returns:
        float32 array of shape (n, 2).

    Example:
        >>> sample_mixture("ring", 1000, seed=0).shape
        (1000, 2)
    """
    modes, std = mixture(name)
    rng = np.random.default_rng(seed)
    picks = rng.integers(len(modes), size=n)
    return (modes[picks] + rng.normal(0.0, std, size=(n, 2))).astype(np.float32)


def load_mnist_sample(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Loads the MNIST sample shipped with the package; needs no network.

    Args:
        split: "train" (4,000 digits), "test" (the 1,000 held-out digits) or
            "all" (train followed by test).

    Returns:
        (images, labels): uint8 images of shape (N, 28, 28, 1) and int64
        labels in 0..9.
    """
    _check_split(split)
    with (resources.files("keras_gan") / "resources" / "mnist_sample.npz").open("rb") as file:
        with np.load(file) as arrays:
            train = arrays["x_train"], arrays["y_train"]
            test = arrays["x_test"], arrays["y_test"]
    images, labels = _select_split(train, test, split)
    return images[..., np.newaxis], labels.astype(np.int64)


def load_keras_dataset(name: str, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Loads "mnist", "fashion_mnist" or "cifar10" through `keras.datasets`.

    Keras downloads the dataset on first use and caches it in ~/.keras/datasets.

    Args:
        name: one of `KERAS_DATASETS`.
        split: "train", "test" or "all" (train followed by test).

    Returns:
        (images, labels): uint8 NHWC images (grayscale ones get a channel
        axis) and flat int64 labels.

    Raises:
        DatasetUnavailableError: `load_data()` failed, e.g. without network.
    """
    if name not in KERAS_DATASETS:
        raise ValueError(f"unknown keras dataset {name!r}; valid names: {list(KERAS_DATASETS)}")
    _check_split(split)
    try:
        train, test = getattr(keras.datasets, name).load_data()
    except Exception as error:
        raise DatasetUnavailableError(
            f"download of {name} failed ({type(error).__name__}: {error}); "
            "without network, use 'mnist-sample' (5,000 MNIST digits shipped with keras_gan) "
            "or pass the path of an image folder"
        ) from error
    images, labels = _select_split(train, test, split)
    images = np.asarray(images, dtype=np.uint8)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    return images, np.asarray(labels).reshape(-1).astype(np.int64)


def load_image_folder(
    path: str | Path, image_shape: tuple[int, int, int], skip_invalid: bool = False
) -> np.ndarray:
    """Loads every image file under a folder, converted to one shape.

    Files ending in .png, .jpg, .jpeg, .bmp or .gif (any case) are read
    recursively, in sorted path order; a GIF contributes its first frame.
    Images with transparency are composited onto black before conversion,
    so transparent areas read as background. Each image is converted to
    grayscale ("L") or RGB as `image_shape[-1]` asks, then resized to
    `image_shape[:2]` with Lanczos resampling (aspect ratio not kept).

    Args:
        path: the folder.
        image_shape: (height, width, channels), channels 1 or 3.
        skip_invalid: if True, a file that PIL cannot read is skipped with a
            warning instead of raising.

    Returns:
        uint8 array of shape (N, height, width, channels).

    Raises:
        ValueError: the folder does not exist or holds no readable image, or
            (unless `skip_invalid`) a file cannot be read as an image.
    """
    _check_image_shape(image_shape)
    folder = Path(path)
    if not folder.is_dir():
        raise ValueError(f"image folder {str(folder)!r} does not exist")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())
    images = []
    for file in files:
        try:
            with Image.open(file) as image:
                images.append(_conform(image, image_shape))
        except (OSError, SyntaxError, ValueError) as error:
            message = f"cannot read image file {str(file)!r}: {error}"
            if not skip_invalid:
                raise ValueError(message) from error
            warnings.warn(f"skipping {message}", stacklevel=2)
    if not images:
        raise ValueError(
            f"image folder {str(folder)!r} holds no readable images "
            f"(looked for {', '.join(IMAGE_EXTENSIONS)} files, recursively)"
        )
    return np.stack(images)


def resize_images(images: np.ndarray, image_shape: tuple[int, int, int]) -> np.ndarray:
    """Converts uint8 NHWC images to `image_shape` (height, width, channels).

    Channels go 1 -> 3 by repetition and 3 -> 1 by PIL's luminance formula;
    height and width change by Lanczos resampling, as in `load_image_folder`.
    Images already of that shape are returned unchanged.
    """
    _check_image_shape(image_shape)
    images = np.asarray(images, dtype=np.uint8)
    if images.shape[1:] == tuple(image_shape):
        return images
    return np.stack([_conform(Image.fromarray(_squeeze_gray(image)), image_shape) for image in images])


def scale_images(images: np.ndarray) -> np.ndarray:
    """Maps pixel values from [0, 255] to float32 [-1, 1]: x / 127.5 - 1."""
    return np.asarray(images, dtype=np.float32) / 127.5 - 1.0


def unscale_images(images: np.ndarray) -> np.ndarray:
    """Maps float images in [-1, 1] back to uint8 [0, 255], rounding and clipping."""
    pixels = np.rint((np.asarray(images, dtype=np.float32) + 1.0) * 127.5)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def make_dataset(
    x: np.ndarray,
    batch_size: int,
    *,
    y: np.ndarray | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    drop_remainder: bool = True,
) -> tf.data.Dataset:
    """Builds a batched `tf.data.Dataset` from in-memory arrays.

    Args:
        x: samples, first axis the batch axis.
        batch_size: samples per batch, 1..len(x).
        y: optional labels, one per sample; batches are then (x, y) tuples.
        shuffle: shuffle over the whole array, in a new order every epoch.
        seed: seed for the shuffle, so the sequence of epochs repeats.
        drop_remainder: drop the last, smaller batch so every batch has
            `batch_size` samples.

    Returns:
        A dataset of x batches, or of (x, y) batches when `y` is given.

    Example:
        >>> data = load("ring", n_points=1000)
        >>> next(iter(make_dataset(data.x, 64, seed=0))).shape
        TensorShape([64, 2])
    """
    if batch_size <= 0 or batch_size > len(x):
        raise ValueError(f"batch_size must lie in 1..{len(x)} (the number of samples), got {batch_size}")
    if y is not None and len(y) != len(x):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    # No cache(): the slices are already in memory, and caching would hold a second copy.
    dataset = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def load(
    name: str,
    *,
    split: str = "train",
    image_shape: tuple[int, int, int] | None = None,
    n_points: int = 20000,
    seed: int = 0,
    skip_invalid: bool = False,
) -> Data:
    """Loads a dataset by name, ready for training.

    Args:
        name: a key of `DATASETS`, the path of a folder of images, or the
            path of a `.npy` array (see `load_array`). The keys take
            precedence over a folder of the same name.
        split: "train", "test" or "all", for the datasets that have splits;
            ignored by mixtures and image folders.
        image_shape: (height, width, channels) to convert images to, e.g.
            (32, 32, 1) or (64, 64, 3); None keeps the native shape. Required
            for an image folder.
        n_points: number of points to draw from a mixture.
        seed: seed for the points drawn from a mixture.
        skip_invalid: for an image folder, skip unreadable files with a
            warning instead of raising.

    Returns:
        A `Data` whose images are float32 in [-1, 1], or whose points are
        float32 as drawn.

    Raises:
        ValueError: unknown name, bad split or shape, or an unusable folder.
        DatasetUnavailableError: a `keras.datasets` download failed.

    Example:
        >>> data = load("mnist-sample", image_shape=(32, 32, 1))
        >>> data.x.shape, data.num_classes
        ((4000, 32, 32, 1), 10)
    """
    _check_split(split)
    if name in _MIXTURES:
        return Data(sample_mixture(name, n_points, seed), None, name, "points")
    if name == "mnist-sample":
        images, labels = load_mnist_sample(split)
    elif name in KERAS_DATASETS:
        images, labels = load_keras_dataset(name, split)
    elif Path(name).is_dir():
        if image_shape is None:
            raise ValueError(f"loading the image folder {name!r} needs image_shape, e.g. (64, 64, 3)")
        images, labels = load_image_folder(name, image_shape, skip_invalid=skip_invalid), None
    elif is_local_dataset(name):
        return load_array(name, image_shape)
    else:
        raise ValueError(
            f"unknown dataset {name!r}: not one of {list(DATASETS)} and not an existing folder "
            "(the path of a folder of images or of a .npy array is also accepted)"
        )
    if image_shape is not None:
        images = resize_images(images, image_shape)
    return Data(scale_images(images), labels, name, "image")


def is_local_dataset(name: str) -> bool:
    """Whether ``name`` is an image folder or a ``.npy`` file that `load` can read."""
    path = Path(name)
    return path.is_dir() or (path.suffix == ".npy" and path.is_file())


def load_array(path: str | Path, image_shape: tuple[int, int, int] | None = None) -> Data:
    """Loads samples saved with ``numpy.save``, without unpickling anything.

    ``(N, 2)`` (any ``(N, D)``) arrays are points, taken as they are.
    ``(N, H, W)`` and ``(N, H, W, C)`` arrays are images: uint8 ones are
    resized to ``image_shape`` if given and scaled to [-1, 1] like every
    other image dataset; float ones are taken as they are, so they must
    already lie in the generator's output range (training checks that, and
    rescales them when asked).

    Raises:
        ValueError: an object (pickled) array, a non-numeric one, one with
            NaN or infinite values, or a shape that is neither points nor images.
    """
    path = Path(path)
    try:
        x = np.load(path, allow_pickle=False)
    except ValueError as error:
        raise ValueError(f"{str(path)!r} cannot be read without unpickling ({error})") from None
    except OSError as error:
        raise ValueError(f"{str(path)!r} is not a .npy array file ({error})") from None
    if not isinstance(x, np.ndarray) or not (np.issubdtype(x.dtype, np.number) and x.dtype.kind != "c"):
        raise ValueError(f"{str(path)!r} must hold a real-valued numeric array, got dtype {getattr(x, 'dtype', None)}")
    if x.ndim == 3:
        x = x[..., np.newaxis]
    if x.ndim not in (2, 4) or len(x) == 0 or (x.ndim == 4 and x.shape[-1] not in _CHANNELS_TO_MODE):
        raise ValueError(
            f"{str(path)!r} holds an array of shape {x.shape}; expected points (N, D) or images "
            "(N, H, W) / (N, H, W, C) with C 1 or 3"
        )
    if x.dtype != np.uint8 and not np.isfinite(x).all():
        raise ValueError(f"{str(path)!r} holds NaN or infinite values")
    if x.ndim == 2:
        return Data(x.astype(np.float32), None, str(path), "points")
    if x.dtype == np.uint8:
        if image_shape is not None:
            x = resize_images(x, image_shape)
        return Data(scale_images(x), None, str(path), "image")
    if image_shape is not None and tuple(image_shape) != x.shape[1:]:
        raise ValueError(
            f"{str(path)!r} holds float images of shape {x.shape[1:]}; only uint8 images are resized "
            f"(to {tuple(image_shape)}), so resize them before saving or drop the image size"
        )
    return Data(x.astype(np.float32), None, str(path), "image")


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}")


def _check_image_shape(image_shape: tuple[int, int, int]) -> None:
    if (
        len(image_shape) != 3
        or image_shape[-1] not in _CHANNELS_TO_MODE
        or min(image_shape[:2]) <= 0
    ):
        raise ValueError(
            f"image_shape must be (height, width, channels) with positive sides and 1 or 3 channels, "
            f"got {tuple(image_shape)}"
        )


def _select_split(train: tuple, test: tuple, split: str) -> tuple[np.ndarray, np.ndarray]:
    if split == "train":
        return train
    if split == "test":
        return test
    return np.concatenate([train[0], test[0]]), np.concatenate([train[1], test[1]])


def _squeeze_gray(image: np.ndarray) -> np.ndarray:
    """PIL reads (H, W) as grayscale but rejects (H, W, 1)."""
    return image[..., 0] if image.shape[-1] == 1 else image


def _conform(image: Image.Image, image_shape: tuple[int, int, int]) -> np.ndarray:
    """Converts a PIL image to a uint8 array of `image_shape`."""
    height, width, channels = image_shape
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (0, 0, 0, 255)), rgba)
    image = image.convert(_CHANNELS_TO_MODE[channels])
    if image.size != (width, height):
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    return np.asarray(image, dtype=np.uint8).reshape(height, width, channels)
