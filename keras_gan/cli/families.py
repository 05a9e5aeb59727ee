"""The registry of model families: what ``--model NAME`` builds, and what it trains on.

Each :class:`Family` holds, for one name: the function that builds its
networks and GAN, the GAN class, the settings only it reads, its preset (the
settings it brings to a dataset tuned for another family), the data it needs
and the offline dataset it trains on when no ``--dataset`` is given. The
command line, :class:`keras_gan.cli.config.TrainConfig` and ``run`` read
everything family-specific from here, so a new family touches this table and
its own builder, nothing else.

The functions are named as ``"module:attribute"`` strings and imported on
first use: ``--help`` reads this module before TensorFlow loads.

Adding a family:

1. Write ``build_<name>(config, sample_shape, *, num_classes=None,
   total_steps=None) -> GAN`` returning the uncompiled GAN for a
   :class:`~keras_gan.cli.config.TrainConfig` and one training sample's shape
   (``num_classes``: the data's, if labelled; ``total_steps``: the run's
   training steps, if known); see :mod:`keras_gan.cli.build`. ``run``
   compiles it with the config's optimizers, loss and penalties.
2. If it reads data no family reads yet (e.g. two unpaired image folders),
   write ``setup(config) -> keras_gan.cli.setups.Prepared`` that loads it
   (see :mod:`keras_gan.cli.setups`); otherwise reuse one.
3. Add the settings it alone reads as fields of ``TrainConfig``, with their
   flags in :mod:`keras_gan.cli.parsers`, and list them in ``settings``.
4. Add ``FAMILIES["name"] = Family(...)`` below. ``--model`` offers it at once,
   and ``tests/test_cli.py`` checks every entry (its functions import, its
   demo trains offline, its settings exist).
"""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

from keras_gan.data import catalog


@dataclasses.dataclass(frozen=True)
class Family:
    """One model family.

    Attributes:
        name: the ``--model`` name.
        summary: one line for ``--help``.
        data: what it trains on, in words, for help and error messages.
        accepts: the kinds of data it reads (``keras_gan.data.catalog``:
            ``"images"``, ``"points"``, ``"pairs"``); an image folder counts
            as pairs for a family that accepts pairs, else as images.
        demo: the offline dataset it trains on when no dataset is given.
        build: ``"module:function"``,
            ``(config, sample_shape, *, num_classes, total_steps) -> GAN``, the uncompiled GAN.
        setup: ``"module:function"``, ``(config) -> Prepared``: loads the
            data, builds the GAN through ``build`` and returns what ``run`` trains.
        gan_class: ``"module:Class"``, the ``keras_gan.GAN`` subclass it builds.
        labelled: whether it needs class labels.
        settings: the ``TrainConfig`` fields that only some families read and
            this one does; any other of those away from its default is refused.
        preset: settings it brings when it trains on a dataset whose preset
            was tuned for another family.
    """

    name: str
    summary: str
    data: str
    accepts: tuple[str, ...]
    demo: str
    build: str
    setup: str
    gan_class: str
    labelled: bool = False
    settings: tuple[str, ...] = ()
    preset: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "preset", MappingProxyType(dict(self.preset)))

    def builder(self) -> Callable:
        """The function that builds this family's uncompiled GAN."""
        return resolve(self.build)

    def data_setup(self) -> Callable:
        """The function that loads this family's data and builds its GAN."""
        return resolve(self.setup)

    def gan_type(self) -> type:
        """The GAN class this family builds."""
        return resolve(self.gan_class)

    def data_kind(self, dataset: str) -> str | None:
        """What ``dataset`` holds as this family would read it (a folder may hold pairs or two domains)."""
        kind = catalog.kind_of(dataset)
        if kind == catalog.IMAGES and dataset not in catalog.DATASETS:
            if Path(dataset).is_dir():
                return next((k for k in (catalog.PAIRS, catalog.UNPAIRED) if k in self.accepts), kind)
        return kind

    def check_dataset(self, dataset: str) -> None:
        """Raises ``ValueError`` when this family cannot train on ``dataset``."""
        kind = self.data_kind(dataset)
        if kind is None:
            return  # neither a known name nor a file: TrainConfig names the valid datasets
        if kind == catalog.PAIRS and kind not in self.accepts:
            readers = " or ".join(repr(name) for name, family in FAMILIES.items() if catalog.PAIRS in family.accepts)
            raise ValueError(f"dataset {dataset!r} holds (source, target) pairs for model {readers}, not {self.name!r}")
        if kind not in self.accepts:
            raise ValueError(f"model {self.name!r} needs {self.data}; dataset {dataset!r} holds {kind}")
        if self.labelled and dataset in catalog.DATASETS and not catalog.DATASETS[dataset].labelled:
            raise ValueError(f"model {self.name!r} needs {self.data}; dataset {dataset!r} has no labels")


def resolve(path: str) -> Any:
    """Imports ``"package.module:attribute"`` and returns the attribute."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


_ADA_OPTIONS = ("ada_target", "ada_ramp_images")
_IMAGE_OPTIONS = ("pack", "diffaugment", *_ADA_OPTIONS, "instance_noise", "instance_noise_steps", "spectral_norm")
_CONVOLUTION_OPTIONS = ("seed_convs", "upsample_kernel_size")

FAMILIES: dict[str, Family] = {
    "dcgan": Family(
        name="dcgan",
        summary="DCGAN (Radford et al. 2015): transposed-convolution generator, strided-convolution discriminator",
        data="images",
        accepts=(catalog.IMAGES,),
        demo="mnist-sample",
        build="keras_gan.cli.build:build_dcgan",
        setup="keras_gan.cli.setups:unpaired",
        gan_class="keras_gan.models.gan:GAN",
        settings=(*_IMAGE_OPTIONS, *_CONVOLUTION_OPTIONS),
    ),
    "mlp": Family(
        name="mlp",
        summary="fully connected networks (Goodfellow et al. 2014), for 2-D points or small images",
        data="points or images",
        accepts=(catalog.POINTS, catalog.IMAGES),
        demo="ring",
        build="keras_gan.cli.build:build_mlp",
        setup="keras_gan.cli.setups:unpaired",
        gan_class="keras_gan.models.gan:GAN",
        settings=(*_IMAGE_OPTIONS, "data_scale", "mlp_units", "generator_units", "fourier_features", "fourier_scale"),
    ),
    "cgan": Family(
        name="cgan",
        summary="class-conditional GAN (Mirza & Osindero 2014), projection discriminator (Miyato & Koyama 2018)",
        data="labelled images",
        accepts=(catalog.IMAGES,),
        demo="mnist-sample",
        build="keras_gan.cli.build:build_cgan",
        setup="keras_gan.cli.setups:unpaired",
        gan_class="keras_gan.models.conditional:ConditionalGAN",
        labelled=True,
        settings=("diffaugment", *_ADA_OPTIONS, "instance_noise", "instance_noise_steps", "spectral_norm",
                  *_CONVOLUTION_OPTIONS, "conditioning"),
        # The settings that reached the conditional-accuracy goal: hinge loss, spectral norm, a moving average of G.
        preset={"epochs": 40, "batch_size": 32, "loss": "hinge", "spectral_norm": True, "ema": 0.999},
    ),
    "pix2pix": Family(
        name="pix2pix",
        summary="image-to-image translation (Isola et al. 2017): U-Net generator, PatchGAN, L1 term",
        data="paired images: (source, target) pairs such as mnist-edges, or a folder of side-by-side A|B "
        "images or with A/ and B/ subfolders",
        accepts=(catalog.PAIRS,),
        demo="mnist-edges",
        build="keras_gan.cli.build:build_pix2pix",
        setup="keras_gan.cli.setups:pairs",
        gan_class="keras_gan.models.pix2pix:Pix2Pix",
        settings=("l1_weight", "direction"),
        preset={"epochs": 10, "batch_size": 32, "base_filters": 16},
    ),
    "srgan": Family(
        name="srgan",
        summary="super-resolution GAN (Ledig et al. 2017): residual generator with sub-pixel upsampling",
        data="high-resolution images (the low-resolution inputs are made from them)",
        accepts=(catalog.IMAGES,),
        demo="mnist-sample",
        build="keras_gan.cli.build:build_srgan",
        setup="keras_gan.cli.setups:super_resolution",
        gan_class="keras_gan.models.srgan:SRGAN",
        settings=("scale", "vgg_weight"),
        # Adam(1e-4, beta_1=0.9), as Ledig et al. train it.
        preset={"epochs": 10, "batch_size": 32, "base_filters": 32, "lr": 1e-4, "beta_1": 0.9},
    ),
    "cyclegan": Family(
        name="cyclegan",
        summary="unpaired image-to-image translation (Zhu et al. 2017): two ResNet generators, two PatchGANs, "
        "cycle consistency",
        data="two unpaired image domains: mnist-inverted, or a folder with trainA/ and trainB/ (and testA/ testB/)",
        accepts=(catalog.UNPAIRED,),
        demo="mnist-inverted",
        build="keras_gan.cli.build:build_cyclegan",
        setup="keras_gan.cli.setups:unpaired_domains",
        gan_class="keras_gan.models.cyclegan:CycleGAN",
        settings=("cycle_weight", "identity_weight"),
        # The paper's: least squares, batch 1, 200 epochs with the rate decaying over the second 100.
        preset={"epochs": 200, "batch_size": 1, "base_filters": 64, "loss": "least_squares", "lr_decay_start": 0.5},
    ),
    "ssgan": Family(
        name="ssgan",
        summary="semi-supervised GAN (Salimans et al. 2016): the discriminator is a K-class classifier trained on "
        "--labels labelled images, the rest unlabelled",
        data="labelled images with a held-out split",
        accepts=(catalog.IMAGES,),
        demo="mnist-sample",
        build="keras_gan.cli.build:build_ssgan",
        setup="keras_gan.cli.setups:semi_supervised",
        gan_class="keras_gan.models.semi_supervised:SemiSupervisedGAN",
        labelled=True,
        settings=("labels", "diffaugment", *_CONVOLUTION_OPTIONS),
        # The settings benchmarks/semi_supervised.py measures with 100 labels.
        preset={"epochs": 40, "batch_size": 100, "lr": 2e-3, "diffaugment": "translation", "upsample_kernel_size": 4,
                "steps_per_execution": 13},
    ),
}


def get(name: str) -> Family:
    """The family called ``name``; ``ValueError`` listing the valid names otherwise."""
    if name not in FAMILIES:
        raise ValueError(f"unknown model {name!r}; valid models: {', '.join(FAMILIES)}")
    return FAMILIES[name]


def family_settings() -> set[str]:
    """Every setting that some family reads and another does not."""
    return {setting for family in FAMILIES.values() for setting in family.settings}


def owners(setting: str) -> list[str]:
    """The families that read ``setting``."""
    return [name for name, family in FAMILIES.items() if setting in family.settings]
