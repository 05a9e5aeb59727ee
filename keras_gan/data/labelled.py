"""A few labelled examples among many unlabelled ones, for semi-supervised training.

A semi-supervised GAN (Odena 2016; Salimans et al. 2016) learns from three
sets of the same dataset:

* a small labelled subset of the training split, balanced across the
  classes (``labels / num_classes`` examples of each), drawn by seed;
* the rest of the training split, whose labels are never read;
* the held-out split, used only to score the classifier.

:func:`load_labelled_split` builds the three from a named dataset and
:func:`make_semi_supervised_dataset` turns them into the batches the model
trains on: ``(unlabelled, (labelled, labels))``.

Example:
    >>> split = load_labelled_split("mnist-sample", labels=100, seed=0)
    >>> split.x_labelled.shape, split.x_unlabelled.shape, split.x_test.shape
    ((100, 28, 28, 1), (3900, 28, 28, 1), (1000, 28, 28, 1))
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from keras_gan.data import datasets
from keras_gan.evaluation import probe

DEFAULT_LABELS = 100


@dataclasses.dataclass
class LabelledSplit:
    """The labelled, unlabelled and held-out examples of one dataset.

    Attributes:
        x_labelled: the labelled training examples, scaled as ``datasets.load`` scales them.
        y_labelled: their int64 labels.
        x_unlabelled: the other training examples (their labels are not kept).
        x_test: the held-out examples, for scoring only.
        y_test: their labels.
        labelled_indices: where the labelled examples sit in the training split (sorted).
        num_classes: the number of classes.
    """

    x_labelled: np.ndarray
    y_labelled: np.ndarray
    x_unlabelled: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    labelled_indices: np.ndarray
    num_classes: int


def balanced_indices(y: np.ndarray, labels: int, seed: int | None = 0) -> np.ndarray:
    """Indices of ``labels`` examples, the same number from each class, drawn by ``seed``.

    Args:
        y: integer class labels of the whole training split.
        labels: how many examples to pick in all; a multiple of the number
            of classes in ``y``.
        seed: the draw; the same seed picks the same examples.

    Returns:
        The sorted indices into ``y``.

    Raises:
        ValueError: ``labels`` is not a positive multiple of the number of
            classes, or a class has too few examples.
    """
    y = np.asarray(y).reshape(-1)
    classes = np.unique(y)
    if isinstance(labels, bool) or not isinstance(labels, (int, np.integer)) or labels < 1:
        raise ValueError(f"labels must be a positive number of labelled examples, got {labels!r}")
    if labels % len(classes):
        raise ValueError(
            f"labels={labels} cannot be balanced across {len(classes)} classes; "
            f"use a multiple of {len(classes)}"
        )
    # The linear probe's draw, so that a probe and a semi-supervised run given one seed learn from the same labels.
    return probe.balanced_subset(y, labels // len(classes), seed)


def labelled_split(
    x: np.ndarray,
    y: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    labels: int = DEFAULT_LABELS,
    seed: int | None = 0,
) -> LabelledSplit:
    """Splits a training set into a balanced labelled subset and the unlabelled rest.

    Args:
        x, y: the training examples and their labels.
        x_test, y_test: the held-out examples, passed through for scoring.
        labels: labelled examples in all (see :func:`balanced_indices`).
        seed: which examples are labelled.
    """
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    if len(x_test) != len(y_test):
        raise ValueError(f"x_test and y_test must have the same length, got {len(x_test)} and {len(y_test)}")
    if labels >= len(x):
        raise ValueError(f"labels={labels} leaves no unlabelled examples among the {len(x)} training examples")
    picked = balanced_indices(y, labels, seed)
    rest = np.setdiff1d(np.arange(len(x)), picked)
    num_classes = int(max(np.max(y), np.max(y_test))) + 1
    return LabelledSplit(
        x_labelled=x[picked],
        y_labelled=np.asarray(y[picked], dtype=np.int64),
        x_unlabelled=x[rest],
        x_test=x_test,
        y_test=np.asarray(y_test, dtype=np.int64),
        labelled_indices=picked,
        num_classes=num_classes,
    )


def load_labelled_split(
    dataset: str = "mnist-sample",
    labels: int = DEFAULT_LABELS,
    seed: int | None = 0,
    image_shape: tuple[int, int, int] | None = None,
) -> LabelledSplit:
    """The labelled subset, the unlabelled rest of the training split and the held-out split of ``dataset``.

    Args:
        dataset: a named dataset with labels and a test split (``mnist-sample``,
            ``mnist``, ``fashion_mnist``, ``cifar10``).
        labels: labelled examples in all, balanced across the classes.
        seed: which training examples are labelled.
        image_shape: as for ``datasets.load``.

    Raises:
        ValueError: a dataset without labels or without a held-out split,
            or a ``labels`` that cannot be balanced.
    """
    if dataset not in datasets.DATASETS:
        raise ValueError(
            f"semi-supervised training needs a named dataset with labels and a held-out split; got {dataset!r} "
            f"(valid: {', '.join(name for name in datasets.DATASETS if name not in ('ring', 'grid'))})"
        )
    train = datasets.load(dataset, split="train", image_shape=image_shape)
    if train.y is None:
        raise ValueError(f"semi-supervised training needs class labels; dataset {dataset!r} has none")
    test = datasets.load(dataset, split="test", image_shape=image_shape)
    return labelled_split(train.x, train.y, test.x, test.y, labels=labels, seed=seed)


def make_semi_supervised_dataset(
    split: LabelledSplit, batch_size: int, labelled_batch_size: int | None = None, seed: int | None = None
) -> tf.data.Dataset:
    """Endless batches ``(unlabelled, (labelled, labels))``, what ``SemiSupervisedGAN`` trains on.

    The unlabelled examples come shuffled, a new order each pass, in full
    batches of ``batch_size``; the labelled ones, far fewer, are reshuffled
    and cycled on their own, ``labelled_batch_size`` at a time, so every
    step sees a labelled batch.

    Args:
        split: from :func:`labelled_split` or :func:`load_labelled_split`.
        batch_size: unlabelled examples per step.
        labelled_batch_size: labelled examples per step; ``batch_size``
            (capped at the number of labelled examples) when omitted.
        seed: seeds both shuffles.
    """
    labelled_batch_size = labelled_batch_size or min(batch_size, len(split.x_labelled))
    if not 0 < labelled_batch_size <= len(split.x_labelled):
        raise ValueError(
            f"labelled_batch_size must lie in 1..{len(split.x_labelled)} (the labelled examples), "
            f"got {labelled_batch_size}"
        )
    unlabelled = datasets.make_dataset(split.x_unlabelled, batch_size, seed=seed).repeat()
    labelled = (
        tf.data.Dataset.from_tensor_slices((split.x_labelled, split.y_labelled))
        .shuffle(len(split.x_labelled), seed=None if seed is None else seed + 1, reshuffle_each_iteration=True)
        .repeat()
        .batch(labelled_batch_size, drop_remainder=True)
    )
    return tf.data.Dataset.zip((unlabelled, labelled)).prefetch(tf.data.AUTOTUNE)
