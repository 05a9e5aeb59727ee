"""Training settings: one dataclass whose unset fields come from the dataset's preset.

``TrainConfig(dataset="grid")`` is what ``python -m keras_gan.train --dataset
grid`` trains, and ``TrainConfig()`` what the command trains with no
arguments. A field left out takes its value from the layers that
:mod:`keras_gan.cli.presets` describes: the dataset's preset (or, for
another model family, that family's preset) over each field's own default,
written once below as ``setting(default)``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from keras_gan.cli import families, presets
from keras_gan.cli.presets import PLAIN_SETTINGS, PRESETS  # noqa: F401  (importable from here too)
from keras_gan.data import catalog


class _Unset:
    """The default of every field: "take it from the preset"."""

    def __repr__(self) -> str:
        return "<from the preset>"


UNSET: Any = _Unset()


def setting(default: Any = UNSET) -> Any:
    """A field taken from the preset when not given; ``default`` is its value where no preset sets it."""
    return dataclasses.field(default=UNSET, metadata={"default": default})


@dataclasses.dataclass
class TrainConfig:
    """Everything one training run needs; written to ``RUN_DIR/config.json``.

    Fields not given come from the dataset's preset, then from each field's
    default (:func:`defaults`); see :mod:`keras_gan.cli.presets`.

    Attributes:
        dataset: a name from ``keras_gan.data.catalog.DATASETS``, an image
            folder or a ``.npy`` array; the model family's demo when a
            ``model`` is given without it, else ``"mnist-sample"``.
        model: a model family from ``keras_gan.cli.families.FAMILIES``; the
            dataset's preset names one.
        epochs: passes over the data (or of ``steps_per_epoch`` steps).
        steps_per_epoch: training steps per epoch; one pass over the data
            when ``None``.
        batch_size: samples per step (the real and the generated batch each).
        latent_dim: size of the Gaussian latent vector.
        loss: a name from ``keras_gan.losses.LOSSES``.
        d_steps: discriminator updates per generator update (k).
        lr: Adam learning rate of both networks.
        beta_1: Adam's first-moment decay (0.5, Radford et al. 2015).
        lr_decay_start: the fraction of the run after which both learning
            rates fall linearly, reaching 0 at the last step
            (``keras_gan.training.schedules``; pix2pix and CycleGAN decay over their
            second half, 0.5); ``None`` keeps them constant.
        lr_decay_steps: generator updates that schedule spans; the whole run
            when ``None`` (``run`` writes the figure into ``config.json``).
        base_filters: width of the bundled networks.
        seed_convs: for ``model="dcgan"`` and ``"cgan"``: stride-1
            convolutions on the generator's first feature map (7x7 for
            28x28 images) before it upsamples; 0 is Radford et al.'s DCGAN.
        upsample_kernel_size: for ``model="dcgan"`` and ``"cgan"``: the
            kernel of the generator's transposed convolutions; ``None`` is
            the networks' own (5).
        image_shape: ``(H, W, C)`` to resize images to; the data's own when
            ``None``.
        seed: seeds the data order, the initial weights and the noise.
        out: the run directory; ``runs/<dataset name>`` when not given.
        samples: images (or points) in each epoch's sample grid.
        overwrite: replace an earlier run in ``out``.
        skip_invalid: skip (with a warning) files in an image folder that
            cannot be read as images, instead of stopping.
        rescale: map data outside the generator's output range (e.g. a
            ``.npy`` array in [0, 1] for a tanh generator) linearly onto it,
            instead of only warning.
        deterministic: turn on TensorFlow's op determinism
            (``tf.config.experimental.enable_op_determinism``), process-wide.
            A rare race in TensorFlow's CPU runtime was seen to break it
            under load (README, "Reliability").
        d_lr: the discriminator's learning rate, ``lr`` when ``None``; a
            different ``d_lr`` and ``g_lr`` is the two time-scale update
            rule (Heusel et al. 2017).
        g_lr: the generator's learning rate, ``lr`` when ``None``.
        gp_weight: WGAN-GP gradient-penalty weight lambda; ``None`` takes
            the loss's own (10 for ``wgan_gp``, else 0).
        r1_gamma: R1 penalty weight gamma (Mescheder et al. 2018); 0 is off.
        penalty_every: lazy regularisation (Karras et al. 2020): the
            penalties on every ``penalty_every``-th discriminator update
            only, at that many times their weight (``GAN.compile``).
        clip_value: clip the discriminator's weights to
            ``[-clip_value, clip_value]`` after each update (WGAN); ``None``
            is off.
        label_smoothing: one-sided label smoothing, real target
            ``1 - label_smoothing`` (minimax and non_saturating only).
        instance_noise: initial standard deviation of the instance noise
            (Sonderby et al. 2016); 0 is off.
        instance_noise_steps: training steps over which that noise decays to
            zero; the whole run when ``None``.
        ema: decay of the generator's exponential moving average (e.g.
            0.999); the saved ``generator.keras`` and the sample grids then
            use the average. ``None`` is off.
        diffaugment: a DiffAugment policy, e.g. ``"color,translation,cutout"``
            (Zhao et al. 2020); ``None`` is off.
        ada_target: adaptive discriminator augmentation (Karras et al. 2020,
            ``keras_gan.training.ada``): the r_t its probability p steers to,
            e.g. 0.6; ``None`` is off.
        ada_ramp_images: real images over which ADA's p can go from 0 to 1;
            ``None`` is the GAN's own (500,000, the paper's).
        pack: PacGAN packing, samples per discriminator judgement (Lin et al.
            2018); ``batch_size`` must be a multiple of it.
        spectral_norm: spectral normalisation in the bundled discriminators
            (Miyato et al. 2018).
        data_scale: for ``model="mlp"``: the networks work on
            ``x / data_scale`` (a fixed ``Rescaling`` at the discriminator's
            input and the generator's output), so points spread over [-4, 4]
            are seen at unit scale; 1 is none.
        mlp_units: for ``model="mlp"``: the widths of the hidden layers of
            both networks, e.g. ``(256, 256, 256)``; ``None`` takes the
            bundled ones (3 x 128 for points; 256-512-1024 in the generator
            and 512-256 in the discriminator for images).
        generator_units: for ``model="mlp"``: the generator's hidden
            widths where they differ from ``mlp_units``, e.g. a fourth
            layer; ``None`` follows ``mlp_units``.
        fourier_features: for ``model="mlp"``: that many fixed random
            Fourier features of the discriminator's (unit-scale) input feed
            its first dense layer, beside the input
            (``keras_gan.networks.mlp.FourierFeatures``); 0 is none.
        fourier_scale: the standard deviation of those features'
            frequencies, or a list of them that splits the features into
            blocks, one per scale (coarse and fine frequencies side by side).
        conditioning: for ``model="cgan"``, how the discriminator sees the
            label: ``"projection"`` (Miyato & Koyama 2018) or ``"concat"``
            (one-hot label channels); see ``keras_gan.networks.conditional``.
        l1_weight: pix2pix's lambda, the weight of the L1 term (100).
        cycle_weight: CycleGAN's weight of each cycle-consistency term (10).
        identity_weight: CycleGAN's weight of each identity term, G(b)
            against b and F(a) against a (the paper's 0.5 x 10). The
            ``mnist-inverted`` demo sets 0: its transform inverts the
            colours, and with the identity term two of three seeds turned
            digits into other digits (docs/results.md).
        direction: which side of a pair folder is the source for pix2pix,
            ``"AtoB"`` or ``"BtoA"``.
        scale: SRGAN's upsampling factor, 2, 4 or 8; the training images'
            sides must be multiples of it.
        labels: for ``model="ssgan"``: how many training examples keep
            their labels, the same number of each class, drawn by ``seed``
            (``keras_gan.data.labelled``); the rest train unlabelled and the
            held-out split scores the classifier.
        vgg_weight: weight of SRGAN's VGG19 feature term in the content
            loss; 0 (the default) is off and needs no download, anything
            else needs VGG19's ImageNet weights (cached or downloadable).
        eval_every: measure sample quality (``keras_gan.evaluate``: modes
            for points, FID etc. in MNIST-classifier features for digits)
            every this many epochs, into the logs; ``None`` is off.
        steps_per_execution: training steps per compiled call (more is
            faster for small networks; the per-step divergence check then
            runs once per call). 1 under a strategy.
        jit_compile: XLA; ``None`` is Keras's ``"auto"`` (on with a GPU,
            off on a CPU-only machine).
        share_generator_pass: one generator forward pass per step for the
            last discriminator update and the generator update
            (``keras_gan.GAN``'s option of that name); off by default.
        intra_op_threads: threads TensorFlow may split one op over,
            process-wide (``keras_gan.training.distribution.use_intra_op_threads``);
            ``None`` leaves TensorFlow's choice (every core). The same
            computation, up to rounding; only the speed can change.
        mixed_precision: the networks' Keras dtype policy, one of
            ``keras_gan.training.distribution.PRECISIONS``.
        strategy: ``"default"`` (one device), ``"mirrored"`` (every GPU of
            this machine) or ``"multi-worker"`` (the machines in
            ``TF_CONFIG``); ``batch_size`` is then the global batch.

    A ``loss`` given without ``d_steps`` brings the loss family's
    recommendation (5 for ``wasserstein`` and ``wgan_gp``); ``mlp_units``
    given without ``generator_units`` sets both networks' widths; a
    ``strategy`` other than ``"default"`` given without
    ``steps_per_execution`` sets it to 1, which strategies need.
    """

    dataset: str = setting()
    model: str = setting()
    epochs: int = setting(40)
    steps_per_epoch: int | None = setting(None)
    batch_size: int = setting(64)
    latent_dim: int = setting(100)
    loss: str = setting("non_saturating")
    d_steps: int = setting(1)
    lr: float = setting(2e-4)
    beta_1: float = setting(0.5)
    lr_decay_start: float | None = setting(None)
    lr_decay_steps: int | None = setting(None)
    base_filters: int = setting(32)
    seed_convs: int = setting(0)
    upsample_kernel_size: int | None = setting(None)
    image_shape: tuple[int, int, int] | None = setting(None)
    seed: int = setting(0)
    out: str = setting()
    samples: int = setting(64)
    overwrite: bool = setting(False)
    skip_invalid: bool = setting(False)
    rescale: bool = setting(False)
    deterministic: bool = setting(False)
    d_lr: float | None = setting(None)
    g_lr: float | None = setting(None)
    gp_weight: float | None = setting(None)
    r1_gamma: float = setting(0.0)
    penalty_every: int = setting(1)
    clip_value: float | None = setting(None)
    label_smoothing: float = setting(0.0)
    instance_noise: float = setting(0.0)
    instance_noise_steps: int | None = setting(None)
    ema: float | None = setting(None)
    diffaugment: str | None = setting(None)
    ada_target: float | None = setting(None)
    ada_ramp_images: int | None = setting(None)
    pack: int = setting(1)
    spectral_norm: bool = setting(False)
    data_scale: float = setting(1.0)
    mlp_units: tuple[int, ...] | None = setting(None)
    generator_units: tuple[int, ...] | None = setting(None)
    fourier_features: int = setting(0)
    fourier_scale: float | tuple[float, ...] = setting(2.0)
    conditioning: str = setting("projection")
    l1_weight: float = setting(100.0)
    cycle_weight: float = setting(10.0)
    identity_weight: float = setting(5.0)
    direction: str = setting("AtoB")
    scale: int = setting(4)
    vgg_weight: float = setting(0.0)
    labels: int = setting(100)
    eval_every: int | None = setting(None)
    steps_per_execution: int = setting(1)
    jit_compile: bool | None = setting(None)
    share_generator_pass: bool = setting(False)
    intra_op_threads: int | None = setting(None)
    mixed_precision: str = setting("float32")
    strategy: str = setting("default")

    def __post_init__(self):
        given = {name: getattr(self, name) for name in field_names() if getattr(self, name) is not UNSET}
        if len(given) < len(field_names()):
            for name, value in resolve(given).items():
                setattr(self, name, value)
        if self.image_shape is not None:
            try:
                self.image_shape = tuple(int(v) for v in self.image_shape)
            except (TypeError, ValueError):
                raise ValueError(f"image_shape must be (height, width, channels), got {self.image_shape!r}") from None
        for name in ("mlp_units", "generator_units", "fourier_scale"):
            if isinstance(getattr(self, name), list):  # read back from config.json
                setattr(self, name, tuple(getattr(self, name)))
        self.validate()

    def validate(self) -> None:
        """Checks every field; raises ``ValueError`` naming the first bad one."""
        from keras_gan.cli import validation  # the checks import the networks, and so TensorFlow

        validation.validate(self, defaults())

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "TrainConfig":
        """Parses a run's ``config.json`` (data only, never executed).

        A setting the file lacks (one added after the run was written) takes
        its default, which is what that run trained with; only ``dataset``,
        ``model`` and ``out`` are resolved as for a new config.
        """
        values = cls.parse_settings(text)
        values = {**{k: v for k, v in defaults().items() if k not in values}, **values}
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
        unknown = sorted(set(values) - set(field_names()))
        if unknown:
            raise ValueError(f"config has unknown settings: {', '.join(unknown)}")
        return values

    @classmethod
    def for_dataset(cls, dataset: str = presets.DEFAULT_DATASET, **overrides) -> "TrainConfig":
        """The recommended settings for ``dataset``, with ``overrides`` on top: ``TrainConfig(dataset=...)``."""
        return cls(dataset=dataset, **overrides)

    @classmethod
    def plain_for_dataset(cls, dataset: str, **overrides) -> "TrainConfig":
        """A plain GAN on ``dataset``: the preset's ``PLAIN_SETTINGS``, every other setting its default
        (non-saturating loss, Adam(2e-4, beta_1=0.5), no packing, penalty, spectral norm or EMA)."""
        preset = presets.dataset_preset(dataset)
        plain = {key: preset[key] for key in presets.PLAIN_SETTINGS if key in preset}
        return cls(**{**defaults(), "dataset": dataset, **plain, **overrides})


def field_names() -> tuple[str, ...]:
    """The names of ``TrainConfig``'s fields, in order."""
    return tuple(field.name for field in dataclasses.fields(TrainConfig))


def defaults() -> dict[str, Any]:
    """Each setting's default where no preset sets it (``dataset``, ``model`` and ``out`` have none)."""
    return {
        field.name: field.metadata["default"]
        for field in dataclasses.fields(TrainConfig)
        if field.metadata["default"] is not UNSET
    }


def resolve(given: dict[str, Any]) -> dict[str, Any]:
    """Every setting, from what was ``given`` and the preset layers (:mod:`keras_gan.cli.presets`).

    Raises:
        ValueError: an unknown model family.
    """
    model = given.get("model")
    dataset = dataset_for(given)
    preset = presets.dataset_preset(dataset)
    model = model if model is not None else preset["model"]
    if model == preset["model"]:
        layer = dict(preset)
    else:
        layer = {key: value for key, value in preset.items() if key in presets.SHARED_SETTINGS}
        layer.update(families.get(model).preset)
    settings = {**defaults(), **layer, **given, "dataset": dataset, "model": model}
    if "out" not in given:
        settings["out"] = str(Path("runs") / default_run_name(dataset))
    if "loss" in given and "d_steps" not in given:
        from keras_gan import losses

        settings["d_steps"] = losses.get(given["loss"]).d_steps
    if "mlp_units" in given and "generator_units" not in given:
        settings["generator_units"] = None  # widths given for both networks replace the preset's generator's
    if settings["strategy"] != "default" and "steps_per_execution" not in given:
        settings["steps_per_execution"] = 1  # a preset's speed setting yields to a strategy, which needs 1
    return settings


def dataset_for(given: dict[str, Any]) -> str:
    """The dataset given, else the given model family's demo, else the default dataset."""
    if given.get("dataset") is not None:
        return given["dataset"]
    return families.get(given["model"]).demo if given.get("model") is not None else presets.DEFAULT_DATASET


def default_run_name(dataset: str) -> str:
    """The run directory's name under ``runs/``: the dataset's name, a folder's name or an array file's stem."""
    path = Path(dataset)
    return path.stem if path.suffix == ".npy" else path.name


def image_shape_for(dataset: str, side: int) -> tuple[int, int, int]:
    """``(side, side, channels)`` with the dataset's own channels (``--image-size``)."""
    return (side, side, catalog.channels_of(dataset))
