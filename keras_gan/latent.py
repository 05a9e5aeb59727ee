"""Walking a generator's latent space: interpolation, GIFs and latent arithmetic.

Everything here works on any saved generator, unconditional ``z -> x`` or
conditional ``[z, label] -> x`` (then pass ``labels``):

* :func:`lerp` and :func:`slerp` interpolate between latent points. Under a
  Gaussian prior, points far from the sphere of radius ``sqrt(latent_dim)``
  are unlikely; the straight line between two typical points passes closer
  to the origin than either, while the spherical path keeps the norm of
  equal-norm endpoints (White 2016, "Sampling Generative Networks").
* :func:`interpolation_latents` / :func:`interpolation_grid` lay paths out as
  rows of a grid; :func:`save_interpolation_gif` animates them.
* :func:`latent_arithmetic` adds and subtracts averages of latent vectors, as
  in Radford et al. (2015): averaging a few vectors whose samples share a
  property gives a steadier "concept vector" than any one of them.
  :func:`find_latents` picks such vectors with any scoring function (for
  example a classifier's probability of one class).

Example:
    >>> generator = keras.models.load_model("runs/mnist-sample/generator.keras")  # doctest: +SKIP
    >>> images = interpolation_grid(generator, rows=4, steps=8, seed=0)          # doctest: +SKIP
    >>> save_interpolation_gif(generator, "walk.gif", rows=4, steps=16, seed=0)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Callable, Sequence

import keras
import numpy as np

from keras_gan import checks, visualization
from keras_gan.sampling import is_conditional, latent_vectors, sample

METHODS = ("slerp", "linear")


def _fractions(t) -> np.ndarray:
    t = np.asarray(t, dtype="float64")
    return t.reshape(t.shape + (1,))


def lerp(start, end, t) -> np.ndarray:
    """Linear interpolation ``(1 - t) * start + t * end``.

    Args:
        start, end: latent vectors of the same shape ``(d,)``.
        t: a fraction, or an array of fractions (0 gives ``start``, 1 ``end``).

    Returns:
        float32 array of shape ``t.shape + (d,)``.

    Example:
        >>> lerp([0.0, 2.0], [4.0, 2.0], [0.0, 0.25, 1.0])
        array([[0., 2.],
               [1., 2.],
               [4., 2.]], dtype=float32)
    """
    start, end = _pair(start, end)
    t = _fractions(t)
    return ((1.0 - t) * start + t * end).astype("float32")


def slerp(start, end, t, epsilon: float = 1e-7) -> np.ndarray:
    """Spherical linear interpolation (Shoemake 1985) between two latent vectors.

    ``sin((1 - t) w) / sin(w) * start + sin(t w) / sin(w) * end`` with ``w`` the
    angle between the vectors: it moves at constant angular speed, and for
    endpoints of equal norm every point keeps that norm. Nearly parallel
    vectors (``sin(w)`` below ``epsilon``) fall back to :func:`lerp`.

    Args:
        start, end: latent vectors of the same shape ``(d,)``, not zero.
        t: a fraction, or an array of fractions.
        epsilon: threshold on ``sin(w)`` for the linear fallback.

    Returns:
        float32 array of shape ``t.shape + (d,)``.

    Example:
        >>> slerp([1.0, 0.0], [0.0, 1.0], 0.5)  # doctest: +NORMALIZE_WHITESPACE
        array([0.70710677, 0.70710677], dtype=float32)
    """
    start, end = _pair(start, end)
    norms = np.linalg.norm(start), np.linalg.norm(end)
    if min(norms) == 0:
        raise ValueError("slerp needs two non-zero vectors (the angle to a zero vector is undefined)")
    cos_angle = np.clip(np.dot(start / norms[0], end / norms[1]), -1.0, 1.0)
    angle = np.arccos(cos_angle)
    sin_angle = np.sin(angle)
    if sin_angle < epsilon:
        return lerp(start, end, t)
    t = _fractions(t)
    points = (np.sin((1.0 - t) * angle) * start + np.sin(t * angle) * end) / sin_angle
    return points.astype("float32")


def interpolate(start, end, steps: int, method: str = "slerp") -> np.ndarray:
    """``steps`` evenly spaced points from ``start`` to ``end``, both included: ``(steps, d)``."""
    if method not in METHODS:
        raise ValueError(f"unknown interpolation method {method!r}; valid: {', '.join(METHODS)}")
    checks.integer("steps", steps, 2, numpy=True, also=" (the two endpoints included)")
    fractions = np.linspace(0.0, 1.0, steps)
    return (slerp if method == "slerp" else lerp)(start, end, fractions)


def interpolation_path(points, steps: int, method: str = "slerp", closed: bool = False) -> np.ndarray:
    """A path through several latent points, ``steps`` points per segment.

    Each keypoint appears once; with ``closed`` the path returns to the first
    point (without repeating it), so that an animation loops smoothly.

    Args:
        points: ``(k, d)`` keypoints, k >= 2.
        steps: points per segment, the segment's start included.
        method: ``"slerp"`` or ``"linear"``.
        closed: go back from the last keypoint to the first.

    Returns:
        ``(segments * steps + (0 if closed else 1), d)`` float32 array.
    """
    points = np.asarray(points, dtype="float32")
    if points.ndim != 2 or len(points) < 2:
        raise ValueError(f"points must be (k, d) with k >= 2 keypoints, got shape {points.shape}")
    ends = list(points[1:]) + ([points[0]] if closed else [])
    segments = [interpolate(a, b, steps + 1, method)[:-1] for a, b in zip(points, ends)]
    if not closed:
        segments.append(points[-1:])
    return np.concatenate(segments).astype("float32")


def interpolation_latents(
    latent_dim: int, rows: int, steps: int, seed: int | None = None, method: str = "slerp"
) -> np.ndarray:
    """``rows`` paths between pairs of prior samples, ``steps`` points each: ``(rows * steps, d)``, row-major."""
    checks.integer("rows", rows, 1, numpy=True)
    ends = latent_vectors(2 * rows, latent_dim, seed)
    return np.concatenate([interpolate(ends[2 * i], ends[2 * i + 1], steps, method) for i in range(rows)])


def render(generator: keras.Model, latent, labels=None, batch_size: int = 256) -> np.ndarray:
    """Runs any generator on latent vectors; a conditional one also needs ``labels``.

    Args:
        generator: ``z -> x`` or ``[z, label] -> x``.
        latent: ``(n, latent_dim)``.
        labels: for a conditional generator, one class for all samples or one
            per sample (required: a walk through latent space keeps its class);
            must be None for an unconditional one.
    """
    if is_conditional(generator) and labels is None:
        raise ValueError(f"generator {generator.name!r} is conditional ([z, label]); pass labels=")
    return sample(generator, latent=latent, labels=labels, batch_size=batch_size)


def latent_dim_of(generator: keras.Model) -> int:
    """The size of the generator's latent vector (its first input)."""
    return int(generator.inputs[0].shape[-1])


def interpolation_grid(
    generator: keras.Model,
    rows: int = 8,
    steps: int = 8,
    seed: int | None = None,
    method: str = "slerp",
    labels=None,
) -> np.ndarray:
    """Samples along ``rows`` latent paths, ``(rows * steps, ...)``, ready for ``make_grid(cols=steps)``.

    Row ``i`` walks from one prior sample to another; ``labels`` (a class, or
    one per row) fixes the class of a conditional generator along each row.
    """
    latent = interpolation_latents(latent_dim_of(generator), rows, steps, seed, method)
    if labels is not None and np.ndim(labels) == 1:
        labels = np.repeat(np.asarray(labels), steps)
    return render(generator, latent, labels)


def save_interpolation_grid(path, generator, rows=8, steps=8, seed=None, method="slerp", labels=None) -> str:
    """Writes :func:`interpolation_grid` as a PNG, one path per row."""
    images = interpolation_grid(generator, rows, steps, seed, method, labels)
    return visualization.save_image_grid(images, path, rows=rows, cols=steps)


def interpolation_frames(images: np.ndarray, rows: int, steps: int, pad_value: int = 0) -> list[np.ndarray]:
    """Turns ``(rows * steps, H, W, C)`` samples into animation frames, there and back again.

    Frame ``j`` shows step ``j`` of every row side by side; the steps run
    forward then backward (``0 .. steps-1 .. 1``), so a looping GIF has no jump.
    """
    images = np.asarray(images)
    if len(images) != rows * steps:
        raise ValueError(f"expected rows * steps = {rows * steps} images, got {len(images)}")
    per_step = images.reshape((rows, steps) + images.shape[1:])
    order = list(range(steps)) + list(range(steps - 2, 0, -1))
    return [visualization.make_grid(per_step[:, j], rows=1, cols=rows, pad_value=pad_value) for j in order]


def save_interpolation_gif(
    path: str | os.PathLike,
    generator: keras.Model,
    rows: int = 8,
    steps: int = 16,
    seed: int | None = None,
    method: str = "slerp",
    labels=None,
    duration_ms: int = 80,
) -> str:
    """Animates :func:`interpolation_grid`: ``rows`` walks side by side, looping back and forth.

    The GIF has ``2 * steps - 2`` frames; the PNG of the same arguments,
    :func:`save_interpolation_grid`, shows all its steps at once.
    """
    images = interpolation_grid(generator, rows, steps, seed, method, labels)
    return visualization.save_gif(interpolation_frames(images, rows, steps), path, duration_ms=duration_ms)


def latent_arithmetic(plus: Sequence, minus: Sequence = ()) -> np.ndarray:
    """Sum of the mean vectors of ``plus`` groups minus those of ``minus`` groups.

    Each group is one latent vector ``(d,)`` or several ``(k, d)``, averaged
    first. Radford et al. (2015): mean(smiling woman) - mean(neutral woman) +
    mean(neutral man) gives a smiling man.

    Example:
        >>> latent_arithmetic(plus=[[[1.0, 0.0], [3.0, 0.0]], [0.0, 1.0]], minus=[[1.0, 1.0]])
        array([1., 0.], dtype=float32)
    """
    if len(plus) == 0:
        raise ValueError("latent_arithmetic needs at least one group to add")
    means = [_group_mean(group) for group in plus]
    result = np.sum(means, axis=0)
    for group in minus:
        mean = _group_mean(group)
        if mean.shape != result.shape:
            raise ValueError(f"all groups must have the same latent size, got {mean.shape} and {result.shape}")
        result = result - mean
    return result.astype("float32")


def parse_arithmetic(expression: str) -> tuple[list[list[int]], list[list[int]]]:
    """Reads ``"3,17 - 5 + 11"`` as index groups: plus ``[[3, 17], [11]]``, minus ``[[5]]``.

    Groups are comma-separated sample indices joined by ``+`` or ``-``; the
    first group is added.
    """
    plus: list[list[int]] = []
    minus: list[list[int]] = []
    sign = "+"
    token = ""
    for char in expression.replace(" ", "") + "+":
        if char in "+-":
            if not token:
                raise ValueError(f"arithmetic expression {expression!r} has an empty group")
            try:
                group = [int(index) for index in token.split(",")]
            except ValueError:
                raise ValueError(
                    f"arithmetic expression {expression!r}: groups are comma-separated sample indices, got {token!r}"
                ) from None
            (plus if sign == "+" else minus).append(group)
            sign, token = char, ""
        else:
            token += char
    return plus, minus


def arithmetic_from_indices(latent: np.ndarray, expression: str) -> tuple[np.ndarray, np.ndarray]:
    """Evaluates :func:`parse_arithmetic` on rows of ``latent``.

    Returns:
        ``(group_means, result)``: the mean vector of each group in the
        expression's order, ``(groups, d)``, and the combined vector ``(d,)``.
    """
    latent = np.asarray(latent, dtype="float32")
    plus, minus = parse_arithmetic(expression)
    for index in (i for group in plus + minus for i in group):
        if not 0 <= index < len(latent):
            raise ValueError(f"sample index {index} is out of range 0..{len(latent) - 1}")
    groups = [latent[group] for group in plus] + [latent[group] for group in minus]
    means = np.stack([_group_mean(group) for group in groups])
    return means, latent_arithmetic([latent[g] for g in plus], [latent[g] for g in minus])


def find_latents(
    generator: keras.Model,
    score: Callable[[np.ndarray], np.ndarray],
    k: int,
    candidates: int = 1000,
    seed: int | None = None,
    labels=None,
) -> np.ndarray:
    """The ``k`` latent vectors, of ``candidates`` prior samples, whose samples score highest.

    Args:
        generator: any generator (``labels`` for a conditional one).
        score: samples ``(n, ...)`` -> one number per sample, e.g.
            ``lambda x: classifier.predict(x)[:, 7]``.
        k: how many to keep, best first.
        candidates: how many prior samples to draw and score.
        seed: seeds the candidates.

    Returns:
        ``(k, latent_dim)`` float32 array.
    """
    if not 1 <= k <= candidates:
        raise ValueError(f"k must lie in 1..candidates={candidates}, got {k}")
    latent = latent_vectors(candidates, latent_dim_of(generator), seed)
    scores = np.asarray(score(render(generator, latent, labels))).reshape(-1)
    if len(scores) != candidates:
        raise ValueError(f"score returned {len(scores)} numbers for {candidates} samples")
    return latent[np.argsort(-scores, kind="stable")[:k]]


def _pair(start, end) -> tuple[np.ndarray, np.ndarray]:
    start = np.asarray(start, dtype="float64")
    end = np.asarray(end, dtype="float64")
    if start.shape != end.shape or start.ndim != 1:
        raise ValueError(f"start and end must be vectors of the same size, got shapes {start.shape} and {end.shape}")
    return start, end


def _group_mean(group) -> np.ndarray:
    group = np.asarray(group, dtype="float64")
    if group.ndim == 1:
        return group
    if group.ndim != 2 or len(group) == 0:
        raise ValueError(f"a group is one latent vector (d,) or several (k, d), got shape {group.shape}")
    return group.mean(axis=0)
