"""Data: datasets scaled to the generator's range, image folders, and (source, target) pairs.

``keras_gan.data.load(name)`` and ``make_dataset`` live in :mod:`keras_gan.data.datasets`;
paired data is :mod:`keras_gan.data.pairs`; :mod:`keras_gan.data.catalog` says what each
dataset is without loading it. The names below load on first use (PEP 562), so that the
command line can read the catalog without importing TensorFlow.
"""

from __future__ import annotations

import importlib

_FROM_DATASETS = (
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
    "resize_images",
    "sample_mixture",
    "scale_images",
    "unscale_images",
)
_SUBMODULES = ("catalog", "datasets", "pairs")

__all__ = sorted([*_FROM_DATASETS, *_SUBMODULES])


def __getattr__(name: str):
    if name in _FROM_DATASETS:
        value = getattr(importlib.import_module("keras_gan.data.datasets"), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"keras_gan.data.{name}")
    else:
        raise AttributeError(f"module 'keras_gan.data' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
