"""The GAN model: a frozen discriminator inside a combined model, one compiled step.

``GAN`` is a ``keras.Model`` subclass, so ``fit``, callbacks, progress bars
and ``History`` work as for any Keras model. Its ``train_step`` is
Algorithm 1 of Goodfellow et al. (2014):

    for k steps:   update D on a real batch and a generated batch
    once:          update G through ``combined = D(G(z))``, D frozen inside

Keras 3 reads ``trainable`` when a train function is traced, not when a model
is compiled. So the discriminator is frozen once, at construction, which makes
``combined.trainable_variables`` exactly the generator's; the discriminator
phase unfreezes it for the duration of its own trace, so that D runs in
training mode (batch statistics, dropout) and its variables get updated.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gan import checks
from keras_gan.training import inputs as layers_lib
from keras_gan import losses as losses_lib


@contextlib.contextmanager
def _unfrozen(model: keras.Model):
    """Makes ``model`` trainable inside the block (read at trace time)."""
    model.trainable = True
    try:
        yield
    finally:
        model.trainable = False


def _sample_shape(tensor) -> tuple:
    return tuple(tensor.shape[1:])


class GAN(keras.Model):
    """A generator and a discriminator trained as in Goodfellow et al. (2014).

    Args:
        generator: any Keras model ``z -> x`` (its first input is the latent
            vector).
        discriminator: any Keras model ``x -> logit``: one raw score per
            sample, no final sigmoid (the losses work on logits for
            numerical stability; ``sigmoid(logit)`` is D(x)).
        d_steps: discriminator updates per generator update (k in
            Algorithm 1). The k updates share the real batch and draw fresh
            latent vectors each.
        latent_dim: size of the latent vector; read from the generator's
            input when omitted.
        seed: seeds the latent noise drawn during training.
        pack: PacGAN packing (Lin et al. 2018): the discriminator judges
            ``pack`` samples at once, concatenated along the last axis, so
            its input has ``pack`` times the sample's channels and batches
            must be multiples of ``pack``. 1 is no packing.
        diffaugment: a DiffAugment policy (Zhao et al. 2020) such as
            ``"color,translation,cutout"``, applied to the real and the
            generated images the discriminator sees, in both phases.
        instance_noise: initial standard deviation of the Gaussian noise
            added to every discriminator input in training (Sonderby et al.
            2016); 0 is none.
        instance_noise_steps: training steps over which that noise decays
            linearly to zero (needed when ``instance_noise`` > 0). Read from
            the generator optimizer's ``iterations``, so it survives
            compilation and checkpoints.
        ema: decay of an exponential moving average of the generator's
            weights (e.g. 0.999; Karras et al. 2018, Yazici et al. 2019).
            When set, ``ema_generator`` holds the average and ``generate``
            samples from it, with batch-norm statistics measured on the
            average's own weights (:meth:`refresh_ema_statistics`). ``None``
            is off.
        share_generator_pass: run the generator forward once per step
            instead of twice: the last discriminator update and the generator
            update use the same generated batch, in Algorithm 1's order (D
            first, then G against the updated D). The generator step then
            reuses that batch's noise (latent vectors, dropout) instead of
            drawing its own. Off by default; ``benchmarks/throughput.py``
            measures what it saves.
        joint_discriminator_pass: run the discriminator once on the real
            and the generated batch stacked, instead of once on each: the same
            logits and gradients, with half the calls. ``None`` (default)
            turns it on unless the discriminator holds a layer whose
            training-mode output or state depends on the calls it gets
            (``BatchNormalization``: the real and the generated batch would
            share statistics; ``SpectralNormalization``: one power iteration
            a call). Pass ``False`` for a discriminator of your own with such
            a layer of another kind (e.g. minibatch standard deviation).
        name: model name.

    The loss-side options (gradient penalty, R1, weight clipping, label
    smoothing) are arguments of :meth:`compile`; these ones change what the
    discriminator sees or what is sampled, so they belong to the model.

    Example:
        >>> gan = GAN(networks.dcgan_generator(100, (28, 28, 1)),
        ...           networks.dcgan_discriminator((28, 28, 1)))
        >>> gan.compile(loss="non_saturating")
        >>> gan.fit(dataset, epochs=5)                      # doctest: +SKIP
        >>> images = gan.generate(16, seed=0)               # doctest: +SKIP
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        d_steps: int = 1,
        *,
        latent_dim: int | None = None,
        seed: int | None = None,
        pack: int = 1,
        diffaugment: str | None = None,
        instance_noise: float = 0.0,
        instance_noise_steps: int | None = None,
        ema: float | None = None,
        share_generator_pass: bool = False,
        joint_discriminator_pass: bool | None = None,
        name: str = "gan",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        d_steps = positive_integer("d_steps", d_steps)
        pack = positive_integer("pack", pack)
        if ema is not None and not 0 < ema < 1:
            raise ValueError(f"ema must be a decay in (0, 1), e.g. 0.999, got {ema!r}")
        self.generator = generator
        self.discriminator = discriminator
        self.d_steps = d_steps
        self.latent_dim = int(latent_dim or generator.inputs[0].shape[-1])
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.pack = pack
        self.diffaugment = diffaugment or None
        self.instance_noise = float(instance_noise)
        self.instance_noise_steps = instance_noise_steps
        self.ema = ema
        if not isinstance(share_generator_pass, (bool, np.bool_)):
            raise ValueError(f"share_generator_pass must be True or False, got {share_generator_pass!r}")
        self.share_generator_pass = bool(share_generator_pass)
        if joint_discriminator_pass is None:
            joint_discriminator_pass = not call_dependent_layers(discriminator)
        elif not isinstance(joint_discriminator_pass, (bool, np.bool_)):
            raise ValueError(
                f"joint_discriminator_pass must be True, False or None (auto), got {joint_discriminator_pass!r}"
            )
        self.joint_discriminator_pass = bool(joint_discriminator_pass)
        self._check_networks()
        self.input_layers = self.build_input_layers()

        self.discriminator.trainable = False
        self.combined = self.build_combined()
        self.ema_generator = self._build_ema_generator() if ema is not None else None
        # The generator update count at which the moving average's batch-norm statistics were measured.
        self._ema_statistics_step = None

        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self.d_accuracy_tracker = keras.metrics.Mean(name="d_accuracy")
        self.d_penalty_tracker = keras.metrics.Mean(name="d_penalty")
        # Both networks arrive built; nothing is left to infer from data.
        self.built = True

    # ------------------------------------------------------------------ building

    def _check_networks(self):
        g_shape = _sample_shape(self.generator.outputs[0])
        d_shape = self.discriminator_input_shape()
        if g_shape != d_shape:
            raise ValueError(
                f"generator output shape {g_shape} does not match discriminator input shape {d_shape}"
            )
        last = self.discriminator.layers[-1]
        activation = getattr(last, "activation", None)
        if activation is not None and getattr(activation, "__name__", "") == "sigmoid":
            raise ValueError(
                f"the discriminator's last layer {last.name!r} applies a sigmoid; keras_gan's losses "
                "take logits, so drop the sigmoid (D(x) is reported as sigmoid(logit))"
            )

    def discriminator_input_shape(self) -> tuple:
        """The sample shape the generator must produce for this discriminator.

        With packing, the discriminator's input has ``pack`` times the
        sample's channels.
        """
        shape = _sample_shape(self.discriminator.inputs[0])
        if self.pack > 1:
            if shape[-1] is None or shape[-1] % self.pack:
                raise ValueError(
                    f"discriminator input shape {shape} cannot judge pack={self.pack} samples at once: "
                    f"its last axis must be {self.pack} times the samples' channels"
                )
            shape = shape[:-1] + (shape[-1] // self.pack,)
        return shape

    def build_input_layers(self) -> list:
        """The layers between samples and the discriminator: augment, noise, pack."""
        input_layers = []
        if self.diffaugment:
            if len(self.discriminator_input_shape()) != 3:
                raise ValueError(
                    f"diffaugment needs image samples (H, W, C); this GAN's samples have shape "
                    f"{self.discriminator_input_shape()}"
                )
            input_layers.append(layers_lib.DiffAugment(self.diffaugment, seed=self._derived_seed(1)))
        if self.instance_noise:
            if not self.instance_noise > 0:
                raise ValueError(f"instance_noise must be a non-negative standard deviation, got {self.instance_noise!r}")
            if not isinstance(self.instance_noise_steps, (int, np.integer)) or self.instance_noise_steps < 1:
                raise ValueError(
                    "instance_noise needs instance_noise_steps, the positive number of training steps "
                    f"over which it decays to zero; got {self.instance_noise_steps!r}"
                )
            input_layers.append(
                layers_lib.InstanceNoise(
                    self.instance_noise, self.instance_noise_steps, self._training_step, seed=self._derived_seed(2)
                )
            )
        if self.pack > 1:
            input_layers.append(layers_lib.Pack(self.pack))
        return input_layers

    def _derived_seed(self, offset: int) -> int | None:
        return None if self.seed is None else self.seed + offset

    def _training_step(self):
        # The generator's optimizer counts training steps (``fit`` sets it as
        # the model's optimizer); read inside the compiled step.
        optimizer = getattr(self, "g_optimizer", None)
        return optimizer.iterations if optimizer is not None else 0

    def discriminator_inputs(self, samples, training=None):
        """What the discriminator sees of ``samples``: augmented, noised, packed.

        Subclasses that override :meth:`build_combined` call this between
        the generator and the discriminator, so that the options apply in the
        generator phase too.
        """
        for layer in self.input_layers:
            samples = layer(samples) if training is None else layer(samples, training=training)
        return samples

    def build_combined(self) -> keras.Model:
        """Stacks ``z -> D(G(z))`` as a functional model; D is already frozen."""
        z = keras.Input((self.latent_dim,), name="z")
        logits = self.discriminator(self.discriminator_inputs(self.generator(z)))
        return keras.Model(z, logits, name="combined")

    def _build_ema_generator(self) -> keras.Model:
        try:
            shadow = keras.models.clone_model(self.generator)
        except (ValueError, TypeError) as error:
            raise ValueError(f"ema needs a generator that keras.models.clone_model can copy: {error}") from None
        shadow.set_weights(self.generator.get_weights())
        shadow.trainable = False
        return shadow

    @property
    def sampling_generator(self) -> keras.Model:
        """The generator that ``generate`` uses: the moving average when ``ema`` is on.

        The moving average's batch-norm statistics are measured afresh on
        its own weights whenever the generator has trained since they last
        were (:meth:`refresh_ema_statistics`).
        """
        if self.ema_generator is None:
            return self.generator
        step = int(keras.ops.convert_to_numpy(self._training_step()))
        if step != self._ema_statistics_step:
            self.refresh_ema_statistics()
            self._ema_statistics_step = step
        return self.ema_generator

    def statistics_inputs(self, n: int, seed: int):
        """``n`` generator inputs to measure its batch-norm statistics on: latent vectors.

        Subclasses whose generator takes more than noise add it (class
        labels), or return None when the inputs can only come from data.
        """
        return self.latent_vectors(n, seed)

    def refresh_ema_statistics(self) -> int:
        """Measures the moving-average generator's batch-norm statistics on its own weights.

        ``update_ema`` averages the trainable weights but copies the moving
        mean and variance from the generator being trained: they describe
        that generator's activations, not the average's, and with a fast
        generator learning rate the two differ a lot (FID of a 30-epoch
        MNIST-sample run with ``ema=0.999``: 81.8 with the copied
        statistics, 66.1 with measured ones). This runs the average in
        training mode over ``EMA_STATISTICS_SAMPLES`` inputs and keeps the
        mean of their batch statistics (BigGAN's "standing statistics",
        Brock et al. 2019). The weights used in training are untouched.

        Returns:
            how many batch-norm layers were measured (0 without ``ema``,
            without batch norm, or when :meth:`statistics_inputs` is None).
        """
        if self.ema_generator is None:
            return 0
        inputs = self.statistics_inputs(EMA_STATISTICS_SAMPLES, EMA_STATISTICS_SEED)
        if inputs is None:
            return 0
        return recompute_batch_norm_statistics(
            self.ema_generator, inputs, batch_size=statistics_batch_size(self.ema_generator)
        )

    def update_ema(self):
        """``shadow = ema * shadow + (1 - ema) * weight`` for every trainable weight.

        Non-trainable weights (batch-norm statistics) are copied, so the
        average starts from the current generator's; :attr:`sampling_generator`
        measures the average's own before it samples.
        """
        decay = self.ema
        for shadow, weight in zip(self.ema_generator.weights, self.generator.weights):
            if weight.trainable:
                shadow.assign(decay * shadow + (1.0 - decay) * weight)
            else:
                shadow.assign(weight)

    def call(self, inputs, training=False):
        """Runs the generator (needed by ``tf.distribute`` and ``summary``)."""
        return self.generator(inputs, training=training)

    @property
    def metrics(self):
        # Listed here so that Keras resets them at each epoch.
        return [
            self.d_loss_tracker,
            self.g_loss_tracker,
            self.d_real_tracker,
            self.d_fake_tracker,
            self.d_accuracy_tracker,
        ] + ([self.d_penalty_tracker] if self._has_penalty else [])

    @property
    def _has_penalty(self) -> bool:
        return bool(getattr(self, "gp_weight", 0.0) or getattr(self, "r1_gamma", 0.0))

    def compile(
        self,
        d_optimizer: keras.optimizers.Optimizer | None = None,
        g_optimizer: keras.optimizers.Optimizer | None = None,
        loss: str | losses_lib.LossPair = "non_saturating",
        *,
        gp_weight: float | None = None,
        r1_gamma: float = 0.0,
        penalty_every: int = 1,
        clip_value: float | None = None,
        label_smoothing: float = 0.0,
        steps_per_execution: int | None = None,
        **kwargs,
    ):
        """Sets the two optimizers, the loss family and the discriminator's regularisers.

        Args:
            d_optimizer: updates the discriminator; Adam(2e-4, beta_1=0.5)
                (Radford et al. 2015) when omitted. Two optimizers with
                different learning rates give the two time-scale update rule
                (Heusel et al. 2017).
            g_optimizer: updates the generator; the same default.
            loss: a name from ``keras_gan.losses.LOSSES`` or a ``LossPair``.
            gp_weight: lambda of the WGAN-GP gradient penalty (Gulrajani et
                al. 2017) on interpolates between real and generated
                samples; ``None`` takes the loss family's own (10 for
                ``wgan_gp``, 0 otherwise).
            r1_gamma: gamma of the R1 penalty ``gamma / 2 * E||grad D(x)||^2``
                on real data (Mescheder et al. 2018); 0 is off.
            penalty_every: lazy regularisation (Karras et al. 2020, the
                StyleGAN2 paper, section 3.1): the penalties are computed on
                every ``penalty_every``-th discriminator update only, at
                ``penalty_every`` times their weight, so that their average
                weight is unchanged and the other updates skip the second
                backward pass. 1 (the default) penalises every update.
            clip_value: clip every discriminator weight to
                ``[-clip_value, clip_value]`` after each of its updates (the
                original WGAN's Lipschitz constraint, c = 0.01 there);
                ``None`` is off.
            label_smoothing: one-sided label smoothing (Salimans et al.
                2016): the real target becomes ``1 - label_smoothing``; only
                for the probabilistic losses (minimax, non_saturating).
            steps_per_execution: training steps per compiled call; ``None``
                is ``DEFAULT_STEPS_PER_EXECUTION`` on one device and 1 under
                a ``tf.distribute`` strategy. Callbacks' per-batch hooks then
                run once per call, not once per step.
            **kwargs: passed to ``keras.Model.compile`` (``jit_compile``,
                ...). Keras's ``jit_compile="auto"`` uses XLA on a GPU and
                not on a CPU-only machine.

        Networks built under a ``mixed_float16`` policy get both optimizers
        wrapped in ``keras.optimizers.LossScaleOptimizer`` (dynamic loss
        scaling); ``mixed_bfloat16`` needs none.

        Both penalties are computed on what the discriminator sees (after
        augmentation, noise and packing) and reported as ``d_penalty``
        (with ``penalty_every`` > 1, the mean over the updates that computed
        them, without the factor); ``d_loss`` is the total the discriminator
        descends.
        """
        pair = losses_lib.get(loss)
        gp_weight = pair.gp_weight if gp_weight is None else gp_weight
        for option, value in (("gp_weight", gp_weight), ("r1_gamma", r1_gamma)):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{option} must be a non-negative number, got {value!r}")
        checks.integer("penalty_every", penalty_every, 1)
        if clip_value is not None and not clip_value > 0:
            raise ValueError(f"clip_value must be a positive number or None, got {clip_value!r}")
        if not 0 <= label_smoothing < 1:
            raise ValueError(f"label_smoothing must lie in [0, 1), got {label_smoothing!r}")
        if label_smoothing:
            if not pair.supports_label_smoothing:
                valid = sorted(name for name, p in losses_lib.LOSSES.items() if p.supports_label_smoothing)
                raise ValueError(
                    f"label_smoothing needs a probabilistic loss ({', '.join(valid)}); got loss {pair.name!r}"
                )
            pair = dataclasses.replace(
                pair, discriminator=functools.partial(pair.discriminator, label_smoothing=label_smoothing)
            )
        self.loss_pair = pair
        self.gp_weight = float(gp_weight)
        self.r1_gamma = float(r1_gamma)
        self.penalty_every = int(penalty_every)
        self.clip_value = clip_value
        self.label_smoothing = float(label_smoothing)
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(2e-4, beta_1=0.5)
        if self.d_optimizer is self.g_optimizer:
            raise ValueError("d_optimizer and g_optimizer must be two different optimizer objects")
        if self._computes_in_float16():
            self.d_optimizer = _with_loss_scaling(self.d_optimizer)
            self.g_optimizer = _with_loss_scaling(self.g_optimizer)
        # The generator's optimizer doubles as the model's, so that
        # ``gan.optimizer.iterations`` counts training steps.
        self._max_steps_per_execution = _steps_per_execution(steps_per_execution, self._distributed())
        super().compile(optimizer=self.g_optimizer, steps_per_execution=self._max_steps_per_execution, **kwargs)
        # Built now, not lazily inside the first (possibly distributed) step.
        self.d_optimizer.build(self.discriminator_variables)
        self.g_optimizer.build(self.generator_variables)

    def _distributed(self) -> bool:
        # Keras keeps the strategy the model was built under.
        return tf.distribute.has_strategy() or self._distribute_strategy is not None

    def _computes_in_float16(self) -> bool:
        return any(
            layer.dtype_policy.compute_dtype == "float16"
            for network in (self.generator, self.discriminator)
            for layer in network._flatten_layers()
        )

    @property
    def discriminator_variables(self) -> list:
        """The discriminator's trainable variables (also while it is frozen)."""
        with _unfrozen(self.discriminator):
            return list(self.discriminator.trainable_variables)

    @property
    def generator_variables(self) -> list:
        """What the generator phase updates: the combined model's trainable variables."""
        return list(self.combined.trainable_variables)

    # ------------------------------------------------------------------ the step

    def unpack(self, data):
        """Splits a batch from the dataset into ``(real, condition)``."""
        if isinstance(data, (tuple, list)):
            return data[0], (data[1] if len(data) > 1 else None)
        return data, None

    def sample_latent(self, batch_size):
        """Draws latent vectors from the Gaussian prior.

        Under a ``tf.distribute`` strategy every replica draws the latent
        vectors of the whole global batch from the same seed and keeps its
        own slice: the replicas get different noise (one seed alone would
        give them all the same), and the same as one device would draw for
        that global batch.
        """
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context is not None else 1
        if replicas == 1:
            return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        latent = keras.random.normal((batch_size * replicas, self.latent_dim), seed=self.seed_generator)
        start = context.replica_id_in_sync_group * batch_size
        return latent[start : start + batch_size]

    def generator_inputs(self, batch_size, condition):
        """What the generator runs on for one batch: fresh latent vectors here.

        A conditional model adds its labels; an image-to-image model returns
        the source images (its generator has no latent input).
        """
        return self.sample_latent(batch_size)

    def discriminate(self, samples, condition, training=False):
        """The discriminator's logits on ``samples``, shown the condition when it takes one."""
        return self.discriminator(samples, training=training)

    def discriminate_pair(self, real, fake, condition, training=False):
        """The discriminator's logits on a real and a generated batch, both shown ``condition``.

        With ``joint_discriminator_pass`` the two batches (and the condition,
        twice) go through the discriminator as one batch, split afterwards;
        otherwise it is called once on each.
        """
        if not self.joint_discriminator_pass:
            real_logits = self.discriminate(real, condition, training=training)
            return real_logits, self.discriminate(fake, condition, training=training)
        count = ops.shape(real)[0]
        if condition is not None:
            condition = keras.tree.map_structure(lambda c: ops.concatenate([c, c], axis=0), condition)
        logits = self.discriminate(ops.concatenate([real, fake], axis=0), condition, training=training)
        return logits[:count], logits[count:]

    def discriminator_loss(self, real, fake, condition):
        """The discriminator's loss and its raw outputs on one real and one fake batch."""
        real_logits, fake_logits = self.discriminate_pair(real, fake, condition, training=True)
        loss = self.loss_pair.discriminator(real_logits, fake_logits)
        return loss, real_logits, fake_logits

    def generator_loss(self, latent, real, condition):
        """The generator's loss through the combined model (D frozen)."""
        fake_logits = self.combined(latent, training=True)
        return self.loss_pair.generator(fake_logits)

    def generator_loss_on(self, fake, real, condition):
        """The generator's loss on samples already generated (the shared pass), D frozen.

        The same computation as :meth:`generator_loss` from the generator's
        output on: the combined model's second half. Subclasses whose
        generator loss has more terms than the verdict override both.
        """
        samples = self.discriminator_inputs(fake, training=True)
        return self.loss_pair.generator(self.discriminate(samples, condition, training=True))

    def _scale_for_replicas(self, loss):
        # Each replica sees batch / n examples and the optimizer sums the
        # replicas' gradients: dividing by n gives the global batch mean.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        return loss / replicas if replicas > 1 else loss

    def discriminator_step(self, real, condition, fake=None):
        """One discriminator update on ``real`` and a freshly generated batch (or ``fake``, when given).

        The generator runs in training mode, as in the generator phase, so
        the discriminator judges the samples the generator is being trained
        to produce; its trainable weights are untouched here (its batch-norm
        statistics, which only serve inference, follow the forward pass).
        """
        if fake is None:
            batch_size = ops.shape(real)[0]
            fake = self.generator(self.generator_inputs(batch_size, condition), training=True)
        fake = ops.stop_gradient(fake)
        if self.pack > 1 and condition is not None:
            raise ValueError("pack > 1 is not supported for a conditional GAN: the condition would need packing too")
        real = self.discriminator_inputs(real, training=True)
        fake = self.discriminator_inputs(fake, training=True)
        with _unfrozen(self.discriminator):
            variables = self.discriminator.trainable_variables
            with tf.GradientTape() as tape:
                loss, real_logits, fake_logits = self.discriminator_loss(real, fake, condition)
                if self._has_penalty:
                    penalty, penalised = self._scheduled_penalty(real, fake, condition)
                    loss = loss + self.penalty_every * penalty
                scaled = self.d_optimizer.scale_loss(self._scale_for_replicas(loss))
            grads = tape.gradient(scaled, variables)
            self.d_optimizer.apply(grads, variables)
            if self.clip_value is not None:
                for variable in variables:
                    variable.assign(ops.clip(variable, -self.clip_value, self.clip_value))
        self._track_discriminator(loss, real_logits, fake_logits)
        if self._has_penalty:
            # The mean over the updates that computed the penalty.
            self.d_penalty_tracker.update_state(penalty, sample_weight=penalised)

    def _scheduled_penalty(self, real, fake, condition):
        """The penalty of this discriminator update (0 between lazy ones) and whether it was computed."""
        if self.penalty_every == 1:
            return self.discriminator_penalty(real, fake, condition), 1.0
        # The optimizer counts the updates it has applied: the first one is penalised.
        due = ops.equal(self.d_optimizer.iterations % self.penalty_every, 0)
        penalty = ops.cond(
            due,
            lambda: ops.cast(self.discriminator_penalty(real, fake, condition), "float32"),
            lambda: ops.zeros((), "float32"),
        )
        return penalty, ops.cast(due, "float32")

    def discriminator_penalty(self, real, fake, condition):
        """``gp_weight * GP + r1_gamma / 2 * R1`` on what the discriminator sees.

        Called inside the discriminator phase's tape (the penalties open
        their own, nested tapes for the input gradients), only when one of
        the two weights is non-zero. Runs the discriminator through
        :meth:`discriminate`, so a subclass that shows it a condition gets
        the penalties as they are. With packing, each packed input is one
        example: one interpolation coefficient per judgement.
        """

        def critic(samples):
            return self.discriminate(samples, condition, training=True)

        penalty = 0.0
        if self.gp_weight:
            alpha = keras.random.uniform((ops.shape(real)[0],), seed=self.seed_generator)
            penalty += self.gp_weight * losses_lib.gradient_penalty(critic, real, fake, alpha)
        if self.r1_gamma:
            penalty += 0.5 * self.r1_gamma * losses_lib.r1_penalty(critic, real)
        return penalty

    def _track_discriminator(self, loss, real_logits, fake_logits):
        real_score = ops.cast(self.loss_pair.score(real_logits), "float32")
        fake_score = ops.cast(self.loss_pair.score(fake_logits), "float32")
        threshold = self.loss_pair.threshold
        correct = ops.concatenate(
            [
                ops.reshape(ops.cast(real_score > threshold, "float32"), (-1,)),
                ops.reshape(ops.cast(fake_score < threshold, "float32"), (-1,)),
            ]
        )
        self.d_loss_tracker.update_state(loss)
        self.d_real_tracker.update_state(ops.mean(real_score))
        self.d_fake_tracker.update_state(ops.mean(fake_score))
        self.d_accuracy_tracker.update_state(ops.mean(correct))

    def generator_step(self, real, condition):
        """One generator update through the combined model, D frozen."""
        batch_size = ops.shape(real)[0]
        latent = self.generator_inputs(batch_size, condition)
        variables = self.generator_variables
        with tf.GradientTape() as tape:
            loss = self.generator_loss(latent, real, condition)
            scaled = self.g_optimizer.scale_loss(self._scale_for_replicas(loss))
        self._apply_generator_update(tape.gradient(scaled, variables), loss)

    def shared_steps(self, real, condition):
        """The last discriminator update and the generator update on one generator forward pass.

        ``fake = G(z)`` is computed once, on the generator's tape: the
        discriminator is updated on it (gradients stopped), then the
        generator descends its loss on the same ``fake`` against the
        just-updated, frozen discriminator. The order of Algorithm 1 is
        kept; what changes is that the generator step reuses the
        discriminator step's noise instead of drawing its own.
        """
        batch_size = ops.shape(real)[0]
        inputs = self.generator_inputs(batch_size, condition)
        variables = self.generator_variables
        with tf.GradientTape() as tape:
            fake = self.generator(inputs, training=True)
            with tape.stop_recording():
                self.discriminator_step(real, condition, fake=fake)
            loss = self.generator_loss_on(fake, real, condition)
            scaled = self.g_optimizer.scale_loss(self._scale_for_replicas(loss))
        self._apply_generator_update(tape.gradient(scaled, variables), loss)

    def _apply_generator_update(self, grads, loss):
        self.g_optimizer.apply(grads, self.generator_variables)
        if self.ema_generator is not None:
            self.update_ema()
        self.g_loss_tracker.update_state(loss)

    def fit(self, *args, **kwargs):
        """``keras.Model.fit``, with ``steps_per_execution`` lowered to divide ``steps_per_epoch``.

        Keras 3 runs whole compiled calls: on a repeated dataset, 40 steps
        per epoch at 32 steps per call would train 64 steps an epoch. So
        the steps per call become the largest divisor of ``steps_per_epoch``
        not above the compiled value (a prime number of steps gets 1).
        A ``tf.data.Dataset`` is not shuffled by ``fit`` (it shuffles itself,
        as ``data.make_dataset``'s does), so ``shuffle`` defaults to
        ``False`` for one instead of drawing Keras's warning that it is ignored.
        """
        x = args[0] if args else kwargs.get("x")
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)
        limit = getattr(self, "_max_steps_per_execution", None)
        if limit is not None:
            steps = kwargs.get("steps_per_epoch")
            wanted = max(d for d in range(1, limit + 1) if steps % d == 0) if steps else limit
            if wanted != self.steps_per_execution:
                self.steps_per_execution = wanted
                self.train_function = None  # traced again with the new count
        return super().fit(*args, **kwargs)

    def train_step(self, data):
        real, condition = self.unpack(data)
        if self.share_generator_pass:
            for _ in range(self.d_steps - 1):
                self.discriminator_step(real, condition)
            self.shared_steps(real, condition)
        else:
            for _ in range(self.d_steps):
                self.discriminator_step(real, condition)
            self.generator_step(real, condition)
        return self.metric_logs()

    def metric_logs(self) -> dict:
        """``{name: result}`` of every metric, as ``train_step`` returns them.

        Across several ``MultiWorkerMirroredStrategy`` workers the results
        are vectors of one value: Keras 3 averages the logs over the workers
        along axis 0, which a scalar lacks ("Invalid reduction dimension 0",
        tensorflow/tensorflow#72388). The metrics are already reduced across
        replicas, so the average is the value itself.
        """
        logs = {m.name: m.result() for m in self.metrics}
        strategy = tf.distribute.get_strategy()
        if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and strategy.extended._in_multi_worker_mode():
            logs = {name: ops.reshape(value, (1,)) for name, value in logs.items()}
        return logs

    def test_step(self, data):
        """Scores held-out real data against fresh samples; no weights change."""
        real, condition = self.unpack(data)
        fake = self.generator(self.generator_inputs(ops.shape(real)[0], condition), training=False)
        real_logits, fake_logits = self.discriminate_pair(
            self.discriminator_inputs(real, training=False), self.discriminator_inputs(fake, training=False), condition
        )
        self._track_discriminator(self.loss_pair.discriminator(real_logits, fake_logits), real_logits, fake_logits)
        self.g_loss_tracker.update_state(self.loss_pair.generator(fake_logits))
        return self.metric_logs()

    # ------------------------------------------------------------------ sampling

    def latent_vectors(self, n: int, seed: int | None = None) -> np.ndarray:
        """``n`` latent vectors from the prior, reproducible for a given seed."""
        return latent_vectors(n, self.latent_dim, seed)

    def generate(self, n: int, seed: int | None = None, latent=None, batch_size: int = 256) -> np.ndarray:
        """Draws ``n`` samples as a numpy array, in the generator's output range.

        Args:
            n: number of samples.
            seed: makes the latent vectors (and so the samples) reproducible.
            latent: explicit latent vectors ``(n, latent_dim)``; overrides
                ``n`` and ``seed``.
            batch_size: samples per forward pass.
        """
        if latent is None:
            if n < 1:
                raise ValueError(f"n must be a positive number of samples, got {n}")
            latent = self.latent_vectors(n, seed)
        return predict_in_batches(self.sampling_generator, latent, batch_size)

    # ------------------------------------------------------------------ saving

    _SEED_STATES_KEY = "seed_generator_states"

    def _seed_states(self) -> list:
        """The state of every ``SeedGenerator`` in the GAN, its networks and layers, in a fixed order.

        The latent noise, the gradient penalty's mixing, DiffAugment,
        instance noise and dropout each draw from one.
        """
        return [v for v in self.variables if v.name == "seed_generator_state"]

    def save_own_variables(self, store):
        """Adds the random generators' states, so ``save_weights`` captures where each stream is.

        Keras saves layers' weights but not their ``SeedGenerator``s; without
        them a reloaded GAN would redraw the noise of the steps it has
        already trained on.
        """
        super().save_own_variables(store)
        store[self._SEED_STATES_KEY] = np.stack([keras.ops.convert_to_numpy(v) for v in self._seed_states()])

    def load_weights(self, filepath, *args, **kwargs):
        """``keras.Model.load_weights``, refusing a checkpoint whose moving average does not fit.

        Keras loads what the model has and ignores the rest of the file, so
        a checkpoint with an EMA generator loaded into a GAN built without
        ``ema`` (or the other way round) would go through and sample from
        the wrong weights. The check runs before any weight is touched.
        """
        path = str(filepath)
        if path.endswith(".weights.h5"):
            import h5py  # a dependency of Keras's own weights format

            with h5py.File(path, "r") as file:
                saved = "ema_generator" in file
            built = self.ema_generator is not None
            if saved != built:
                holds = "holds a moving-average generator" if saved else "holds no moving-average generator"
                has = f"this GAN has one (ema={self.ema})" if built else "this GAN was built without ema"
                raise ValueError(f"{path} {holds} but {has}; build the GAN with the settings it was saved with")
        self._ema_statistics_step = None  # new weights: measure the moving average's statistics again
        return super().load_weights(filepath, *args, **kwargs)

    def load_own_variables(self, store):
        own = {key: store[key] for key in store.keys() if key != self._SEED_STATES_KEY}
        super().load_own_variables(own)
        if self._SEED_STATES_KEY not in store.keys():  # a file saved by plain Keras
            return
        saved, states = np.asarray(store[self._SEED_STATES_KEY]), self._seed_states()
        if len(saved) != len(states):
            raise ValueError(f"the file holds {len(saved)} random generator states; this GAN has {len(states)}")
        for state, value in zip(states, saved):
            state.assign(value)

    def get_config(self):
        return {
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "d_steps": self.d_steps,
            "latent_dim": self.latent_dim,
            "seed": self.seed,
            "pack": self.pack,
            "diffaugment": self.diffaugment,
            "instance_noise": self.instance_noise,
            "instance_noise_steps": self.instance_noise_steps,
            "ema": self.ema,
            "share_generator_pass": self.share_generator_pass,
            "joint_discriminator_pass": self.joint_discriminator_pass,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


# Steps per compiled call by default on one device: the Python round trip
# between calls costs more than a whole step of a small network
# (benchmarks/throughput.py measures it), and 32 steps hide it.
DEFAULT_STEPS_PER_EXECUTION = 32


def _steps_per_execution(requested: int | None, distributed: bool) -> int:
    """What ``compile`` passes to Keras: ``requested``, checked, or the default."""
    if requested is None:
        return 1 if distributed else DEFAULT_STEPS_PER_EXECUTION
    checks.integer("steps_per_execution", requested, 1, numpy=True, also=" or None")
    if requested > 1 and distributed:
        # Keras 3's multi-step loop fails under tf.distribute ("You must feed
        # a value for placeholder tensor", keras-team/keras#19246).
        raise ValueError(
            f"steps_per_execution={requested} does not work under a tf.distribute strategy in Keras "
            f"{keras.__version__} (keras-team/keras#19246); use 1 (the default there)"
        )
    return int(requested)


def _with_loss_scaling(optimizer: keras.optimizers.Optimizer) -> keras.optimizers.Optimizer:
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)


# Inputs on which the moving-average generator's batch-norm statistics are measured, and their seed.
EMA_STATISTICS_SAMPLES = 4096
EMA_STATISTICS_SEED = 7919
# Their batches: as many samples as make about a million output values, 256 to 1024 of them.
_STATISTICS_OUTPUT_VALUES = 2**20


def statistics_batch_size(model: keras.Model) -> int:
    """Samples per batch when measuring ``model``'s batch-norm statistics (``refresh_ema_statistics``).

    Bigger batches are fewer calls: on the 28x28 MNIST DCGAN (1,024 a batch)
    measuring 4,096 samples took 0.63 s against 1.0-1.2 s in batches of 256,
    once an epoch for the sample grid. The activations held at once grow
    with the batch, so large outputs keep batches of 256 (64x64x3 and up).
    """
    values = int(np.prod(model.outputs[0].shape[1:]))
    return int(min(1024, max(256, _STATISTICS_OUTPUT_VALUES // max(values, 1))))


def recompute_batch_norm_statistics(model: keras.Model, inputs, batch_size: int = 256) -> int:
    """Sets every ``BatchNormalization`` layer's moving statistics to their mean over ``inputs``.

    ``model`` runs in training mode over ``inputs`` in batches of
    ``batch_size`` (the same batch statistics training would use); each
    layer's moving mean and variance become the average of its per-batch
    statistics. Frozen layers are measured too (a frozen batch-norm layer
    would otherwise ignore ``training``); every layer's ``trainable`` flag
    and momentum are restored afterwards, and no other weight changes.

    Args:
        model: a Keras model, nested models included.
        inputs: one array, or a list of equally long arrays for a model
            with several inputs.
        batch_size: samples per batch; a last, smaller batch is dropped
            unless it is the only one.

    Returns:
        how many batch-norm layers were measured.
    """
    everything = list(model._flatten_layers())  # the model itself, then every layer inside, nested ones too
    norms = [layer for layer in everything if isinstance(layer, keras.layers.BatchNormalization)]
    if not norms:
        return 0
    several = isinstance(inputs, (list, tuple))
    arrays = [_as_model_input(array) for array in (inputs if several else [inputs])]
    starts = range(0, max(1, len(arrays[0]) - batch_size + 1), batch_size)
    trainable = [layer.trainable for layer in everything]
    momentum = [layer.momentum for layer in norms]
    try:
        model.trainable = True
        for i, start in enumerate(starts):
            for layer in norms:
                layer.momentum = i / (i + 1)  # the running mean of the batch statistics
            chunk = [array[start : start + batch_size] for array in arrays]
            model(chunk if several else chunk[0], training=True)
    finally:
        for layer, flag in zip(everything, trainable):
            layer.trainable = flag
        for layer, value in zip(norms, momentum):
            layer.momentum = value
    return len(norms)


# Layers whose training-mode call depends on the batch it sees or updates state
# on every call, so that one call on two stacked batches differs from two calls.
CALL_DEPENDENT_LAYERS = (keras.layers.BatchNormalization, keras.layers.SpectralNormalization)


def call_dependent_layers(model: keras.layers.Layer) -> list:
    """The layers of ``CALL_DEPENDENT_LAYERS`` in ``model``, nested models included."""
    return [layer for layer in model._flatten_layers() if isinstance(layer, CALL_DEPENDENT_LAYERS)]


def positive_integer(name: str, value) -> int:
    """``value`` as an ``int``; a ``ValueError`` naming ``name`` unless it is an integer of at least 1."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def latent_vectors(n: int, latent_dim: int, seed: int | None = None) -> np.ndarray:
    """``n`` standard-normal latent vectors, reproducible for a given seed."""
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype("float32")


def predict_in_batches(model: keras.Model, inputs, batch_size: int = 256) -> np.ndarray:
    """Runs ``model`` in inference mode over ``inputs`` in chunks; float32 numpy out.

    ``inputs`` is one array, or a list of equally long arrays for a model with
    several inputs (e.g. ``[latent, labels]``); integer arrays stay integers.
    """
    several = isinstance(inputs, (list, tuple))
    arrays = [_as_model_input(array) for array in (inputs if several else [inputs])]
    chunks = []
    for i in range(0, len(arrays[0]), batch_size):
        chunk = [array[i : i + batch_size] for array in arrays]
        chunks.append(keras.ops.convert_to_numpy(model(chunk if several else chunk[0], training=False)))
    return np.concatenate(chunks).astype("float32")


def _as_model_input(array) -> np.ndarray:
    array = np.asarray(array)
    return array.astype("int32") if np.issubdtype(array.dtype, np.integer) else array.astype("float32")


def steps_per_epoch(num_samples: int, batch_size: int) -> int:
    """Full batches in one pass over ``num_samples`` (the last partial batch dropped)."""
    return max(1, math.floor(num_samples / batch_size))
