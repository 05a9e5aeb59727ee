"""Checks of single settings, shared so that each kind of bad value is refused in the same words.

Booleans are refused where a number is asked for (``True`` is an ``int`` to
Python, but nobody means 1 epochs by it). :func:`networks_fit` checks that a
generator and a discriminator can be trained together. The module imports
nothing from keras_gan, so the configuration, the networks, the schedules and
the models can all use it.
"""

from __future__ import annotations

import math

import numpy as np

_INTEGER_WORDS = {0: "a non-negative integer", 1: "a positive integer"}


def integer(name: str, value, minimum: int = 0, *, numpy: bool = False, also: str = "") -> int:
    """Returns ``value`` as an ``int``; raises ``ValueError`` unless it is an integer of at least ``minimum``.

    Args:
        name: the setting's name, which the message starts with.
        value: what was given.
        minimum: the smallest value allowed.
        numpy: whether NumPy integers are accepted too (not where the
            value goes into a JSON file as it is).
        also: words appended to what the message asks for, e.g.
            ``" or None"``.
    """
    types = (int, np.integer) if numpy else int
    if isinstance(value, bool) or not isinstance(value, types) or value < minimum:
        words = _INTEGER_WORDS.get(minimum, f"an integer >= {minimum}")
        raise ValueError(f"{name} must be {words}{also}, got {value!r}")
    return int(value)


def number(name: str, value, *, zero: bool = False) -> float:
    """Returns ``value`` as a ``float``; raises ``ValueError`` unless it is a finite number above 0.

    With ``zero=True``, 0 is allowed as well (a weight that switches a term
    off).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
        (0 <= value if zero else 0 < value) and value < math.inf
    ):
        raise ValueError(f"{name} must be a {'non-negative' if zero else 'positive'} number, got {value!r}")
    return float(value)


def decay(name: str, value, example: float = 0.999) -> float:
    """Returns ``value`` as a ``float``; raises ``ValueError`` unless it is a moving average's decay, in (0, 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ValueError(f"{name} must be a decay in (0, 1), e.g. {example}, got {value!r}")
    return float(value)


def flag(name: str, value, *, auto: bool = False) -> bool:
    """Returns ``value`` as a ``bool``; raises ``ValueError`` unless it is one (NumPy's included).

    ``auto`` only changes the words: for a setting whose ``None`` was resolved
    before the check.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ValueError(f"{name} must be {'True, False or None (auto)' if auto else 'True or False'}, got {value!r}")


def networks_fit(generator, discriminator, judged_input: int = 0, pack: int = 1) -> None:
    """Refuses a generator and a discriminator that cannot be trained together, naming what does not fit.

    The generator's samples must have the shape of the discriminator's input
    ``judged_input`` (``pack`` of them side by side along the last axis), and
    the discriminator must output logits, not a sigmoid.
    """
    sample = tuple(generator.outputs[0].shape[1:])
    judged = tuple(discriminator.inputs[judged_input].shape[1:])
    if pack > 1:
        if judged[-1] is None or judged[-1] % pack:
            raise ValueError(
                f"discriminator input shape {judged} cannot judge pack={pack} samples at once: "
                f"its last axis must be {pack} times the samples' channels"
            )
        judged = judged[:-1] + (judged[-1] // pack,)
    if sample != judged:
        raise ValueError(f"generator output shape {sample} does not match discriminator input shape {judged}")
    last = discriminator.layers[-1]
    if getattr(getattr(last, "activation", None), "__name__", "") == "sigmoid":
        raise ValueError(
            f"the discriminator's last layer {last.name!r} applies a sigmoid; keras_gan's losses "
            "take logits, so drop the sigmoid (D(x) is reported as sigmoid(logit))"
        )

