"""Where, in what precision and in what steps a GAN trains.

- ``tf.distribute`` strategies and Keras dtype policies (:func:`training_scope`);
- what the training step needs under them: losses scaled for the replicas
  (:func:`replica_mean`), random draws split across them
  (:func:`replica_slice`), dynamic loss scaling for float16
  (:func:`with_loss_scaling`), logs shaped for several workers
  (:func:`worker_logs`);
- how many steps run per compiled call (:func:`steps_per_execution`,
  :func:`steps_per_call`) and per epoch (:func:`steps_per_epoch`).

The strategy and the policy are chosen before the networks are built, and
everything is built and compiled inside their scope; ``fit`` then runs as
usual, splitting each global batch across the replicas::

    strategy = distribution.get_strategy("mirrored")     # every GPU of this machine
    with distribution.training_scope(strategy, "mixed_bfloat16"):
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
import math
import warnings
from typing import Callable

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
    cores and CPUs with AMX or AVX512-BF16 gain; CPUs with neither can lose
    (``benchmarks/throughput.py`` measures it on your machine).
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
    you run. The same computation, up to rounding.

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


# ---------------------------------------------------------------- inside the training step


def replica_mean(loss):
    """``loss`` divided by the number of replicas in sync.

    Each replica sees ``batch / n`` examples and the optimizer sums the
    replicas' gradients: dividing each replica's batch-mean loss by ``n``
    gives the gradient of the global batch mean.
    """
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss / replicas if replicas > 1 else loss


def replica_slice(draw: Callable[[int], object], batch_size):
    """``draw(batch_size)`` on one device; under a strategy, this replica's slice of one global draw.

    Every replica draws the whole global batch from the same seed and keeps
    its own slice: the replicas get different noise (one seed alone would
    give them all the same), and the same noise one device would draw for
    that global batch.
    """
    context = tf.distribute.get_replica_context()
    replicas = context.num_replicas_in_sync if context is not None else 1
    if replicas == 1:
        return draw(batch_size)
    start = context.replica_id_in_sync_group * batch_size
    return draw(batch_size * replicas)[start : start + batch_size]


def computes_in_float16(*models: keras.Model) -> bool:
    """Whether any layer of ``models`` computes in float16 (a ``mixed_float16`` policy)."""
    return any(layer.dtype_policy.compute_dtype == "float16" for model in models for layer in model._flatten_layers())


def with_loss_scaling(optimizer: keras.optimizers.Optimizer) -> keras.optimizers.Optimizer:
    """``optimizer`` wrapped in dynamic loss scaling (needed for float16; bfloat16 needs none)."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)


def worker_logs(logs: dict) -> dict:
    """The training step's logs, shaped for Keras to average them over the workers.

    Across several ``MultiWorkerMirroredStrategy`` workers Keras 3 averages
    the logs along axis 0, which a scalar lacks ("Invalid reduction
    dimension 0", tensorflow/tensorflow#72388): there each value becomes a
    vector of one. The metrics are already reduced across replicas, so the
    average is the value itself. Elsewhere the logs are returned as they are.
    """
    if not in_multi_worker_mode():
        return logs
    return {name: keras.ops.reshape(value, (1,)) for name, value in logs.items()}


def in_multi_worker_mode() -> bool:
    """Whether the current strategy spans several workers."""
    strategy = tf.distribute.get_strategy()
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and strategy.extended._in_multi_worker_mode()


# ---------------------------------------------------------------- steps per call and per epoch

# Steps per compiled call by default on one device: the Python round trip
# between calls costs more than a whole step of a small network
# (benchmarks/throughput.py measures it), and 32 steps hide it.
DEFAULT_STEPS_PER_EXECUTION = 32


def steps_per_execution(requested: int | None, distributed: bool) -> int:
    """What ``GAN.compile`` passes to Keras: ``requested``, checked, or the default.

    ``None`` is ``DEFAULT_STEPS_PER_EXECUTION`` on one device and 1 under a
    ``tf.distribute`` strategy, where more than 1 is refused: Keras 3's
    multi-step loop fails there ("You must feed a value for placeholder
    tensor", keras-team/keras#19246).
    """
    if requested is None:
        return 1 if distributed else DEFAULT_STEPS_PER_EXECUTION
    checks.integer("steps_per_execution", requested, 1, numpy=True, also=" or None")
    if requested > 1 and distributed:
        raise ValueError(
            f"steps_per_execution={requested} does not work under a tf.distribute strategy in Keras "
            f"{keras.__version__} (keras-team/keras#19246); use 1 (the default there)"
        )
    return int(requested)


def steps_per_call(limit: int, steps_per_epoch: int | None) -> int:
    """The steps per compiled call that ``fit`` can use: the largest divisor of ``steps_per_epoch`` up to ``limit``.

    Keras 3 runs whole compiled calls: on a repeated dataset, 40 steps per
    epoch at 32 steps per call would train 64 steps an epoch. A number of
    steps per epoch with no divisor between 2 and ``limit`` (a prime above
    it) gets 1 step per call, with a warning. Without ``steps_per_epoch`` the epoch ends
    with the data, and ``limit`` stands.
    """
    if not steps_per_epoch:
        return limit
    steps = max(d for d in range(1, limit + 1) if steps_per_epoch % d == 0)
    if steps == 1 < min(limit, steps_per_epoch):
        warnings.warn(
            f"steps_per_epoch={steps_per_epoch} has no divisor between 2 and steps_per_execution={limit}, so fit "
            "runs 1 training step per compiled call, which is slower for small networks; a steps_per_epoch with "
            "a divisor near steps_per_execution keeps the speed",
            stacklevel=3,
        )
    return steps


def steps_per_epoch(num_samples: int, batch_size: int) -> int:
    """Full batches in one pass over ``num_samples`` (the last partial batch dropped)."""
    return max(1, math.floor(num_samples / batch_size))
