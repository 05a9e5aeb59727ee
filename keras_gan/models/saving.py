"""What a GAN's files hold beyond what Keras saves: the random streams' states and ``compile``'s settings.

Keras saves layers' weights but not their ``keras.random.SeedGenerator``
states; without them a reloaded GAN would redraw the noise of the steps it has
already trained on. A GAN's file therefore holds, among its own variables:

- ``"seed_generator_states"``: one row per random stream of the GAN, its
  networks and its layers, in a fixed order (the latent noise, DiffAugment,
  instance noise, dropout, ...);
- ``"penalty_seed_generator_state"``: the gradient penalty's own stream,
  apart, so that files written before that stream existed still load (it
  then starts afresh).

It also checks, before Keras touches any weight, that a file's moving-average
generator matches the GAN it is loaded into: Keras loads what the model has and
ignores the rest, so a mismatch would go through and sample from the wrong
weights.

A ``.keras`` file also holds ``get_compile_config()``, which
``keras.models.load_model`` hands back to ``compile_from_config``: for a GAN,
both optimizers (:func:`compile_config`), the loss family by its name in
``keras_gan.losses.LOSSES``, the regularisers and the options passed on to
``keras.Model.compile``. Both optimizers' variables (step counts, moments) are
saved with the weights and restored after that compile, so a loaded GAN goes
on where the saved one stopped.
"""

from __future__ import annotations

import contextlib
import warnings

import h5py
import keras
import numpy as np
from keras import ops

from keras_gan import losses as losses_lib

SEED_STATES_KEY = "seed_generator_states"
PENALTY_SEED_KEY = "penalty_seed_generator_state"
_KEYS = (SEED_STATES_KEY, PENALTY_SEED_KEY)


def seed_states(gan) -> list:
    """The states saved under ``SEED_STATES_KEY``: every stream but the penalty's, in a fixed order."""
    penalty = gan.penalty_seed_generator.state
    return [v for v in gan.variables if v.name == "seed_generator_state" and v is not penalty]


def save_seed_states(gan, store) -> None:
    """Writes the random streams' states into the GAN's own variable store."""
    store[SEED_STATES_KEY] = np.stack([ops.convert_to_numpy(v) for v in seed_states(gan)])
    store[PENALTY_SEED_KEY] = ops.convert_to_numpy(gan.penalty_seed_generator.state)


def load_seed_states(gan, store) -> dict:
    """Sets the random streams' states from ``store``; returns the rest of the store, for Keras.

    A store without the states (a file saved by plain Keras) leaves the
    streams as they are.
    """
    keys = list(store.keys())
    if PENALTY_SEED_KEY in keys:
        gan.penalty_seed_generator.state.assign(store[PENALTY_SEED_KEY])
    if SEED_STATES_KEY in keys:
        saved, states = np.asarray(store[SEED_STATES_KEY]), seed_states(gan)
        if len(saved) != len(states):
            raise ValueError(f"the file holds {len(saved)} random generator states; this GAN has {len(states)}")
        for state, value in zip(states, saved):
            state.assign(value)
    return {key: store[key] for key in keys if key not in _KEYS}


def check_moving_average(gan, filepath) -> None:
    """Refuses a ``.weights.h5`` file whose moving-average generator does not match ``gan``'s."""
    path = str(filepath)
    if not path.endswith(".weights.h5"):
        return
    with h5py.File(path, "r") as file:
        saved = "ema_generator" in file
    built = gan.ema_generator is not None
    if saved != built:
        holds = "holds a moving-average generator" if saved else "holds no moving-average generator"
        has = f"this GAN has one (ema={gan.ema})" if built else "this GAN was built without ema"
        raise ValueError(f"{path} {holds} but {has}; build the GAN with the settings it was saved with")


_OPTIMIZERS = ("d_optimizer", "g_optimizer")


def compile_config(arguments: dict) -> dict | None:
    """The JSON-able form of ``compile``'s arguments, or None when they cannot be saved.

    Args:
        arguments: what ``compile`` was called with, its optimizers as
            objects and ``loss`` as a name or a ``LossPair``.

    A loss pair that is not in ``keras_gan.losses.LOSSES`` could not be found
    again at loading: the GAN is then saved without its compile settings,
    with a warning, and loads uncompiled.
    """
    config = dict(arguments)
    loss = config["loss"]
    if not isinstance(loss, str):
        if losses_lib.LOSSES.get(loss.name) is not loss:
            warnings.warn(
                f"the loss {loss.name!r} is not in keras_gan.losses.LOSSES, so the saved GAN loads uncompiled; "
                "add the loss pair to LOSSES before saving to keep the compile settings",
                stacklevel=3,
            )
            return None
        config["loss"] = loss.name
    for role in _OPTIMIZERS:  # as given: compile adds the float16 loss scaling again
        config[role] = keras.optimizers.serialize(config[role])
    return config


def compile_arguments(config: dict) -> dict:
    """The keyword arguments of ``compile`` that ``config`` (from :func:`compile_config`) stands for."""
    return {**config, **{role: keras.optimizers.deserialize(config[role]) for role in _OPTIMIZERS}}


class Saving:
    """A GAN's saving methods over the functions above; mixed into ``GAN`` before ``keras.Model``.

    ``compile`` keeps its arguments in ``_compile_settings``, its optimizers
    as objects (see :func:`compile_config`); the GAN has ``moving_average``
    (None without ``ema``) and ``penalty_seed_generator``.
    """

    def get_compile_config(self):
        """``compile``'s settings, both optimizers included, as ``save`` stores them."""
        settings = getattr(self, "_compile_settings", None)
        return compile_config(settings) if self.compiled and settings is not None else None

    def compile_from_config(self, config):
        """Compiles as the saved GAN was; ``load_model`` then restores both optimizers' state."""
        self.compile(**compile_arguments(config))

    def _seed_states(self) -> list:
        return seed_states(self)

    def save_own_variables(self, store):
        super().save_own_variables(store)
        save_seed_states(self, store)  # Keras saves no random stream; a reloaded GAN draws on where it was

    def load_own_variables(self, store):
        super().load_own_variables(load_seed_states(self, store))

    def _statistics_kept(self):
        if self.moving_average is None:
            return contextlib.nullcontext()
        return self.moving_average.statistics_kept()

    def save(self, filepath, *args, **kwargs):
        """``keras.Model.save``; the moving average is written as it is (see ``MovingAverage.statistics_kept``)."""
        with self._statistics_kept():
            return super().save(filepath, *args, **kwargs)

    def save_weights(self, filepath, *args, **kwargs):
        """``keras.Model.save_weights``; the moving average is written as it is, as by :meth:`save`."""
        with self._statistics_kept():
            return super().save_weights(filepath, *args, **kwargs)

    def load_weights(self, filepath, *args, **kwargs):
        """``keras.Model.load_weights``, refusing a file whose moving average does not fit this GAN.

        The average is loaded as the file holds it; its statistics are
        measured again before it next samples.
        """
        check_moving_average(self, filepath)
        with self._statistics_kept():
            loaded = super().load_weights(filepath, *args, **kwargs)
        if self.moving_average is not None:
            self.moving_average.forget_statistics()  # new weights: measure the average's statistics again
        return loaded
