"""Checks of a :class:`~keras_gan.cli.config.TrainConfig`, each raising ``ValueError`` that names the setting.

Which settings a model family reads, and what data it trains on, come from
the registry (:mod:`keras_gan.cli.families`). Everything here runs before a
run writes its first file.
"""

from __future__ import annotations

from keras_gan import checks, losses, networks
from keras_gan.cli import families
from keras_gan.data import catalog
from keras_gan.training import ada, augment, distribution


def validate(config, default: dict) -> None:
    """Checks every field of ``config``; raises ``ValueError`` naming the first bad one.

    Args:
        config: a ``TrainConfig``.
        default: each setting's default (``keras_gan.cli.config.defaults()``).
    """
    _check_dataset_and_family(config)
    losses.get(config.loss)
    for name in ("epochs", "batch_size", "latent_dim", "d_steps", "base_filters", "samples"):
        checks.integer(name, getattr(config, name), 1)
    for name in ("steps_per_epoch", "lr_decay_steps", "instance_noise_steps", "eval_every", "intra_op_threads"):
        if getattr(config, name) is not None:
            checks.integer(name, getattr(config, name), 1)
    checks.number("lr", config.lr)
    for name in ("d_lr", "g_lr", "clip_value"):
        if getattr(config, name) is not None:
            checks.number(name, getattr(config, name))
    check_fraction("beta_1", config.beta_1)
    if config.lr_decay_start is not None:
        check_fraction("lr_decay_start", config.lr_decay_start, " (a fraction of the run)")
    if isinstance(config.seed, bool) or not isinstance(config.seed, int) or not 0 <= config.seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), got {config.seed!r}")
    if config.image_shape is not None and (
        len(config.image_shape) != 3 or min(config.image_shape[:2]) < 1 or config.image_shape[2] not in (1, 3)
    ):
        raise ValueError(
            f"image_shape must be (height, width, channels) with positive sides and 1 or 3 channels, "
            f"got {config.image_shape}"
        )
    _check_stabilisers(config)
    _check_network_options(config)
    _check_execution(config)
    _check_family_settings(config, default)


def _check_dataset_and_family(config) -> None:
    if config.dataset not in catalog.DATASETS and not catalog.is_local(config.dataset):
        raise ValueError(f"unknown dataset {config.dataset!r}; valid: {catalog.describe_accepted()}")
    families.get(config.model).check_dataset(config.dataset)


def _check_family_settings(config, default: dict) -> None:
    """Refuses a setting away from its default when the chosen family does not read it."""
    family = families.get(config.model)
    for name in sorted(families.family_settings() - set(family.settings)):
        if getattr(config, name) != default[name]:
            owners = [repr(owner) for owner in families.owners(name)]
            owners = " and ".join([", ".join(owners[:-1]), owners[-1]] if len(owners) > 1 else owners)
            raise ValueError(
                f"{name} is an option of model {owners}, not of model {config.model!r} "
                f"(leave it at {default[name]!r})"
            )


def _check_stabilisers(config) -> None:
    for name in ("r1_gamma", "instance_noise"):
        checks.number(name, getattr(config, name), zero=True)
    if config.gp_weight is not None:
        checks.number("gp_weight", config.gp_weight, zero=True)
    checks.integer("penalty_every", config.penalty_every, 1)
    check_fraction("label_smoothing", config.label_smoothing)
    if config.label_smoothing and not losses.get(config.loss).supports_label_smoothing:
        valid = sorted(name for name, pair in losses.LOSSES.items() if pair.supports_label_smoothing)
        raise ValueError(f"label_smoothing needs a probabilistic loss ({', '.join(valid)}); got loss {config.loss!r}")
    if config.ema is not None:
        checks.decay("ema", config.ema)
    if config.diffaugment is not None:
        if not isinstance(config.diffaugment, str):
            raise ValueError(
                f"diffaugment must be a policy string such as 'color,translation,cutout', got {config.diffaugment!r}"
            )
        augment.parse_policy(config.diffaugment)
    if config.ada_target is not None:
        ada.check_target(config.ada_target)
    if config.ada_ramp_images is not None:
        checks.integer("ada_ramp_images", config.ada_ramp_images, 1)
    checks.integer("pack", config.pack, 1)
    if config.batch_size % config.pack:
        raise ValueError(
            f"batch_size {config.batch_size} is not divisible by pack={config.pack}: the discriminator judges "
            f"groups of {config.pack} samples"
        )
    if not isinstance(config.spectral_norm, bool):
        raise ValueError(f"spectral_norm must be true or false, got {config.spectral_norm!r}")


def _check_network_options(config) -> None:
    networks.mlp.check_data_scale(config.data_scale)
    networks.mlp.check_fourier_settings(config.fourier_features, config.fourier_scale)
    networks.dcgan.check_seed_convs(config.seed_convs)
    networks.dcgan.check_upsample_kernel_size(config.upsample_kernel_size)
    for name in ("mlp_units", "generator_units"):
        widths = getattr(config, name)
        if widths is not None and (not isinstance(widths, tuple) or not widths or not all(
            isinstance(units, int) and not isinstance(units, bool) and units > 0 for units in widths
        )):
            raise ValueError(f"{name} must be a non-empty list of positive integers, got {widths!r}")
    if config.conditioning not in networks.conditional.CONDITIONINGS:
        raise ValueError(
            f"unknown conditioning {config.conditioning!r}; valid: {', '.join(networks.conditional.CONDITIONINGS)}"
        )
    for name in ("l1_weight", "vgg_weight", "cycle_weight", "identity_weight"):
        checks.number(name, getattr(config, name), zero=True)
    checks.integer("labels", config.labels, 1)
    if config.direction not in catalog.DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(catalog.DIRECTIONS)}, got {config.direction!r}")
    if config.scale not in networks.srgan.SCALES:
        raise ValueError(f"scale must be one of {networks.srgan.SCALES}, got {config.scale!r}")


def _check_execution(config) -> None:
    checks.integer("steps_per_execution", config.steps_per_execution, 1)
    if config.jit_compile is not None and not isinstance(config.jit_compile, bool):
        raise ValueError(f"jit_compile must be true, false or null (auto), got {config.jit_compile!r}")
    if config.mixed_precision not in distribution.PRECISIONS:
        raise ValueError(
            f"unknown mixed_precision {config.mixed_precision!r}; valid: {', '.join(distribution.PRECISIONS)}"
        )
    if not isinstance(config.share_generator_pass, bool):
        raise ValueError(f"share_generator_pass must be true or false, got {config.share_generator_pass!r}")
    if config.strategy not in distribution.STRATEGIES:
        raise ValueError(f"unknown strategy {config.strategy!r}; valid: {', '.join(distribution.STRATEGIES)}")
    if config.strategy != "default" and config.steps_per_execution > 1:
        raise ValueError(
            f"steps_per_execution {config.steps_per_execution} does not work with strategy {config.strategy!r} "
            "in Keras 3 (keras-team/keras#19246); leave it at 1"
        )


def check_fraction(name: str, value, meaning: str = "") -> None:
    """Raises ``ValueError`` unless ``value`` is a number in [0, 1); ``meaning`` follows the range in the message."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{name} must lie in [0, 1){meaning}, got {value!r}")
