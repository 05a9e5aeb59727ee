"""Networks and GANs from a :class:`~keras_gan.cli.config.TrainConfig`: one builder per model family.

:func:`build_gan` picks the family's builder from the registry
(:mod:`keras_gan.cli.families`), builds it inside the config's distribution
strategy and dtype policy, and compiles it with :func:`compile_gan`.
"""

from __future__ import annotations

import keras

from keras_gan import networks
from keras_gan.cli import families
from keras_gan.cli.config import TrainConfig
from keras_gan.models.conditional import ConditionalGAN
from keras_gan.models.cyclegan import CycleGAN
from keras_gan.models.gan import GAN
from keras_gan.models.pix2pix import Pix2Pix
from keras_gan.models.semi_supervised import SemiSupervisedGAN, random_affine
from keras_gan.models.srgan import SRGAN, VGGContent, WeightsUnavailableError
from keras_gan.training import distribution, schedules

# Hidden widths of the MLP networks when the config gives none.
POINT_HIDDEN_UNITS = (128, 128, 128)
IMAGE_GENERATOR_UNITS = (256, 512, 1024)
IMAGE_DISCRIMINATOR_UNITS = (512, 256)
# Residual blocks of the command line's SRGAN generator: the paper's 16 make a CPU run
# of the MNIST demo several times slower.
SRGAN_RESIDUAL_BLOCKS = 4


def build_gan(
    config: TrainConfig, sample_shape: tuple, total_steps: int | None = None, num_classes: int | None = None
) -> GAN:
    """Builds the generator, discriminator and GAN that ``config`` names, compiled.

    All of it inside the scope of ``config.strategy`` and under the dtype
    policy ``config.mixed_precision``.

    Args:
        config: the settings.
        sample_shape: the shape of one training sample (a paired model's target).
        total_steps: the run's training steps; the instance noise and the
            learning-rate decay span them unless the config fixes a span.
        num_classes: the number of classes, for a family that needs labels.
    """
    family = families.get(config.model)
    with distribution.training_scope(config.strategy, config.mixed_precision):
        gan = family.builder()(config, tuple(sample_shape), num_classes=num_classes, total_steps=total_steps)
        return compile_gan(gan, config, total_steps)


def compile_gan(gan: GAN, config: TrainConfig, total_steps: int | None = None) -> GAN:
    """Compiles ``gan`` with the optimizers, loss and penalties ``config`` names; returns it.

    Every compile option is passed explicitly, so ``GAN.compile``'s own
    defaults never decide what a command-line run does. When
    ``config.lr_decay_start`` is set, the learning rates decay over
    ``config.lr_decay_steps``, else over ``total_steps`` (the run's training
    steps), else over ``epochs * steps_per_epoch`` where the config fixes both.
    """
    d_rate, g_rate = config.d_lr or config.lr, config.g_lr or config.lr
    if config.lr_decay_start is not None:
        span = config.lr_decay_steps or total_steps
        if span is None and config.steps_per_epoch:
            span = config.epochs * config.steps_per_epoch
        if span is None:
            raise ValueError(
                "lr_decay_start needs the steps to decay over: "
                "lr_decay_steps, steps_per_epoch, or the run's total steps"
            )
        # The discriminator's optimizer updates d_steps times a step.
        d_rate = schedules.learning_rate(d_rate, config.lr_decay_start, span * config.d_steps)
        g_rate = schedules.learning_rate(g_rate, config.lr_decay_start, span)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(d_rate, beta_1=config.beta_1),
        g_optimizer=keras.optimizers.Adam(g_rate, beta_1=config.beta_1),
        loss=config.loss,
        gp_weight=config.gp_weight,
        r1_gamma=config.r1_gamma,
        penalty_every=config.penalty_every,
        clip_value=config.clip_value,
        label_smoothing=config.label_smoothing,
        steps_per_execution=config.steps_per_execution,
        jit_compile="auto" if config.jit_compile is None else config.jit_compile,
    )
    return gan


def step_options(config: TrainConfig) -> dict:
    """The ``GAN`` constructor options every model family takes from ``config``."""
    return {
        "d_steps": config.d_steps,
        "seed": config.seed,
        "ema": config.ema,
        "share_generator_pass": config.share_generator_pass,
    }


def discriminator_input_options(config: TrainConfig, total_steps: int | None) -> dict:
    """Packing, DiffAugment, ADA and instance noise: what the families that judge generated samples take."""
    noise_steps = config.instance_noise_steps or total_steps
    if config.instance_noise and noise_steps is None:
        raise ValueError("instance_noise needs instance_noise_steps (or the run's total steps) to decay over")
    return {
        "pack": config.pack,
        "diffaugment": config.diffaugment,
        "ada_target": config.ada_target,
        **({"ada_ramp_images": config.ada_ramp_images} if config.ada_ramp_images is not None else {}),
        "instance_noise": config.instance_noise,
        "instance_noise_steps": noise_steps if config.instance_noise else None,
    }


def packed_shape(config: TrainConfig, sample_shape: tuple) -> tuple:
    """The discriminator's input: with packing, ``pack`` samples stacked on the last axis."""
    return tuple(sample_shape[:-1]) + (sample_shape[-1] * config.pack,)


def build_dcgan(config: TrainConfig, sample_shape: tuple, *, num_classes=None, total_steps=None) -> GAN:
    """A DCGAN generator and discriminator of ``config.base_filters`` in a :class:`GAN`."""
    _check_images(config, sample_shape)
    generator = networks.dcgan_generator(
        config.latent_dim, sample_shape, base_filters=config.base_filters, seed_convs=config.seed_convs,
        upsample_kernel_size=config.upsample_kernel_size,
    )
    discriminator = networks.dcgan_discriminator(
        packed_shape(config, sample_shape), base_filters=config.base_filters, spectral_norm=config.spectral_norm
    )
    return GAN(generator, discriminator, **discriminator_input_options(config, total_steps), **step_options(config))


def build_mlp(config: TrainConfig, sample_shape: tuple, *, num_classes=None, total_steps=None) -> GAN:
    """Fully connected networks in a :class:`GAN`: 3 x 128 units for points, wider for images by default."""
    flat = len(sample_shape) == 1
    generator = networks.mlp_generator(
        config.latent_dim,
        sample_shape,
        hidden_units=config.generator_units or config.mlp_units or (POINT_HIDDEN_UNITS if flat else IMAGE_GENERATOR_UNITS),
        data_scale=config.data_scale,
    )
    discriminator = networks.mlp_discriminator(
        packed_shape(config, sample_shape),
        hidden_units=config.mlp_units or (POINT_HIDDEN_UNITS if flat else IMAGE_DISCRIMINATOR_UNITS),
        spectral_norm=config.spectral_norm,
        data_scale=config.data_scale,
        fourier_features=config.fourier_features,
        fourier_scale=config.fourier_scale,
    )
    return GAN(generator, discriminator, **discriminator_input_options(config, total_steps), **step_options(config))


def build_cgan(config: TrainConfig, sample_shape: tuple, *, num_classes=None, total_steps=None) -> ConditionalGAN:
    """A class-conditional generator and discriminator in a :class:`ConditionalGAN`.

    Without ``num_classes`` (rebuilding a run's GAN without its data at hand),
    the dataset's labels are loaded to count them.
    """
    _check_images(config, sample_shape)
    num_classes = _class_count(config, num_classes)
    generator = networks.conditional_generator(
        config.latent_dim, sample_shape, num_classes, base_filters=config.base_filters,
        seed_convs=config.seed_convs, upsample_kernel_size=config.upsample_kernel_size,
    )
    discriminator = networks.conditional_discriminator(
        packed_shape(config, sample_shape),
        num_classes,
        conditioning=config.conditioning,
        base_filters=config.base_filters,
        spectral_norm=config.spectral_norm,
    )
    return ConditionalGAN(
        generator, discriminator, **discriminator_input_options(config, total_steps), **step_options(config)
    )


# The semi-supervised discriminator's loss weights: the GAN term at half weight, as in Salimans et al.'s code,
# and the consistency term (benchmarks/semi_supervised.py measures what each term adds).
SSGAN_UNSUPERVISED_WEIGHT = 0.5
SSGAN_CONSISTENCY_WEIGHT = 1.0
SSGAN_CLASSIFIER_EMA = 0.99


def build_ssgan(config: TrainConfig, sample_shape: tuple, *, num_classes=None, total_steps=None) -> SemiSupervisedGAN:
    """A DCGAN generator and a classifier discriminator with K class logits in a :class:`SemiSupervisedGAN`.

    The labelled images are rotated, zoomed and shifted at random, and the
    consistency term asks the same of the unlabelled ones. Without
    ``num_classes`` the dataset's labels are loaded to count them.
    """
    _check_images(config, sample_shape)
    num_classes = _class_count(config, num_classes)
    generator = networks.dcgan_generator(
        config.latent_dim, sample_shape, base_filters=config.base_filters, seed_convs=config.seed_convs,
        upsample_kernel_size=config.upsample_kernel_size,
    )
    discriminator = networks.classifier_discriminator(sample_shape, num_classes, base_filters=config.base_filters)
    return SemiSupervisedGAN(
        generator, discriminator, unsupervised_weight=SSGAN_UNSUPERVISED_WEIGHT, augmentation=random_affine(),
        consistency_weight=SSGAN_CONSISTENCY_WEIGHT, classifier_ema=SSGAN_CLASSIFIER_EMA,
        diffaugment=config.diffaugment, **step_options(config),
    )


def build_pix2pix(config: TrainConfig, sample_shape: tuple, *, num_classes=None, total_steps=None) -> Pix2Pix:
    """A U-Net and a PatchGAN of ``config.base_filters`` in a :class:`Pix2Pix`."""
    _check_images(config, sample_shape)
    generator = networks.unet_generator(sample_shape, base_filters=config.base_filters)
    discriminator = networks.patchgan_discriminator(sample_shape, base_filters=config.base_filters)
    return Pix2Pix(generator, discriminator, l1_weight=config.l1_weight, **step_options(config))


def build_srgan(config: TrainConfig, sample_shape: tuple, *, num_classes=None, total_steps=None) -> SRGAN:
    """An SRGAN from ``sample_shape / scale`` up to ``sample_shape``, with the VGG19 term when ``vgg_weight`` > 0."""
    _check_images(config, sample_shape)
    height, width, channels = sample_shape
    if height % config.scale or width % config.scale:
        raise ValueError(
            f"scale {config.scale} needs image sides divisible by it; the images are {height}x{width} "
            "(resize them with --image-size)"
        )
    generator = networks.srgan_generator(
        (height // config.scale, width // config.scale, channels),
        config.scale,
        base_filters=config.base_filters,
        num_blocks=SRGAN_RESIDUAL_BLOCKS,
    )
    discriminator = networks.srgan_discriminator(sample_shape, base_filters=config.base_filters)
    vgg = None
    if config.vgg_weight:
        try:
            vgg = VGGContent()
        except WeightsUnavailableError as error:
            raise ValueError(f"vgg_weight {config.vgg_weight:g}: {error}") from None
    return SRGAN(generator, discriminator, vgg=vgg, vgg_weight=config.vgg_weight, **step_options(config))


def build_cyclegan(config: TrainConfig, sample_shape: tuple, *, num_classes=None, total_steps=None) -> CycleGAN:
    """Two ResNet generators and two PatchGANs of ``config.base_filters``, sized for the images as in the paper."""
    _check_images(config, sample_shape)
    if config.ema is not None or config.share_generator_pass:
        raise ValueError("model 'cyclegan' keeps no moving average and makes no shared generator pass; "
                         "drop --ema and --share-generator-pass")
    return CycleGAN(*networks.cyclegan_networks(sample_shape, config.base_filters), d_steps=config.d_steps,
                    cycle_weight=config.cycle_weight, identity_weight=config.identity_weight, seed=config.seed)


def _class_count(config: TrainConfig, num_classes: int | None) -> int:
    """``num_classes``, or the number the dataset's labels hold; ``ValueError`` when it has none."""
    if not num_classes:
        from keras_gan.data import datasets

        num_classes = datasets.load(config.dataset, image_shape=config.image_shape).num_classes
    if not num_classes:
        raise ValueError(f"model {config.model!r} needs class labels; dataset {config.dataset!r} has none")
    return num_classes


def _check_images(config: TrainConfig, sample_shape: tuple) -> None:
    if len(sample_shape) != 3:
        raise ValueError(f"model {config.model!r} needs images; got samples of shape {tuple(sample_shape)}")
