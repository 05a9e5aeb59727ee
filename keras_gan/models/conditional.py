"""Conditional GAN (Mirza & Osindero 2014): the class label goes into both networks.

``ConditionalGAN`` reuses :class:`keras_gan.GAN`'s training step unchanged and
only fills in its hooks: batches unpack to ``(images, labels)``, the generator
runs on ``[z, labels]``, the discriminator judges ``[images, labels]`` (the
real labels for real images, the asked-for labels for generated ones), and the
combined model is ``[z, y] -> D([G([z, y]), y])`` with D frozen inside, so its
trainable variables are exactly the generator's.

Example:
    >>> from keras_gan import data, networks
    >>> mnist = data.load("mnist-sample")
    >>> gan = ConditionalGAN(networks.conditional_generator(100, (28, 28, 1)),
    ...                      networks.conditional_discriminator((28, 28, 1)))
    >>> gan.compile()
    >>> gan.fit(data.make_dataset(mnist.x, 64, y=mnist.y), epochs=10)  # doctest: +SKIP
    >>> sevens = gan.generate(16, labels=7, seed=0)                     # doctest: +SKIP
"""

from __future__ import annotations

import keras
import numpy as np

from keras_gan.models.gan import GAN, latent_vectors, predict_in_batches
from keras_gan.networks.conditional import LABEL_EMBEDDING, label_input


def num_classes_of(generator: keras.Model) -> int | None:
    """The number of classes of a conditional generator, read from its label embedding.

    Returns None for a generator without a layer named ``"label_embedding"``
    (for instance an unconditional one).
    """
    try:
        return int(generator.get_layer(LABEL_EMBEDDING).input_dim)
    except ValueError:
        return None


def is_conditional(generator: keras.Model) -> bool:
    """Whether ``generator`` takes ``[z, label]`` rather than ``z`` alone."""
    return len(generator.inputs) == 2


def class_labels(labels, n: int | None, num_classes: int) -> np.ndarray:
    """Turns the ``labels`` argument of ``generate`` into one int32 label per sample.

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


def class_grid_labels(num_classes: int, columns: int) -> np.ndarray:
    """Labels for a grid with one row per class: ``[0]*columns + [1]*columns + ...``."""
    return np.repeat(np.arange(num_classes, dtype="int32"), columns)


def class_accuracy(predicted, asked, num_classes: int | None = None) -> dict:
    """How often samples are recognised as the class they were asked for.

    Args:
        predicted: the classes a classifier reads, ``(n,)`` integers, or its
            probabilities ``(n, classes)`` (arg-maxed).
        asked: the labels the samples were generated for, ``(n,)``.
        num_classes: classes to report; taken from the data when omitted.

    Returns:
        ``{"accuracy": fraction correct, "per_class": [fraction per asked
        class], "confusion": [[count of class j read for asked class i]]}``.

    Example:
        >>> class_accuracy([0, 1, 1, 1], [0, 0, 1, 1])["accuracy"]
        0.75
    """
    predicted = np.asarray(predicted)
    if predicted.ndim == 2:
        predicted = predicted.argmax(axis=-1)
    asked = np.asarray(asked).reshape(-1)
    if predicted.shape != asked.shape or len(asked) == 0:
        raise ValueError(f"got {predicted.shape[0]} predictions for {len(asked)} asked-for labels")
    num_classes = int(num_classes or max(predicted.max(), asked.max()) + 1)
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(confusion, (asked, predicted), 1)
    asked_counts = confusion.sum(axis=1)
    per_class = np.divide(np.diag(confusion), asked_counts, out=np.full(num_classes, np.nan), where=asked_counts > 0)
    return {
        "accuracy": float(np.mean(predicted == asked)),
        "per_class": [float(v) for v in per_class],
        "confusion": confusion.tolist(),
    }


def evaluate_classes(
    generator: keras.Model, classifier: keras.Model, per_class: int = 100, seed: int = 0, batch_size: int = 256
) -> dict:
    """Asks a conditional generator for ``per_class`` samples of every class and classifies them.

    Args:
        generator: a conditional generator ``[z, label] -> x`` (a saved one
            works: the number of classes comes from its label embedding).
        classifier: ``x -> class probabilities``, e.g.
            :func:`keras_gan.evaluation.classifier.load_mnist_classifier`.
        per_class: samples per class (100 gives the 1,000 of the README's figure).
        seed: seeds the latent vectors.

    Returns:
        :func:`class_accuracy`'s dictionary, plus ``"samples"``.
    """
    num_classes = num_classes_of(generator)
    if not is_conditional(generator) or num_classes is None:
        raise ValueError(f"{generator.name!r} is not a conditional generator with a 'label_embedding' layer")
    asked = class_grid_labels(num_classes, per_class)
    latent = latent_vectors(len(asked), int(generator.inputs[0].shape[-1]), seed)
    samples = predict_in_batches(generator, [latent, asked], batch_size)
    result = class_accuracy(predict_in_batches(classifier, samples, batch_size), asked, num_classes)
    return {**result, "samples": len(asked)}


def class_grid(latent, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Latent vectors and labels for a grid with one row per class and one latent vector per column.

    The columns are the first ``ceil(len(latent) / num_classes)`` vectors, so
    that each column shows one latent vector drawn as every class; applying
    it to its own output gives the same grid.

    Returns:
        ``(latent, labels)``, each ``num_classes * columns`` long, row by row.
    """
    latent = np.asarray(latent, dtype="float32")
    columns = max(1, -(-len(latent) // num_classes))
    return np.tile(latent[:columns], (num_classes, 1)), class_grid_labels(num_classes, columns)


class ConditionalGAN(GAN):
    """A GAN whose generator and discriminator both take the class label.

    Args:
        generator: a Keras model ``[z, label] -> x``, e.g.
            :func:`keras_gan.networks.conditional_generator`.
        discriminator: a Keras model ``[x, label] -> logit``, e.g.
            :func:`keras_gan.networks.conditional_discriminator`.
        d_steps: discriminator updates per generator update.
        num_classes: read from the generator's ``"label_embedding"`` layer
            when omitted.
        latent_dim: read from the generator's first input when omitted.
        seed: seeds the latent noise drawn during training.
        name: model name.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        d_steps: int = 1,
        *,
        num_classes: int | None = None,
        latent_dim: int | None = None,
        seed: int | None = None,
        name: str = "conditional_gan",
        **kwargs,
    ):
        for role, model, expected in [
            ("generator", generator, "[z, label]"),
            ("discriminator", discriminator, "[image, label]"),
        ]:
            if len(model.inputs) != 2:
                raise ValueError(f"a conditional {role} takes two inputs, {expected}; {model.name!r} takes {len(model.inputs)}")
        self.num_classes = int(num_classes or num_classes_of(generator) or 0)
        if self.num_classes < 2:
            raise ValueError(
                f"cannot tell the number of classes of {generator.name!r} (no 'label_embedding' layer); "
                "pass num_classes="
            )
        super().__init__(generator, discriminator, d_steps, latent_dim=latent_dim, seed=seed, name=name, **kwargs)

    def build_combined(self) -> keras.Model:
        """Stacks ``[z, y] -> D([G([z, y]), y])``; D is already frozen.

        The samples pass through :meth:`discriminator_inputs` on the way, so
        that DiffAugment and instance noise apply in the generator phase too.
        """
        z = keras.Input((self.latent_dim,), name="z")
        label = label_input()
        samples = self.discriminator_inputs(self.generator([z, label]))
        verdict = self.discriminator([samples, label])
        return keras.Model([z, label], verdict, name="combined")

    def unpack(self, data):
        """Splits a batch into ``(images, labels)``; labels are required."""
        real, labels = super().unpack(data)
        if labels is None:
            raise ValueError(
                "ConditionalGAN trains on (images, labels) batches; build them with "
                "keras_gan.data.datasets.make_dataset(x, batch_size, y=labels)"
            )
        return real, labels

    def generator_inputs(self, batch_size, condition):
        """Fresh latent vectors with the batch's labels: the generator draws the classes it sees."""
        return [self.sample_latent(batch_size), condition]

    def discriminate(self, samples, condition, training=False):
        return self.discriminator([samples, condition], training=training)

    def statistics_inputs(self, n: int, seed: int):
        """Latent vectors with the classes cycled through, equally many of each."""
        return [self.latent_vectors(n, seed), class_labels(None, n, self.num_classes)]

    def generate(
        self,
        n: int | None = None,
        seed: int | None = None,
        latent=None,
        batch_size: int = 256,
        *,
        labels=None,
    ) -> np.ndarray:
        """Draws samples of the classes asked for, as a numpy array in [-1, 1].

        Args:
            n: number of samples; may be omitted when ``labels`` or ``latent``
                gives it.
            seed: makes the latent vectors reproducible.
            latent: explicit latent vectors ``(n, latent_dim)``.
            batch_size: samples per forward pass.
            labels: one class for every sample (``labels=3``), one class per
                sample, or None to cycle through the classes.

        Samples come from the moving-average generator when ``ema`` is on.

        Example:
            >>> threes = gan.generate(8, labels=3, seed=0)            # doctest: +SKIP
            >>> one_of_each = gan.generate(labels=range(10), seed=0)  # doctest: +SKIP
        """
        if latent is not None:
            latent = np.asarray(latent, dtype="float32")
            n = len(latent)
        elif n is None and labels is not None and np.ndim(labels) == 1:
            n = len(labels)
        if labels is not None and np.ndim(labels) == 1:
            labels = np.asarray(list(labels))
        labels = class_labels(labels, n, self.num_classes)
        if latent is None:
            latent = self.latent_vectors(len(labels), seed)
        return predict_in_batches(self.sampling_generator, [latent, labels], batch_size)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}
