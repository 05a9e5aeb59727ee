"""The shared checks of single settings: what they accept, return and say."""

import math

import numpy as np
import pytest

from keras_gan import checks


@pytest.mark.parametrize(
    "value, minimum, expected",
    [(0, 0, 0), (7, 0, 7), (1, 1, 1), (2, 2, 2), (10**12, 1, 10**12)],
)
def test_integer_returns_what_it_accepts(value, minimum, expected):
    result = checks.integer("n", value, minimum)
    assert result == expected and type(result) is int


@pytest.mark.parametrize(
    "value, minimum, message",
    [
        (-1, 0, "n must be a non-negative integer, got -1"),
        (0, 1, "n must be a positive integer, got 0"),
        (1, 2, "n must be an integer >= 2, got 1"),
        (True, 0, "n must be a non-negative integer, got True"),
        (2.0, 0, "n must be a non-negative integer, got 2.0"),
        ("3", 1, "n must be a positive integer, got '3'"),
        (None, 1, "n must be a positive integer, got None"),
    ],
)
def test_integer_refuses_in_words_that_name_the_setting(value, minimum, message):
    with pytest.raises(ValueError) as raised:
        checks.integer("n", value, minimum)
    assert str(raised.value) == message


def test_numpy_integers_only_where_asked_for():
    with pytest.raises(ValueError, match="n must be a positive integer, got "):
        checks.integer("n", np.int64(3), 1)
    result = checks.integer("n", np.int64(3), 1, numpy=True)
    assert result == 3 and type(result) is int
    with pytest.raises(ValueError, match="n must be a positive integer"):
        checks.integer("n", np.bool_(True), 1, numpy=True)


def test_integer_appends_the_extra_words():
    with pytest.raises(ValueError) as raised:
        checks.integer("threads", 0, 1, also=" or None")
    assert str(raised.value) == "threads must be a positive integer or None, got 0"


@pytest.mark.parametrize("value, zero, expected", [(0.5, False, 0.5), (3, False, 3.0), (0, True, 0.0), (2, True, 2.0)])
def test_number_returns_a_float(value, zero, expected):
    result = checks.number("x", value, zero=zero)
    assert result == expected and type(result) is float


@pytest.mark.parametrize(
    "value, zero, message",
    [
        (0, False, "x must be a positive number, got 0"),
        (-0.1, True, "x must be a non-negative number, got -0.1"),
        (math.inf, False, "x must be a positive number, got inf"),
        (math.nan, True, "x must be a non-negative number, got nan"),
        (True, False, "x must be a positive number, got True"),
        ("1", False, "x must be a positive number, got '1'"),
    ],
)
def test_number_refuses_zero_negatives_infinities_and_non_numbers(value, zero, message):
    with pytest.raises(ValueError) as raised:
        checks.number("x", value, zero=zero)
    assert str(raised.value) == message
