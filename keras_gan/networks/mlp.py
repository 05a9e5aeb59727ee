"""Multilayer-perceptron GAN networks (Goodfellow et al. 2014).

Dense layers only: for flat data such as 2-D points, and for small images
(the output is reshaped to ``output_shape``).

Points far from the unit scale (the ``grid`` mixture spans [-4, 4]) train
much better when both networks work at unit scale: ``data_scale`` puts a
fixed ``Rescaling`` after the generator's last layer and before the
discriminator's first, so the networks see ``x / data_scale`` while the
samples stay in data space. On ``grid`` (one seed, the preset's networks)
high-quality samples were 6.8% of 2,500 after 10,000 steps without it, and
41% after 10,000 and 55-66% after 20,000-25,000 steps with it.

A dense network is slow to learn functions that change quickly with its input
(its spectral bias; Tancik et al. 2020, "Fourier Features Let Networks Learn
High Frequency Functions in Low Dimensional Domains"). On ``grid`` the
discriminator gave the samples strung between neighbouring modes about the
logit it gave the modes, so the generator was barely told to remove them.
``fourier_features`` puts :class:`FourierFeatures` (fixed random sines and
cosines of the unit-scale input, beside the input itself) before the
discriminator's first dense layer; ``docs/results.md`` ("How the defaults were
chosen") has the figures that chose its scale.
"""

from __future__ import annotations

import math
from typing import Sequence

import keras
from keras import layers, ops

from keras_gan import checks
from keras_gan.networks.layers import SpectralNormalization


def mlp_generator(
    latent_dim: int = 100,
    output_shape: Sequence[int] = (28, 28, 1),
    hidden_units: Sequence[int] = (256, 512, 1024),
    output_activation: str | None = None,
    data_scale: float = 1.0,
    name: str = "mlp_generator",
) -> keras.Model:
    """Builds a dense generator ``z -> x``.

    Args:
        latent_dim: size of the Gaussian latent vector.
        output_shape: shape of one sample, e.g. ``(2,)`` or ``(28, 28, 1)``.
        hidden_units: widths of the hidden ReLU layers.
        output_activation: defaults to ``"tanh"`` for images (data in
            [-1, 1]) and ``None`` (linear) for flat data such as points.
        data_scale: the last layer's output is multiplied by it (see the
            module docstring); 1 is none.
        name: model name.

    Returns:
        A ``keras.Model`` from ``(latent_dim,)`` to ``output_shape``.
    """
    output_shape = tuple(output_shape)
    if output_activation is None and len(output_shape) > 1:
        output_activation = "tanh"
    z = keras.Input((latent_dim,), name="z")
    x = z
    for units in hidden_units:
        x = layers.Dense(units)(x)
        x = layers.ReLU()(x)
    x = layers.Dense(math.prod(output_shape), activation=output_activation, dtype="float32")(x)
    if check_data_scale(data_scale) != 1:
        x = layers.Rescaling(data_scale, dtype="float32", name="to_data_scale")(x)
    if len(output_shape) > 1:
        x = layers.Reshape(output_shape)(x)
    return keras.Model(z, x, name=name)


@keras.saving.register_keras_serializable(package="keras_gan")
class FourierFeatures(layers.Layer):
    """``x -> [sin(x B), cos(x B), x]`` with ``B`` drawn once from N(0, scale^2) (Tancik et al. 2020).

    ``B`` has shape ``(input features, features)``, is a non-trainable weight
    (saved and restored with the model, never updated by an optimizer) and is
    drawn from Keras's random state when the layer is built. Flat inputs only.

    Several scales split ``B``'s columns into consecutive blocks of (nearly)
    equal size, one block per scale, in the order given: coarse frequencies
    that shape the landscape between far-apart points beside fine ones that
    resolve detail within a small region (multi-scale Fourier features, Wang
    et al. 2021, "On the eigenvector bias of Fourier feature networks").

    Args:
        features: columns of ``B``; the output has ``2 * features`` plus the
            input's own features.
        scale: standard deviation of ``B``'s entries: the typical frequency,
            in radians per unit of input; or a sequence of them, one per block.
    """

    def __init__(self, features: int, scale: float | Sequence[float], **kwargs):
        super().__init__(**kwargs)
        self.features = checks.integer("features", features, 1)
        scales = fourier_scales(scale, self.features, "scale", "features")
        self.scale = scales[0] if len(scales) == 1 else scales

    def column_scales(self) -> list[float]:
        """Each column's standard deviation: the scales' blocks, the first ``features % scales`` one wider."""
        scales = self.scale if isinstance(self.scale, tuple) else (self.scale,)
        size, extra = divmod(self.features, len(scales))
        return [s for i, s in enumerate(scales) for _ in range(size + (i < extra))]

    def build(self, input_shape):
        column_scales = self.column_scales()

        def initializer(shape, dtype=None):
            return keras.initializers.RandomNormal(stddev=1.0)(shape, dtype) * ops.convert_to_tensor(column_scales, dtype)

        self.projection = self.add_weight(
            shape=(input_shape[-1], self.features), initializer=initializer, trainable=False, name="projection"
        )

    def call(self, inputs):
        angles = ops.matmul(inputs, ops.cast(self.projection, inputs.dtype))
        return ops.concatenate([ops.sin(angles), ops.cos(angles), inputs], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 2 * self.features + input_shape[-1])

    def get_config(self):
        scale = list(self.scale) if isinstance(self.scale, tuple) else self.scale
        return {**super().get_config(), "features": self.features, "scale": scale}


def mlp_discriminator(
    input_shape: Sequence[int] = (28, 28, 1),
    hidden_units: Sequence[int] = (512, 256),
    dropout: float = 0.0,
    spectral_norm: bool = False,
    data_scale: float = 1.0,
    fourier_features: int = 0,
    fourier_scale: float | Sequence[float] = 2.0,
    name: str = "mlp_discriminator",
) -> keras.Model:
    """Builds a dense discriminator ``x -> logit`` (no sigmoid: the losses take logits).

    Args:
        input_shape: shape of one sample.
        hidden_units: widths of the hidden LeakyReLU(0.2) layers.
        dropout: dropout rate after each hidden layer.
        spectral_norm: wrap every dense layer in
            ``keras.layers.SpectralNormalization`` (Miyato et al. 2018), in the
            form that stays still while the discriminator is frozen
            (``keras_gan.networks.layers.SpectralNormalization``).
        data_scale: inputs are divided by it before the first layer (see the
            module docstring); 1 is none.
        fourier_features: when positive, a :class:`FourierFeatures` layer
            with this many frequencies feeds the first dense layer (after the
            unit-scale rescaling); 0 is none.
        fourier_scale: the spread of those frequencies (radians per unit of
            the rescaled input), or several spreads, one per block of them
            (:class:`FourierFeatures`).
        name: model name.
    """
    wrap = SpectralNormalization if spectral_norm else (lambda layer: layer)
    x_in = keras.Input(tuple(input_shape), name="x")
    x = layers.Flatten()(x_in) if len(input_shape) > 1 else x_in
    if check_data_scale(data_scale) != 1:
        x = layers.Rescaling(1 / data_scale, name="to_unit_scale")(x)
    if check_fourier_settings(fourier_features, fourier_scale):
        x = FourierFeatures(fourier_features, fourier_scale, name="fourier_features")(x)
    for units in hidden_units:
        x = wrap(layers.Dense(units))(x)
        x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    logit = wrap(layers.Dense(1, dtype="float32"))(x)
    return keras.Model(x_in, logit, name=name)


def fourier_scales(
    scale, features: int = 0, name: str = "fourier_scale", features_name: str = "fourier_features"
) -> tuple[float, ...]:
    """``scale`` as a tuple of floats; raises ``ValueError`` unless it is a positive number or a non-empty list of them,
    and, where ``features`` is positive, no more of them than ``features`` (each scale takes a block of columns)."""
    if isinstance(scale, (list, tuple)):
        if not scale:
            raise ValueError(f"{name} must be a positive number or a list of them, got {scale!r}")
        try:
            scales = tuple(checks.number(name, s) for s in scale)
        except ValueError:
            raise ValueError(f"{name} must be a positive number or a list of them, got {scale!r}") from None
    else:
        scales = (checks.number(name, scale),)
    if features and len(scales) > features:
        raise ValueError(f"{name} gives {len(scales)} scales; {features_name} must be at least that, got {features}")
    return scales


def check_fourier_settings(fourier_features, fourier_scale) -> int:
    """Returns ``fourier_features``; raises ``ValueError`` naming whichever of the two settings is bad."""
    fourier_features = checks.integer("fourier_features", fourier_features)
    fourier_scales(fourier_scale, fourier_features)
    return fourier_features


def check_data_scale(data_scale) -> float:
    """Returns ``data_scale`` as a float; raises ``ValueError`` unless it is a positive number."""
    return checks.number("data_scale", data_scale)
