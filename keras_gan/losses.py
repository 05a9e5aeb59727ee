"""Loss pairs for adversarial training.

Every family is a pair of functions, ``<family>_discriminator_loss(real_logits,
fake_logits)`` and ``<family>_generator_loss(fake_logits)``, working on the
discriminator's raw (pre-sigmoid) output, averaged over the batch. A
:class:`LossPair` bundles the two with what the discriminator's output means,
so the training step can report ``d_real``, ``d_fake`` and ``d_accuracy`` for
any family. ``LOSSES`` is the registry and :func:`get` looks names up.

Example:
    >>> from keras_gan import losses
    >>> pair = losses.get("non_saturating")
    >>> pair.discriminator(real_logits, fake_logits)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from keras import ops


def _log_sigmoid(logits):
    # log(sigmoid(x)) = -softplus(-x), finite for any logit.
    return -ops.softplus(-logits)


def _log_one_minus_sigmoid(logits):
    # log(1 - sigmoid(x)) = -softplus(x), finite for any logit.
    return -ops.softplus(logits)


def minimax_discriminator_loss(real_logits, fake_logits):
    """Discriminator loss of the original minimax game (Goodfellow et al. 2014).

    The discriminator ascends ``V = E[log D(x)] + E[log(1 - D(G(z)))]``, so it
    descends

        L_D = -E[log sigmoid(l_real)] - E[log(1 - sigmoid(l_fake))]

    At the game's equilibrium, ``D = 1/2`` everywhere and ``L_D = 2 log 2``.

    Args:
        real_logits: discriminator logits on real data, shape ``(batch, ...)``.
        fake_logits: discriminator logits on generated data.

    Returns:
        A scalar tensor.
    """
    return -ops.mean(_log_sigmoid(real_logits)) - ops.mean(_log_one_minus_sigmoid(fake_logits))


def minimax_generator_loss(fake_logits):
    """Generator loss of the original, saturating minimax game (Goodfellow et al. 2014).

        L_G = E[log(1 - sigmoid(l_fake))]

    The generator descends it. Its gradient vanishes when the discriminator
    confidently rejects the samples, which is why the paper recommends the
    non-saturating form in practice.
    """
    return ops.mean(_log_one_minus_sigmoid(fake_logits))


def non_saturating_discriminator_loss(real_logits, fake_logits):
    """Discriminator loss of the non-saturating GAN: the same as the minimax one.

        L_D = -E[log sigmoid(l_real)] - E[log(1 - sigmoid(l_fake))]
    """
    return minimax_discriminator_loss(real_logits, fake_logits)


def non_saturating_generator_loss(fake_logits):
    """Non-saturating generator loss (Goodfellow et al. 2014, section 3).

        L_G = -E[log sigmoid(l_fake)]

    The generator ascends ``log D(G(z))`` instead of descending
    ``log(1 - D(G(z)))``: the same fixed point, strong gradients early on.
    """
    return -ops.mean(_log_sigmoid(fake_logits))


@dataclasses.dataclass(frozen=True)
class LossPair:
    """A loss family: the two losses and how to read the discriminator's output.

    Attributes:
        name: registry name.
        discriminator: ``fn(real_logits, fake_logits) -> scalar``.
        generator: ``fn(fake_logits) -> scalar``.
        score: maps the raw output to the reported ``d_real`` / ``d_fake``:
            ``sigmoid`` for probabilistic families (so the numbers are D(x)),
            identity for critics whose output is an unbounded score.
        threshold: the score above which the discriminator calls a sample
            real; ``d_accuracy`` counts real samples above it and generated
            samples below it.
    """

    name: str
    discriminator: Callable
    generator: Callable
    score: Callable = ops.sigmoid
    threshold: float = 0.5


LOSSES: dict[str, LossPair] = {
    "minimax": LossPair("minimax", minimax_discriminator_loss, minimax_generator_loss),
    "non_saturating": LossPair(
        "non_saturating", non_saturating_discriminator_loss, non_saturating_generator_loss
    ),
}


def get(identifier: str | LossPair) -> LossPair:
    """Looks a loss family up by name (a :class:`LossPair` passes through).

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if isinstance(identifier, LossPair):
        return identifier
    if identifier not in LOSSES:
        raise ValueError(
            f"unknown loss {identifier!r}; valid losses: {', '.join(sorted(LOSSES))}"
        )
    return LOSSES[identifier]
