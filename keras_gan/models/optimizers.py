"""The GAN's two optimizers, and the single optimizer Keras sees.

``GAN.compile`` takes ``d_optimizer`` and ``g_optimizer`` in any form
``keras.Model.compile`` takes its ``optimizer`` (a name, a config dict or an
optimizer object); :func:`get` turns each into its own optimizer object.

Keras's callbacks and ``fit`` talk to one ``model.optimizer``: its
``iterations`` count training steps and its ``learning_rate`` is what
``keras.callbacks.LearningRateScheduler`` and ``ReduceLROnPlateau`` read and
set. :class:`LinkedOptimizers` is that object for a GAN: it counts the
generator's updates (one per training step) and reports the generator's
learning rate; setting its learning rate sets the generator's and moves the
discriminator's by the same factor, so that two time-scale settings (Heusel
et al. 2017) keep their ratio.
"""

from __future__ import annotations

import keras

# Adam(2e-4, beta_1=0.5), Radford et al. (2015): the default of both optimizers.
DEFAULT_LEARNING_RATE = 2e-4
DEFAULT_BETA_1 = 0.5


def get_pair(d_optimizer, g_optimizer, compile_kwargs: dict) -> tuple:
    """``(d_optimizer, g_optimizer)`` as two distinct optimizer objects, from what ``GAN.compile`` was given.

    Args:
        d_optimizer: what :func:`get` takes, for the discriminator.
        g_optimizer: the same, for the generator.
        compile_kwargs: ``compile``'s other keyword arguments, checked for
            the single ``optimizer`` of ``keras.Model.compile``.

    Raises:
        ValueError: for ``optimizer=``, an identifier :func:`get` refuses,
            or one optimizer object given for both.
    """
    if "optimizer" in compile_kwargs:
        raise ValueError(
            "a GAN has two optimizers: pass d_optimizer= and g_optimizer= instead of "
            f"optimizer={compile_kwargs['optimizer']!r}"
        )
    d_optimizer, g_optimizer = get(d_optimizer, "d_optimizer"), get(g_optimizer, "g_optimizer")
    if d_optimizer is g_optimizer:
        raise ValueError("d_optimizer and g_optimizer must be two different optimizer objects")
    return d_optimizer, g_optimizer


def get(identifier, role: str) -> keras.optimizers.Optimizer:
    """An optimizer from what ``keras.Model.compile`` accepts, or the default Adam for None.

    Args:
        identifier: None, a name such as ``"adam"``, a config dict
            (``keras.optimizers.serialize``'s form) or an optimizer.
        role: ``"d_optimizer"`` or ``"g_optimizer"``, for the error message.

    Raises:
        ValueError: naming ``role`` when ``identifier`` is none of these.
    """
    if identifier is None:
        return keras.optimizers.Adam(DEFAULT_LEARNING_RATE, beta_1=DEFAULT_BETA_1)
    if isinstance(identifier, keras.optimizers.Optimizer):
        return identifier
    try:
        return keras.optimizers.get(identifier)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{role} must be an optimizer, its name (e.g. 'adam') or its config dict; got {identifier!r} ({error})"
        ) from None


def current_learning_rate(optimizer: keras.optimizers.Optimizer) -> float:
    """The learning rate ``optimizer`` applies at its next update, as a float."""
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


class LinkedOptimizers:
    """What ``gan.optimizer`` is: the two optimizers as Keras's callbacks see one.

    Attributes:
        d_optimizer: updates the discriminator.
        g_optimizer: updates the generator; its ``iterations`` are the
            training steps.

    ``learning_rate`` reads the generator's learning rate. Setting it to
    ``r`` sets the generator's to ``r`` and the discriminator's to ``r``
    times their ratio, so that ``keras.callbacks.LearningRateScheduler`` and
    ``ReduceLROnPlateau`` move both and keep a two time-scale ratio. An
    optimizer whose learning rate is a schedule cannot be set, as in Keras.

    Example:
        >>> gan.compile(d_optimizer=keras.optimizers.Adam(4e-4),
        ...             g_optimizer=keras.optimizers.Adam(1e-4))   # doctest: +SKIP
        >>> gan.optimizer.learning_rate = 5e-5                      # doctest: +SKIP
        >>> float(gan.d_optimizer.learning_rate)                    # doctest: +SKIP
        0.0002
    """

    def __init__(self, d_optimizer: keras.optimizers.Optimizer, g_optimizer: keras.optimizers.Optimizer):
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self._ratio = self._measured_ratio()

    def _measured_ratio(self) -> float | None:
        g_rate = current_learning_rate(self.g_optimizer)
        return current_learning_rate(self.d_optimizer) / g_rate if g_rate else None

    @property
    def ratio(self) -> float:
        """The discriminator's learning rate over the generator's (the last known one while the generator's is 0)."""
        ratio = self._measured_ratio()
        ratio = self._ratio if ratio is None else ratio
        if ratio is None:
            raise ValueError(
                "the ratio of the two learning rates is unknown (the generator's is 0 and has never been set "
                "otherwise); set gan.d_optimizer.learning_rate and gan.g_optimizer.learning_rate directly"
            )
        self._ratio = ratio
        return ratio

    @property
    def learning_rate(self):
        """The generator's learning rate (a scalar tensor or variable)."""
        return self.g_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        ratio = self.ratio
        self.g_optimizer.learning_rate = value
        self.d_optimizer.learning_rate = float(value) * ratio

    @property
    def iterations(self):
        """Training steps so far: the generator's updates."""
        return self.g_optimizer.iterations

    @property
    def variables(self) -> list:
        """Both optimizers' variables, the discriminator's first."""
        return list(self.d_optimizer.variables) + list(self.g_optimizer.variables)

    @property
    def built(self) -> bool:
        return self.d_optimizer.built and self.g_optimizer.built

    def build(self, variables=None):
        """Nothing to do: ``GAN.compile`` builds each optimizer on its own network's variables."""

    def scale_loss(self, loss):
        return self.g_optimizer.scale_loss(loss)

    def __repr__(self):
        return f"LinkedOptimizers(d_optimizer={self.d_optimizer.name!r}, g_optimizer={self.g_optimizer.name!r})"
