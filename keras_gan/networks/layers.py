"""Layers of the bundled networks."""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="keras_gan")
class SpectralNormalization(keras.layers.SpectralNormalization):
    """``keras.layers.SpectralNormalization`` that stays still while frozen (Miyato et al. 2018).

    Keras's wrapper runs a power iteration and writes the normalised kernel
    back into the wrapped layer on every training-mode call, whether or not
    the layer is trainable. Inside the combined model the discriminator is
    frozen but called in training mode, so the generator phase would change
    the discriminator's weights. Like ``BatchNormalization``, this one
    updates only when it is trainable; otherwise it is Keras's layer.
    """

    def call(self, inputs, training=False):
        return super().call(inputs, training=bool(training) and self.trainable)
