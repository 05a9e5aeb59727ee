"""Shared test set-up: a clean Keras session per test, helpers to watch weights change, and a loader
for the benchmark scripts.

The helpers are plain functions: ``from conftest import changed, snapshot``
(pytest puts this folder on ``sys.path``).
"""

import importlib.util
import os
import sys
from pathlib import Path

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


BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load_benchmark_script(name: str, module_name: str | None = None):
    """Imports ``benchmarks/<name>.py`` as a module, with its shared helpers (provenance.py) importable."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(module_name or name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
