"""A history buffer of generated images for the discriminator (Shrivastava et al. 2017).

A discriminator shown only the generator's latest output can chase it: it
learns to reject what the generator does now, forgets what it did before,
and the two can cycle. Showing it a mix of current and earlier images keeps
its memory of the whole run. CycleGAN (Zhu et al. 2017, section 4) keeps 50
images per discriminator:

    for each generated image x in the batch:
        if the pool holds fewer than pool_size images:   store x, show x
        else, with probability 1/2:                      show a stored image at random,
                                                         and store x in its place
        else:                                            show x

The pool's images and fill count are non-trainable weights of the layer,
saved with the state of its random stream, so ``save_weights`` checkpoints
write them and a resumed run sees the same history and the same draws.
"""

from __future__ import annotations

from typing import Sequence

import keras
import tensorflow as tf
from keras import ops

POOL_SIZE = 50


@keras.saving.register_keras_serializable(package="keras_gan")
class ImagePool(keras.layers.Layer):
    """Holds up to ``pool_size`` generated images; ``pool(images)`` returns what the discriminator sees.

    Within one batch, the images that swap with stored ones take distinct
    slots, so the batch must not exceed ``pool_size``.

    Args:
        image_shape: ``(H, W, C)`` of one image.
        pool_size: images kept (50 in CycleGAN); 0 turns the pool off, so
            that every call returns its input.
        seed: seeds the coin flips and the slots drawn.
        name: layer name.

    Example:
        >>> pool = ImagePool((28, 28, 1), pool_size=50, seed=0)
        >>> shown = pool(fake_images)   # doctest: +SKIP
    """

    def __init__(self, image_shape: Sequence[int], pool_size: int = POOL_SIZE, seed: int | None = None, **kwargs):
        kwargs.pop("trainable", None)
        super().__init__(trainable=False, **kwargs)
        if not isinstance(pool_size, int) or isinstance(pool_size, bool) or pool_size < 0:
            raise ValueError(f"pool_size must be a non-negative integer (0 turns the pool off), got {pool_size!r}")
        self.image_shape = tuple(int(v) for v in image_shape)
        self.pool_size = pool_size
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.images = self.add_weight(
            shape=(pool_size, *self.image_shape), initializer="zeros", trainable=False, name="images"
        )
        self.count = self.add_weight(shape=(), initializer="zeros", dtype="int32", trainable=False, name="count")
        self.built = True

    def call(self, images):
        if self.pool_size == 0:
            return images
        batch = images.shape[0]
        if batch is not None and batch > self.pool_size:
            raise ValueError(
                f"a batch of {batch} images is larger than the history buffer's pool_size {self.pool_size}"
            )
        images = ops.cast(images, self.images.dtype)
        n = ops.shape(images)[0]
        # The first images of the batch fill the free slots, in order.
        position = self.count + ops.arange(n, dtype="int32")
        filling = position < self.pool_size
        stored = tf.tensor_scatter_nd_update(
            self.images, tf.boolean_mask(position, filling)[:, None], tf.boolean_mask(images, filling)
        )
        # The others swap with a stored image on a coin flip; the slots are distinct within the batch.
        coins = keras.random.uniform((n,), seed=self.seed_generator) < 0.5
        swap = coins & ~filling
        slots = ops.cast(ops.argsort(keras.random.uniform((self.pool_size,), seed=self.seed_generator))[:n], "int32")
        shown = ops.where(ops.reshape(swap, (-1, 1, 1, 1)), ops.take(stored, slots, axis=0), images)
        stored = tf.tensor_scatter_nd_update(
            stored, tf.boolean_mask(slots, swap)[:, None], tf.boolean_mask(images, swap)
        )
        self.images.assign(stored)
        self.count.assign(ops.minimum(self.count + n, self.pool_size))
        return shown

    _SEED_STATE_KEY = "seed_generator_state"

    def save_own_variables(self, store):
        """The images and the count, and where the random stream stands (Keras leaves that out)."""
        super().save_own_variables(store)
        store[self._SEED_STATE_KEY] = keras.ops.convert_to_numpy(self.seed_generator.state)

    def load_own_variables(self, store):
        super().load_own_variables({key: store[key] for key in store.keys() if key != self._SEED_STATE_KEY})
        if self._SEED_STATE_KEY in store.keys():
            self.seed_generator.state.assign(store[self._SEED_STATE_KEY])

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "image_shape": self.image_shape,
            "pool_size": self.pool_size,
            "seed": self.seed,
        }
