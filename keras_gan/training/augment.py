"""Differentiable augmentation for GAN training (Zhao et al. 2020, DiffAugment).

Each transformation is a differentiable function of an image batch
``(batch, H, W, C)`` in [-1, 1], drawing its own random parameters per
example. The same policy is applied to the real and the generated batch, in
both phases of the step, so the discriminator never sees an un-augmented
sample and the generator's gradient flows back through the augmentation.
That is what lets a GAN train on a few thousand images without the
discriminator memorising them.

The policies, with the paper's ranges:

- ``color``: brightness shift in [-0.5, 0.5], saturation scale in [0, 2],
  contrast scale in [0.5, 1.5].
- ``translation``: a shift of up to 1/8 of the side in each direction,
  filled with zeros.
- ``cutout``: a square of half the side set to zero.

Beside them, the pixel-blitting transformations of adaptive discriminator
augmentation (Karras et al. 2020, ``keras_gan.training.ada``), each of which
only moves pixels, so images stay in [-1, 1]:

- :func:`x_flip`: a left-right mirror for half of the images;
- :func:`rotate90`: a rotation by 0, 90, 180 or 270 degrees, one of the four
  at random per image (square images only);
- :func:`integer_translation`: a shift by whole pixels, up to 1/8 of the
  side, with the border filled by reflection rather than zeros.

Example:
    >>> seed = keras.random.SeedGenerator(0)
    >>> augmented = diff_augment(images, "color,translation,cutout", seed)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Sequence

import keras
import tensorflow as tf
from keras import ops


def _per_example(x, seed, low=0.0, high=1.0):
    """Uniform numbers, one per example, shaped to broadcast over ``x``."""
    shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
    return keras.random.uniform(shape, low, high, dtype=x.dtype, seed=seed)


def brightness(x, seed=None):
    """Adds one uniform shift in [-0.5, 0.5] per image."""
    return x + _per_example(x, seed, -0.5, 0.5)


def saturation(x, seed=None):
    """Scales each pixel's distance from its channel mean by one factor in [0, 2] per image."""
    mean = ops.mean(x, axis=-1, keepdims=True)
    return (x - mean) * _per_example(x, seed, 0.0, 2.0) + mean


def contrast(x, seed=None):
    """Scales each image's distance from its mean by one factor in [0.5, 1.5]."""
    mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
    return (x - mean) * _per_example(x, seed, 0.5, 1.5) + mean


def _reflect(index, size: int):
    """Maps indices outside ``[0, size)`` back inside by mirroring at the edges (-1 -> 1, size -> size - 2)."""
    period = max(2 * (size - 1), 1)
    index = ops.abs(index) % period
    return ops.where(index >= size, period - index, index)


def _shift_matrices(shifts, size, dtype, reflect: bool = False):
    # Row i of example b picks source index i - shift[b]; tf.one_hot gives an
    # all-zero row for an index outside [0, size), which is the zero padding,
    # unless that index is mirrored back inside first.
    source = ops.arange(size)[None, :] - shifts[:, None]
    if reflect:
        source = _reflect(source, size)
    return tf.one_hot(source, size, dtype=dtype)


def _shift(x, ratio: float, seed, reflect: bool):
    height, width = x.shape[1], x.shape[2]
    max_dy, max_dx = int(height * ratio + 0.5), int(width * ratio + 0.5)
    batch = ops.shape(x)[0]
    dy = keras.random.randint((batch,), -max_dy, max_dy + 1, seed=seed)
    dx = keras.random.randint((batch,), -max_dx, max_dx + 1, seed=seed)
    x = ops.einsum("bij,bjwc->biwc", _shift_matrices(dy, height, x.dtype, reflect), x)
    return ops.einsum("bkj,bijc->bikc", _shift_matrices(dx, width, x.dtype, reflect), x)


def translation(x, ratio: float = 0.125, seed=None):
    """Shifts each image by whole pixels, up to ``ratio`` of its side, zero-filled.

    The shift is a product with one-hot shift matrices, so the gradient with
    respect to ``x`` is exact.
    """
    return _shift(x, ratio, seed, reflect=False)


def integer_translation(x, ratio: float = 0.125, seed=None):
    """Shifts each image by whole pixels, up to ``ratio`` of its side, the border mirrored.

    ADA's integer translation: unlike :func:`translation`'s zeros, the
    mirrored border holds only values the image already has, so the
    discriminator gets no new kind of pixel to tell augmented images by.
    The gradient with respect to ``x`` is exact (one-hot shift matrices).
    """
    return _shift(x, ratio, seed, reflect=True)


def _per_example_choice(x, seed, choices: int):
    """One integer in ``[0, choices)`` per example, shaped to broadcast over ``x``."""
    shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
    return keras.random.randint(shape, 0, choices, seed=seed)


def x_flip(x, seed=None):
    """Mirrors each image left-right with probability 1/2.

    Half, not all: were every image mirrored, the mirrored digits would be
    the distribution the discriminator learns, and the generator would copy it.
    """
    flip = ops.equal(_per_example_choice(x, seed, 2), 1)
    return ops.where(flip, ops.flip(x, axis=2), x)


def rotate90(x, seed=None):
    """Rotates each square image by 0, 90, 180 or 270 degrees, each with probability 1/4.

    Raises:
        ValueError: for images that are not square, whose quarter turns
            would change their shape.
    """
    height, width = x.shape[1], x.shape[2]
    if height != width:
        raise ValueError(f"rotate90 needs square images; got images of shape {tuple(x.shape[1:])}")
    turns = _per_example_choice(x, seed, 4)
    rotated = x
    for k in (1, 2, 3):
        rotated = ops.where(ops.equal(turns, k), ops.rot90(x, k=k, axes=(1, 2)), rotated)
    return rotated


def cutout(x, ratio: float = 0.5, seed=None):
    """Zeroes one square of ``ratio`` times the side per image, centred anywhere."""
    height, width = x.shape[1], x.shape[2]
    size_y, size_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    batch = ops.shape(x)[0]
    top = keras.random.randint((batch, 1), 0, height, seed=seed) - size_y // 2
    left = keras.random.randint((batch, 1), 0, width, seed=seed) - size_x // 2
    rows, cols = ops.arange(height)[None, :], ops.arange(width)[None, :]
    inside_y = ops.logical_and(rows >= top, rows < top + size_y)  # (batch, H)
    inside_x = ops.logical_and(cols >= left, cols < left + size_x)  # (batch, W)
    cut = ops.logical_and(inside_y[:, :, None], inside_x[:, None, :])
    keep = ops.cast(ops.logical_not(cut), x.dtype)[..., None]
    return x * keep


POLICIES = {
    "color": (brightness, saturation, contrast),
    "translation": (translation,),
    "cutout": (cutout,),
}


def parse_policy(policy: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"color,translation"`` or ``["color", "translation"]`` -> ``("color", "translation")``.

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if not policy:
        return ()
    names = policy.split(",") if isinstance(policy, str) else list(policy)
    names = tuple(name.strip() for name in names if name.strip())
    unknown = [name for name in names if name not in POLICIES]
    if unknown:
        raise ValueError(
            f"unknown DiffAugment policy {', '.join(map(repr, unknown))}; valid: {', '.join(POLICIES)}"
        )
    return names


def diff_augment(x, policy: str | Sequence[str], seed=None):
    """Applies every transformation of ``policy`` to the image batch ``x``, in order.

    Args:
        x: images ``(batch, H, W, C)``.
        policy: names from ``POLICIES``, as a comma-separated string or a list.
        seed: a ``keras.random.SeedGenerator``, which advances at every draw,
            so each transformation and each call gets fresh parameters.
    """
    for name in parse_policy(policy):
        for transform in POLICIES[name]:
            x = transform(x, seed=seed)
    return x
