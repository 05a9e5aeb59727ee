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

from keras_gan.models import network_checks
from keras_gan.models.gan import GAN
from keras_gan.networks.conditional import label_input
from keras_gan.sampling import class_labels, is_conditional, num_classes_of, predict_in_batches, sample  # noqa: F401


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
        per_class: samples per class (100 gives 1,000 samples for 10 classes).
        seed: seeds the latent vectors.

    Returns:
        :func:`class_accuracy`'s dictionary, plus ``"samples"``.
    """
    num_classes = num_classes_of(generator)
    if not is_conditional(generator) or num_classes is None:
        raise ValueError(f"{generator.name!r} is not a conditional generator with a 'label_embedding' layer")
    asked = class_grid_labels(num_classes, per_class)
    samples = sample(generator, seed=seed, labels=asked, num_classes=num_classes, batch_size=batch_size)
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


@keras.saving.register_keras_serializable(package="keras_gan")
class ConditionalGAN(GAN):
    """A GAN whose generator and discriminator both take the class label.

    Batches are ``(images, labels)``; the hooks' context is the labels.

    Args:
        generator: a Keras model ``[z, label] -> x``, e.g.
            :func:`keras_gan.networks.conditional_generator`.
        discriminator: a Keras model ``[x, label] -> logit``, e.g.
            :func:`keras_gan.networks.conditional_discriminator`.
        d_steps: discriminator updates per generator update.
        num_classes: read from the generator's ``"label_embedding"`` layer
            when omitted.
        latent_dim: read from the generator's first input when omitted.
        seed: seeds the random streams of training.
        name: model name.
        **kwargs: further :class:`keras_gan.GAN` options; ``pack`` must stay
            1 (packed samples would need packed labels).
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
        hint = "start it with two keras.Input layers, {}, the label's keras.Input((), dtype='int32')"
        generator = network_checks.built_network(generator, "generator", None, hint.format("[z, label]"))
        discriminator = network_checks.built_network(
            discriminator, "discriminator", None, hint.format("[image, label]")
        )
        for role, model, expected in [
            ("generator", generator, "[z, label]"),
            ("discriminator", discriminator, "[image, label]"),
        ]:
            if len(model.inputs) != 2:
                raise ValueError(f"a conditional {role} takes two inputs, {expected}; {model.name!r} takes {len(model.inputs)}")
        if kwargs.get("pack", 1) != 1:
            raise ValueError(f"pack > 1 is not supported for a conditional GAN: the labels would need packing too; got pack={kwargs['pack']!r}")
        self.num_classes = int(num_classes or num_classes_of(generator) or 0)
        if self.num_classes < 2:
            raise ValueError(
                f"cannot tell the number of classes of {generator.name!r} (no 'label_embedding' layer); "
                "pass num_classes="
            )
        super().__init__(generator, discriminator, d_steps, latent_dim=latent_dim, seed=seed, name=name, **kwargs)

    def build_combined(self) -> keras.Model:
        """Stacks ``[z, y] -> D([G([z, y]), y])``; D is already frozen."""
        z, labels = keras.Input((self.latent_dim,), name="z"), label_input()
        return keras.Model([z, labels], self.combined_outputs(self.generator([z, labels]), labels), name="combined")

    def unpack(self, data):
        """Splits a batch into ``(images, labels)``; labels are required."""
        real, labels = super().unpack(data)
        if labels is None:
            raise ValueError(
                "ConditionalGAN trains on (images, labels) batches; build them with "
                "keras_gan.data.datasets.make_dataset(x, batch_size, y=labels)"
            )
        return real, labels

    def generator_inputs(self, batch_size, labels):
        """Fresh latent vectors with the batch's labels: the generator draws the classes it sees."""
        return [self.sample_latent(batch_size), labels]

    def discriminate(self, samples, labels, training=False):
        """``D([samples, labels])``: the verdict on each sample as the class it is labelled."""
        return self.discriminator([samples, labels], training=training)

    def statistics_inputs(self, n: int, seed: int):
        """Latent vectors with the classes cycled through, equally many of each."""
        return [self.latent_vectors(n, seed), class_labels(None, n, self.num_classes)]

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}
