"""Training settings: one dataclass, validated, with recommended presets per dataset."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from keras_gan import data, losses, networks

# Recommended settings per dataset; anything given explicitly (CLI flag or
# keyword) wins over the preset.
PRESETS: dict[str, dict[str, Any]] = {
    "mnist-sample": {"model": "dcgan", "epochs": 40, "batch_size": 64, "base_filters": 32},
    "mnist": {"model": "dcgan", "epochs": 10, "batch_size": 64, "base_filters": 32},
    "fashion_mnist": {"model": "dcgan", "epochs": 10, "batch_size": 64, "base_filters": 32},
    "cifar10": {"model": "dcgan", "epochs": 20, "batch_size": 64, "base_filters": 64},
    "ring": {"model": "mlp", "epochs": 20, "batch_size": 100, "latent_dim": 2, "steps_per_epoch": 250},
    "grid": {"model": "mlp", "epochs": 20, "batch_size": 100, "latent_dim": 2, "steps_per_epoch": 250},
}
FOLDER_PRESET: dict[str, Any] = {"model": "dcgan", "epochs": 50, "batch_size": 64, "image_shape": (64, 64, 3)}
# A .npy array keeps its own shape; use --model mlp for points.
ARRAY_PRESET: dict[str, Any] = {"model": "dcgan", "epochs": 50, "batch_size": 64}


@dataclasses.dataclass
class TrainConfig:
    """Everything one training run needs; written to ``RUN_DIR/config.json``.

    Attributes:
        dataset: a name from ``keras_gan.data.DATASETS`` or an image folder.
        model: a name from ``keras_gan.networks.GENERATORS``.
        epochs: passes over the data (or of ``steps_per_epoch`` steps).
        steps_per_epoch: training steps per epoch; one pass over the data
            when ``None``.
        batch_size: samples per step (the real and the generated batch each).
        latent_dim: size of the Gaussian latent vector.
        loss: a name from ``keras_gan.losses.LOSSES``.
        d_steps: discriminator updates per generator update (k).
        lr: Adam learning rate of both networks.
        beta_1: Adam's first-moment decay (0.5, Radford et al. 2015).
        base_filters: width of the bundled networks.
        image_shape: ``(H, W, C)`` to resize images to; the data's own when
            ``None``.
        seed: seeds the data order, the initial weights and the noise.
        out: the run directory.
        samples: images (or points) in each epoch's sample grid.
        overwrite: replace an earlier run in ``out``.
        skip_invalid: skip (with a warning) files in an image folder that
            cannot be read as images, instead of stopping.
        rescale: map data outside the generator's output range (e.g. a
            ``.npy`` array in [0, 1] for a tanh generator) linearly onto it,
            instead of only warning.
        deterministic: turn on TensorFlow's op determinism
            (``tf.config.experimental.enable_op_determinism``), process-wide.
    """

    dataset: str = "mnist-sample"
    model: str = "dcgan"
    epochs: int = 40
    steps_per_epoch: int | None = None
    batch_size: int = 64
    latent_dim: int = 100
    loss: str = "non_saturating"
    d_steps: int = 1
    lr: float = 2e-4
    beta_1: float = 0.5
    base_filters: int = 32
    image_shape: tuple[int, int, int] | None = None
    seed: int = 0
    out: str = "runs/latest"
    samples: int = 64
    overwrite: bool = False
    skip_invalid: bool = False
    rescale: bool = False
    deterministic: bool = False

    def __post_init__(self):
        if self.image_shape is not None:
            self.image_shape = tuple(int(v) for v in self.image_shape)
        self.validate()

    def validate(self) -> None:
        """Checks every field; raises ``ValueError`` naming the first bad one."""
        if self.dataset not in data.DATASETS and not data.is_local_dataset(self.dataset):
            raise ValueError(
                f"unknown dataset {self.dataset!r}; valid datasets: {', '.join(data.DATASETS)}, "
                "or the path of an image folder or of a .npy array"
            )
        if self.model not in networks.GENERATORS:
            raise ValueError(f"unknown model {self.model!r}; valid models: {', '.join(networks.GENERATORS)}")
        losses.get(self.loss)
        for name in ("epochs", "batch_size", "latent_dim", "d_steps", "base_filters", "samples"):
            _check_positive_int(name, getattr(self, name))
        if self.steps_per_epoch is not None:
            _check_positive_int("steps_per_epoch", self.steps_per_epoch)
        for name in ("lr",):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if isinstance(self.beta_1, bool) or not isinstance(self.beta_1, (int, float)) or not 0 <= self.beta_1 < 1:
            raise ValueError(f"beta_1 must lie in [0, 1), got {self.beta_1!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise ValueError(f"seed must be an integer in [0, 2**32), got {self.seed!r}")
        if self.image_shape is not None and (
            len(self.image_shape) != 3 or min(self.image_shape[:2]) < 1 or self.image_shape[2] not in (1, 3)
        ):
            raise ValueError(
                f"image_shape must be (height, width, channels) with positive sides and 1 or 3 channels, "
                f"got {self.image_shape}"
            )

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "TrainConfig":
        """Parses a config written by :meth:`to_json` (data only, never executed)."""
        values = cls.parse_settings(text)
        try:
            return cls(**values)
        except TypeError as error:  # e.g. "image_shape": 5
            raise ValueError(f"config has a setting of the wrong type: {error}") from None

    @classmethod
    def parse_settings(cls, text: str) -> dict[str, Any]:
        """Reads a JSON object of settings, all or some of the fields; checks only the names."""
        try:
            values = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"config is not valid JSON: {error}") from None
        if not isinstance(values, dict):
            raise ValueError(f"config must be a JSON object, got {type(values).__name__}")
        unknown = sorted(set(values) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"config has unknown settings: {', '.join(unknown)}")
        return values

    @classmethod
    def for_dataset(cls, dataset: str = "mnist-sample", **overrides) -> "TrainConfig":
        """The recommended settings for ``dataset``, with ``overrides`` on top."""
        preset = PRESETS.get(dataset, ARRAY_PRESET if dataset.endswith(".npy") else FOLDER_PRESET)
        return cls(**{**preset, "dataset": dataset, **overrides})


def _check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
