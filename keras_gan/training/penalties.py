"""Regularisers of the discriminator: input-gradient penalties, their lazy schedule, weight clipping.

- :func:`gradient_penalty`, WGAN-GP (Gulrajani et al. 2017):
  ``GP = E[(||grad D(x_hat)||_2 - 1)^2]`` on interpolates ``x_hat`` between
  real and generated samples, weighted by lambda (10 in the paper).
- :func:`r1_penalty`, R1 (Mescheder et al. 2018): ``R1 = E_x[||grad D(x)||_2^2]``
  on real samples, weighted by ``gamma / 2``.
- :func:`lazy`, lazy regularisation (Karras et al. 2020, section 3.1): a
  penalty computed on every ``n``-th discriminator update only, at ``n`` times
  its weight, so that its average weight is unchanged and the other updates
  skip the second backward pass.
- :func:`clip_weights`, the original WGAN's Lipschitz constraint (Arjovsky et
  al. 2017): every weight clipped to ``[-c, c]`` after each update.

The penalties take the critic as a function ``x -> scores``, the
discriminator as it runs in the training step, and are called inside the
tape that differentiates the discriminator's loss: each opens a tape of its
own for the input gradient.
"""

from __future__ import annotations

from typing import Callable

import keras
import tensorflow as tf
from keras import ops

from keras_gan import checks


def _squared_norms(grads):
    """Per-example squared L2 norm of a batch of gradients."""
    return ops.sum(ops.reshape(ops.square(grads), (ops.shape(grads)[0], -1)), axis=1)


def _input_gradients(critic: Callable, inputs):
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        scores = critic(inputs)
    return tape.gradient(scores, inputs)


def interpolate(real, fake, alpha):
    """Points ``alpha * real + (1 - alpha) * fake`` on the segments between pairs.

    ``alpha`` holds one number per example, shape ``(batch,)``.
    """
    alpha = ops.reshape(ops.cast(alpha, real.dtype), (-1,) + (1,) * (len(real.shape) - 1))
    return fake + alpha * (real - fake)


def gradient_penalty(critic: Callable, real, fake, alpha, epsilon: float = 1e-12):
    """The WGAN-GP gradient penalty, without its weight (Gulrajani et al. 2017, eq. 3).

        x_hat = alpha x + (1 - alpha) G(z),   alpha ~ U[0, 1], one per example
        GP = E[(||grad_x_hat D(x_hat)||_2 - 1)^2]

    The loss of WGAN-GP is ``L_D + lambda * GP`` with lambda = 10. The norm is
    computed as ``sqrt(sum g^2 + epsilon)``, so the penalty and its gradient
    stay finite where the critic's gradient is zero (the plain ``sqrt`` has
    an infinite derivative at 0).

    Args:
        critic: ``x -> scores``, the critic as it runs in the training step.
        real: a real batch (what the critic sees).
        fake: a generated batch of the same shape.
        alpha: ``(batch,)`` numbers in [0, 1], drawn uniformly per example.
        epsilon: keeps the norm differentiable at zero.

    Returns:
        A scalar tensor.
    """
    grads = _input_gradients(critic, interpolate(real, fake, alpha))
    norms = ops.sqrt(_squared_norms(grads) + epsilon)
    return ops.mean(ops.square(norms - 1.0))


def r1_penalty(critic: Callable, real):
    """The R1 penalty on real data, without its weight (Mescheder et al. 2018, eq. 9).

        R1 = E_x[||grad_x D(x)||_2^2]

    The discriminator adds ``gamma / 2 * R1`` to its loss.

    Args:
        critic: ``x -> logits``, the discriminator as it runs in the training step.
        real: a real batch (what the discriminator sees).

    Returns:
        A scalar tensor.
    """
    return ops.mean(_squared_norms(_input_gradients(critic, real)))


def weighted_penalty(
    critic: Callable, real, fake, *, gp_weight: float, r1_gamma: float, seed: keras.random.SeedGenerator
):
    """``gp_weight * GP + r1_gamma / 2 * R1``; a term whose weight is 0 is not computed.

    Args:
        critic: ``x -> scores``, the discriminator as it runs in the training step.
        real, fake: the batches the discriminator sees (after augmentation,
            noise and packing: with packing, each packed input is one
            example, so there is one interpolation coefficient per judgement).
        gp_weight: lambda of the gradient penalty.
        r1_gamma: gamma of R1.
        seed: the stream the interpolation coefficients ``alpha ~ U[0, 1]``
            are drawn from; it must serve nothing else, so that turning the
            penalty on leaves every other random draw as it was.
    """
    penalty = 0.0
    if gp_weight:
        alpha = keras.random.uniform((ops.shape(real)[0],), seed=seed)
        penalty += gp_weight * gradient_penalty(critic, real, fake, alpha)
    if r1_gamma:
        penalty += 0.5 * r1_gamma * r1_penalty(critic, real)
    return penalty


def lazy(penalty: Callable[[], object], every: int, updates):
    """A penalty computed on every ``every``-th update only (Karras et al. 2020, section 3.1).

    Args:
        penalty: computes the penalty (inside the discriminator's tape).
        every: 1 computes it on every update.
        updates: the updates applied so far (the discriminator optimizer's
            ``iterations``): update 0 is penalised, then every ``every``-th.

    Returns:
        ``(penalty, computed)``: the penalty of this update (0 between lazy
        ones) and 1.0 where it was computed, 0.0 where not. The caller adds
        ``every * penalty`` to the loss, so the penalty's average weight is
        its weight.
    """
    if every == 1:
        return penalty(), 1.0
    due = ops.equal(updates % every, 0)
    value = ops.cond(due, lambda: ops.cast(penalty(), "float32"), lambda: ops.zeros((), "float32"))
    return value, ops.cast(due, "float32")


def check_settings(gp_weight, r1_gamma, penalty_every, clip_value) -> tuple[float, float, int, float | None]:
    """Returns the regularisers' settings as numbers; raises ``ValueError`` naming the first bad one."""
    gp_weight = checks.number("gp_weight", gp_weight, zero=True)
    r1_gamma = checks.number("r1_gamma", r1_gamma, zero=True)
    penalty_every = checks.integer("penalty_every", penalty_every, 1)
    if clip_value is not None and (isinstance(clip_value, bool) or not isinstance(clip_value, (int, float)) or clip_value <= 0):
        raise ValueError(f"clip_value must be a positive number or None, got {clip_value!r}")
    return gp_weight, r1_gamma, penalty_every, clip_value


def clip_weights(variables, clip_value: float) -> None:
    """Clips every variable to ``[-clip_value, clip_value]`` (Arjovsky et al. 2017, Algorithm 1, c = 0.01)."""
    for variable in variables:
        variable.assign(ops.clip(variable, -clip_value, clip_value))
