"""Drawing samples from a generator: latent vectors, class labels, batched inference.

Every way of sampling in keras_gan goes through :func:`sample`: ``GAN.generate``,
``ConditionalGAN.generate``, the ``generate`` and ``evaluate`` commands and the
latent-space tools. It takes any generator, a trained GAN's or one opened from
``generator.keras``:

* unconditional, ``z -> x``: ``n`` Gaussian latent vectors, reproducible for a seed;
* conditional, ``[z, label] -> x``: the same latent vectors with one class per
  sample, cycling through the classes unless ``labels`` says otherwise.

The module imports no model class, so the commands and the evaluation code
can sample without building a GAN.

Example:
    >>> generator = keras.models.load_model("runs/mnist-sample/generator.keras")  # doctest: +SKIP
    >>> images = sample(generator, 16, seed=0)                                    # doctest: +SKIP
    >>> sevens = sample(cgan_generator, 8, seed=0, labels=7)                      # doctest: +SKIP
"""

from __future__ import annotations

import keras
import numpy as np

from keras_gan import checks
from keras_gan.networks.conditional import LABEL_EMBEDDING


def latent_vectors(n: int, latent_dim: int, seed: int | None = None) -> np.ndarray:
    """``n`` standard-normal latent vectors ``(n, latent_dim)``, float32, reproducible for a given seed."""
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype("float32")


def predict_in_batches(model: keras.Model, inputs, batch_size: int = 256) -> np.ndarray:
    """Runs ``model`` in inference mode over ``inputs`` in chunks; float32 numpy out.

    ``inputs`` is one array, or a list of equally long arrays for a model with
    several inputs (e.g. ``[latent, labels]``); integer arrays stay integers.
    """
    several = isinstance(inputs, (list, tuple))
    arrays = [as_model_input(array) for array in (inputs if several else [inputs])]
    chunks = []
    for i in range(0, len(arrays[0]), batch_size):
        chunk = [array[i : i + batch_size] for array in arrays]
        chunks.append(keras.ops.convert_to_numpy(model(chunk if several else chunk[0], training=False)))
    return np.concatenate(chunks).astype("float32")


def as_model_input(array) -> np.ndarray:
    """``array`` as int32 when it holds integers (class labels), float32 otherwise."""
    array = np.asarray(array)
    return array.astype("int32") if np.issubdtype(array.dtype, np.integer) else array.astype("float32")


def is_conditional(generator: keras.Model) -> bool:
    """Whether ``generator`` takes ``[z, label]`` rather than ``z`` alone."""
    return len(generator.inputs) == 2


def num_classes_of(generator: keras.Model) -> int | None:
    """The number of classes of a conditional generator, read from its label embedding.

    Returns None for a generator without a layer named ``"label_embedding"``
    (for instance an unconditional one).
    """
    try:
        return int(generator.get_layer(LABEL_EMBEDDING).input_dim)
    except ValueError:
        return None


def class_labels(labels, n: int | None, num_classes: int) -> np.ndarray:
    """Turns a ``labels`` argument into one int32 label per sample.

    Args:
        labels: None (cycle through the classes: 0, 1, ..., 0, 1, ...), one
            class for all samples, or a sequence of classes.
        n: number of samples; with a sequence of labels, None or its length.
        num_classes: labels must lie in ``0..num_classes - 1``.
    """
    if labels is None or np.ndim(labels) == 0:
        if n is None or n < 1:
            raise ValueError(f"n must be a positive number of samples, got {n}")
        labels = np.arange(n) % num_classes if labels is None else np.full(n, labels)
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers (one class, or one per sample), got {labels!r}")
    if n is not None and len(labels) != n:
        raise ValueError(f"got {len(labels)} labels for n={n} samples")
    if len(labels) == 0 or labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"labels must lie in 0..{num_classes - 1}, got {sorted(set(labels.tolist()))}")
    return labels.astype("int32")


def sample(
    generator: keras.Model,
    n: int | None = None,
    seed: int | None = None,
    *,
    latent=None,
    labels=None,
    num_classes: int | None = None,
    batch_size: int = 256,
) -> np.ndarray:
    """Draws samples from ``generator`` in inference mode, as a float32 numpy array.

    Args:
        generator: ``z -> x``, or ``[z, label] -> x`` for a conditional one.
        n: number of samples; may be omitted when ``latent`` or a sequence of
            ``labels`` gives it.
        seed: makes the latent vectors (and so the samples) reproducible.
        latent: explicit generator inputs ``(n, ...)``: latent vectors, or
            the source images of an image-to-image generator; they replace
            the ones ``n`` and ``seed`` would draw.
        labels: for a conditional generator, one class for every sample, one
            class per sample, or None to cycle through the classes; must be
            None for an unconditional one.
        num_classes: a conditional generator's number of classes; read from
            its ``"label_embedding"`` layer when omitted. A generator without
            that layer needs ``labels`` or ``num_classes``.
        batch_size: samples per forward pass.

    Raises:
        ValueError: on a count, labels or latent vectors that do not fit.
    """
    if latent is not None:
        latent = np.asarray(latent, dtype="float32")
        if n is not None and n != len(latent):
            raise ValueError(f"got {len(latent)} latent vectors for n={n} samples")
        n = len(latent)
    elif n is None and labels is not None and np.ndim(labels) == 1:
        n = len(labels)
    if n is None:
        raise ValueError("sample needs n, latent vectors or a sequence of labels to know how many samples to draw")
    checks.integer("n", n, 1, numpy=True)
    if latent is None:
        latent = latent_vectors(n, int(generator.inputs[0].shape[-1]), seed)
    if not is_conditional(generator):
        if labels is not None:
            raise ValueError(f"generator {generator.name!r} takes no labels (it has one input), got labels={labels!r}")
        return predict_in_batches(generator, latent, batch_size)
    num_classes = num_classes or num_classes_of(generator)
    if num_classes is None and labels is not None:
        num_classes = int(np.max(labels)) + 1  # no embedding to read the classes from: any label given is valid
    if num_classes is None:
        raise ValueError(
            f"cannot tell how many classes {generator.name!r} has (no {LABEL_EMBEDDING!r} layer); pass num_classes="
        )
    return predict_in_batches(generator, [latent, class_labels(labels, n, num_classes)], batch_size)
