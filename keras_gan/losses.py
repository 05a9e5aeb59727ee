"""Loss pairs for adversarial training.

Every family is a pair of functions, ``<family>_discriminator_loss(real_logits,
fake_logits)`` and ``<family>_generator_loss(fake_logits)``, working on the
discriminator's raw (pre-sigmoid) output, averaged over the batch. A
:class:`LossPair` bundles the two with what the discriminator's output means,
so the training step can report ``d_real``, ``d_fake`` and ``d_accuracy`` for
any family. ``LOSSES`` is the registry and :func:`get` looks names up.

What the reported numbers mean, per family (``d_accuracy`` is the share of
real samples scored above the threshold and generated ones below it):

- minimax, non_saturating: ``d_real``/``d_fake`` are the mean D(x) =
  sigmoid(logit) on real / generated samples; threshold 1/2.
- least_squares: the mean raw output, whose targets are 1 (real) and
  0 (generated); threshold 1/2, the midpoint.
- wasserstein, wgan_gp: the mean critic score, unbounded; threshold 0.
- hinge: the mean raw score, whose margins are +1 and -1; threshold 0.

For a critic (wasserstein, wgan_gp), only differences of scores mean
anything: ``d_real - d_fake`` is the critic's estimate of the Wasserstein
distance (up to the Lipschitz constant) and should shrink as the generator
improves; the scores' level drifts freely, so ``d_accuracy`` around a fixed
threshold of 0 is only a rough sign of which side of the critic's scale a
batch lands on. For hinge, ``d_real > 1`` and ``d_fake < -1`` mean the
discriminator is past its margins on that batch.

The discriminator's input-gradient penalties live in
``keras_gan.training.penalties``; ``gradient_penalty``, ``r1_penalty`` and
``interpolate`` can still be imported from here.

Example:
    >>> from keras_gan import losses
    >>> pair = losses.get("non_saturating")
    >>> pair.discriminator(real_logits, fake_logits)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Callable

from keras import ops

from keras_gan.training.penalties import gradient_penalty, interpolate, r1_penalty  # noqa: F401


def _log_sigmoid(logits):
    # log(sigmoid(x)) = -softplus(-x), finite for any logit.
    return -ops.softplus(-logits)


def _log_one_minus_sigmoid(logits):
    # log(1 - sigmoid(x)) = -softplus(x), finite for any logit.
    return -ops.softplus(logits)


def minimax_discriminator_loss(real_logits, fake_logits, label_smoothing: float = 0.0):
    """Discriminator loss of the original minimax game (Goodfellow et al. 2014).

    The discriminator ascends ``V = E[log D(x)] + E[log(1 - D(G(z)))]``, so it
    descends

        L_D = -E[log sigmoid(l_real)] - E[log(1 - sigmoid(l_fake))]

    At the game's equilibrium, ``D = 1/2`` everywhere and ``L_D = 2 log 2``.

    With one-sided label smoothing (Salimans et al. 2016, section 3.4) the
    real samples' target is ``1 - a`` instead of 1, the fake target stays 0:

        L_D = -E[(1 - a) log sigmoid(l_real) + a log(1 - sigmoid(l_real))]
              - E[log(1 - sigmoid(l_fake))]

    Args:
        real_logits: discriminator logits on real data, shape ``(batch, ...)``.
        fake_logits: discriminator logits on generated data.
        label_smoothing: ``a`` in [0, 1); 0 is the unsmoothed loss.

    Returns:
        A scalar tensor.
    """
    real_term = _log_sigmoid(real_logits)
    if label_smoothing:
        real_term = (1.0 - label_smoothing) * real_term + label_smoothing * _log_one_minus_sigmoid(real_logits)
    return -ops.mean(real_term) - ops.mean(_log_one_minus_sigmoid(fake_logits))


def minimax_generator_loss(fake_logits):
    """Generator loss of the original, saturating minimax game (Goodfellow et al. 2014).

        L_G = E[log(1 - sigmoid(l_fake))]

    The generator descends it. Its gradient vanishes when the discriminator
    confidently rejects the samples, which is why the paper recommends the
    non-saturating form in practice.
    """
    return ops.mean(_log_one_minus_sigmoid(fake_logits))


def non_saturating_discriminator_loss(real_logits, fake_logits, label_smoothing: float = 0.0):
    """Discriminator loss of the non-saturating GAN: the same as the minimax one.

        L_D = -E[log sigmoid(l_real)] - E[log(1 - sigmoid(l_fake))]

    ``label_smoothing`` as in :func:`minimax_discriminator_loss`.
    """
    return minimax_discriminator_loss(real_logits, fake_logits, label_smoothing)


def non_saturating_generator_loss(fake_logits):
    """Non-saturating generator loss (Goodfellow et al. 2014, section 3).

        L_G = -E[log sigmoid(l_fake)]

    The generator ascends ``log D(G(z))`` instead of descending
    ``log(1 - D(G(z)))``: the same fixed point, strong gradients early on.
    """
    return -ops.mean(_log_sigmoid(fake_logits))


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """Critic loss of the Wasserstein GAN (Arjovsky et al. 2017, Algorithm 1).

    The critic ``f`` is an unbounded score, not a probability. It estimates
    the Wasserstein-1 distance as ``E[f(x)] - E[f(G(z))]`` (under a Lipschitz
    constraint: weight clipping, a gradient penalty or spectral
    normalisation) and ascends that estimate, so it descends

        L_D = E[f(G(z))] - E[f(x)]
    """
    return ops.mean(fake_logits) - ops.mean(real_logits)


def wasserstein_generator_loss(fake_logits):
    """Generator loss of the Wasserstein GAN (Arjovsky et al. 2017).

        L_G = -E[f(G(z))]
    """
    return -ops.mean(fake_logits)


def least_squares_discriminator_loss(real_logits, fake_logits):
    """Discriminator loss of the least-squares GAN (Mao et al. 2017, eq. 2).

    With the targets a = 0 (fake), b = 1 (real) and c = 1 (what the generator
    wants D to believe), on D's raw output (no sigmoid):

        L_D = 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]
    """
    return 0.5 * ops.mean(ops.square(real_logits - 1.0)) + 0.5 * ops.mean(ops.square(fake_logits))


def least_squares_generator_loss(fake_logits):
    """Generator loss of the least-squares GAN (Mao et al. 2017, eq. 2), c = 1.

        L_G = 1/2 E[(D(G(z)) - 1)^2]
    """
    return 0.5 * ops.mean(ops.square(fake_logits - 1.0))


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge discriminator loss (Lim & Ye 2017; Miyato et al. 2018, eq. 16).

        L_D = E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]

    Real scores above 1 and fake scores below -1 cost nothing.
    """
    return ops.mean(ops.relu(1.0 - real_logits)) + ops.mean(ops.relu(1.0 + fake_logits))


def hinge_generator_loss(fake_logits):
    """Generator loss that goes with the hinge loss (Miyato et al. 2018, eq. 17).

        L_G = -E[D(G(z))]
    """
    return -ops.mean(fake_logits)


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
        gp_weight: the gradient-penalty weight lambda the family comes with
            (10 for WGAN-GP, 0 for none).
        d_steps: recommended discriminator updates per generator update.
        supports_label_smoothing: whether ``discriminator`` takes a
            ``label_smoothing`` keyword (one-sided, real target ``1 - a``).
    """

    name: str
    discriminator: Callable
    generator: Callable
    score: Callable = ops.sigmoid
    threshold: float = 0.5
    gp_weight: float = 0.0
    d_steps: int = 1
    supports_label_smoothing: bool = False

    def scores(self, real_logits, fake_logits):
        """``(d_real, d_fake, d_accuracy)``: the mean score on each batch, and the share of samples judged right.

        A real sample is judged right when its score is above ``threshold``,
        a generated one when below; all three are float32 scalars.
        """
        real = ops.cast(self.score(real_logits), "float32")
        fake = ops.cast(self.score(fake_logits), "float32")
        right = [ops.reshape(ops.cast(real > self.threshold, "float32"), (-1,)),
                 ops.reshape(ops.cast(fake < self.threshold, "float32"), (-1,))]
        return ops.mean(real), ops.mean(fake), ops.mean(ops.concatenate(right))


def _identity(logits):
    return logits


LOSSES: dict[str, LossPair] = {
    "minimax": LossPair(
        "minimax", minimax_discriminator_loss, minimax_generator_loss, supports_label_smoothing=True
    ),
    "non_saturating": LossPair(
        "non_saturating",
        non_saturating_discriminator_loss,
        non_saturating_generator_loss,
        supports_label_smoothing=True,
    ),
    "wasserstein": LossPair(
        "wasserstein",
        wasserstein_discriminator_loss,
        wasserstein_generator_loss,
        score=_identity,
        threshold=0.0,
        d_steps=5,
    ),
    "wgan_gp": LossPair(
        "wgan_gp",
        wasserstein_discriminator_loss,
        wasserstein_generator_loss,
        score=_identity,
        threshold=0.0,
        gp_weight=10.0,
        d_steps=5,
    ),
    "least_squares": LossPair(
        "least_squares", least_squares_discriminator_loss, least_squares_generator_loss, score=_identity
    ),
    "hinge": LossPair(
        "hinge", hinge_discriminator_loss, hinge_generator_loss, score=_identity, threshold=0.0
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


def with_label_smoothing(pair: LossPair, label_smoothing: float) -> LossPair:
    """``pair`` with one-sided label smoothing (Salimans et al. 2016): the real target becomes ``1 - a``.

    Raises:
        ValueError: ``label_smoothing`` outside [0, 1), or a loss family
            without a probabilistic target (only minimax and non_saturating
            have one).
    """
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float)) or not 0 <= label_smoothing < 1:
        raise ValueError(f"label_smoothing must lie in [0, 1), got {label_smoothing!r}")
    if not label_smoothing:
        return pair
    if not pair.supports_label_smoothing:
        valid = sorted(name for name, p in LOSSES.items() if p.supports_label_smoothing)
        raise ValueError(f"label_smoothing needs a probabilistic loss ({', '.join(valid)}); got loss {pair.name!r}")
    smoothed = functools.partial(pair.discriminator, label_smoothing=label_smoothing)
    return dataclasses.replace(pair, discriminator=smoothed)
