"""How a GAN samples: ``generate``, ``predict`` and calling the GAN all use one generator.

That generator is the moving average of the generator's weights when the GAN
has ``ema`` (its batch-norm statistics measured on its own weights by
``training.averaging.MovingAverage``), and the generator that trains otherwise.
``keras_gan.sampling.sample`` draws the latent vectors and runs it in batches.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gan import sampling
from keras_gan.training import averaging


class Sampler:
    """A GAN's sampling methods; mixed into ``GAN`` before ``keras.Model``.

    The GAN has ``generator``, ``ema_generator`` and ``moving_average`` (None
    without ``ema``), ``latent_dim`` (None for a generator without a latent
    space), ``num_classes``, and the hook ``statistics_inputs``.
    """

    @property
    def sampling_generator(self) -> keras.Model:
        """The generator that samples: the moving average (``averaging.MovingAverage``) when ``ema`` is on."""
        return self._sampler(averaging.STATISTICS_SAMPLES)

    def _sampler(self, statistics_samples: int) -> keras.Model:
        if self.moving_average is None:
            return self.generator
        step = int(ops.convert_to_numpy(self._generator_updates()))
        return self.moving_average.for_sampling(step, self.statistics_inputs, statistics_samples)

    def call(self, inputs, training=False):
        """Runs the sampling generator (the moving average when ``ema`` is on), as ``generate`` does."""
        if tf.executing_eagerly():
            return self.sampling_generator(inputs, training=training)
        # Traced (``predict``, ``tf.distribute``): ``predict`` has measured the average's statistics.
        return (self.ema_generator if self.ema_generator is not None else self.generator)(inputs, training=training)

    def predict(self, x, *args, **kwargs):
        """``keras.Model.predict`` on generator inputs: the samples ``generate`` gives for them."""
        _ = self.sampling_generator  # measures the average's statistics here: the traced ``call`` cannot
        return super().predict(x, *args, **kwargs)

    def latent_vectors(self, n: int, seed: int | None = None) -> np.ndarray:
        """``n`` latent vectors from the prior, reproducible for a given seed."""
        if self.latent_dim is None:
            raise ValueError(f"{type(self).__name__} has no latent space: pass its generator's inputs, "
                             "e.g. generate(len(sources), latent=sources), or call translate(sources)")
        return sampling.latent_vectors(n, self.latent_dim, seed)

    def generate(
        self, n: int | None = None, seed: int | None = None, latent=None, batch_size: int = 256, *,
        labels=None, preview: bool = False,
    ):
        """Samples of ``sampling_generator`` as float32 numpy; the other arguments are ``sampling.sample``'s.

        ``preview=True`` is for pictures of progress, such as the per-epoch
        grid: the moving average's batch-norm statistics are then measured on
        ``averaging.PREVIEW_SAMPLES`` inputs, a quarter of the usual, unless
        this step's are already measured. Samples to score or keep need the
        default.
        """
        if latent is None and self.latent_dim is None:
            self.latent_vectors(n, seed)  # refuses, saying what to pass instead
        samples = averaging.PREVIEW_SAMPLES if preview else averaging.STATISTICS_SAMPLES
        return sampling.sample(self._sampler(samples), n, seed, latent=latent, labels=labels,
                               num_classes=self.num_classes, batch_size=batch_size)
