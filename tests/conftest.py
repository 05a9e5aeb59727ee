"""Shared test set-up: a clean Keras session per test, and helpers to watch weights change.

The helpers are plain functions: ``from conftest import changed, snapshot``
(pytest puts this folder on ``sys.path``).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    """Each test starts from a clean Keras session and fixed seeds."""
    keras.utils.clear_session()
    keras.utils.set_random_seed(1234)
    yield


def snapshot(variables) -> list:
    """Copies of the variables' current values, to compare with later."""
    return [np.array(v) for v in variables]


def changed(before, variables) -> list:
    """For each variable, whether its value differs from its ``snapshot``."""
    return [not np.array_equal(b, np.array(v)) for b, v in zip(before, variables)]


def ids(variables) -> list:
    """The variables' identities, sorted: two lists of the same variable objects compare equal."""
    return sorted(id(v) for v in variables)
