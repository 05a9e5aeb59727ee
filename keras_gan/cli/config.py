"""Training settings: one dataclass, validated, with recommended presets per dataset."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from keras_gan import checks, losses, networks
from keras_gan.training import augment
from keras_gan.data import datasets as data
from keras_gan.training import distribution as execution
from keras_gan.data import pairs

# Recommended settings per dataset; anything given explicitly (CLI flag or
# keyword) wins over the preset.
PRESETS: dict[str, dict[str, Any]] = {
    # Batch 32: on the MNIST sample twice the steps in the same wall time as batch 64 on 2 CPU cores
    # (a 196 s run either way), and FID (MNIST classifier features) 155 instead of 245 after 40 epochs.
    # 100 epochs (both learning rates 2e-4): FID 94.9 in 9 min 17 s on 2 cores, against 109.5 after 60 epochs.
    # A generator learning rate 16x the discriminator's: FID after 30 epochs 65.3, against 184.6 with both
    # at 2e-4 (77.5 at 8x, 71.5 at 32x; one seed each, README has the table); 36.6 after the 100 epochs.
    # The moving average of G (decay 0.999, its batch-norm statistics measured on its own weights): FID after
    # 100 epochs 40.8, 38.1, 48.7, 33.8 and 41.8 against 48.0, 45.5, 51.8, 37.8 and 48.0 for the generator that
    # trained, in five runs.
    # 25 steps per compiled call: an epoch (125 steps) took 41 ms a step instead of 51 with 1 (5 epochs of
    # python -m keras_gan.train, 32 s against 43 s), the per-step Python callbacks being what it saves.
    # One 5x5 stride-1 convolution on the generator's 7x7 map (seed_convs): FID 25.0, 28.1, 25.4, 23.6 and 27.6 on
    # seeds 0-4 (each the mean of 5 draws of 1,000), against 43.4 on seed 0 without it, at 1.2x the time (335 s
    # against 277 s on a 2-core Intel Xeon). Two such convolutions collapsed to one image (seed 0).
    # Transposed convolutions with 4x4 kernels (upsample_kernel_size; no checkerboard overlap) and an R1 penalty of 1
    # on the discriminator: FID on seed 0 21.4 with the kernel alone, 21.6 with the penalty alone, 18.3 with both,
    # against 25.0 with neither (README has the seeds and the times).
    # 150 epochs (18,750 steps) instead of 100: with the penalty holding the discriminator near 0.5, FID kept falling
    # after epoch 100 (seed 0: 18.3 after 100, 16.2 after 150, 16.0 after 200; each the mean of 5 draws), where
    # without it FID had risen after epoch 100; 200 epochs first looked too slow for ten minutes on 2 cores. Seeds 0-4:
    # 16.2, 17.1, 16.8, 17.3 and 16.8 (mean 16.8, 2.08x the floor) against 18.3-22.5 (20.0) after 100 epochs;
    # 555-623 s of training on a 2-core Intel Xeon.
    # 200 epochs (25,000 steps) instead of 150: seeds 0-4 scored 16.0, 16.1, 14.5, 15.0 and 15.1 (mean 15.3, 1.89x the
    # floor, the evaluation issue's 2x met) against 16.8 after 150; 626 s of training (10 min 29 s wall) on a 2-core
    # Intel Xeon with AMX, about ten minutes there, 1020 s or more on a slower one (README has the seeds and times).
    "mnist-sample": {
        "model": "dcgan", "epochs": 200, "batch_size": 32, "base_filters": 32, "g_lr": 3.2e-3, "ema": 0.999,
        "steps_per_execution": 25, "seed_convs": 1, "upsample_kernel_size": 4, "r1_gamma": 1.0,
    },
    "mnist": {"model": "dcgan", "epochs": 10, "batch_size": 64, "base_filters": 32},
    "fashion_mnist": {"model": "dcgan", "epochs": 10, "batch_size": 64, "base_filters": 32},
    "cifar10": {"model": "dcgan", "epochs": 20, "batch_size": 64, "base_filters": 64},
    # 25,000 steps sampled from the moving average of G (one seed of the ring: 8 modes and 76.8% high
    # quality after 5,000 steps, 98.6% after 25,000); 50 steps per compiled call keep a run to a few
    # minutes on 2 CPU cores (benchmarks/mode_collapse.py). The grid's modes lie on {-4,...,4}^2: its
    # networks work at unit scale. On the grid, seeds 0 and 3 (the two that lost modes with 3 x 128
    # units and no packing: 24/25 and 23/25) captured 25/25 with pairs packed (PacGAN2) and 3 x 256
    # units, at 95.0% and 89.3% high quality, in about 210 s each. The grid trains 30,000 steps: on seeds
    # 2 and 3, the two with a reverse KL over 0.02 at 25,000 steps (0.043, 0.041; 85.8 and 89.3% high
    # quality), the in-run measurements (eval_every) at 30,000 steps were 0.017 and 0.018 (92.0 and 91.0%);
    # 50,000 steps reached 94.7% on seed 2 but take about 7 minutes. The discriminator sees 128 random
    # Fourier features of its input at scale 2 beside the input (networks.mlp.FourierFeatures): in
    # benchmarks/mode_collapse.py 95.1 +- 0.1% high quality (94.8-95.3) and reverse KL at most 0.0097 over
    # seeds 0-4, against 93.8 +- 1.1% (91.4-96.7) and up to 0.0237 without them, at a quarter more a step
    # (a re-run with one discriminator call on both batches: 95.3 +- 0.3%, 271-288 s a run);
    # 64 features were no faster and lost seed 2 (84.7%); scales 2.5 and 3 lost modes on seed 2.
    # Since then (README, "Mode collapse"): a fourth 256-unit generator layer with the learning rates decaying
    # linearly to 0 over the second half raised the high-quality share on seeds 0 and 2-4 (96.7-97.2%) but lost
    # 4 modes on seed 1 (in-run: 24 at 5,000 steps, 23 at 10,000, 21-22 from 20,000); the decay alone left
    # seed 1 at a reverse KL of 0.085. Batches of 200 with both kept seed 1's 25 modes (97.7%) but lost one on
    # seed 4; R1 0.1 kept it. benchmarks/mode_collapse.py on that preset: 25/25 modes on seeds 0-4, 96.9, 97.8,
    # 97.2, 97.1 and 97.2% high quality, reverse KL at most 0.0106, 162-205 s a run on a 2-core Intel Xeon
    # (R1 0.05: 94.6% on seed 2; R1 0.2: 96.8% on seed 1; batches of 250: 96.7% on seed 0).
    # A generator learning rate of 3e-4 (the discriminator's stays 2e-4): one CLI run of seed 0 scored 97.60% high
    # quality on 100,000 samples against 97.11% at 2e-4; the benchmark on this preset: 25/25 modes on seeds 0-4, 97.3,
    # 97.6, 97.6, 96.8 and 97.6% on the protocol's 2,500 samples, 97.31-97.70% on 100,000, reverse KL at most
    # 0.0084, 177-207 s a run. An R1 weight decaying with the learning rates lowered the benchmark's mean (97.0%).
    # 30 epochs (37,500 steps) instead of 24: seed 3, the one under 97% (96.8% on the protocol's 2,500 samples, 97.31%
    # on 100,000), scored 97.48% and 97.5% (235 s of training); an average of decay 0.9997 at 24 epochs did not (97.3%).
    # The benchmark on 30 epochs: 25/25 modes on seeds 0-4, 98.2, 98.2, 97.2, 97.5 and 98.0% (97.47-97.97% on 100,000),
    # reverse KL at most 0.0112, 214-267 s a run on a 2-core Intel Xeon.
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
}
FOLDER_PRESET: dict[str, Any] = {"model": "dcgan", "epochs": 50, "batch_size": 64, "image_shape": (64, 64, 3)}
# A .npy array keeps its own shape; use --model mlp for points.
ARRAY_PRESET: dict[str, Any] = {"model": "dcgan", "epochs": 50, "batch_size": 64}
# What a model family needs on a dataset whose preset names another family
# (e.g. srgan on mnist-sample); the dataset's own settings (image_shape) stay.
MODEL_PRESETS: dict[str, dict[str, Any]] = {
    "pix2pix": {"epochs": 10, "batch_size": 32, "base_filters": 16},
    "srgan": {"epochs": 10, "batch_size": 32, "base_filters": 32, "lr": 1e-4, "beta_1": 0.9},
    # A projection discriminator with spectral norm and the hinge loss (Miyato & Koyama 2018),
    # sampled from the moving average of G: the settings that reached the conditional-accuracy goal.
    "cgan": {"epochs": 40, "batch_size": 32, "loss": "hinge", "spectral_norm": True, "ema": 0.999},
}
# Settings a dataset's preset tuned for its own model family only: another family (--model) does not
# inherit them (mnist-sample's fast generator learning rate, moving average, convolution on the generator's 7x7
# map, kernel-4 upsampling and R1 penalty are DCGAN findings, not ones for SRGAN or cgan; cgan's preset brings its
# own moving average; its steps per call were timed on the DCGAN only, and the other families' figures were
# measured with one step per call).
FAMILY_ONLY_SETTINGS = ("d_lr", "g_lr", "ema", "steps_per_execution", "seed_convs", "upsample_kernel_size", "r1_gamma")
# What a plain GAN (TrainConfig.plain_for_dataset) keeps from a dataset's preset: the problem, the networks,
# the training budget and the steps per compiled call; no stabiliser.
PLAIN_SETTINGS = ("model", "epochs", "steps_per_epoch", "batch_size", "latent_dim", "mlp_units", "steps_per_execution")
# Models trained on (source, target) image pairs (keras_gan.models.paired).
PAIRED_MODELS = ("pix2pix", "srgan")


@dataclasses.dataclass
class TrainConfig:
    """Everything one training run needs; written to ``RUN_DIR/config.json``.

    Attributes:
        dataset: a name from ``keras_gan.data.datasets.DATASETS`` or an image folder.
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
            frequencies.
        conditioning: for ``model="cgan"``, how the discriminator sees the
            label: ``"projection"`` (Miyato & Koyama 2018) or ``"concat"``
            (one-hot label channels); see ``keras_gan.networks.conditional``.
        l1_weight: pix2pix's lambda, the weight of the L1 term (100).
        direction: which side of a pair folder is the source for pix2pix,
            ``"AtoB"`` or ``"BtoA"``.
        scale: SRGAN's upsampling factor, 2, 4 or 8; the training images'
            sides must be multiples of it.
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

    ``for_dataset`` (and so the CLI) sets ``d_steps`` to the loss family's
    recommendation (5 for ``wasserstein`` and ``wgan_gp``) when a ``loss`` is
    given without ``d_steps``.
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
    lr_decay_start: float | None = None
    lr_decay_steps: int | None = None
    base_filters: int = 32
    seed_convs: int = 0
    upsample_kernel_size: int | None = None
    image_shape: tuple[int, int, int] | None = None
    seed: int = 0
    out: str = "runs/latest"
    samples: int = 64
    overwrite: bool = False
    skip_invalid: bool = False
    rescale: bool = False
    deterministic: bool = False
    d_lr: float | None = None
    g_lr: float | None = None
    gp_weight: float | None = None
    r1_gamma: float = 0.0
    penalty_every: int = 1
    clip_value: float | None = None
    label_smoothing: float = 0.0
    instance_noise: float = 0.0
    instance_noise_steps: int | None = None
    ema: float | None = None
    diffaugment: str | None = None
    pack: int = 1
    spectral_norm: bool = False
    data_scale: float = 1.0
    mlp_units: tuple[int, ...] | None = None
    generator_units: tuple[int, ...] | None = None
    fourier_features: int = 0
    fourier_scale: float = 2.0
    conditioning: str = "projection"
    l1_weight: float = 100.0
    direction: str = "AtoB"
    scale: int = 4
    vgg_weight: float = 0.0
    eval_every: int | None = None
    steps_per_execution: int = 1
    jit_compile: bool | None = None
    share_generator_pass: bool = False
    intra_op_threads: int | None = None
    mixed_precision: str = "float32"
    strategy: str = "default"

    def __post_init__(self):
        if self.image_shape is not None:
            try:
                self.image_shape = tuple(int(v) for v in self.image_shape)
            except (TypeError, ValueError):
                raise ValueError(f"image_shape must be (height, width, channels), got {self.image_shape!r}") from None
        for name in ("mlp_units", "generator_units"):
            if isinstance(getattr(self, name), list):  # read back from config.json
                setattr(self, name, tuple(getattr(self, name)))
        self.validate()

    def validate(self) -> None:
        """Checks every field; raises ``ValueError`` naming the first bad one."""
        known = [*data.DATASETS, *pairs.PAIRED_DATASETS]
        if self.dataset not in known and not data.is_local_dataset(self.dataset):
            raise ValueError(
                f"unknown dataset {self.dataset!r}; valid datasets: {', '.join(known)}, "
                "or the path of an image folder or of a .npy array"
            )
        if self.model not in networks.GENERATORS:
            raise ValueError(f"unknown model {self.model!r}; valid models: {', '.join(networks.GENERATORS)}")
        losses.get(self.loss)
        for name in ("epochs", "batch_size", "latent_dim", "d_steps", "base_filters", "samples"):
            checks.integer(name, getattr(self, name), 1)
        if self.steps_per_epoch is not None:
            checks.integer("steps_per_epoch", self.steps_per_epoch, 1)
        for name in ("lr", "d_lr", "g_lr", "clip_value"):
            value = getattr(self, name)
            if name != "lr" and value is None:
                continue
            checks.number(name, value)
        self._validate_stabilisers()
        self._validate_paired()
        if self.conditioning not in networks.conditional.CONDITIONINGS:
            raise ValueError(
                f"unknown conditioning {self.conditioning!r}; valid: {', '.join(networks.conditional.CONDITIONINGS)}"
            )
        self._validate_execution()
        _check_fraction("beta_1", self.beta_1)
        if self.lr_decay_start is not None:
            _check_fraction("lr_decay_start", self.lr_decay_start, " (a fraction of the run)")
        if self.lr_decay_steps is not None:
            checks.integer("lr_decay_steps", self.lr_decay_steps, 1)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise ValueError(f"seed must be an integer in [0, 2**32), got {self.seed!r}")
        if self.image_shape is not None and (
            len(self.image_shape) != 3 or min(self.image_shape[:2]) < 1 or self.image_shape[2] not in (1, 3)
        ):
            raise ValueError(
                f"image_shape must be (height, width, channels) with positive sides and 1 or 3 channels, "
                f"got {self.image_shape}"
            )

    def _validate_stabilisers(self) -> None:
        for name in ("gp_weight", "r1_gamma", "instance_noise"):
            value = getattr(self, name)
            if name == "gp_weight" and value is None:
                continue
            checks.number(name, value, zero=True)
        checks.integer("penalty_every", self.penalty_every, 1)
        _check_fraction("label_smoothing", self.label_smoothing)
        if self.label_smoothing and not losses.get(self.loss).supports_label_smoothing:
            valid = sorted(name for name, pair in losses.LOSSES.items() if pair.supports_label_smoothing)
            raise ValueError(
                f"label_smoothing needs a probabilistic loss ({', '.join(valid)}); got loss {self.loss!r}"
            )
        if self.instance_noise_steps is not None:
            checks.integer("instance_noise_steps", self.instance_noise_steps, 1)
        if self.ema is not None and (
            isinstance(self.ema, bool) or not isinstance(self.ema, (int, float)) or not 0 < self.ema < 1
        ):
            raise ValueError(f"ema must be a decay in (0, 1), e.g. 0.999, got {self.ema!r}")
        if self.diffaugment is not None:
            if not isinstance(self.diffaugment, str):
                raise ValueError(f"diffaugment must be a policy string such as 'color,translation,cutout', got {self.diffaugment!r}")
            augment.parse_policy(self.diffaugment)
        checks.integer("pack", self.pack, 1)
        if self.batch_size % self.pack:
            raise ValueError(
                f"batch_size {self.batch_size} is not divisible by pack={self.pack}: the discriminator judges "
                f"groups of {self.pack} samples"
            )
        if not isinstance(self.spectral_norm, bool):
            raise ValueError(f"spectral_norm must be true or false, got {self.spectral_norm!r}")
        if networks.mlp.check_data_scale(self.data_scale) != 1 and self.model != "mlp":
            raise ValueError(f"data_scale is an option of the mlp networks, not of model {self.model!r}")
        for name in ("mlp_units", "generator_units"):
            widths = getattr(self, name)
            if widths is None:
                continue
            if self.model != "mlp":
                raise ValueError(f"{name} is an option of the mlp networks, not of model {self.model!r}")
            if not isinstance(widths, tuple) or not widths or not all(
                isinstance(units, int) and not isinstance(units, bool) and units > 0 for units in widths
            ):
                raise ValueError(f"{name} must be a non-empty list of positive integers, got {widths!r}")
        if networks.mlp.check_fourier_settings(self.fourier_features, self.fourier_scale) and self.model != "mlp":
            raise ValueError(f"fourier_features is an option of the mlp discriminator, not of model {self.model!r}")
        for name, check in (
            ("seed_convs", networks.dcgan.check_seed_convs),
            ("upsample_kernel_size", networks.dcgan.check_upsample_kernel_size),
        ):
            if check(getattr(self, name)) and self.model not in ("dcgan", "cgan"):
                raise ValueError(f"{name} is an option of the dcgan and cgan generators, not of model {self.model!r}")
        if self.eval_every is not None:
            checks.integer("eval_every", self.eval_every, 1)

    def _validate_paired(self) -> None:
        if self.dataset in pairs.PAIRED_DATASETS and self.model != "pix2pix":
            raise ValueError(f"dataset {self.dataset!r} holds (source, target) pairs for model 'pix2pix', not {self.model!r}")
        if self.model == "pix2pix" and self.dataset in data.DATASETS:
            raise ValueError(
                f"model 'pix2pix' needs paired images: {', '.join(pairs.PAIRED_DATASETS)}, or a folder of "
                f"side-by-side A|B images or with A/ and B/ subfolders; got {self.dataset!r}"
            )
        for name in ("l1_weight", "vgg_weight"):
            value = getattr(self, name)
            checks.number(name, value, zero=True)
        if self.direction not in pairs.DIRECTIONS:
            raise ValueError(f"direction must be one of {', '.join(pairs.DIRECTIONS)}, got {self.direction!r}")
        if self.scale not in networks.srgan.SCALES:
            raise ValueError(f"scale must be one of {networks.srgan.SCALES}, got {self.scale!r}")

    def _validate_execution(self) -> None:
        checks.integer("steps_per_execution", self.steps_per_execution, 1)
        if self.intra_op_threads is not None:
            checks.integer("intra_op_threads", self.intra_op_threads, 1)
        if self.jit_compile is not None and not isinstance(self.jit_compile, bool):
            raise ValueError(f"jit_compile must be true, false or null (auto), got {self.jit_compile!r}")
        if self.mixed_precision not in execution.PRECISIONS:
            raise ValueError(
                f"unknown mixed_precision {self.mixed_precision!r}; valid: {', '.join(execution.PRECISIONS)}"
            )
        if not isinstance(self.share_generator_pass, bool):
            raise ValueError(f"share_generator_pass must be true or false, got {self.share_generator_pass!r}")
        if self.strategy not in execution.STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}; valid: {', '.join(execution.STRATEGIES)}")
        if self.strategy != "default" and self.steps_per_execution > 1:
            raise ValueError(
                f"steps_per_execution {self.steps_per_execution} does not work with strategy {self.strategy!r} "
                "in Keras 3 (keras-team/keras#19246); leave it at 1"
            )

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def plain_for_dataset(cls, dataset: str, **overrides) -> "TrainConfig":
        """A plain GAN on ``dataset``: the preset's ``PLAIN_SETTINGS``, every other setting the default
        (non-saturating loss, Adam(2e-4, beta_1=0.5), no packing, penalty, spectral norm or EMA)."""
        preset = PRESETS[dataset]
        return cls(dataset=dataset, **{key: preset[key] for key in PLAIN_SETTINGS if key in preset}, **overrides)

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
        model = overrides.get("model", preset["model"])
        if model != preset["model"]:
            preset = {key: value for key, value in preset.items() if key not in FAMILY_ONLY_SETTINGS}
            preset = {**preset, **MODEL_PRESETS.get(model, {})}
        settings = {**preset, "dataset": dataset, **overrides}
        if settings.get("strategy", "default") != "default" and "steps_per_execution" not in overrides:
            settings["steps_per_execution"] = 1  # a preset's speed setting yields to a strategy, which needs 1
        if "loss" in overrides and "d_steps" not in overrides:
            settings["d_steps"] = losses.get(overrides["loss"]).d_steps
        if "mlp_units" in overrides and "generator_units" not in overrides:
            settings["generator_units"] = None  # widths given for both networks replace the preset's generator's
        return cls(**settings)


def _check_fraction(name: str, value, meaning: str = "") -> None:
    """Raises ``ValueError`` unless ``value`` is a number in [0, 1); ``meaning`` follows the range in the message."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{name} must lie in [0, 1){meaning}, got {value!r}")
