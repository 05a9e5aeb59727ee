"""What a GAN's weights file holds beyond what Keras saves: the random streams' states.

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
"""

from __future__ import annotations

import h5py
import numpy as np
from keras import ops

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
