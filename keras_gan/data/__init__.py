"""Data: datasets scaled to the generator's range, image folders, and (source, target) pairs.

``keras_gan.data.load(name)`` and ``make_dataset`` live in :mod:`keras_gan.data.datasets`
and are re-exported here; paired data is :mod:`keras_gan.data.pairs`.
"""

from keras_gan.data import pairs
from keras_gan.data.datasets import (
    DATASETS,
    KERAS_DATASETS,
    SPLITS,
    IMAGE_EXTENSIONS,
    RING_MODES,
    RING_STD,
    GRID_MODES,
    GRID_STD,
    DatasetUnavailableError,
    Data,
    mixture,
    sample_mixture,
    load_mnist_sample,
    load_keras_dataset,
    load_image_folder,
    resize_images,
    scale_images,
    unscale_images,
    make_dataset,
    load,
    is_local_dataset,
    load_array,
)

__all__ = [
    "DATASETS",
    "Data",
    "DatasetUnavailableError",
    "GRID_MODES",
    "GRID_STD",
    "IMAGE_EXTENSIONS",
    "KERAS_DATASETS",
    "RING_MODES",
    "RING_STD",
    "SPLITS",
    "is_local_dataset",
    "load",
    "load_array",
    "load_image_folder",
    "load_keras_dataset",
    "load_mnist_sample",
    "make_dataset",
    "mixture",
    "pairs",
    "resize_images",
    "sample_mixture",
    "scale_images",
    "unscale_images",
]
