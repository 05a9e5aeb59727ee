"""Reusing a trained discriminator as a feature extractor (Radford et al. 2015).

To tell real from generated images, a discriminator has to learn what images
of its domain look like; its intermediate activations are features learned
without labels. The standard test of such features is a *linear probe*: a
linear (softmax) classifier trained on top of the frozen features with a few
labels, scored on held-out data, beside the same probe on raw pixels and on
an untrained network of the same architecture.

(The networks under the sample-quality metrics are in
``keras_gan.evaluation.extractors``.)

Example:
    >>> extractor = discriminator_features(gan.discriminator)      # doctest: +SKIP
    >>> linear_probe(extractor, x_train[:100], y_train[:100], x_test, y_test)  # doctest: +SKIP
    0.87
"""

from __future__ import annotations

from typing import Callable, Union

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from keras_gan.sampling import predict_in_batches

FeatureSource = Union[keras.Model, Callable[[np.ndarray], np.ndarray], None]


def _is_dense(layer) -> bool:
    inner = getattr(layer, "layer", layer)  # through SpectralNormalization
    return isinstance(inner, layers.Dense)


def discriminator_features(
    discriminator: keras.Model, layer: str | int | None = None, name: str | None = None
) -> keras.Model:
    """A model from the discriminator's inputs to one of its layers, flattened.

    Args:
        discriminator: a functional discriminator (``x -> logit`` or
            ``[x, label] -> logit``); its layers are shared, not copied.
        layer: a layer name or index whose output becomes the features; by
            default the input of the last dense layer, i.e. what the logit is
            computed from (for a DCGAN discriminator, the flattened output of
            the last convolution; for a projection discriminator, the
            label-free features).
        name: the extractor's name.

    Returns:
        A ``keras.Model`` with the discriminator's inputs and one output
        ``(batch, features)``.
    """
    if layer is None:
        dense = [candidate for candidate in discriminator.layers if _is_dense(candidate)]
        if not dense:
            raise ValueError(
                f"discriminator {discriminator.name!r} has no dense layer to take the features before; "
                f"name a layer: {[candidate.name for candidate in discriminator.layers]}"
            )
        output = dense[-1].input
    else:
        try:
            if isinstance(layer, str):
                chosen = discriminator.get_layer(name=layer)
            else:
                chosen = discriminator.get_layer(index=layer)
        except ValueError:
            raise ValueError(
                f"discriminator {discriminator.name!r} has no layer {layer!r}; "
                f"its layers: {[candidate.name for candidate in discriminator.layers]}"
            ) from None
        output = chosen.output
    if len(output.shape) > 2:
        output = layers.Flatten(name="flatten_features")(output)
    inputs = discriminator.inputs if len(discriminator.inputs) > 1 else discriminator.inputs[0]
    return keras.Model(inputs, output, name=name or f"{discriminator.name}_features")


def extract(features: FeatureSource, x, batch_size: int = 256) -> np.ndarray:
    """Features of ``x`` as a float32 ``(n, d)`` array.

    ``features`` is a Keras model (run in inference mode), any function of a
    numpy batch, or None for the raw inputs flattened.
    """
    if features is None:
        out = np.asarray(x, dtype="float32")
    elif isinstance(features, keras.Model):
        out = predict_in_batches(features, x, batch_size)
    else:
        out = np.asarray(features(x), dtype="float32")
    return out.reshape(len(out), -1)


def fit_linear_classifier(
    train_features: np.ndarray,
    y_train: np.ndarray,
    num_classes: int | None = None,
    epochs: int = 300,
    learning_rate: float = 0.01,
    l2: float = 1e-3,
):
    """Trains a softmax regression on fixed features; returns ``predict(features) -> classes``.

    The features are standardised with the training set's mean and standard
    deviation; the classifier runs full-batch Adam for ``epochs`` steps on the
    cross-entropy plus ``l2`` times the squared weights (a few labels and
    thousands of features need the penalty).
    """
    train_features = np.asarray(train_features, dtype="float32")
    y_train = np.asarray(y_train).astype("int64").reshape(-1)
    if len(train_features) != len(y_train) or len(y_train) == 0:
        raise ValueError(f"got {len(train_features)} feature rows for {len(y_train)} labels")
    num_classes = int(num_classes or y_train.max() + 1)
    mean = train_features.mean(axis=0)
    std = train_features.std(axis=0) + 1e-6

    # The problem is convex: starting from zero makes the probe deterministic.
    kernel = tf.Variable(tf.zeros((train_features.shape[1], num_classes)), name="probe_kernel")
    bias = tf.Variable(tf.zeros(num_classes), name="probe_bias")
    moments = [tf.Variable(tf.zeros_like(weight)) for weight in (kernel, bias) for _ in range(2)]
    _softmax_regression_adam(
        tf.constant((train_features - mean) / std), tf.constant(y_train), kernel, bias, moments,
        tf.constant(epochs), tf.constant(learning_rate, "float32"), tf.constant(l2, "float32"),
    )

    def predict(features: np.ndarray) -> np.ndarray:
        standardized = (np.asarray(features, dtype="float32") - mean) / std
        return (standardized @ np.asarray(kernel) + np.asarray(bias)).argmax(axis=-1)

    return predict


@tf.function
def _softmax_regression_adam(features, targets, kernel, bias, moments, steps, learning_rate, l2):
    """``steps`` full-batch Adam steps (Keras's defaults: 0.9, 0.999, 1e-7) on cross-entropy + ``l2`` * |kernel|^2.

    One compiled loop for all the steps (a probe is many tiny steps), defined
    once so that probing several feature sets traces it once per shape, not
    once per probe.
    """
    beta_1, beta_2, epsilon = 0.9, 0.999, 1e-7
    for step in tf.range(1, steps + 1):
        with tf.GradientTape() as tape:
            logits = tf.matmul(features, kernel) + bias
            cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(targets, logits)
            loss = tf.reduce_mean(cross_entropy) + l2 * tf.reduce_sum(tf.square(kernel))
        gradients = tape.gradient(loss, [kernel, bias])
        t = tf.cast(step, "float32")
        rate = learning_rate * tf.sqrt(1.0 - beta_2**t) / (1.0 - beta_1**t)
        for weight, gradient, (first, second) in zip((kernel, bias), gradients, (moments[:2], moments[2:])):
            first.assign_add((gradient - first) * (1.0 - beta_1))
            second.assign_add((tf.square(gradient) - second) * (1.0 - beta_2))
            weight.assign_sub(rate * first / (tf.sqrt(second) + epsilon))


def linear_probe(
    features: FeatureSource,
    x_train,
    y_train,
    x_test,
    y_test,
    *,
    num_classes: int | None = None,
    epochs: int = 300,
    learning_rate: float = 0.01,
    l2: float = 1e-3,
) -> float:
    """Test accuracy of a linear classifier trained on ``features`` of the training examples.

    Args:
        features: a feature extractor (e.g. :func:`discriminator_features`),
            a function of a numpy batch, or None for raw inputs.
        x_train, y_train: the (few) labelled examples the probe learns from.
        x_test, y_test: the held-out examples it is scored on.
        num_classes: taken from the labels when omitted.
        epochs, learning_rate, l2: see :func:`fit_linear_classifier`.

    Returns:
        The fraction of ``x_test`` classified as ``y_test``, in [0, 1].
    """
    predict = fit_linear_classifier(
        extract(features, x_train),
        y_train,
        num_classes=num_classes,
        epochs=epochs,
        learning_rate=learning_rate,
        l2=l2,
    )
    predicted = predict(extract(features, x_test))
    return float(np.mean(predicted == np.asarray(y_test).reshape(-1)))


def balanced_subset(y: np.ndarray, per_class: int, seed: int | None = 0) -> np.ndarray:
    """Indices of ``per_class`` random examples of each class (sorted), for few-label probes."""
    y = np.asarray(y).reshape(-1)
    rng = np.random.default_rng(seed)
    picks = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        if len(members) < per_class:
            raise ValueError(f"class {label} has {len(members)} examples, fewer than per_class={per_class}")
        picks.append(rng.choice(members, per_class, replace=False))
    return np.sort(np.concatenate(picks))
