"""The semi-supervised GAN: a discriminator that is also a K-class classifier.

Odena (2016) and Salimans et al. (2016, "Improved Techniques for Training
GANs", section 5) give the discriminator K outputs, one per class, plus an
implicit class "generated". Fixing that class's logit at 0, the K logits
``l`` alone define both verdicts:

    p(y = k | x)   = softmax(l)_k                       (the classifier)
    D(x)           = Z(x) / (Z(x) + 1),  Z = sum_k exp(l_k)
                   = sigmoid(logsumexp(l))              (real against generated)

so ``logsumexp(l)`` is an ordinary real/fake logit, and the loss pairs of
``keras_gan.losses`` apply to it unchanged. The discriminator descends

    L_D = supervised_weight * CE(l(x_labelled), y)
        + unsupervised_weight * L_GAN(logsumexp l(x), logsumexp l(G(z)))
        + consistency_weight * KL(softmax l(x) || softmax l(T(x)))

where the last term, off by default, is consistency regularisation (Zhang,
Zhang, Odena & Lee 2020, "Consistency Regularization for Generative
Adversarial Networks", applied here to the class logits): a random
transformation ``T`` of an unlabelled image (``augmentation``, e.g.
:func:`random_affine`) must keep the class distribution the discriminator
gives it. The same ``augmentation`` is applied to the labelled examples.
And the generator, by default, matches the mean of an intermediate layer
``f`` of the discriminator on real and on generated data (feature matching,
Salimans et al. section 3.1), ``mean_j (E f(x)_j - E f(G(z))_j)^2``; the
non-saturating loss on ``logsumexp l(G(z))`` is the alternative.

The classifier's accuracy moves by a point or two from one epoch to the next
while the two networks play. With ``classifier_ema`` the model also keeps an
exponential moving average of the discriminator's weights (Polyak averaging,
as the generator's ``ema``; Tarvainen & Valpola 2017 use it for the same
purpose), updated after every discriminator update, and classifies with it:
``classify``, ``accuracy`` and ``classifier`` use the average, training uses
the discriminator itself.

Both phases follow ``GAN``: the discriminator is frozen inside ``combined``,
which maps ``z`` to the frozen discriminator's logits and features on
``G(z)``, so the generator phase updates the generator's weights only.
Batches are ``(unlabelled, (labelled, labels))``
(``keras_gan.data.labelled.make_semi_supervised_dataset``).

Example:
    >>> split = labelled.load_labelled_split("mnist-sample", labels=100, seed=0)   # doctest: +SKIP
    >>> gan = SemiSupervisedGAN(generator, networks.classifier_discriminator((28, 28, 1), 10))  # doctest: +SKIP
    >>> gan.compile()                                                          # doctest: +SKIP
    >>> gan.fit(labelled.make_semi_supervised_dataset(split, 100), steps_per_epoch=39, epochs=10,
    ...         callbacks=[HeldOutAccuracy(split.x_test, split.y_test)])      # doctest: +SKIP
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gan import checks
from keras_gan.evaluation.probe import discriminator_features
from keras_gan.models import network_checks
from keras_gan.models.gan import GAN, predict_in_batches
from keras_gan.training import freezing
from keras_gan.training.inputs import DiffAugment

GENERATOR_LOSSES = ("feature_matching", "non_saturating")
_BATCHES = (
    "SemiSupervisedGAN trains on batches (unlabelled, (labelled, labels)); "
    "build them with keras_gan.data.labelled.make_semi_supervised_dataset"
)


def real_fake_logit(class_logits):
    """``logsumexp`` over the K class logits: the logit of D(x) = Z / (Z + 1) with the "generated" logit at 0."""
    return ops.logsumexp(class_logits, axis=-1)


def supervised_loss(class_logits, labels):
    """Cross-entropy of the K-way softmax on labelled examples, averaged over the batch.

        L_sup = -E[log softmax(l(x))_y]

    Salimans et al. write it over K+1 classes conditioned on "not
    generated"; with the generated class's logit fixed at 0 that is the
    K-way softmax.
    """
    labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
    return ops.mean(ops.sparse_categorical_crossentropy(labels, class_logits, from_logits=True))


def consistency_loss(class_logits, augmented_logits):
    """``KL(softmax(l) || softmax(l_augmented))`` averaged over the batch; no gradient reaches ``class_logits``.

        L_cons = E[sum_k p_k (log p_k - log q_k)],  p = softmax(l(x)),  q = softmax(l(T(x)))

    Zero when the augmented view gets the same class distribution.
    """
    log_p = ops.log_softmax(ops.stop_gradient(class_logits), axis=-1)
    log_q = ops.log_softmax(augmented_logits, axis=-1)
    return ops.mean(ops.sum(ops.exp(log_p) * (log_p - log_q), axis=-1))


def random_affine(
    rotation: float = 0.04, zoom: float = 0.1, translation: float = 0.1, fill_value: float = -1.0
) -> keras.Sequential:
    """A random rotation, zoom and shift of images, from Keras's own layers (active in training only).

    Args:
        rotation: the largest turn, as a fraction of a full circle (0.04 is
            about 14 degrees).
        zoom: the largest change of scale, as a fraction.
        translation: the largest shift, as a fraction of the side.
        fill_value: what the pixels moved in from outside show: -1, the
            background of images scaled to [-1, 1].
    """
    fill = dict(fill_mode="constant", fill_value=fill_value)
    return keras.Sequential(
        [
            keras.layers.RandomRotation(rotation, **fill),
            keras.layers.RandomZoom(zoom, **fill),
            keras.layers.RandomTranslation(translation, translation, **fill),
        ],
        name="random_affine",
    )


def feature_matching_loss(real_features, fake_features):
    """Feature matching (Salimans et al. 2016, section 3.1), averaged over the features.

        L_G = mean_j (E_x f(x)_j - E_z f(G(z))_j)^2

    ``f`` is an intermediate layer of the discriminator; the expectations
    are batch means. Zero when the two means agree, whatever the spread.
    """
    real_mean = ops.mean(ops.reshape(real_features, (ops.shape(real_features)[0], -1)), axis=0)
    fake_mean = ops.mean(ops.reshape(fake_features, (ops.shape(fake_features)[0], -1)), axis=0)
    return ops.mean(ops.square(real_mean - fake_mean))


@keras.saving.register_keras_serializable(package="keras_gan")
class SemiSupervisedGAN(GAN):
    """A GAN whose discriminator classifies its inputs into K classes (Salimans et al. 2016).

    Args:
        generator: any Keras model ``z -> x``.
        discriminator: a functional Keras model ``x -> K`` class logits (no
            softmax), e.g. ``networks.classifier_discriminator``.
        d_steps: discriminator updates per generator update.
        generator_loss: ``"feature_matching"`` (the default, as in the
            paper) or ``"non_saturating"`` (on the logsumexp logit).
        feature_layer: name of the discriminator layer whose output is
            matched; by default the input of its last dense layer.
        supervised_weight: weight of the cross-entropy on labelled examples.
        unsupervised_weight: weight of the GAN loss on unlabelled and
            generated examples.
        augmentation: a Keras layer that transforms images at random in
            training (e.g. :func:`random_affine`), applied to the labelled
            examples and, for the consistency term, to the unlabelled ones;
            ``None`` is none. It acts before the ``GAN`` options'
            DiffAugment, which every discriminator input gets.
        consistency_weight: weight of the consistency term; needs an
            ``augmentation``. 0 (the default) is Salimans et al.'s loss.
        classifier_ema: decay of a moving average of the discriminator's
            weights (e.g. 0.99), held by ``classifier_average``, with which
            the model classifies; None (the default) classifies with the
            discriminator itself.
        **kwargs: the ``GAN`` options (``seed``, ``diffaugment``, ``ema``,
            ...); packing is not supported, since packed inputs have no
            single class.

    The compiled loss (``compile(loss=...)``) is the unsupervised term,
    applied to ``logsumexp`` of the logits; it must be a probabilistic one
    (``minimax`` or ``non_saturating``), for which ``sigmoid`` of that logit
    is D(x).
    """

    logits = None  # K class logits, checked by build_combined

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        d_steps: int = 1,
        *,
        generator_loss: str = "feature_matching",
        feature_layer: str | None = None,
        supervised_weight: float = 1.0,
        unsupervised_weight: float = 1.0,
        augmentation: keras.layers.Layer | None = None,
        consistency_weight: float = 0.0,
        classifier_ema: float | None = None,
        name: str = "semi_supervised_gan",
        **kwargs,
    ):
        if generator_loss not in GENERATOR_LOSSES:
            raise ValueError(f"generator_loss must be one of {', '.join(GENERATOR_LOSSES)}; got {generator_loss!r}")
        weights = dict(supervised_weight=supervised_weight, unsupervised_weight=unsupervised_weight,
                       consistency_weight=consistency_weight)
        weights = {option: checks.number(option, value, zero=True) for option, value in weights.items()}
        if weights["consistency_weight"] and augmentation is None:
            raise ValueError("consistency_weight needs an augmentation to make the second view, e.g. random_affine()")
        if classifier_ema is not None:
            classifier_ema = checks.decay("classifier_ema", classifier_ema, 0.99)
        if kwargs.get("pack", 1) != 1:
            raise ValueError(
                "SemiSupervisedGAN does not support packing: a packed input has no single class; "
                f"got pack={kwargs['pack']!r}"
            )
        # Read by build_combined, which GAN.__init__ calls.
        self.generator_loss_name = generator_loss
        self.feature_layer = feature_layer
        super().__init__(generator, discriminator, d_steps, name=name, **kwargs)
        self.supervised_weight = weights["supervised_weight"]
        self.unsupervised_weight = weights["unsupervised_weight"]
        self.consistency_weight = weights["consistency_weight"]
        self.augmentation = augmentation
        self.classifier_ema = classifier_ema
        self.classifier_average = None
        if classifier_ema is not None:  # a frozen copy that starts from the discriminator's weights
            with freezing.trainable(self.discriminator, self._discriminator_flags):
                self.classifier_average = keras.models.clone_model(self.discriminator)
            self.classifier_average.set_weights(self.discriminator.get_weights())
            self.classifier_average.trainable = False
        self.supervised_tracker = keras.metrics.Mean(name="d_supervised")
        self.labelled_accuracy_tracker = keras.metrics.Mean(name="labelled_accuracy")
        self.consistency_tracker = keras.metrics.Mean(name="d_consistency")

    def build_combined(self) -> keras.Model:
        """Checks the class logits, then stacks ``z -> [class logits, features]`` of the frozen D on ``G(z)``."""
        shape = tuple(self.discriminator.outputs[0].shape)
        if len(shape) != 2 or shape[-1] is None or shape[-1] < 2:
            raise ValueError(
                f"the discriminator {self.discriminator.name!r} must output K >= 2 class logits of shape (None, K); "
                f"its output has shape {shape}"
            )
        activation = network_checks.final_activation(self.discriminator)
        if activation is not None:
            raise ValueError(
                f"the discriminator {self.discriminator.name!r} ends in a {activation}; "
                "SemiSupervisedGAN takes the class logits, so drop the activation"
            )
        # x -> [class logits, features] over the discriminator's own layers (shared, not copied).
        features = discriminator_features(self.discriminator, layer=self.feature_layer)
        self.features_and_logits = keras.Model(
            self.discriminator.inputs, [self.discriminator.outputs[0], features.outputs[0]], name="features_and_logits"
        )
        return super().build_combined()

    @property
    def metrics(self):
        extra = [self.supervised_tracker, self.labelled_accuracy_tracker]
        return super().metrics + extra + ([self.consistency_tracker] if self.consistency_weight else [])

    def compile(self, *args, **kwargs):
        """``GAN.compile``; the loss must give D(x) as ``sigmoid`` of the logsumexp logit."""
        super().compile(*args, **kwargs)
        if self.loss_pair.name not in ("minimax", "non_saturating"):
            raise ValueError(
                "SemiSupervisedGAN needs loss 'minimax' or 'non_saturating' (D(x) = Z / (Z + 1)); "
                f"got {self.loss_pair.name!r}"
            )

    # ------------------------------------------------------------------ hooks

    def unpack(self, data):
        """Splits a training batch into ``(unlabelled, (labelled, labels))``.

        A batch of real samples alone has no context: ``evaluate`` and
        ``test_step`` score held-out data that way, real against generated.
        """
        if isinstance(data, (tuple, list)) and len(data) == 1:
            data = data[0]
        if not isinstance(data, (tuple, list)):
            return data, None
        if len(data) == 2 and isinstance(data[1], (tuple, list)) and len(data[1]) == 2:
            return data[0], tuple(data[1])
        raise ValueError(_BATCHES)

    def discriminate(self, samples, context, training=False):
        """The real/fake logit, ``logsumexp`` of the class logits (what the penalties and ``test_step`` judge)."""
        return real_fake_logit(self.discriminator(samples, training=training))

    def discriminator_loss(self, real, fake, context):
        """The weighted supervised, unsupervised and consistency terms, and the real/fake logits of both batches."""
        if context is None:
            raise ValueError(_BATCHES)
        labelled, labels = context
        if self.augmentation is not None:
            labelled = self.augmentation(labelled, training=True)
        batches = [real, fake, self.apply_input_layers(labelled, training=True)]
        if self.consistency_weight:
            batches.append(self.augmentation(real, training=True))
        if self.joint_discriminator_pass:  # one call on the batches stacked, split afterwards
            logits, outputs, start = self.discriminator(ops.concatenate(batches, axis=0), training=True), [], 0
            for batch in batches:
                outputs.append(logits[start : start + ops.shape(batch)[0]])
                start = start + ops.shape(batch)[0]
        else:
            outputs = [self.discriminator(batch, training=True) for batch in batches]
        real_logits, fake_logits, labelled_logits = outputs[:3]
        real_verdict, fake_verdict = real_fake_logit(real_logits), real_fake_logit(fake_logits)
        unsupervised = self.loss_pair.discriminator(real_verdict, fake_verdict)
        supervised = supervised_loss(labelled_logits, labels)
        self.supervised_tracker.update_state(supervised)
        correct = ops.equal(ops.argmax(labelled_logits, axis=-1), ops.cast(ops.reshape(labels, (-1,)), "int64"))
        self.labelled_accuracy_tracker.update_state(ops.mean(ops.cast(correct, "float32")))
        loss = self.supervised_weight * supervised + self.unsupervised_weight * unsupervised
        if self.consistency_weight:
            consistency = consistency_loss(real_logits, outputs[3])
            self.consistency_tracker.update_state(consistency)
            loss = loss + self.consistency_weight * consistency
        return loss, real_verdict, fake_verdict

    def discriminator_step(self, real, context, fake=None):
        """``GAN.discriminator_step``, then ``average = ema * average + (1 - ema) * weight`` when averaging."""
        super().discriminator_step(real, context, fake=fake)
        if self.classifier_average is not None:
            decay = self.classifier_ema
            for shadow, weight in zip(self.classifier_average.weights, self.discriminator.weights):
                shadow.assign(decay * shadow + (1.0 - decay) * weight)

    def combined_outputs(self, fake, context, training=None):
        """The frozen discriminator's ``[class logits, features]`` on generated ``fake``."""
        return self.features_and_logits(self.apply_input_layers(fake, training), training=training)

    def generator_loss(self, outputs, real, context):
        """Feature matching against ``real`` (or the non-saturating loss) from the combined model's outputs."""
        fake_logits, fake_features = outputs
        if self.generator_loss_name == "non_saturating":
            return self.loss_pair.generator(real_fake_logit(fake_logits))
        # The real features come through the same frozen discriminator; only G's gradients are wanted.
        _, real_features = self.features_and_logits(self.apply_input_layers(real, training=True), training=True)
        return feature_matching_loss(ops.stop_gradient(real_features), fake_features)

    # ------------------------------------------------------------------ classifying

    @property
    def classifying_network(self) -> keras.Model:
        """What classifies: the moving average of the discriminator when ``classifier_ema`` is set, else itself."""
        return self.discriminator if self.classifier_average is None else self.classifier_average

    def classify(self, x, batch_size: int = 256) -> np.ndarray:
        """The most likely class of each example of ``x`` (inference mode)."""
        return predict_in_batches(self.classifying_network, x, batch_size).argmax(axis=-1)

    def accuracy(self, x, y, batch_size: int = 256) -> float:
        """The fraction of ``x`` the classifying network classifies as ``y``."""
        return classification_accuracy(self.classifying_network, x, y, batch_size)

    def classifier(self) -> keras.Model:
        """A standalone copy of the classifying network ending in a softmax: ``x -> p(class | x)``.

        Made of built-in Keras layers only, so ``keras.models.load_model``
        opens it saved without keras_gan; it trains on its own (unfrozen)
        and later training of the GAN leaves it unchanged. Layers of the
        discriminator frozen on purpose stay frozen in it.
        """
        with freezing.trainable(self.discriminator, self._discriminator_flags):  # its layers' own flags
            copy = keras.models.clone_model(self.discriminator)
        copy.set_weights(self.classifying_network.get_weights())
        probabilities = keras.layers.Softmax(name="probabilities")(copy.outputs[0])
        inputs = copy.inputs[0] if len(copy.inputs) == 1 else copy.inputs
        return keras.Model(inputs, probabilities, name="classifier")

    def get_config(self):
        config = super().get_config()
        config.update(
            generator_loss=self.generator_loss_name,
            feature_layer=self.feature_layer,
            supervised_weight=self.supervised_weight,
            unsupervised_weight=self.unsupervised_weight,
            consistency_weight=self.consistency_weight,
            classifier_ema=self.classifier_ema,
            augmentation=None if self.augmentation is None else keras.saving.serialize_keras_object(self.augmentation),
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("augmentation") is not None:
            config["augmentation"] = keras.saving.deserialize_keras_object(config["augmentation"])
        return super().from_config(config)


def classification_accuracy(network: keras.Model, x, y, batch_size: int = 256) -> float:
    """The fraction of ``x`` that ``network`` (``x -> K`` logits or probabilities) classifies as ``y``."""
    return float(np.mean(predict_in_batches(network, x, batch_size).argmax(axis=-1) == np.asarray(y).reshape(-1)))


class HeldOutAccuracy(keras.callbacks.Callback):
    """Adds ``test_accuracy``, the classifier's accuracy on held-out examples, to every epoch's logs.

    Placed before Keras's own callbacks, so the progress bar, ``History``
    and the CSV log all show it.

    Args:
        x, y: the held-out examples and their labels (never trained on).
    """

    def __init__(self, x, y):
        super().__init__()
        self.x = np.asarray(x, dtype=np.float32)
        self.y = np.asarray(y).reshape(-1)
        self.accuracy = None

    def on_epoch_end(self, epoch, logs=None):
        self.accuracy = self.model.accuracy(self.x, self.y)
        if logs is not None:
            logs["test_accuracy"] = self.accuracy


def train_on_labels_alone(
    classifier: keras.Model,
    split,
    *,
    epochs: int,
    steps_per_epoch: int,
    optimizer: keras.optimizers.Optimizer,
    batch_size: int = 100,
    augmentation: keras.layers.Layer | None = None,
    diffaugment: str | None = None,
    seed: int | None = None,
) -> list[float]:
    """Trains ``classifier`` (``x -> K logits``) on ``split``'s labelled examples alone: the baseline.

    It sees the labelled examples as a ``SemiSupervisedGAN``'s discriminator
    does (``augmentation``, then ``diffaugment``), for the same steps, so
    that the comparison isolates what the unlabelled examples and the
    generator add.

    Returns:
        the held-out accuracy after every epoch.
    """
    images = keras.Input(tuple(split.x_labelled.shape[1:]))
    seen = augmentation(images) if augmentation is not None else images
    if diffaugment:
        seen = DiffAugment(diffaugment, seed=seed)(seen)
    model = keras.Model(images, classifier(seen))
    model.compile(optimizer, keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    batch_size = min(batch_size, len(split.x_labelled))
    dataset = (
        tf.data.Dataset.from_tensor_slices((split.x_labelled, split.y_labelled))
        .shuffle(len(split.x_labelled), seed=seed, reshuffle_each_iteration=True)
        .repeat()
        .batch(batch_size, drop_remainder=True)
    )
    curve = []

    def score(epoch, logs):
        curve.append(classification_accuracy(classifier, split.x_test, split.y_test))

    model.fit(dataset, epochs=epochs, steps_per_epoch=steps_per_epoch, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=score)])
    return curve
