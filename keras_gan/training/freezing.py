"""Freezing a network in Keras 3, and unfreezing it without losing the flags its layers had.

What ``model.trainable = False`` changes (Keras 3.15):

- the model's variables leave ``trainable_variables``, its own and those of
  every model that contains it: with the discriminator frozen inside
  ``combined``, ``combined.trainable_variables`` is exactly the generator's;
- the flag is set on every layer inside, recursively, overwriting the flag
  each layer had;
- ``BatchNormalization`` layers run in inference mode, on their moving
  statistics, which they no longer update, even when called with
  ``training=True``; keras_gan's ``SpectralNormalization`` likewise stops its
  power iteration.

What it does not change: every other layer runs as it is called. A frozen
network called with ``training=True`` still drops units in ``Dropout`` and
adds ``GaussianNoise``, and Keras's own ``SpectralNormalization`` still
rewrites its kernel. A ``GradientTape`` that names the frozen variables still
gets their gradients; freezing only decides which variables an update that
asks for ``trainable_variables`` finds.

Because the flag overwrites each layer's own, unfreezing a network for one
phase must restore the flags its layers had, or a layer frozen on purpose
would be trained. And setting the flag to the value a model already has
changes nothing inside it (on the TensorFlow backend an assignment of the
same object is skipped), so ``model.trainable = True`` leaves a frozen layer
of a trainable model frozen: the functions here set every layer's flag. :func:`unfrozen` does that for a network frozen as a whole
(the GAN's discriminator), :func:`trainable` for any network.
"""

from __future__ import annotations

import contextlib

import keras


def layer_flags(model: keras.layers.Layer) -> tuple[bool, ...]:
    """The ``trainable`` flag of ``model`` and of every layer inside it, each before its own sublayers.

    Only the flags are kept, not the layers: a Keras model tracks the layers
    in a list held as its attribute, so a list of them would be counted as the
    model's own.
    """
    return tuple(layer.trainable for layer in model._flatten_layers())


def restore(model: keras.layers.Layer, flags: tuple[bool, ...]) -> None:
    """Sets the flags :func:`layer_flags` took back, layer by layer; parents first, so a child keeps its own."""
    layers = list(model._flatten_layers())
    if len(layers) != len(flags):
        raise ValueError(f"{len(flags)} flags for the {len(layers)} layers of {model.name!r}")
    for layer, flag in zip(layers, flags):
        layer.trainable = flag


@contextlib.contextmanager
def trainable(model: keras.layers.Layer, flags: list | None = None):
    """Makes ``model`` trainable inside the block; every layer's flag is restored afterwards.

    Keras reads the flags when a train function is traced, so inside a
    traced step the block decides what that step updates.

    Args:
        model: any Keras layer or model, nested models included.
        flags: :func:`layer_flags` to hold inside the block (e.g. those the
            layers had before the model was frozen as a whole); ``None``
            makes every layer trainable.
    """
    before = layer_flags(model)
    _unfreeze(model, flags)
    try:
        yield model
    finally:
        restore(model, before)


@contextlib.contextmanager
def unfrozen(model: keras.layers.Layer, flags: list | None = None):
    """Makes a frozen ``model`` trainable inside the block, each layer as ``flags`` say; freezes it whole again after.

    Unlike :func:`trainable` it does not restore what it found on entry:
    under a ``tf.distribute`` strategy the replicas trace the training step in
    turns, switching while a replica is inside the block (at the optimizer's
    update), so what one replica finds on entry may be another's unfrozen
    state. Ending frozen, whatever was found, keeps the state the GAN's
    combined model relies on.

    Args:
        model: a model frozen as a whole (``model.trainable = False``).
        flags: :func:`layer_flags` taken before it was frozen; ``None`` makes
            every layer trainable.
    """
    _unfreeze(model, flags)
    try:
        yield model
    finally:
        _set_every_layer(model, False)


def _unfreeze(model: keras.layers.Layer, flags) -> None:
    _set_every_layer(model, True)
    if flags is not None:
        restore(model, flags)


def _set_every_layer(model: keras.layers.Layer, value: bool) -> None:
    for layer in model._flatten_layers():
        layer.trainable = value
