"""Where and in what precision a GAN trains: ``tf.distribute`` strategies and Keras dtype policies.

Both are chosen before the networks are built, and everything is built and
compiled inside their scope; ``fit`` then runs as usual, splitting each
global batch across the replicas::

    strategy = execution.get_strategy("mirrored")        # every GPU of this machine
    with execution.training_scope(strategy, "mixed_bfloat16"):
        gan = GAN(networks.dcgan_generator(100, (64, 64, 3)), networks.dcgan_discriminator((64, 64, 3)))
        gan.compile()
    gan.fit(dataset)                                      # dataset batches: global batches

``"multi-worker"`` reads the cluster from the ``TF_CONFIG`` environment
variable (the same script runs on every machine, each with its own
``task.index``); without ``TF_CONFIG`` it trains on this machine alone.
"""

from __future__ import annotations

import contextlib
import functools
import warnings

import keras
import tensorflow as tf

from keras_gan import checks

STRATEGIES = ("default", "mirrored", "multi-worker")
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


@functools.cache
def get_strategy(name: str = "default") -> tf.distribute.Strategy:
    """The ``tf.distribute`` strategy called ``name``; one instance per process.

    Args:
        name: ``"default"`` (one device: the GPU if there is one, else the
            CPU), ``"mirrored"`` (``MirroredStrategy``: every GPU of this
            machine, or its CPU when it has none) or ``"multi-worker"``
            (``MultiWorkerMirroredStrategy`` over the machines ``TF_CONFIG``
            lists). Create a multi-worker strategy before any other
            TensorFlow work in the process.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi-worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown strategy {name!r}; valid strategies: {', '.join(STRATEGIES)}")


@contextlib.contextmanager
def precision(policy: str = "float32"):
    """Builds layers under the Keras dtype policy ``policy`` inside the block.

    ``mixed_bfloat16`` and ``mixed_float16`` keep the variables in float32
    and compute in 16 bits; keras_gan's networks keep their last layer (the
    image and the logit) in float32, so losses and metrics stay float32, and
    :meth:`keras_gan.GAN.compile` adds loss scaling for ``mixed_float16``.
    Whether 16 bits is faster depends on the hardware: GPUs with tensor
    cores and CPUs with AMX gain; CPUs without AMX lose, even with
    AVX512-BF16 (README.md gives the measurements).
    """
    if policy not in PRECISIONS:
        raise ValueError(f"unknown precision {policy!r}; valid precisions: {', '.join(PRECISIONS)}")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


@contextlib.contextmanager
def training_scope(strategy: str | tf.distribute.Strategy = "default", policy: str = "float32"):
    """The strategy's scope and the dtype policy together: build and compile the GAN inside."""
    if isinstance(strategy, str):
        strategy = get_strategy(strategy)
    with strategy.scope(), precision(policy):
        yield strategy


def use_intra_op_threads(threads: int | None) -> bool:
    """Lets TensorFlow split one op over at most ``threads`` threads, process-wide.

    TensorFlow's default splits an op over every core. For networks as small
    as the point presets' MLPs (matrices of 100 x 256) the split may cost
    more than it saves; whether it does depends on the machine and its load,
    so no preset sets it: ``benchmarks/intra_op_threads.py`` times it where
    you run (README, "Speed"). The same computation, up to rounding.

    TensorFlow fixes the setting when its runtime starts (the first op of the
    process). Later, another value cannot be set: this warns and leaves
    TensorFlow's; set ``TF_NUM_INTRAOP_THREADS`` before starting Python, or
    call this first.

    Args:
        threads: at least 1; ``None`` leaves TensorFlow's choice.

    Returns:
        Whether the process now uses ``threads`` (``True`` for ``None``).
    """
    if threads is None:
        return True
    checks.integer("intra_op_threads", threads, 1, also=" or None")
    if tf.config.threading.get_intra_op_parallelism_threads() == threads:
        return True
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    except RuntimeError:
        warnings.warn(
            f"intra_op_threads={threads} not applied: TensorFlow's runtime had already started in this process "
            "(it takes the setting at its start); training goes on at the same results with TensorFlow's "
            "threads. Set TF_NUM_INTRAOP_THREADS before starting Python to choose them.",
            stacklevel=2,
        )
        return False
    return True
