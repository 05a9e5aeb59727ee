"""Discriminator rejection sampling (Azadi et al. 2019, "Discriminator Rejection Sampling", ICLR).

A discriminator trained to optimality against a fixed generator has the logit
``D*(x) = log p_data(x) - log p_g(x)``. Rejection sampling with the proposal
``p_g`` then needs only ``exp(D*(x) - max D*)`` as its acceptance probability
to return samples of ``p_data``. A GAN's own discriminator is not optimal for
the generator one samples from (it was trained against the raw generator, one
step behind, while ``generate`` may use the moving average), so
:func:`refit_discriminator` first trains a copy of it, generator fixed, on real
against generated samples: the paper's "keep training D" step.

The acceptance test is the paper's: with ``M`` the largest logit seen so far,
``F(x) = (D(x) - M) - log(1 - exp(D(x) - M - eps)) - gamma`` and ``x`` is kept
with probability ``sigmoid(F(x))``. ``gamma = 0`` is plain rejection sampling
(``sigmoid(F) = exp(D - M)``, up to ``eps``); a positive ``gamma`` rejects
more, a negative one less.

With PacGAN packing (``pack`` samples judged at once) the optimal
discriminator's logit is the sum of the members' log density ratios, since
the members of a pack are independent draws of one distribution:
``log p_data^m(x_1..x_m) - log p_g^m(x_1..x_m)``. Rejection sampling then
works on whole packs: a pack kept with probability ``exp(D - M)`` is a draw
of ``p_data^m``, so each of its members is a draw of ``p_data``. ``pack=``
in :func:`refit_discriminator` and :func:`rejection_sample` does that; the
acceptance rate is about the unpacked one to the power ``m``.

This changes how samples are drawn, not how the GAN is trained: a report that
uses it says so (``keras_gan.evaluate --rejection``, the mode-collapse
benchmark's "+ DRS" row).

Example:
    >>> critic = refit_discriminator(gan.discriminator, gan.sampling_generator, real_points)  # doctest: +SKIP
    >>> points, info = rejection_sample(gan.sampling_generator, critic, 2500, seed=0)         # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from keras_gan.training import inputs as layers_lib
from keras_gan import checks
from keras_gan.sampling import latent_vectors, predict_in_batches


class TooFewKept(ValueError):
    """:func:`rejection_sample` drew its ``max_proposals`` before it kept ``n`` samples."""


@dataclasses.dataclass(frozen=True)
class RejectionInfo:
    """What one :func:`rejection_sample` call did."""

    accepted: int
    proposed: int
    max_logit: float
    gamma: float
    pack: int = 1

    @property
    def acceptance(self) -> float:
        return self.accepted / self.proposed

    def describe(self) -> str:
        packs = f", whole packs of {self.pack} kept or rejected" if self.pack > 1 else ""
        return (
            f"discriminator rejection sampling (Azadi et al. 2019), gamma {self.gamma:g}{packs}: "
            f"kept {self.accepted} of {self.proposed} proposals ({self.acceptance:.1%})"
        )


def pack_samples(samples: np.ndarray, pack: int) -> np.ndarray:
    """Groups of ``pack`` consecutive samples as one discriminator input each (``keras_gan.training.inputs.Pack``)."""
    if pack == 1:
        return samples
    return keras.ops.convert_to_numpy(layers_lib.Pack(pack)(samples))


def refit_discriminator(
    discriminator: keras.Model,
    generator: keras.Model,
    real: np.ndarray,
    epochs: int = 2,
    batch_size: int = 256,
    learning_rate: float = 1e-4,
    seed: int = 0,
    pack: int = 1,
) -> keras.Model:
    """A copy of ``discriminator`` trained further on ``real`` against ``generator``'s samples.

    The generator stays fixed; the copy starts from the discriminator's
    weights and descends the logistic loss (real 1, generated 0) on as many
    generated samples as there are real ones, for ``epochs`` passes. The
    original discriminator is left untouched. The generated samples come
    from ``seed``; the batch order from Keras's global random state
    (``keras.utils.set_random_seed``). With ``pack > 1`` the discriminator
    judges packs: the real samples are shuffled (``seed``) into packs of
    ``pack``, the generated ones packed likewise, and left-over real samples
    that fill no pack are dropped.
    """
    pack = checks.integer("pack", pack, 1, numpy=True)
    real = np.asarray(real, dtype="float32")
    if len(real) < 2 * pack:
        raise ValueError(f"refit_discriminator needs at least {2 * pack} real samples; got {len(real)}")
    judged = tuple(real.shape[1:-1]) + (real.shape[-1] * pack,)
    if judged != tuple(discriminator.inputs[0].shape[1:]):
        raise ValueError(
            f"real samples of shape {real.shape[1:]} packed {pack} at a time give {judged}, which does not fit "
            f"the discriminator's input {tuple(discriminator.inputs[0].shape[1:])} (a packed discriminator "
            "needs pack= its GAN's pack)"
        )
    if pack > 1:
        real = real[np.random.default_rng(seed).permutation(len(real))[: len(real) - len(real) % pack]]
    critic = keras.models.clone_model(discriminator)
    critic.set_weights(discriminator.get_weights())
    # A GAN's discriminator is frozen; its clone comes back with trainable
    # set on the model but not on its layers, and setting True on a model
    # that already says True changes nothing. Off and on reaches every layer.
    critic.trainable = False
    critic.trainable = True
    fake = predict_in_batches(generator, latent_vectors(len(real), generator.inputs[0].shape[-1], seed), batch_size)
    real, fake = pack_samples(real, pack), pack_samples(fake.astype("float32"), pack)
    x = np.concatenate([real, fake])
    y = np.concatenate([np.ones(len(real), "float32"), np.zeros(len(fake), "float32")])[:, None]
    order = np.random.default_rng(seed).permutation(len(x))
    critic.compile(keras.optimizers.Adam(learning_rate), keras.losses.BinaryCrossentropy(from_logits=True))
    critic.fit(x[order], y[order], batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0)
    return critic


def acceptance_probability(logits, max_logit: float, gamma: float = 0.0, eps: float = 1e-6) -> np.ndarray:
    """``sigmoid(F)`` with ``F = (logit - M) - log(1 - exp(logit - M - eps)) - gamma``.

    With ``gamma = 0`` this is ``exp(logit - M)`` (up to ``eps``), the
    acceptance probability of exact rejection sampling when the logit is
    ``log p_data - log p_g``.
    """
    shifted = np.minimum(np.asarray(logits, dtype="float64").reshape(-1) - max_logit, 0.0)
    f = shifted - np.log1p(-np.exp(shifted - eps)) - gamma
    return 1.0 / (1.0 + np.exp(-f))


def rejection_sample(
    generator: keras.Model,
    critic: keras.Model,
    n: int,
    seed: int = 0,
    gamma: float = 0.0,
    burn_in: int = 10_000,
    batch_size: int = 1_000,
    max_proposals: int | None = None,
    pack: int = 1,
) -> tuple[np.ndarray, RejectionInfo]:
    """``n`` samples of ``generator`` kept by rejection on ``critic``'s logits; returns them and a :class:`RejectionInfo`.

    ``burn_in`` proposals set the first estimate of the largest logit ``M``;
    later proposals raise it when they exceed it, as in the paper. Raises
    :class:`TooFewKept` (a ``ValueError``) when ``max_proposals`` (default
    ``1000 * n``) are drawn before ``n`` are kept.

    With ``pack > 1`` the critic judges packs of ``pack`` consecutive
    proposals and a pack is kept or rejected whole (the module's note);
    ``burn_in``, ``batch_size`` and the counts in :class:`RejectionInfo` are
    in samples, rounded down to whole packs.
    """
    if n < 1:
        raise ValueError(f"n must be a positive integer, got {n}")
    pack = checks.integer("pack", pack, 1, numpy=True)
    batch_size, burn_in = batch_size - batch_size % pack, burn_in - burn_in % pack
    if batch_size < 1 or burn_in < 1:
        raise ValueError(f"batch_size and burn_in must hold at least one pack of {pack} samples")
    max_proposals = max_proposals or 1000 * n
    latent_dim = generator.inputs[0].shape[-1]
    rng = np.random.default_rng(seed)

    def propose(count: int):
        samples = predict_in_batches(generator, latent_vectors(count, latent_dim, int(rng.integers(2**31))), batch_size)
        packs = pack_samples(samples, pack)
        return samples, predict_in_batches(critic, packs, batch_size).reshape(-1)

    _, logits = propose(burn_in)
    max_logit = float(logits.max())
    kept, accepted, proposed = [], 0, 0
    while accepted < n:
        if proposed >= max_proposals:
            raise TooFewKept(
                f"rejection sampling kept {accepted} of {proposed} proposals, short of {n}; "
                "lower gamma or refit the discriminator"
            )
        samples, logits = propose(batch_size)
        max_logit = max(max_logit, float(logits.max()))
        keep = rng.uniform(size=len(logits)) < acceptance_probability(logits, max_logit, gamma)
        kept.append(samples[np.repeat(keep, pack)])
        accepted += pack * int(keep.sum())
        proposed += len(samples)
    return np.concatenate(kept)[:n], RejectionInfo(n, proposed, max_logit, float(gamma), pack)
