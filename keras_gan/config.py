"""Training settings: one dataclass, validated, with recommended presets per dataset."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
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

    def __post_init__(self):
        if self.image_shape is not None:
            self.image_shape = tuple(int(v) for v in self.image_shape)
        self.validate()

    def validate(self) -> None:
        """Checks every field; raises ``ValueError`` naming the first bad one."""
        if self.dataset not in data.DATASETS and not Path(self.dataset).is_dir():
            raise ValueError(
                f"unknown dataset {self.dataset!r}; valid datasets: {', '.join(data.DATASETS)}, "
                "or the path of an image folder"
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
            if not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if not 0 <= self.beta_1 < 1:
            raise ValueError(f"beta_1 must lie in [0, 1), got {self.beta_1!r}")

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "TrainConfig":
        """Parses a config written by :meth:`to_json` (data only, never executed)."""
        try:
            values = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"config is not valid JSON: {error}") from None
        if not isinstance(values, dict):
            raise ValueError(f"config must be a JSON object, got {type(values).__name__}")
        unknown = sorted(set(values) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"config has unknown settings: {', '.join(unknown)}")
        return cls(**values)

    @classmethod
    def for_dataset(cls, dataset: str = "mnist-sample", **overrides) -> "TrainConfig":
        """The recommended settings for ``dataset``, with ``overrides`` on top."""
        preset = PRESETS.get(dataset, FOLDER_PRESET)
        return cls(**{**preset, "dataset": dataset, **overrides})


def _check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
