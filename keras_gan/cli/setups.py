"""Data setups: load what a model family trains on and build its GAN, writing nothing.

Each family in :mod:`keras_gan.cli.families` names one of these as its
``setup``: :func:`unpaired` (images or points, labelled for a conditional
GAN), :func:`pairs` ((source, target) images), :func:`super_resolution`
(high-resolution images) or :func:`unpaired_domains` (two image domains
without pairs). Each returns a :class:`Prepared`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_gan.cli import families
from keras_gan.cli.build import build_gan
from keras_gan.cli.config import TrainConfig
from keras_gan.data import catalog, pairs as paired_data
from keras_gan.data import datasets as data
from keras_gan.models.gan import GAN
from keras_gan.models.network_checks import check_data_range, output_range  # noqa: F401  (the run's data check)
from keras_gan.training.distribution import steps_per_epoch
from keras_gan.models.paired import HeldOutScores
from keras_gan.models.semi_supervised import HeldOutAccuracy
from keras_gan.data import labelled as labelled_data
from keras_gan.data import unpaired as unpaired_data
from keras_gan.models.cyclegan import GENERATOR_FILES
from keras_gan.training import callbacks


@dataclasses.dataclass
class Prepared:
    """What a run or a resume builds from a config before writing anything.

    Attributes:
        gan: the compiled GAN (or ``PairedGAN``), untrained.
        pipeline: the repeating, shuffled training batches.
        steps: training steps per epoch.
        kind: the data's kind, ``"image"`` or ``"points"``.
        modes: a named 2-D mixture's mode centres, else ``None``.
        grid_inputs: a paired model's fixed sources for the sample grids.
        callbacks: callbacks the run adds before its directory's own.
    """

    gan: GAN
    pipeline: tf.data.Dataset
    steps: int
    kind: str
    modes: np.ndarray | None
    grid_inputs: np.ndarray | None = None
    callbacks: list = dataclasses.field(default_factory=list)


def unpaired(config: TrainConfig) -> Prepared:
    """Images or points (with their labels for a family that needs them) and the GAN that imitates them."""
    family = families.get(config.model)
    dataset = data.load(
        config.dataset, image_shape=config.image_shape, seed=config.seed, skip_invalid=config.skip_invalid
    )
    if family.labelled and dataset.y is None:
        raise ValueError(f"model {config.model!r} needs class labels; dataset {config.dataset!r} has none")
    steps = config.steps_per_epoch or steps_per_epoch(len(dataset.x), config.batch_size)
    gan = build_gan(config, dataset.sample_shape, total_steps=config.epochs * steps, num_classes=dataset.num_classes)
    x = check_data_range(dataset.x, gan.generator, rescale=config.rescale)
    labels = dataset.y if family.labelled else None
    pipeline = data.make_dataset(x, config.batch_size, y=labels, seed=config.seed).repeat()
    modes = data.mixture(config.dataset)[0] if config.dataset in data.DATASETS and dataset.kind == "points" else None
    return Prepared(gan, pipeline, steps, dataset.kind, modes)


def pairs(config: TrainConfig) -> Prepared:
    """(source, target) pairs, and the GAN that translates one into the other.

    A named dataset's held-out pairs are scored after every epoch against
    the source itself (the identity baseline) and fill the sample grids; a
    folder has no held-out split, so its grids show training sources.
    """
    x, y = paired_data.load_pairs(config.dataset, image_shape=config.image_shape, direction=config.direction)
    steps = config.steps_per_epoch or steps_per_epoch(len(x), config.batch_size)
    gan = build_gan(config, y.shape[1:], total_steps=config.epochs * steps)
    pipeline = data.make_dataset(x, config.batch_size, y=y, seed=config.seed).repeat()
    if config.dataset not in catalog.DATASETS:
        return Prepared(gan, pipeline, steps, "image", None, x[: config.samples])
    sources, targets = paired_data.load_pairs(config.dataset, split="test", image_shape=config.image_shape)
    scores = []
    if sources.shape == targets.shape:
        scores = [_held_out_scores(config, sources, targets, sources, "identity")]
    return Prepared(gan, pipeline, steps, "image", None, sources[: config.samples], scores)


def super_resolution(config: TrainConfig) -> Prepared:
    """High-resolution images (the GAN downsamples each batch in its step) and a super-resolution GAN.

    A named dataset's held-out images are scored after every epoch against
    bicubic upsampling and fill the sample grids.
    """
    x = data.load(config.dataset, image_shape=config.image_shape, skip_invalid=config.skip_invalid).x
    steps = config.steps_per_epoch or steps_per_epoch(len(x), config.batch_size)
    gan = build_gan(config, x.shape[1:], total_steps=config.epochs * steps)
    pipeline = data.make_dataset(x, config.batch_size, seed=config.seed).repeat()
    if config.dataset not in catalog.DATASETS:
        sources = paired_data.super_resolution_pairs(x[: config.samples], config.scale)[0]
        return Prepared(gan, pipeline, steps, "image", None, sources)
    test = data.load(config.dataset, split="test", image_shape=config.image_shape).x
    sources, targets = paired_data.super_resolution_pairs(test, config.scale)
    baseline = paired_data.upsample_bicubic(sources, config.scale)
    scores = [_held_out_scores(config, sources, targets, baseline, "bicubic")]
    return Prepared(gan, pipeline, steps, "image", None, sources[: config.samples], scores)


def unpaired_domains(config: TrainConfig) -> Prepared:
    """Images of two domains with no pairs, and the CycleGAN that translates between them.

    The digits demo's held-out digits, whose translations are known, are
    scored after every epoch against the identity (as pix2pix's pairs are)
    and fill the sample grids; a folder's grids show its ``testA/`` images
    (``trainA/``'s when it has none). F, the B -> A generator, is written as
    ``generator_BtoA.keras`` beside ``generator.keras`` (G).
    """
    train = unpaired_data.load_unpaired(config.dataset, "train", config.image_shape)
    steps = config.steps_per_epoch or unpaired_data.steps_per_epoch(train.a, train.b, config.batch_size)
    gan = build_gan(config, train.a.shape[1:], total_steps=config.epochs * steps)
    if gan.pool_size and config.batch_size > gan.pool_size:
        raise ValueError(f"batch_size {config.batch_size} exceeds the CycleGAN's history buffer of {gan.pool_size} images")
    pipeline = unpaired_data.unpaired_dataset(train.a, train.b, config.batch_size, seed=config.seed)
    reverse = _SaveAtEnd(lambda: gan.generator_ba, Path(config.out) / GENERATOR_FILES["BtoA"])
    if config.dataset in catalog.DATASETS:
        test = unpaired_data.load_unpaired(config.dataset, "test", config.image_shape)
        scores = _held_out_scores(config, test.a, test.b, test.a, "identity")
        return Prepared(gan, pipeline, steps, "image", None, test.a[: config.samples], [scores, reverse])
    test_a = Path(config.dataset) / "testA"
    grid = data.scale_images(data.load_image_folder(test_a, config.image_shape)) if test_a.is_dir() else train.a
    return Prepared(gan, pipeline, steps, "image", None, grid[: config.samples], [reverse])


def semi_supervised(config: TrainConfig) -> Prepared:
    """A few labelled images, the unlabelled rest, and the semi-supervised GAN that learns from both.

    ``config.labels`` training images keep their labels (as many of each
    class, drawn by ``config.seed``). The held-out split's accuracy is logged
    after every epoch as ``test_accuracy``, and the classifier is written as
    ``classifier.keras`` (a plain Keras model: images in [-1, 1] -> class
    probabilities) when training ends.
    """
    split = labelled_data.load_labelled_split(config.dataset, config.labels, seed=config.seed,
                                              image_shape=config.image_shape)
    steps = config.steps_per_epoch or steps_per_epoch(len(split.x_unlabelled), config.batch_size)
    gan = build_gan(config, split.x_unlabelled.shape[1:], total_steps=config.epochs * steps,
                    num_classes=split.num_classes)
    pipeline = labelled_data.make_semi_supervised_dataset(split, config.batch_size, seed=config.seed)
    classifier = _SaveAtEnd(gan.classifier, Path(config.out) / CLASSIFIER_FILE)
    accuracy = HeldOutAccuracy(split.x_test, split.y_test)
    return Prepared(gan, pipeline, steps, "image", None, callbacks=[accuracy, classifier])


# Where a semi-supervised run writes its classifier.
CLASSIFIER_FILE = "classifier.keras"


class _SaveAtEnd(keras.callbacks.Callback):
    """Writes the model ``model()`` returns to ``path`` when training ends."""

    def __init__(self, model: Callable[[], keras.Model], path: Path):
        super().__init__()
        self.model_to_save, self.path = model, path

    def on_train_end(self, logs=None):
        callbacks.save_generator(self.model_to_save(), self.path)


def _held_out_scores(config, sources, targets, baseline, name) -> HeldOutScores:
    out = Path(config.out)
    return HeldOutScores(sources, targets, baseline, name, out / "held_out_scores.json", out / "samples" / "held_out.png")
