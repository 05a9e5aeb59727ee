"""Recommended settings per dataset, as plain data.

A run's settings come in layers, later ones winning:

1. each setting's default, written once on its ``TrainConfig`` field;
2. the dataset's preset below (``PRESETS``, or ``FOLDER_PRESET`` /
   ``ARRAY_PRESET`` / ``POINTS_PRESET`` for files on disk);
3. when another model family than the preset's trains, only the preset's
   ``SHARED_SETTINGS`` stay, and that family's own preset
   (``keras_gan.cli.families``) comes on top;
4. what the user gives (keywords, a ``--config`` file, flags).

The README's results pages say how each preset was chosen and what it scored.
"""

from __future__ import annotations

from typing import Any

# What ``python -m keras_gan.train`` and ``TrainConfig()`` train.
DEFAULT_DATASET = "mnist-sample"

PRESETS: dict[str, dict[str, Any]] = {
    "mnist-sample": {
        "model": "dcgan", "epochs": 200, "batch_size": 32, "base_filters": 32, "g_lr": 3.2e-3, "ema": 0.999,
        "steps_per_execution": 25, "seed_convs": 1, "upsample_kernel_size": 4, "r1_gamma": 1.0,
    },
    "mnist": {"model": "dcgan", "epochs": 10, "batch_size": 64, "base_filters": 32},
    "fashion_mnist": {"model": "dcgan", "epochs": 10, "batch_size": 64, "base_filters": 32},
    "cifar10": {"model": "dcgan", "epochs": 20, "batch_size": 64, "base_filters": 64},
    "ring": {
        "model": "mlp", "epochs": 20, "batch_size": 100, "latent_dim": 2, "steps_per_epoch": 1250,
        "ema": 0.999, "steps_per_execution": 50,
    },
    "grid": {
        "model": "mlp", "epochs": 30, "batch_size": 200, "latent_dim": 2, "steps_per_epoch": 1250,
        "data_scale": 4.0, "ema": 0.999, "steps_per_execution": 50, "pack": 2, "mlp_units": (256, 256, 256),
        "fourier_features": 128, "generator_units": (256, 256, 256, 256), "lr_decay_start": 0.5, "r1_gamma": 0.1,
        "g_lr": 3e-4,
    },
    "mnist-edges": {"model": "pix2pix", "epochs": 10, "batch_size": 32, "base_filters": 16, "image_shape": (32, 32, 1)},
    "mnist-masked": {"model": "pix2pix", "epochs": 10, "batch_size": 32, "base_filters": 16, "image_shape": (32, 32, 1)},
    "mnist-inverted": {
        "model": "cyclegan", "epochs": 5, "batch_size": 16, "base_filters": 16, "loss": "least_squares",
        "identity_weight": 0.0,
        "lr_decay_start": 0.5, "steps_per_execution": 25,
    },
}
# A folder of images, read as 64x64 RGB unless --image-size says otherwise.
FOLDER_PRESET: dict[str, Any] = {"model": "dcgan", "epochs": 50, "batch_size": 64, "image_shape": (64, 64, 3)}
# A .npy array of images keeps its own shape.
ARRAY_PRESET: dict[str, Any] = {"model": "dcgan", "epochs": 50, "batch_size": 64}
# A .npy array of points, (N, D).
POINTS_PRESET: dict[str, Any] = {"model": "mlp", "epochs": 50, "batch_size": 100}

# What a dataset's preset gives a model family other than its own: the training budget and the data's
# shape. The rest (learning rates, moving average, penalties, steps per call, network options) was
# chosen for the preset's own family.
SHARED_SETTINGS = ("epochs", "steps_per_epoch", "batch_size", "latent_dim", "base_filters", "image_shape")

# What a plain GAN (``TrainConfig.plain_for_dataset``) keeps from a dataset's preset: the problem, the
# networks, the training budget and the steps per compiled call; no stabiliser.
PLAIN_SETTINGS = ("model", "epochs", "steps_per_epoch", "batch_size", "latent_dim", "mlp_units", "steps_per_execution")


def dataset_preset(dataset: str) -> dict[str, Any]:
    """The preset of a named dataset, or the one for a folder, an array of images or an array of points."""
    if dataset in PRESETS:
        return PRESETS[dataset]
    from keras_gan.data import catalog

    if dataset.endswith(".npy"):
        return POINTS_PRESET if catalog.kind_of(dataset) == catalog.POINTS else ARRAY_PRESET
    return FOLDER_PRESET
