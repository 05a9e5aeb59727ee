"""An exponential moving average of the generator's weights, with batch-norm statistics of its own.

Sampling from an average of the generator's recent weights rather than from
the last ones gives better samples (Karras et al. 2018, Yazici et al. 2019):

    shadow = decay * shadow + (1 - decay) * weight        after every generator update

The average's batch-norm statistics cannot be averaged the same way: the
moving mean and variance describe the activations of the generator being
trained, not those of the average, and with a fast generator learning rate
the two differ a lot (FID of a 30-epoch MNIST-sample run with ``ema=0.999``:
81.8 with the copied statistics, 66.1 with measured ones). So the update copies
them, and :meth:`MovingAverage.refresh_statistics` measures the average's own
before it samples: it runs the average in training mode over
``STATISTICS_SAMPLES`` inputs and keeps the mean of their batch statistics
(BigGAN's "standing statistics", Brock et al. 2019). A preview (the per-epoch
sample grid) measures them on ``PREVIEW_SAMPLES`` inputs, a quarter of the
work; anything that scores or saves the average measures on all of them.
"""

from __future__ import annotations

import contextlib
from typing import Callable

import keras
import numpy as np

from keras_gan import checks, sampling
from keras_gan.training import freezing

# Inputs on which the average's batch-norm statistics are measured, and their seed.
STATISTICS_SAMPLES = 4096
STATISTICS_SEED = 7919
# Inputs for a preview's statistics: fewer inputs measure noisier statistics, which a picture of
# progress does not show and a score does.
PREVIEW_SAMPLES = 1024
# Their batches: as many samples as make about a million output values, 256 to 1024 of them.
_STATISTICS_OUTPUT_VALUES = 2**20


class MovingAverage:
    """A frozen copy of a generator whose weights follow the generator's moving average.

    Args:
        generator: the generator being trained; the copy starts from its
            weights. It must be a model ``keras.models.clone_model`` can copy.
        decay: the weight of the past, in (0, 1), e.g. 0.999.

    Attributes:
        model: the copy (frozen: no optimizer touches it).
        decay: as given.
    """

    def __init__(self, generator: keras.Model, decay: float):
        decay = checks.decay("ema", decay)
        try:
            model = keras.models.clone_model(generator)
        except (ValueError, TypeError) as error:
            raise ValueError(f"ema needs a generator that keras.models.clone_model can copy: {error}") from None
        model.set_weights(generator.get_weights())
        model.trainable = False
        self.model = model
        self.decay = float(decay)
        self._measured_at = None  # the training step whose weights the statistics were measured on
        self._measured_on = 0  # and on how many inputs
        self._kept = False  # inside ``statistics_kept``

    def update(self, generator: keras.Model) -> None:
        """``shadow = decay * shadow + (1 - decay) * weight`` for every trainable weight (in the traced step).

        Non-trainable weights (batch-norm statistics) are copied, so the
        average starts from the generator's; :meth:`for_sampling` measures
        the average's own before it samples.
        """
        for shadow, weight in zip(self.model.weights, generator.weights):
            if weight.trainable:
                shadow.assign(self.decay * shadow + (1.0 - self.decay) * weight)
            else:
                shadow.assign(weight)

    def refresh_statistics(self, inputs) -> int:
        """Measures the average's batch-norm statistics on ``inputs``; returns how many layers were measured.

        ``inputs`` is what the generator runs on (latent vectors, or
        ``[latent, labels]``); None measures nothing (a generator whose inputs
        only the data can give keeps the copied statistics).
        """
        if inputs is None:
            return 0
        return recompute_batch_norm_statistics(self.model, inputs, batch_size=statistics_batch_size(self.model))

    def for_sampling(
        self, step: int, inputs: Callable[[int, int], object], samples: int = STATISTICS_SAMPLES
    ) -> keras.Model:
        """The average, its statistics measured on its weights as of training step ``step``.

        Args:
            step: the number of generator updates so far; the statistics are
                measured again when it has changed since they last were, or
                when they were measured on fewer than ``samples`` inputs.
            inputs: ``(n, seed) -> generator inputs``, called with
                ``samples`` and ``STATISTICS_SEED``.
            samples: how many inputs to measure on: ``STATISTICS_SAMPLES``,
                or ``PREVIEW_SAMPLES`` for a picture of progress.
        """
        if not self._kept and (step != self._measured_at or samples > self._measured_on):
            self.refresh_statistics(inputs(samples, STATISTICS_SEED))
            self._measured_at, self._measured_on = step, samples
        return self.model

    @contextlib.contextmanager
    def statistics_kept(self):
        """Within it, :meth:`for_sampling` returns the average as it is, its statistics unmeasured.

        For Keras's saving, which reads every attribute of the GAN (its
        ``sampling_generator`` too) and writes the average as
        ``ema_generator`` either way: measuring there is work the file does
        not keep, and loading measures the statistics again.
        """
        self._kept = True
        try:
            yield self.model
        finally:
            self._kept = False

    def forget_statistics(self) -> None:
        """Marks the statistics as stale (new weights were loaded)."""
        self._measured_at = None


def statistics_batch_size(model: keras.Model) -> int:
    """Samples per batch when measuring ``model``'s batch-norm statistics.

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
    norms = [layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]
    if not norms:
        return 0
    several = isinstance(inputs, (list, tuple))
    arrays = [sampling.as_model_input(array) for array in (inputs if several else [inputs])]
    starts = range(0, max(1, len(arrays[0]) - batch_size + 1), batch_size)
    momentum = [layer.momentum for layer in norms]
    try:
        with freezing.trainable(model):
            for i, start in enumerate(starts):
                for layer in norms:
                    layer.momentum = i / (i + 1)  # the running mean of the batch statistics
                chunk = [array[start : start + batch_size] for array in arrays]
                model(chunk if several else chunk[0], training=True)
    finally:
        for layer, value in zip(norms, momentum):
            layer.momentum = value
    return len(norms)
