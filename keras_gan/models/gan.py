"""The GAN model: a frozen discriminator inside a combined model, one compiled step.

``GAN`` is a ``keras.Model``, so ``fit``, callbacks and ``History`` work as for
any model. Its ``train_step`` is Algorithm 1 of Goodfellow et al. (2014): k
updates of D on a real and a generated batch, then one update of G through
``combined = D(G(z))``, D frozen inside (``training.freezing`` says exactly
what freezing changes). The pieces around the step have modules of their own:
``training.inputs``, ``training.penalties``, ``training.averaging``,
``training.distribution``, ``keras_gan.sampling`` and ``models.saving``.

Subclasses override hooks only (the methods under "hooks"). Their ``context``
is what a batch holds besides the real samples: None here, the class labels of
a ``ConditionalGAN``, the source images of a ``PairedGAN``.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from keras_gan import checks
from keras_gan import losses as losses_lib
from keras_gan.models import monitoring, network_checks, sampler, saving
from keras_gan.models import optimizers as optimizers_lib
from keras_gan.training import averaging, distribution, freezing, penalties
from keras_gan.training.inputs import call_dependent_layers, derived_seed, discriminator_input_layers
from keras_gan.training import ada as ada_lib

# Importable from here as before they moved to modules of their own.
from keras_gan.sampling import latent_vectors, predict_in_batches  # noqa: E402, F401
from keras_gan.training.averaging import recompute_batch_norm_statistics, statistics_batch_size  # noqa: E402, F401
from keras_gan.training.distribution import DEFAULT_STEPS_PER_EXECUTION, steps_per_epoch  # noqa: E402, F401


@keras.saving.register_keras_serializable(package="keras_gan")
class GAN(saving.Saving, sampler.Sampler, keras.Model):
    """A generator and a discriminator trained as in Goodfellow et al. (2014).

    Args:
        generator: any Keras model ``z -> x`` (its first input is the latent vector).
            One without fixed inputs (a ``Sequential`` without ``keras.Input``,
            a subclassed model) is built on latent vectors of ``latent_dim``.
        discriminator: any Keras model ``x -> logit``, one logit per sample
            (no final sigmoid: ``sigmoid(logit)`` is D(x)). Layers frozen in it
            stay frozen. One without fixed inputs is built on the generator's samples.
        d_steps: discriminator updates per generator update (k in Algorithm 1).
        latent_dim: size of the latent vector; read from the generator when omitted.
        seed: seeds each random stream of training: the latent noise (``seed``),
            DiffAugment (+1), instance noise (+2), the gradient penalty (+3), ADA (+4).
        pack: PacGAN (Lin et al. 2018): D judges ``pack`` samples at once,
            concatenated along the last axis. 1 is none.
        diffaugment: a DiffAugment policy (Zhao et al. 2020), e.g. ``"color,translation,cutout"``.
        ada_target: adaptive discriminator augmentation (Karras et al. 2020,
            ``training.ada``): the r_t = E[sign(D(x_real))] its probability p
            steers to, e.g. 0.6; ``None`` is off. ``ada`` holds the layer; the
            logs carry p as ``ada_p`` and the last r_t as ``ada_rt``.
        ada_ramp_images: real images over which ADA's p can go from 0 to 1.
        instance_noise: initial standard deviation of Gaussian noise on every
            discriminator input in training (Sonderby et al. 2016); 0 is none.
        instance_noise_steps: generator updates over which it decays to zero.
        ema: decay of a moving average of the generator's weights (e.g. 0.999),
            held by ``ema_generator``; ``generate``, ``predict`` and calling
            the GAN then sample from it.
        share_generator_pass: one generator forward pass per step: D's last
            update and G's use the same generated batch, in Algorithm 1's order.
        joint_discriminator_pass: one D call on the real and generated batch
            stacked; ``None``: on unless D holds ``BatchNormalization`` or
            ``SpectralNormalization``.
        name: model name.

    ``fit``, ``save``/``keras.models.load_model`` (compiled, with both optimizers' state)
    and Keras's callbacks work as for any model. ``gan.optimizer`` sets both learning
    rates as one, keeping their ratio (``optimizers.LinkedOptimizers``), for
    ``LearningRateScheduler`` and ``ReduceLROnPlateau``; the logs carry ``d_lr`` and
    ``g_lr``. ``monitor="g_loss"`` or ``"d_loss"`` needs no ``mode``.

    Example:
        >>> gan = GAN(networks.dcgan_generator(100, (28, 28, 1)), networks.dcgan_discriminator((28, 28, 1)))
        >>> gan.compile(loss="non_saturating")
        >>> gan.fit(dataset, epochs=5)                      # doctest: +SKIP
        >>> images = gan.generate(16, seed=0)               # doctest: +SKIP
    """

    judged_input = 0  # the discriminator input that takes the samples (pix2pix's D takes [source, image])
    logits = "one"  # D's output: one logit per sample ("grid": or a PatchGAN's grid; None: the subclass checks it)
    num_classes = None  # a conditional GAN's number of classes

    def __init__(self, generator: keras.Model, discriminator: keras.Model, d_steps: int = 1, *,
                 latent_dim: int | None = None, seed: int | None = None, pack: int = 1, diffaugment: str | None = None,
                 instance_noise: float = 0.0, instance_noise_steps: int | None = None, ema: float | None = None,
                 share_generator_pass: bool = False, joint_discriminator_pass: bool | None = None,
                 ada_target: float | None = None, ada_ramp_images: int = ada_lib.DEFAULT_RAMP_IMAGES, name: str = "gan",
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.d_steps = checks.integer("d_steps", d_steps, 1, numpy=True)
        self.pack = checks.integer("pack", pack, 1, numpy=True)
        generator, discriminator, self.latent_dim = network_checks.prepared_networks(
            generator, discriminator, latent_dim, self.pack, self.judged_input
        )
        self.generator, self.discriminator = generator, discriminator
        self.seed, self.diffaugment, self.instance_noise = seed, diffaugment or None, float(instance_noise)
        self.instance_noise_steps, self.ema = instance_noise_steps, ema
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.penalty_seed_generator = keras.random.SeedGenerator(derived_seed(seed, 3))
        self.share_generator_pass = checks.flag("share_generator_pass", share_generator_pass)
        if joint_discriminator_pass is None:
            joint_discriminator_pass = not call_dependent_layers(discriminator)
        self.joint_discriminator_pass = checks.flag("joint_discriminator_pass", joint_discriminator_pass, auto=True)
        checks.networks_fit(generator, discriminator, self.judged_input, self.pack)
        network_checks.check_logits(discriminator, self.logits)
        self.input_layers = discriminator_input_layers(
            self.sample_shape, self.diffaugment, self.instance_noise, instance_noise_steps, self.pack,
            step=self._generator_updates, seed=seed,
        )
        self.ada_target, self.ada_ramp_images = ada_target, ada_ramp_images
        self.ada, self.ada_metrics = ada_lib.for_gan(ada_target, ada_ramp_images, self.sample_shape, derived_seed(seed, 4))
        self.input_layers[:0] = [self.ada] if self.ada is not None else []
        self._discriminator_flags = freezing.layer_flags(discriminator) if discriminator.trainable else None
        discriminator.trainable = False
        self.combined = self.build_combined()
        self.moving_average = averaging.MovingAverage(generator, ema) if ema is not None else None
        self.ema_generator = self.moving_average.model if ema is not None else None
        for metric, direction in [("d_loss", "down"), ("g_loss", "down"), ("d_real", None), ("d_fake", None),
                                  ("d_accuracy", None), ("d_penalty", "down")]:
            setattr(self, f"{metric}_tracker", monitoring.tracker(metric, direction))
        self.penalised = False  # set by compile
        self.built = True  # both networks arrive built; nothing is left to infer from data

    @property
    def sample_shape(self) -> tuple:
        """The shape of one sample: the generator's output, judged by the discriminator (unpacked)."""
        return tuple(self.generator.outputs[0].shape[1:])

    @property
    def discriminator_variables(self) -> list:
        """What the discriminator phase updates: D's variables, less those of layers frozen on purpose."""
        with freezing.unfrozen(self.discriminator, self._discriminator_flags):
            return list(self.discriminator.trainable_variables)

    @property
    def generator_variables(self) -> list:
        """What the generator phase updates: the combined model's trainable variables, the generator's."""
        return list(self.combined.trainable_variables)

    @property
    def metrics(self):
        # Listed here so that Keras resets them at each epoch.
        trackers = [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]
        return trackers + [self.d_accuracy_tracker] + ([self.d_penalty_tracker] if self.penalised else []) + list(
            self.ada_metrics)

    def _generator_updates(self):
        # The generator's optimizer counts training steps (``fit`` uses it as the model's).
        return self.g_optimizer.iterations if getattr(self, "g_optimizer", None) is not None else 0

    def compile(self, d_optimizer: keras.optimizers.Optimizer | str | dict | None = None,
                g_optimizer: keras.optimizers.Optimizer | str | dict | None = None,
                loss: str | losses_lib.LossPair = "non_saturating",
                *, gp_weight: float | None = None, r1_gamma: float = 0.0, penalty_every: int = 1,
                clip_value: float | None = None, label_smoothing: float = 0.0, steps_per_execution: int | None = None,
                **kwargs):
        """Sets the two optimizers, the loss family and the discriminator's regularisers.

        Args:
            d_optimizer: updates D: an optimizer, its name (``"adam"``) or config
                dict, as ``keras.Model.compile``'s ``optimizer``; ``Adam(2e-4,
                beta_1=0.5)`` (Radford et al. 2015) when omitted. Two learning
                rates give TTUR (Heusel et al. 2017).
            g_optimizer: updates G; the same forms and default.
            loss: a name from ``keras_gan.losses.LOSSES`` or a ``LossPair``.
            gp_weight: lambda of the WGAN-GP gradient penalty; ``None`` takes
                the loss family's own (10 for ``wgan_gp``, 0 otherwise).
            r1_gamma: gamma of the R1 penalty on real data; 0 is off.
            penalty_every: lazy regularisation: the penalties come every
                ``penalty_every``-th D update, at that many times their weight.
            clip_value: clip D's weights to ``[-c, c]`` after each update; ``None`` is off.
            label_smoothing: the real target becomes ``1 - label_smoothing``
                (minimax and non_saturating only).
            steps_per_execution: training steps per compiled call; ``None`` is
                ``distribution.DEFAULT_STEPS_PER_EXECUTION`` (32) on one device,
                1 under a ``tf.distribute`` strategy; ``fit`` lowers it to divide
                ``steps_per_epoch``.
            **kwargs: passed to ``keras.Model.compile`` (``jit_compile``, ...);
                not ``optimizer``: a GAN has the two above.

        Networks built under ``mixed_float16`` get both optimizers wrapped in
        dynamic loss scaling. The penalties (``training.penalties``) act on
        what D sees and are reported as ``d_penalty``; ``d_loss`` is the total.
        """
        d_optimizer, g_optimizer = optimizers_lib.get_pair(d_optimizer, g_optimizer, kwargs)
        settings = dict(d_optimizer=d_optimizer, g_optimizer=g_optimizer, loss=loss, gp_weight=gp_weight,
                        r1_gamma=r1_gamma, penalty_every=penalty_every, clip_value=clip_value,
                        label_smoothing=label_smoothing, steps_per_execution=steps_per_execution, **kwargs)
        pair = losses_lib.with_label_smoothing(losses_lib.get(loss), label_smoothing)
        self.gp_weight, self.r1_gamma, self.penalty_every, self.clip_value = penalties.check_settings(
            pair.gp_weight if gp_weight is None else gp_weight, r1_gamma, penalty_every, clip_value
        )
        self.loss_pair, self.label_smoothing = pair, float(label_smoothing)
        self.penalised = bool(self.gp_weight or self.r1_gamma)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        if distribution.computes_in_float16(self.generator, self.discriminator):
            self.d_optimizer = distribution.with_loss_scaling(self.d_optimizer)
            self.g_optimizer = distribution.with_loss_scaling(self.g_optimizer)
        distributed = tf.distribute.has_strategy() or self._distribute_strategy is not None
        self._max_steps_per_execution = distribution.steps_per_execution(steps_per_execution, distributed)
        super().compile(optimizer=self.g_optimizer, steps_per_execution=self._max_steps_per_execution, **kwargs)
        # Built now, not lazily inside the first (possibly distributed) step.
        self.d_optimizer.build(self.discriminator_variables)
        self.g_optimizer.build(self.generator_variables)
        # The model's optimizer, for Keras: counts steps, and sets both learning rates as one.
        self.optimizer = optimizers_lib.LinkedOptimizers(self.d_optimizer, self.g_optimizer)
        self._compile_settings = settings  # what ``save`` stores (``saving.Saving``)

    def fit(self, *args, **kwargs):
        """``keras.Model.fit``, checked and with Keras's callbacks readied (``monitoring.prepare_fit``).

        Steps per call divide ``steps_per_epoch``; a ``tf.data.Dataset`` is not reshuffled.
        """
        kwargs = monitoring.prepare_fit(self, args, kwargs)
        if isinstance(args[0] if args else kwargs.get("x"), tf.data.Dataset):
            kwargs.setdefault("shuffle", False)
        if getattr(self, "_max_steps_per_execution", None) is not None:
            wanted = distribution.steps_per_call(self._max_steps_per_execution, kwargs.get("steps_per_epoch"))
            if wanted != self.steps_per_execution:
                self.steps_per_execution, self.train_function = wanted, None  # traced again with the new count
        return super().fit(*args, **kwargs)

    # ------------------------------------------------------------------ Algorithm 1

    def train_step(self, data):
        """One iteration of Algorithm 1: k discriminator updates, then one generator update."""
        real, context = self.unpack(data)
        network_checks.check_batch(self, real, context)
        rates = monitoring.learning_rates(self.d_optimizer, self.g_optimizer)  # the rates this step starts with
        # With the shared generator pass, the k-th discriminator update runs inside the generator step.
        for _ in range(self.d_steps - int(self.share_generator_pass)):
            self.discriminator_step(real, context)
        self.generator_step(real, context)
        return self.metric_logs(rates)

    def discriminator_step(self, real, context, fake=None):
        """Descends D's loss once, on ``real`` and ``fake`` (a batch generated here when omitted)."""
        if fake is None:  # G runs in training mode, as in its own phase; its weights stay put
            fake = self.generator(self.generator_inputs(ops.shape(real)[0], context), training=True)
        real = self.apply_input_layers(real, training=True)
        fake = self.apply_input_layers(ops.stop_gradient(fake), training=True)
        with freezing.unfrozen(self.discriminator, self._discriminator_flags):
            variables = self.discriminator.trainable_variables
            with tf.GradientTape() as tape:
                loss, real_logits, fake_logits = self.discriminator_loss(real, fake, context)
                if self.penalised:
                    penalty, computed = penalties.lazy(
                        lambda: self.discriminator_penalty(real, fake, context), self.penalty_every,
                        self.d_optimizer.iterations,
                    )
                    loss = loss + self.penalty_every * penalty
                scaled = self.d_optimizer.scale_loss(distribution.replica_mean(loss))
            self.d_optimizer.apply(tape.gradient(scaled, variables), variables)
            if self.clip_value is not None:
                penalties.clip_weights(variables, self.clip_value)
        self._track_discriminator(loss, real_logits, fake_logits)
        if self.ada is not None:  # ADA's controller: D's verdicts on the real images it trained on
            self.ada.update(ops.cast(self.loss_pair.score(real_logits), "float32") - self.loss_pair.threshold)
        if self.penalised:  # the mean over the updates that computed the penalty
            self.d_penalty_tracker.update_state(penalty, sample_weight=computed)

    def generator_step(self, real, context):
        """Descends G's loss once through ``combined``, D frozen inside; updates the moving average."""
        inputs, variables = self.generator_inputs(ops.shape(real)[0], context), self.generator_variables
        with tf.GradientTape() as tape:
            if self.share_generator_pass:  # one forward pass of G serves D's last update and this one
                fake = self.generator(inputs, training=True)
                with tape.stop_recording():
                    self.discriminator_step(real, context, fake=fake)
                outputs = self.combined_outputs(fake, context, training=True)
            else:
                outputs = self.combined(inputs, training=True)
            loss = self.generator_loss(outputs, real, context)
            scaled = self.g_optimizer.scale_loss(distribution.replica_mean(loss))
        self.g_optimizer.apply(tape.gradient(scaled, variables), variables)
        if self.moving_average is not None:
            self.moving_average.update(self.generator)
        self.g_loss_tracker.update_state(loss)

    def test_step(self, data):
        """Scores held-out real data against fresh samples: the training step's metrics, no update."""
        real, context = self.unpack(data)
        network_checks.check_batch(self, real, context)
        fake = self.generator(self.generator_inputs(ops.shape(real)[0], context), training=False)
        seen = [self.apply_input_layers(batch, training=False) for batch in (real, fake)]
        real_logits, fake_logits = self._logits(*seen, context, training=False)
        self._track_discriminator(self.loss_pair.discriminator(real_logits, fake_logits), real_logits, fake_logits)
        outputs = self.combined_outputs(fake, context, training=False)
        self.g_loss_tracker.update_state(self.generator_loss(outputs, real, context))
        return self.metric_logs()

    def metric_logs(self, extra: dict | None = None) -> dict:
        """``{name: result}`` of every metric, and ``extra``, shaped for several workers."""
        return distribution.worker_logs({**{m.name: m.result() for m in self.metrics}, **(extra or {})})

    def discriminator_penalty(self, real, fake, context):
        """``gp_weight * GP + r1_gamma / 2 * R1`` on what D sees (``penalties.weighted_penalty``)."""
        critic = lambda samples: self.discriminate(samples, context, training=True)  # noqa: E731
        return penalties.weighted_penalty(critic, real, fake, gp_weight=self.gp_weight, r1_gamma=self.r1_gamma,
                                          seed=self.penalty_seed_generator)

    def _logits(self, real, fake, context, training=True):
        # D's logits on both batches: one call on the two stacked (the joint pass), or one call each.
        if not self.joint_discriminator_pass:
            return self.discriminate(real, context, training), self.discriminate(fake, context, training)
        twice = None if context is None else keras.tree.map_structure(lambda c: ops.concatenate([c, c], 0), context)
        logits = self.discriminate(ops.concatenate([real, fake], axis=0), twice, training)
        return logits[: ops.shape(real)[0]], logits[ops.shape(real)[0] :]

    def _track_discriminator(self, loss, real_logits, fake_logits):
        trackers = (self.d_loss_tracker, self.d_real_tracker, self.d_fake_tracker, self.d_accuracy_tracker)
        for tracker, value in zip(trackers, (loss, *self.loss_pair.scores(real_logits, fake_logits))):
            tracker.update_state(value)

    # ------------------------------------------------------------------ hooks

    def unpack(self, data):
        """Splits a batch into ``(real, context)``; a second element, if any, is the context."""
        if isinstance(data, (tuple, list)):
            return data[0], (data[1] if len(data) > 1 else None)
        return data, None

    def generator_inputs(self, batch_size, context):
        """What the generator runs on for one batch: fresh latent vectors here."""
        return self.sample_latent(batch_size)

    def sample_latent(self, batch_size):
        """Latent vectors from the Gaussian prior, in the step (each replica its slice of one draw)."""
        draw = lambda n: keras.random.normal((n, self.latent_dim), seed=self.seed_generator)  # noqa: E731
        return distribution.replica_slice(draw, batch_size)

    def discriminate(self, samples, context, training=False):
        """The discriminator's logits on ``samples`` (already through the input layers)."""
        return self.discriminator(samples, training=training)

    def apply_input_layers(self, samples, training=None):
        """What the discriminator sees of ``samples``: augmented, noised, packed (``input_layers``)."""
        for layer in self.input_layers:
            samples = layer(samples) if training is None else layer(samples, training=training)
        return samples

    def build_combined(self) -> keras.Model:
        """Stacks ``z -> D(G(z))`` as a functional model; D is already frozen."""
        z = keras.Input((self.latent_dim,), name="z")
        return keras.Model(z, self.combined_outputs(self.generator(z), None), name="combined")

    def combined_outputs(self, fake, context, training=None):
        """The combined model's second half: what it outputs for generated ``fake``, here D's logits."""
        return self.discriminate(self.apply_input_layers(fake, training), context, training=training)

    def discriminator_loss(self, real, fake, context):
        """D's loss on a real and a generated batch as it sees them, and its logits on each."""
        real_logits, fake_logits = self._logits(real, fake, context)
        return self.loss_pair.discriminator(real_logits, fake_logits), real_logits, fake_logits

    def generator_loss(self, outputs, real, context):
        """G's loss from the combined model's ``outputs`` (here D's logits on the generated batch)."""
        return self.loss_pair.generator(outputs)

    def statistics_inputs(self, n: int, seed: int):
        """Inputs to measure the moving average's batch-norm statistics on (None keeps the copied ones)."""
        return self.latent_vectors(n, seed)

    def summary(self, *args, **kwargs):
        """``keras.Model.summary``, and a line saying that the discriminator, frozen inside ``combined``, trains."""
        super().summary(*args, **kwargs)
        (kwargs.get("print_fn") or print)(monitoring.frozen_note(self.discriminator_variables))

    # ------------------------------------------------------------------ saving

    def get_config(self):
        with freezing.unfrozen(self.discriminator, self._discriminator_flags):  # its layers' own flags
            discriminator = keras.saving.serialize_keras_object(self.discriminator)
        options = ("d_steps", "latent_dim", "seed", "pack", "diffaugment", "instance_noise", "instance_noise_steps",
                   "ema", "share_generator_pass", "joint_discriminator_pass", "ada_target", "ada_ramp_images", "name")
        return {"generator": keras.saving.serialize_keras_object(self.generator), "discriminator": discriminator,
                **{key: getattr(self, key) for key in options}}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
