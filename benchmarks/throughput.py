"""Training throughput of keras_gan against the two usual ways of writing a Keras GAN.

One process trains the same networks (same builder, same initial weights,
same batches, same Adam(2e-4, beta_1=0.5) for both players, the
non-saturating loss) four ways:

* ``classic``: the Keras GAN tutorials' loop. ``D.train_on_batch(real)``,
  ``D.train_on_batch(fake)``, ``combined.train_on_batch(z)`` in a Python
  loop, the fakes from ``G.predict_on_batch(z)`` (the lighter relative of the
  tutorials' ``G.predict``). Keras 3 reads ``trainable`` when a model's train
  function is first traced, so the tutorial recipe "compile D, freeze it,
  compile the combined model" would leave D with nothing to train. Here D is
  set trainable before each of its own calls and frozen before the combined
  model's, so D's train function is traced with D's weights and the combined
  one with G's only (``ClassicLoop.step``; the smoke test checks it).
  As in the tutorials, D takes two optimizer steps per iteration (one on
  the real half, one on the fake half).
* ``two-tape``: the keras.io pattern, a ``keras.Model`` whose ``train_step``
  opens one ``GradientTape`` for D (real and fake concatenated into one
  batch) and a second for G on fresh noise, trained with ``fit``.
* ``keras_gan``: :class:`keras_gan.GAN` with its default settings, trained
  with ``fit``.
* ``keras_gan fast``: the same with the fastest of a few candidate settings
  (XLA, more steps per compiled call, and 16-bit mixed precision on a GPU),
  each timed for one block, or with the settings ``--fast`` names.
* ``pytorch example``: when PyTorch is installed (it is not a dependency),
  the PyTorch DCGAN example's step on the same networks translated to
  PyTorch with the same initial weights, with as many threads as
  TensorFlow uses (``benchmarks/torch_peer.py``): one generator forward
  pass per step, BCE on logits, Adam(2e-4, betas=(0.5, 0.999)). Its
  batches are tensors made once, with no data pipeline. ``--no-torch``
  leaves it out; ``--torch-threads`` sets its threads. PyTorch's OpenMP
  threads spin while they wait for each other, so on a machine whose cores
  other work also wants, two threads on two cores can run several times
  slower than one: the row then measures the contention, not PyTorch.

The block length is calibrated on keras_gan's default step (about
``--block-cpu-seconds`` of CPU time). Every method first runs one warm-up block (tracing), then ``--repeats``
rounds; in each round every method trains one block of the same number of
steps, in an order that rotates from round to round, so that a change in the
machine's load falls on all of them alike. Throughput is the median over
rounds; the ratios are medians of the per-round ratios.

It also counts the floating-point operations of one keras_gan step (see
:func:`step_flops`) and compares the FLOP/s that keras_gan achieves with
those of a large float32 matrix product timed in the same rounds.

Usage::

    python benchmarks/throughput.py             # the four cases
    python benchmarks/throughput.py --quick     # tiny networks, a smoke run
    python benchmarks/throughput.py --cases dcgan28-b64 --json benchmarks/results/throughput.json
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from typing import Callable  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the benchmarks' shared helpers sit beside it
import provenance  # noqa: E402
import torch_peer  # noqa: E402

from keras_gan import GAN, networks  # noqa: E402
from keras_gan.training import distribution as execution  # noqa: E402
from keras_gan.training.distribution import DEFAULT_STEPS_PER_EXECUTION  # noqa: E402

METHODS = ("classic", "two-tape", "keras_gan", "keras_gan fast", "pytorch example")


# ---------------------------------------------------------------- the cases


@dataclasses.dataclass(frozen=True)
class Case:
    """One network pair, sample shape and batch size to measure."""

    name: str
    description: str
    model: str  # "dcgan" or "mlp"
    sample_shape: tuple
    batch_size: int
    latent_dim: int
    base_filters: int = 32
    hidden_units: tuple = (128, 128, 128)

    def build(self) -> tuple[keras.Model, keras.Model]:
        """A fresh generator and discriminator (under the current dtype policy)."""
        if self.model == "dcgan":
            return (
                networks.dcgan_generator(self.latent_dim, self.sample_shape, base_filters=self.base_filters),
                networks.dcgan_discriminator(self.sample_shape, base_filters=self.base_filters),
            )
        return (
            networks.mlp_generator(self.latent_dim, self.sample_shape, hidden_units=self.hidden_units),
            networks.mlp_discriminator(self.sample_shape, hidden_units=self.hidden_units),
        )


# The networks of keras_gan's presets: MNIST (base_filters 32), the 2-D
# point mixtures (three hidden layers of 128, latent 2) and image folders
# at 64x64 (base_filters 32).
CASES = {
    "dcgan28-b64": Case("dcgan28-b64", "DCGAN 28x28x1, batch 64", "dcgan", (28, 28, 1), 64, 100),
    "dcgan28-b256": Case("dcgan28-b256", "DCGAN 28x28x1, batch 256", "dcgan", (28, 28, 1), 256, 100),
    "mlp2d-b100": Case("mlp2d-b100", "MLP, 2-D points, batch 100", "mlp", (2,), 100, 2),
    "dcgan64-b64": Case("dcgan64-b64", "DCGAN 64x64x3, batch 64", "dcgan", (64, 64, 3), 64, 100),
}
QUICK_CASES = {
    "dcgan28-b64": Case("dcgan28-b64", "DCGAN 28x28x1 (tiny), batch 8", "dcgan", (28, 28, 1), 8, 8, base_filters=4),
    "dcgan28-b256": Case("dcgan28-b256", "DCGAN 28x28x1 (tiny), batch 16", "dcgan", (28, 28, 1), 16, 8, base_filters=4),
    "mlp2d-b100": Case("mlp2d-b100", "MLP (tiny), 2-D points, batch 8", "mlp", (2,), 8, 2, hidden_units=(8,)),
    "dcgan64-b64": Case("dcgan64-b64", "DCGAN 64x64x3 (tiny), batch 8", "dcgan", (64, 64, 3), 8, 8, base_filters=4),
}


@dataclasses.dataclass(frozen=True)
class Settings:
    """The keras_gan performance knobs one column is measured with."""

    steps_per_execution: int = DEFAULT_STEPS_PER_EXECUTION
    jit_compile: bool = False
    mixed_precision: str = "float32"
    share_generator_pass: bool = False
    # None: GAN's own choice (one discriminator call on real and fake stacked when D allows it).
    joint_discriminator_pass: bool | None = None

    @classmethod
    def parse(cls, text: str) -> "Settings":
        """``"spe=32,jit=0,mp=float32,share=1,joint=0"`` -> Settings (keys: spe, jit, mp, share, joint)."""
        values = {}
        for item in filter(None, text.split(",")):
            key, _, value = item.partition("=")
            if key == "spe":
                values["steps_per_execution"] = int(value)
            elif key == "jit":
                values["jit_compile"] = value.lower() in ("1", "true", "yes")
            elif key == "mp":
                values["mixed_precision"] = value
            elif key == "share":
                values["share_generator_pass"] = value.lower() in ("1", "true", "yes")
            elif key == "joint":
                values["joint_discriminator_pass"] = value.lower() in ("1", "true", "yes")
            else:
                raise argparse.ArgumentTypeError(
                    f"unknown setting {key!r} in {text!r}; valid keys: spe, jit, mp, share, joint"
                )
        return cls(**values)

    def __str__(self) -> str:
        text = f"spe={self.steps_per_execution},jit={int(self.jit_compile)},mp={self.mixed_precision}"
        text += ",share=1" if self.share_generator_pass else ""
        if self.joint_discriminator_pass is not None:
            text += f",joint={int(self.joint_discriminator_pass)}"
        return text


def fast_candidates(on_gpu: bool) -> list[Settings]:
    """The settings ``--fast auto`` tries: XLA, longer compiled loops, the shared generator pass, and 16 bits on a GPU."""
    spe = DEFAULT_STEPS_PER_EXECUTION
    candidates = [Settings(spe, True), Settings(4 * spe, False), Settings(4 * spe, True)]
    candidates += [Settings(spe, False, share_generator_pass=True), Settings(4 * spe, True, share_generator_pass=True)]
    if on_gpu:
        candidates += [Settings(spe, True, "mixed_float16"), Settings(spe, True, "mixed_bfloat16")]
    return candidates


def adam() -> keras.optimizers.Optimizer:
    return keras.optimizers.Adam(2e-4, beta_1=0.5)


# ---------------------------------------------------------------- the methods


class ClassicLoop:
    """The Keras GAN tutorials' loop, made correct for Keras 3 (see the module docstring)."""

    def __init__(self, generator: keras.Model, discriminator: keras.Model, latent_dim: int, batch_size: int):
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim, self.batch_size = latent_dim, batch_size
        bce = keras.losses.BinaryCrossentropy(from_logits=True)
        discriminator.compile(optimizer=adam(), loss=bce)
        z = keras.Input((latent_dim,))
        discriminator.trainable = False
        self.combined = keras.Model(z, discriminator(generator(z)))
        self.combined.compile(optimizer=adam(), loss=bce)
        self.real_labels = np.ones((batch_size, 1), "float32")
        self.fake_labels = np.zeros((batch_size, 1), "float32")
        self.rng = np.random.default_rng(0)

    def step(self, real) -> None:
        z = self.rng.standard_normal((self.batch_size, self.latent_dim)).astype("float32")
        fake = self.generator.predict_on_batch(z)
        self.discriminator.trainable = True
        self.discriminator.train_on_batch(real, self.real_labels)
        self.discriminator.train_on_batch(fake, self.fake_labels)
        self.discriminator.trainable = False
        self.combined.train_on_batch(z, self.real_labels)


class TwoTapeGAN(keras.Model):
    """The keras.io pattern: a train_step with one tape per player."""

    def __init__(self, generator: keras.Model, discriminator: keras.Model, latent_dim: int):
        super().__init__()
        self.generator, self.discriminator, self.latent_dim = generator, discriminator, latent_dim
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.seed_generator = keras.random.SeedGenerator(0)

    def call(self, z, training=False):
        return self.generator(z, training=training)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def train_step(self, real):
        batch_size = tf.shape(real)[0]
        z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        fake = self.generator(z, training=True)
        images = tf.concat([real, fake], axis=0)
        labels = tf.concat([tf.ones((batch_size, 1)), tf.zeros((batch_size, 1))], axis=0)
        with tf.GradientTape() as tape:
            d_loss = self.bce(labels, self.discriminator(images, training=True))
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))

        z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            logits = self.discriminator(self.generator(z, training=True), training=True)
            g_loss = self.bce(tf.ones((batch_size, 1)), logits)
        weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}


class Stopwatch:
    """Wall-clock and process CPU seconds (all threads) between ``start`` and ``stop``."""

    def start(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


class _EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.stopwatch = Stopwatch()

    def on_epoch_begin(self, epoch, logs=None):
        self.stopwatch.start()

    def on_epoch_end(self, epoch, logs=None):
        # Keras turns the logs into Python floats before this call, so the
        # epoch's steps have finished.
        self.seconds = self.stopwatch.stop()


Block = Callable[[int], tuple[float, float]]  # steps -> (wall seconds, CPU seconds)


def _fit_block(model: keras.Model, dataset: tf.data.Dataset) -> Block:
    def block(steps: int) -> tuple[float, float]:
        timer = _EpochTimer()
        model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[timer])
        return timer.seconds

    block.model = model
    return block


def _loop_block(loop: ClassicLoop, dataset: tf.data.Dataset) -> Block:
    batches = iter(dataset)

    def block(steps: int) -> tuple[float, float]:
        stopwatch = Stopwatch()
        stopwatch.start()
        for _ in range(steps):
            loop.step(next(batches))
        return stopwatch.stop()

    return block


def make_dataset(case: Case, num_batches: int = 8) -> tf.data.Dataset:
    """Random samples in [-1, 1], batched, repeated, prefetched (the same for every method)."""
    x = np.random.default_rng(0).uniform(-1, 1, (num_batches * case.batch_size, *case.sample_shape))
    dataset = tf.data.Dataset.from_tensor_slices(x.astype("float32"))
    return dataset.batch(case.batch_size, drop_remainder=True).repeat().prefetch(tf.data.AUTOTUNE)


class Methods:
    """Builds each method's models for one case, all from the same initial weights."""

    def __init__(self, case: Case, torch_threads: int | None = None):
        self.case, self.torch_threads = case, torch_threads
        self.initial = [model.get_weights() for model in case.build()]
        self.dataset = make_dataset(case)

    def networks(self, policy: str = "float32") -> tuple[keras.Model, keras.Model]:
        with execution.precision(policy):
            pair = self.case.build()
        for model, weights in zip(pair, self.initial):
            model.set_weights(weights)
        return pair

    def classic(self) -> Callable[[int], float]:
        loop = ClassicLoop(*self.networks(), latent_dim=self.case.latent_dim, batch_size=self.case.batch_size)
        return _loop_block(loop, self.dataset)

    def two_tape(self) -> Callable[[int], float]:
        model = TwoTapeGAN(*self.networks(), latent_dim=self.case.latent_dim)
        model.compile(d_optimizer=adam(), g_optimizer=adam())
        return _fit_block(model, self.dataset)

    def keras_gan(self, settings: Settings | None = None) -> Callable[[int], float]:
        """keras_gan's GAN, with its defaults when ``settings`` is None."""
        if settings is None:
            gan = GAN(*self.networks(), seed=0)
            gan.compile(d_optimizer=adam(), g_optimizer=adam(), loss="non_saturating")
        else:
            gan = GAN(
                *self.networks(settings.mixed_precision),
                seed=0,
                share_generator_pass=settings.share_generator_pass,
                joint_discriminator_pass=settings.joint_discriminator_pass,
            )
            gan.compile(
                d_optimizer=adam(),
                g_optimizer=adam(),
                loss="non_saturating",
                jit_compile=settings.jit_compile,
                steps_per_execution=settings.steps_per_execution,
            )
        return _fit_block(gan, self.dataset)

    def pytorch_example(self) -> Block:
        """The PyTorch DCGAN example's step on these networks (``torch_peer``), fed the same batches."""
        batches = [batch.numpy() for batch in self.dataset.take(8)]
        peer = torch_peer.DCGANExampleStep(
            *self.networks(), latent_dim=self.case.latent_dim, batches=batches, threads=self.torch_threads
        )
        return peer.block


# ---------------------------------------------------------------- FLOPs


def _layers(model: keras.Model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _layers(layer)
        else:
            yield getattr(layer, "layer", layer)  # SpectralNormalization wraps its layer


def forward_macs(model: keras.Model) -> list[int]:
    """Multiply-accumulates per sample of each Dense / Conv2D / Conv2DTranspose, in order."""
    macs = []
    for layer in _layers(model):
        if isinstance(layer, keras.layers.Conv2DTranspose):
            _, height, width, channels_in = layer.input.shape
            macs.append(height * width * int(np.prod(layer.kernel_size)) * channels_in * layer.filters)
        elif isinstance(layer, keras.layers.Conv2D):
            _, height, width, _ = layer.output.shape
            channels_in = layer.input.shape[-1] // layer.groups
            macs.append(height * width * int(np.prod(layer.kernel_size)) * channels_in * layer.filters)
        elif isinstance(layer, keras.layers.Dense):
            positions = int(np.prod(layer.input.shape[1:-1] or [1]))
            macs.append(positions * layer.input.shape[-1] * layer.units)
    return macs


def step_flops(generator: keras.Model, discriminator: keras.Model, batch_size: int, d_steps: int = 1) -> int:
    """Floating-point operations of one GAN training step (Algorithm 1, k = ``d_steps``).

    Counts the multiply-accumulates of the dense and convolution layers only
    (2 FLOPs each); normalisation, activations, losses and the optimizers'
    updates are left out (they grow with the activations or the weights,
    not with their product, and are a few percent here). A layer's backward
    pass costs its forward twice over: once for the gradient of its weights,
    once for the gradient of its input, the latter skipped for the first
    layer of the network whose weights are being trained.

    Per sample, with G and D the forward MACs and G1, D1 their first layers':

    * each discriminator step: G forward, D forward on the real and the fake
      batch, D backward on both: ``G + 2 D + 2 (2 D - D1)``;
    * the generator step: G forward, D forward, D backward to its input only
      (D's weights are frozen), G backward: ``G + 2 D + (2 G - G1)``.
    """
    g_macs, d_macs = forward_macs(generator), forward_macs(discriminator)
    g, d = sum(g_macs), sum(d_macs)
    d_step = g + 2 * d + 2 * (2 * d - d_macs[0])
    g_step = g + 2 * d + (2 * g - g_macs[0])
    return 2 * batch_size * (d_steps * d_step + g_step)


def matmul_flops_per_second(size: int, repeats: int = 3) -> tuple[float, float]:
    """FLOP per wall-clock and per CPU second of a ``size x size`` float32 matrix product, best of ``repeats``."""
    a = tf.random.normal((size, size))
    b = tf.random.normal((size, size))
    product = tf.function(lambda: tf.reduce_sum(tf.matmul(a, b)))
    product().numpy()
    stopwatch, wall, cpu = Stopwatch(), float("inf"), float("inf")
    for _ in range(repeats):
        stopwatch.start()
        product().numpy()
        seconds = stopwatch.stop()
        wall, cpu = min(wall, seconds[0]), min(cpu, seconds[1])
    return 2 * size**3 / wall, 2 * size**3 / max(cpu, 1e-9)


# ---------------------------------------------------------------- measuring


class PeakRSS:
    """Samples the process's resident set size (psutil) in a thread; ``peak`` in bytes."""

    def __init__(self, interval: float = 0.005):
        import psutil

        self.process, self.interval = psutil.Process(), interval
        self.peak, self._stop, self._thread = 0, threading.Event(), None

    def __enter__(self):
        self.peak = self.process.memory_info().rss
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


@dataclasses.dataclass
class CaseResult:
    case: Case
    steps: int
    images_per_second: dict[str, list[float]]
    images_per_cpu_second: dict[str, list[float]]
    peak_rss: dict[str, int]
    matmul: list[float]
    matmul_per_cpu_second: list[float]
    flops_per_step: int
    fast: Settings
    default_steps_per_execution: int


def calibrate(block: Block, target_seconds: float) -> int:
    """Steps per block so that a block of ``block`` takes about ``target_seconds`` of CPU time.

    CPU time rather than wall-clock time, so that the blocks hold the same
    work however busy the machine is. Every block length is first run once
    untimed: a new length traces a new compiled loop (``GAN.fit`` fits its
    steps per call to the block), which costs seconds, and timing that
    would leave blocks of one or two steps, where ``fit``'s own set-up
    dominates. A step that takes less than a quarter of the target is timed
    over ``DEFAULT_STEPS_PER_EXECUTION`` steps, and the block is then a
    multiple of it, so that keras_gan's compiled calls are whole.
    """
    block(1)
    seconds = block(1)[1]
    if seconds >= target_seconds / 4:
        return max(1, round(target_seconds / seconds))
    whole = DEFAULT_STEPS_PER_EXECUTION
    block(whole)
    per_step = max(block(whole)[1], 1e-9) / whole
    steps = max(1, round(target_seconds / per_step))
    return steps if steps < whole else round(steps / whole) * whole


def choose_fast(methods: Methods, candidates: list[Settings], steps: int) -> tuple[Settings, Block]:
    """Times one block of each candidate after its warm-up; the least CPU time wins."""
    timed = []
    for settings in candidates:
        block = methods.keras_gan(settings)
        block(steps)
        timed.append((block(steps)[1], str(settings), settings, block))
    _, _, settings, block = min(timed, key=lambda item: item[:2])
    return settings, block


def measure_case(case: Case, fast: Settings | None, args) -> CaseResult:
    methods = Methods(case, args.torch_threads)
    blocks = {"classic": methods.classic(), "two-tape": methods.two_tape(), "keras_gan": methods.keras_gan()}
    if args.torch:
        blocks["pytorch example"] = methods.pytorch_example()
    steps = 1 if args.quick else calibrate(blocks["keras_gan"], args.block_cpu_seconds)
    for block in blocks.values():  # warm-up: traces every function for blocks of `steps`
        block(steps)
    if fast is None:
        fast, blocks["keras_gan fast"] = choose_fast(methods, fast_candidates(bool(_gpus())), steps)
    else:
        blocks["keras_gan fast"] = methods.keras_gan(fast)
        blocks["keras_gan fast"](steps)
    rates = {name: [] for name in blocks}
    cpu_rates = {name: [] for name in blocks}
    peaks = {name: 0 for name in blocks}
    matmul, matmul_cpu = [], []
    order = list(blocks)
    for round_index in range(args.repeats):
        rotated = order[round_index % len(order):] + order[: round_index % len(order)]
        for name in rotated:
            with PeakRSS() as rss:
                wall, cpu = blocks[name](steps)
            rates[name].append(case.batch_size * steps / wall)
            cpu_rates[name].append(case.batch_size * steps / max(cpu, 1e-9))
            peaks[name] = max(peaks[name], rss.peak)
        per_second, per_cpu_second = matmul_flops_per_second(args.matmul_size)
        matmul.append(per_second)
        matmul_cpu.append(per_cpu_second)
    generator, discriminator = case.build()
    flops = step_flops(generator, discriminator, case.batch_size)
    # What the timed blocks ran with: GAN.fit may lower the steps per call.
    spe = {name: blocks[name].model.steps_per_execution for name in ("keras_gan", "keras_gan fast")}
    ran_fast = dataclasses.replace(fast, steps_per_execution=spe["keras_gan fast"])
    return CaseResult(case, steps, rates, cpu_rates, peaks, matmul, matmul_cpu, flops, ran_fast, spe["keras_gan"])


def _gpus() -> list:
    return tf.config.list_physical_devices("GPU")


# ---------------------------------------------------------------- reporting


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ratio(numerator: list[float], denominator: list[float]) -> float:
    return statistics.median(n / d for n, d in zip(numerator, denominator))


def _settings_label(result: CaseResult, method: str) -> str:
    return {
        "classic": "train_on_batch x3 + predict_on_batch",
        "two-tape": "fit, Keras defaults (spe=1,jit=auto)",
        "keras_gan": f"defaults: spe={result.default_steps_per_execution},jit=auto,mp=float32",
        "keras_gan fast": str(result.fast),
        "pytorch example": f"PyTorch {torch_peer.torch.__version__ if torch_peer.available() else ''}, eager,"
        f" {torch_peer.torch.get_num_threads() if torch_peer.available() else 0} threads",
    }[method]


def format_report(results: list[CaseResult], args, load_before, load_after) -> str:
    """The markdown report: the set-up, the throughput table, the FLOP/s table."""
    gpus = _gpus()
    lines = [
        "- command: `" + " ".join(["python benchmarks/throughput.py", *args.argv]) + "`",
        f"- machine: {cpu_model()}, {os.cpu_count()} logical CPUs"
        + (f", GPUs: {', '.join(gpu.name for gpu in gpus)}" if gpus else ", no GPU"),
        f"- load average (1, 5, 15 min): {_load(load_before)} at the start, {_load(load_after)} at the end",
        f"- TensorFlow {tf.__version__}, Keras {keras.__version__}, Python {platform.python_version()}",
        f"- {args.repeats} timed rounds per case, every method once per round in rotating order, blocks of the"
        " same number of steps (steps/block); medians (and range) over the rounds; ratios: median of the"
        " per-round ratios",
        "- images/s: wall clock; images/CPU-s: per second of this process's CPU time (all threads), which a busy"
        " machine disturbs less (it does not count time spent waiting for a core, nor a second core left idle"
        " while Python runs)",
        "- peak RSS: the whole process's resident set (psutil), the highest value sampled while the method ran;"
        " it includes everything built before it",
        "",
        "| case | method | settings | steps/block | images/s | min-max | x classic | x two-tape | images/CPU-s"
        " | x classic (CPU) | x two-tape (CPU) | peak RSS (MiB) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        wall, cpu = result.images_per_second, result.images_per_cpu_second
        for name in (name for name in METHODS if name in wall):
            lines.append(
                f"| {result.case.description} | {name} | {_settings_label(result, name)} | {result.steps} "
                f"| {statistics.median(wall[name]):.0f} | {min(wall[name]):.0f}-{max(wall[name]):.0f} "
                f"| {_ratio(wall[name], wall['classic']):.2f} | {_ratio(wall[name], wall['two-tape']):.2f} "
                f"| {statistics.median(cpu[name]):.0f} "
                f"| {_ratio(cpu[name], cpu['classic']):.2f} | {_ratio(cpu[name], cpu['two-tape']):.2f} "
                f"| {result.peak_rss[name] / 2**20:.0f} |"
            )
    lines += ["", *peer_lines(results, args)]
    lines += [
        "",
        f"Achieved FLOP/s of keras_gan's step against a {args.matmul_size}x{args.matmul_size} float32 matrix"
        " product timed in the same rounds (FLOPs per step: the dense and convolution layers'"
        " multiply-accumulates x 2, forward and backward, see `step_flops`); per wall-clock second and per"
        " CPU second:",
        "",
        "| case | GFLOP/step | keras_gan GFLOP/s | fast GFLOP/s | matmul GFLOP/s | keras_gan / matmul | fast / matmul"
        " | keras_gan GFLOP/CPU-s | fast GFLOP/CPU-s | matmul GFLOP/CPU-s | keras_gan / matmul (CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        per_image = result.flops_per_step / result.case.batch_size
        median = statistics.median
        default = per_image * median(result.images_per_second["keras_gan"])
        fastest = per_image * median(result.images_per_second["keras_gan fast"])
        default_cpu = per_image * median(result.images_per_cpu_second["keras_gan"])
        fastest_cpu = per_image * median(result.images_per_cpu_second["keras_gan fast"])
        matmul, matmul_cpu = median(result.matmul), median(result.matmul_per_cpu_second)
        lines.append(
            f"| {result.case.description} | {result.flops_per_step / 1e9:.3f} | {default / 1e9:.2f} "
            f"| {fastest / 1e9:.2f} | {matmul / 1e9:.1f} | {default / matmul:.1%} | {fastest / matmul:.1%} "
            f"| {default_cpu / 1e9:.2f} | {fastest_cpu / 1e9:.2f} | {matmul_cpu / 1e9:.1f} "
            f"| {default_cpu / matmul_cpu:.1%} |"
        )
    return "\n".join(lines)


def peer_lines(results: list[CaseResult], args) -> list[str]:
    """keras_gan's default step against the PyTorch example, per case: median of the per-round ratios."""
    if not args.torch:
        reason = "--no-torch" if torch_peer.available() else "PyTorch is not installed"
        return [f"The PyTorch DCGAN example's step was not timed ({reason})."]
    lines = ["keras_gan's default step against the PyTorch DCGAN example's, on the same networks and batches:"]
    for result in results:
        wall, cpu = result.images_per_second, result.images_per_cpu_second
        lines.append(
            f"- {result.case.description}: {_ratio(wall['keras_gan'], wall['pytorch example']):.2f}x per wall-clock"
            f" second, {_ratio(cpu['keras_gan'], cpu['pytorch example']):.2f}x per CPU second"
        )
    return lines


def results_record(results: list[CaseResult], args) -> dict:
    """Every timed block's figures and where they came from, for ``--json``."""
    record = {"provenance": provenance.record("benchmarks/throughput.py", args.argv), "runs": []}
    for result in results:
        per_image = result.flops_per_step / result.case.batch_size
        record["runs"].append({
            "case": result.case.name,
            "description": result.case.description,
            "steps_per_block": result.steps,
            "settings": {name: _settings_label(result, name) for name in result.images_per_second},
            "images_per_second": result.images_per_second,
            "images_per_cpu_second": result.images_per_cpu_second,
            "peak_rss_bytes": result.peak_rss,
            "flops_per_step": result.flops_per_step,
            "matmul_flops_per_second": result.matmul,
            "matmul_flops_per_cpu_second": result.matmul_per_cpu_second,
            "keras_gan_share_of_matmul": [per_image * rate / flops for rate, flops in zip(
                result.images_per_second["keras_gan"], result.matmul)],
        })
    return record


def _load(values) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/throughput.py",
        description="Images per second of the classic train_on_batch loop, the keras.io two-tape step and "
        "keras_gan's GAN on the same networks; prints a markdown table.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--cases", default=",".join(CASES), help=f"comma-separated, from {', '.join(CASES)}")
    add("--repeats", type=int, help="timed rounds per case (default 5; 2 with --quick)")
    add("--block-cpu-seconds", type=float, default=1.0, help="about how much CPU time one timed block of steps takes")
    add(
        "--fast",
        type=Settings.parse,
        help='settings of the "keras_gan fast" row, e.g. "spe=128,jit=1,mp=float32"; by default the fastest '
        "of a few candidates (XLA, longer compiled loops, and 16 bits on a GPU), one block each",
    )
    add("--matmul-size", type=int, help="side of the reference matrix product (default 2048; 128 with --quick)")
    add("--quick", action="store_true", help="tiny networks, one step per block: a smoke run")
    add("--out", help="also write the report to this file")
    add("--json", help="also write every round's figures, with the command, commit and machine, to this file")
    add(
        "--no-torch",
        dest="torch",
        action="store_false",
        default=torch_peer.available(),
        help="leave out the PyTorch example's row (it runs when PyTorch is installed)",
    )
    add("--torch-threads", type=int, help="PyTorch's intra-op threads in its row (default: one per core, as TensorFlow)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    args.argv = argv
    table = QUICK_CASES if args.quick else CASES
    names = [name for name in args.cases.split(",") if name]
    unknown = [name for name in names if name not in table]
    if unknown or not names:
        print(f"error: unknown case(s) {', '.join(unknown)!r}; valid: {', '.join(table)}", file=sys.stderr)
        return 2
    if args.torch_threads is not None and args.torch_threads < 1:
        print(f"error: --torch-threads must be a positive number of threads; got {args.torch_threads}", file=sys.stderr)
        return 2
    args.repeats = args.repeats or (2 if args.quick else 5)
    args.matmul_size = args.matmul_size or (128 if args.quick else 2048)
    fast = args.fast or (Settings(steps_per_execution=2, jit_compile=True) if args.quick else None)

    load_before = os.getloadavg()
    results = []
    for name in names:
        keras.utils.clear_session()
        keras.utils.set_random_seed(0)
        results.append(measure_case(table[name], fast, args))
        print(f"measured {name}", file=sys.stderr, flush=True)
    report = format_report(results, args, load_before, os.getloadavg())
    print(report)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(report + "\n")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results_record(results, args), handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
