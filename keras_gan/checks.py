"""Checks of single settings, shared so that each kind of bad value is refused in the same words.

Booleans are refused where a number is asked for (``True`` is an ``int`` to
Python, but nobody means 1 epochs by it). The module imports nothing from
keras_gan, so the configuration, the networks and the schedules can all use it.
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
