"""CycleGAN: unpaired image-to-image translation (Zhu et al. 2017).

Two generators translate between domains A and B, ``G: A -> B`` and
``F: B -> A``; two discriminators judge each domain, ``D_A`` and ``D_B``.
With no pairs to compare against, the generators learn from their
discriminators and from each other: a translation must survive the round
trip, ``F(G(a)) ~ a`` and ``G(F(b)) ~ b`` (cycle consistency), and a
generator shown an image already of its target domain should leave it alone,
``G(b) ~ b`` and ``F(a) ~ a`` (identity, which keeps colours and tones).

keras_gan's design carries over: both discriminators are frozen inside one
combined model that trains both generators,

    combined([a, b]) = {verdict_b: D_B(G(a)),  verdict_a: D_A(F(b)),
                        cycle_a: F(G(a)),       cycle_b: G(F(b)),
                        identity_b: G(b),       identity_a: F(a)}

and ``train_step`` alternates the discriminators' update with the
generators' update through it:

    D phase:  D_A learns a vs pool_A(F(b)),  D_B learns b vs pool_B(G(a))
    G phase:  L = loss.generator(verdict_b) + loss.generator(verdict_a)
                  + cycle_weight * (|F(G(a)) - a| + |G(F(b)) - b|)
                  + identity_weight * (|G(b) - b| + |F(a) - a|)

The discriminators see generated images through a history buffer of 50
images each (:class:`keras_gan.training.image_pool.ImagePool`). The defaults
are the paper's: the least-squares loss, cycle weight 10, identity weight
0.5 x 10, Adam(2e-4, beta_1=0.5); the paper keeps the learning rate for half
of training and then lets it fall linearly to zero, which
``keras_gan.training.schedules.learning_rate(2e-4, 0.5, total_steps)`` gives.

Example:
    >>> from keras_gan.networks import cyclegan_networks
    >>> gan = CycleGAN(*cyclegan_networks((28, 28, 1), base_filters=16), seed=0)
    >>> gan.compile()
    >>> gan.fit(unpaired_dataset(a, b, 16), steps_per_epoch=125, epochs=5)   # doctest: +SKIP
    >>> gan.translate(test_a, "AtoB")                                         # doctest: +SKIP
"""

from __future__ import annotations

import contextlib

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gan import checks
from keras_gan import losses as losses_lib
from keras_gan.models import optimizers as optimizers_lib
from keras_gan.models.paired import pair_scores
from keras_gan.sampling import predict_in_batches
from keras_gan.training import freezing
from keras_gan.training.image_pool import POOL_SIZE, ImagePool

DIRECTIONS = ("AtoB", "BtoA")
# Where a run directory keeps each direction's generator: G as every family's generator.keras, F beside it.
GENERATOR_FILES = {"AtoB": "generator.keras", "BtoA": "generator_BtoA.keras"}


def _image_shape(tensor) -> tuple:
    return tuple(tensor.shape[1:])


@keras.saving.register_keras_serializable(package="keras_gan")
class CycleGAN(keras.Model):
    """Two generators and two discriminators trained on unpaired images (Zhu et al. 2017).

    Args:
        generator_ab: G, a Keras model ``image of A -> image of B``.
        generator_ba: F, ``image of B -> image of A``.
        discriminator_a: D_A, ``image of A -> logits`` (one per image, or a
            PatchGAN grid of them), no final sigmoid.
        discriminator_b: D_B, ``image of B -> logits``.
        d_steps: discriminator updates per generator update; they share the
            step's batch and its pooled generated images.
        cycle_weight: weight of the cycle-consistency L1 terms (10 in the paper).
        identity_weight: weight of the identity L1 terms (0.5 x 10 in the
            paper); 0 turns them off, which domains with different shapes need.
        pool_size: generated images each discriminator's history buffer
            keeps (50 in the paper); 0 shows it only the current batch.
        seed: seeds the history buffers' draws.
        name: model name.

    Batches are ``(a, b)`` tuples of images in [-1, 1], drawn independently
    from each domain (:func:`keras_gan.data.unpaired.unpaired_dataset`).
    """

    def __init__(
        self,
        generator_ab: keras.Model,
        generator_ba: keras.Model,
        discriminator_a: keras.Model,
        discriminator_b: keras.Model,
        d_steps: int = 1,
        *,
        cycle_weight: float = 10.0,
        identity_weight: float = 5.0,
        pool_size: int = POOL_SIZE,
        seed: int | None = None,
        name: str = "cyclegan",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self.d_steps = checks.integer("d_steps", d_steps, 1)
        checks.number("cycle_weight", cycle_weight, zero=True)
        checks.number("identity_weight", identity_weight, zero=True)
        self.generator_ab, self.generator_ba = generator_ab, generator_ba
        self.discriminator_a, self.discriminator_b = discriminator_a, discriminator_b
        self.cycle_weight, self.identity_weight = float(cycle_weight), float(identity_weight)
        self.pool_size, self.seed = pool_size, seed
        self.a_shape, self.b_shape = self._check_networks()

        # Each discriminator layer's own flag, so that the discriminator phase
        # trains what the user left trainable and nothing that they froze
        # (None: a network that came frozen as a whole trains whole).
        self._discriminator_flags = [freezing.layer_flags(d) if d.trainable else None for d in self.discriminators]
        for discriminator in self.discriminators:
            discriminator.trainable = False
        self.combined = self.build_combined()
        self.pool_a = ImagePool(self.a_shape, pool_size, seed=None if seed is None else seed + 1, name="pool_a")
        self.pool_b = ImagePool(self.b_shape, pool_size, seed=None if seed is None else seed + 2, name="pool_b")

        self.trackers = {
            key: keras.metrics.Mean(name=key)
            for key in ("d_a_loss", "d_b_loss", "g_loss", "g_adversarial", "cycle_l1", "identity_l1")
        }
        self.built = True

    # ------------------------------------------------------------------ building

    @property
    def discriminators(self) -> tuple:
        return self.discriminator_a, self.discriminator_b

    def _check_networks(self) -> tuple[tuple, tuple]:
        for role, network in (("generator_ab", self.generator_ab), ("generator_ba", self.generator_ba)):
            if len(network.inputs) != 1 or len(network.inputs[0].shape) != 4:
                raise ValueError(
                    f"{role} must take one image (batch, H, W, C); got inputs {[_image_shape(t) for t in network.inputs]}"
                )
        a_shape, b_shape = _image_shape(self.generator_ab.inputs[0]), _image_shape(self.generator_ab.outputs[0])
        expected = {
            "generator_ba's input": (_image_shape(self.generator_ba.inputs[0]), b_shape),
            "generator_ba's output": (_image_shape(self.generator_ba.outputs[0]), a_shape),
            "discriminator_a's input": (_image_shape(self.discriminator_a.inputs[0]), a_shape),
            "discriminator_b's input": (_image_shape(self.discriminator_b.inputs[0]), b_shape),
        }
        for what, (shape, wanted) in expected.items():
            if shape != wanted:
                raise ValueError(
                    f"{what} has shape {shape}, but generator_ab maps {a_shape} (A) -> {b_shape} (B), so it must be {wanted}"
                )
        if self.identity_weight and a_shape != b_shape:
            raise ValueError(
                f"the identity terms feed images of B to generator_ab, so they need domains of one shape; "
                f"A is {a_shape} and B is {b_shape}: pass identity_weight=0"
            )
        names = [network.name for network in (self.generator_ab, self.generator_ba, *self.discriminators)]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(
                f"the four networks share the combined model, so they need distinct names; {repeated} is used "
                "more than once (build them with name=..., e.g. 'generator_ab')"
            )
        for role, network in (("discriminator_a", self.discriminator_a), ("discriminator_b", self.discriminator_b)):
            activation = getattr(network.layers[-1], "activation", None)
            if getattr(activation, "__name__", "") == "sigmoid":
                raise ValueError(f"{role}'s last layer applies a sigmoid; keras_gan's losses take logits, so drop it")
        return a_shape, b_shape

    def build_combined(self) -> keras.Model:
        """``[a, b] ->`` the two verdicts, the two cycles and the two identities; D_A and D_B frozen."""
        a = keras.Input(self.a_shape, name="a")
        b = keras.Input(self.b_shape, name="b")
        fake_b, fake_a = self.generator_ab(a), self.generator_ba(b)
        outputs = {
            "verdict_b": self.discriminator_b(fake_b),
            "verdict_a": self.discriminator_a(fake_a),
            "cycle_a": self.generator_ba(fake_b),
            "cycle_b": self.generator_ab(fake_a),
        }
        if self.identity_weight:
            outputs["identity_b"] = self.generator_ab(b)
            outputs["identity_a"] = self.generator_ba(a)
        return keras.Model([a, b], outputs, name="combined")

    @contextlib.contextmanager
    def _discriminators_as_built(self):
        """Gives every discriminator layer back its own ``trainable`` flag inside the block (read at trace time)."""
        (flags_a, flags_b) = self._discriminator_flags
        with freezing.unfrozen(self.discriminator_a, flags_a), freezing.unfrozen(self.discriminator_b, flags_b):
            yield

    @property
    def discriminator_variables(self) -> list:
        """What the discriminator phase updates: both discriminators' trainable variables."""
        with self._discriminators_as_built():
            return [v for d in self.discriminators for v in d.trainable_variables]

    @property
    def generator_variables(self) -> list:
        """What the generator phase updates: the combined model's trainable variables, G's and F's."""
        return list(self.combined.trainable_variables)

    # ------------------------------------------------------------------ compiling

    def compile(
        self,
        d_optimizer=None,
        g_optimizer=None,
        loss: str | losses_lib.LossPair = "least_squares",
        *,
        gp_weight: float | None = None,
        r1_gamma: float = 0.0,
        penalty_every: int = 1,
        clip_value: float | None = None,
        label_smoothing: float = 0.0,
        **kwargs,
    ):
        """Sets the two optimizers and the loss family.

        Args:
            d_optimizer: updates both discriminators: an optimizer, its name or
                config dict; Adam(2e-4, beta_1=0.5) when omitted.
            g_optimizer: updates both generators; the same forms and default.
                ``gan.optimizer`` sets both learning rates as one, keeping their
                ratio, for Keras's learning-rate callbacks (``optimizers.LinkedOptimizers``).
            loss: a name from ``keras_gan.losses.LOSSES`` or a ``LossPair``;
                least squares (Mao et al. 2017) as in the paper.
            gp_weight, r1_gamma, penalty_every, clip_value, label_smoothing: the
                GAN's regularisers, which CycleGAN does not have: accepted at
                their neutral values only (the command line passes them to every family).
            **kwargs: passed to ``keras.Model.compile`` (``steps_per_execution``, ...).
        """
        used = {"gp_weight": gp_weight, "r1_gamma": r1_gamma, "penalty_every": penalty_every != 1,
                "clip_value": clip_value, "label_smoothing": label_smoothing}
        if any(used.values()):
            raise ValueError(f"CycleGAN has no discriminator penalty, clipping or label smoothing; got {used}")
        self.loss_pair = losses_lib.get(loss)
        self.d_optimizer, self.g_optimizer = optimizers_lib.get_pair(d_optimizer, g_optimizer, kwargs)
        super().compile(optimizer=self.g_optimizer, **kwargs)
        self.d_optimizer.build(self.discriminator_variables)
        self.g_optimizer.build(self.generator_variables)
        # The model's optimizer, for Keras: counts steps, and sets both learning rates as one.
        self.optimizer = optimizers_lib.LinkedOptimizers(self.d_optimizer, self.g_optimizer)

    def get_compile_config(self):
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "loss": self.loss_pair.name,
            "steps_per_execution": self.steps_per_execution,
        }

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("d_optimizer", "g_optimizer"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        self.compile(**config)

    # ------------------------------------------------------------------ the step

    def fit(self, *args, **kwargs):
        """``keras.Model.fit``; ``shuffle`` defaults to ``False`` for a ``tf.data.Dataset``, which shuffles itself."""
        if isinstance(args[0] if args else kwargs.get("x"), tf.data.Dataset):
            kwargs.setdefault("shuffle", False)
        return super().fit(*args, **kwargs)

    def train_step(self, data):
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise ValueError("CycleGAN trains on (a, b) batches, one image batch of each domain")
        a, b = data
        fake_a, fake_b = self.pooled_fakes(a, b)
        for _ in range(self.d_steps):
            self.discriminator_step(a, b, fake_a, fake_b)
        self.generator_step(a, b)
        return {m.name: m.result() for m in self.metrics}

    def pooled_fakes(self, a, b):
        """``pool_A(F(b))`` and ``pool_B(G(a))``: the generated images the discriminators see this step."""
        fake_a = self.pool_a(ops.stop_gradient(self.generator_ba(b, training=True)))
        fake_b = self.pool_b(ops.stop_gradient(self.generator_ab(a, training=True)))
        return fake_a, fake_b

    def discriminator_step(self, a, b, fake_a, fake_b):
        """One update of D_A (a vs ``fake_a``) and D_B (b vs ``fake_b``); the generators are untouched."""
        with self._discriminators_as_built():
            variables = [v for d in self.discriminators for v in d.trainable_variables]
            with tf.GradientTape() as tape:
                d_a = self.loss_pair.discriminator(
                    self.discriminator_a(a, training=True), self.discriminator_a(fake_a, training=True)
                )
                d_b = self.loss_pair.discriminator(
                    self.discriminator_b(b, training=True), self.discriminator_b(fake_b, training=True)
                )
                loss = d_a + d_b  # the two discriminators share no variable: each gets its own loss's gradient
            self.d_optimizer.apply(tape.gradient(loss, variables), variables)
        self.trackers["d_a_loss"].update_state(d_a)
        self.trackers["d_b_loss"].update_state(d_b)

    def generator_loss(self, a, b):
        """The generators' total loss through the combined model, and its unweighted terms."""
        out = self.combined([a, b], training=True)
        adversarial = self.loss_pair.generator(out["verdict_b"]) + self.loss_pair.generator(out["verdict_a"])
        cycle = _l1(out["cycle_a"], a) + _l1(out["cycle_b"], b)
        loss = adversarial + self.cycle_weight * cycle
        identity = ops.zeros(())
        if self.identity_weight:
            identity = _l1(out["identity_a"], a) + _l1(out["identity_b"], b)
            loss = loss + self.identity_weight * identity
        return loss, {"g_adversarial": adversarial, "cycle_l1": cycle / 2, "identity_l1": identity / 2}

    def generator_step(self, a, b):
        """One update of G and F through the combined model; D_A and D_B are frozen inside it."""
        variables = self.generator_variables
        with tf.GradientTape() as tape:
            loss, terms = self.generator_loss(a, b)
        self.g_optimizer.apply(tape.gradient(loss, variables), variables)
        self.trackers["g_loss"].update_state(loss)
        for key, value in terms.items():
            self.trackers[key].update_state(value)

    @property
    def metrics(self):
        # Listed here so that Keras resets them at each epoch. cycle_l1 and
        # identity_l1 are the mean absolute errors averaged over both directions.
        return list(self.trackers.values())

    # ------------------------------------------------------------------ using it

    def call(self, inputs, training=False):
        """Translates images of A into B (``G``)."""
        return self.generator_ab(inputs, training=training)

    @property
    def generator(self) -> keras.Model:
        """G, the A -> B generator, which ``generate`` runs (the other families' ``generator`` and ``sampling_generator``)."""
        return self.generator_ab

    sampling_generator = generator

    def generator_for(self, direction: str) -> keras.Model:
        """G for ``"AtoB"``, F for ``"BtoA"``."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
        return self.generator_ab if direction == "AtoB" else self.generator_ba

    def generate(self, n: int, seed=None, latent=None, batch_size: int = 256, preview=False) -> np.ndarray:
        """``translate(latent)``: the sample grids' call, as for pix2pix; ``latent`` holds images of A.

        ``preview`` is the other families' (it makes them measure a moving
        average's statistics on fewer inputs); CycleGAN has no average.
        """
        if latent is None:
            raise ValueError("CycleGAN translates images: call translate(images) or generate(len(images), latent=images)")
        return self.translate(latent, "AtoB", batch_size)

    def translate(self, images, direction: str = "AtoB", batch_size: int = 256) -> np.ndarray:
        """Runs G (``"AtoB"``) or F (``"BtoA"``) in inference mode; images in [-1, 1], float32 numpy out."""
        generator = self.generator_for(direction)
        images = np.asarray(images, dtype="float32")
        shape = _image_shape(generator.inputs[0])
        if images.ndim != 4 or images.shape[1:] != shape:
            raise ValueError(f"images of shape {images.shape[1:]} do not fit the {direction} generator's input {shape}")
        return predict_in_batches(generator, images, batch_size)

    def get_config(self):
        # The discriminators are written with their own layers' flags, not frozen: a model
        # loaded from the config freezes them itself, and must know what to train.
        with self._discriminators_as_built():
            serialized = {
                key: keras.saving.serialize_keras_object(getattr(self, key))
                for key in ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")
            }
        return {
            **serialized,
            "d_steps": self.d_steps,
            "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight,
            "pool_size": self.pool_size,
            "seed": self.seed,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


def known_translation_scores(gan: CycleGAN, a, b, labels=None, classifier=None, batch_size: int = 256) -> dict:
    """Scores a CycleGAN on held-out images of A whose translations ``b = T(a)`` are known.

    Args:
        gan: the trained model.
        a: held-out images of A in [-1, 1].
        b: ``T(a)``, their true translations (:func:`keras_gan.data.unpaired.mnist_domains` ``("test")``).
        labels: class labels of ``a``, for ``classifier``.
        classifier: ``images -> class probabilities`` (the shipped MNIST classifier for digits).
        batch_size: images per forward pass.

    Returns:
        ``{"held_out": N, "AtoB": pair_scores(G(a), b), "identity": pair_scores(a, b)}``
        (mean L1, PSNR, SSIM; the identity mapping is the baseline ``G``
        must beat), plus, with a classifier, ``"class_kept"``: accuracy on
        ``F(b)``, and ``"class_real"``: its accuracy on ``a`` itself.
    """
    a, b = np.asarray(a, dtype="float32"), np.asarray(b, dtype="float32")
    scores = {
        "held_out": len(a),
        "AtoB": pair_scores(gan.translate(a, "AtoB", batch_size), b),
        "identity": pair_scores(a, b),
    }
    if classifier is not None and labels is not None:
        labels = np.asarray(labels)
        for key, images in (("class_kept", gan.translate(b, "BtoA", batch_size)), ("class_real", a)):
            predicted = predict_in_batches(classifier, images, batch_size).argmax(-1)
            scores[key] = float(np.mean(predicted == labels))
    return scores


def _l1(x, y):
    return ops.mean(ops.abs(x - ops.cast(y, x.dtype)))
