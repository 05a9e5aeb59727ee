"""GANs trained on (source, target) image pairs, and the scores of a translation.

Image-to-image translation (pix2pix) and super-resolution (SRGAN) share one
shape of training: the generator has no latent input, it maps a source image
to a target-domain image, and it learns from two signals at once, the frozen
discriminator's verdict and a content loss against the known target:

    batch (source, target) --unpack--> (real=target, context=source)
    D phase:  fake = G(source);  D learns real vs fake (pix2pix: on (source, x) pairs)
    G phase:  verdict, fake = combined(source)            # D frozen inside
              g_loss = adversarial_weight * loss.generator(verdict) + content_loss(target, fake)

:class:`PairedGAN` is that shape as a :class:`keras_gan.GAN` subclass: it
reuses the GAN's train and test steps through its hooks (``unpack``,
``generator_inputs``, ``build_combined``/``combined_outputs``,
``generator_loss``), whose context is the source images, and leaves the
content loss to :class:`keras_gan.Pix2Pix` (lambda * L1) and
:class:`keras_gan.SRGAN` (MSE, optionally VGG features). Its ``combined``
model outputs both the verdict and the translated image, so one forward pass
gives the adversarial and the content term.

:func:`pair_scores` measures translations against their targets (mean L1,
PSNR and SSIM, on images in [-1, 1]); :class:`HeldOutScores` logs them for
held-out pairs after every epoch, beside a baseline's (identity, bicubic).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import keras
import numpy as np
import tensorflow as tf
from keras import ops
from PIL import Image

from keras_gan import visualization
from keras_gan.training import checkpoints
from keras_gan.data import pairs
from keras_gan.models import monitoring, network_checks
from keras_gan.models.gan import GAN
from keras_gan.sampling import predict_in_batches


# How a network without fixed inputs is told to start, where its input is a source image.
SOURCE_INPUT_HINT = "start it with keras.Input(shape) of the source images"


@keras.saving.register_keras_serializable(package="keras_gan")
class PairedGAN(GAN):
    """A GAN whose generator translates a source image, trained on (source, target) pairs.

    Batches are ``(source, target)`` tuples, so ``fit(sources, targets)``
    works as for a supervised Keras model. Subclasses implement
    :meth:`content_loss`.

    Args:
        generator: a Keras model ``source image -> image``.
        discriminator: a Keras model giving logits (one per sample, or a grid
            of them) on generated or real target images; what else it sees
            is :meth:`discriminate`'s business.
        d_steps: discriminator updates per generator update.
        adversarial_weight: weight of the adversarial term in the
            generator's loss (the content loss has weight 1).
        content_metrics: names of the content terms reported as metrics
            (the values :meth:`content_loss` returns beside the total).
        seed: seeds any randomness of the training step.
        name: model name.
        **kwargs: further :class:`keras_gan.GAN` options, e.g. ``ema``. The
            ones that reshape what the discriminator sees (``pack``,
            ``diffaugment``) act on the judged image only, not on a source
            the discriminator is also shown.
    """

    logits = "grid"  # one logit per sample, or a PatchGAN's grid of them

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        d_steps: int = 1,
        *,
        adversarial_weight: float = 1.0,
        content_metrics: Sequence[str] = (),
        seed: int | None = None,
        name: str = "paired_gan",
        **kwargs,
    ):
        generator = network_checks.built_network(generator, "generator", None, SOURCE_INPUT_HINT)
        if len(generator.inputs) != 1 or len(generator.inputs[0].shape) != 4:
            raise ValueError(
                f"a paired GAN's generator takes one image (batch, H, W, C), got inputs "
                f"{[tuple(t.shape) for t in generator.inputs]}"
            )
        if not adversarial_weight >= 0:
            raise ValueError(f"adversarial_weight must be >= 0, got {adversarial_weight!r}")
        if kwargs.get("pack", 1) != 1:
            raise ValueError(f"pack > 1 is not supported for {type(self).__name__}: the source images would need packing too; got pack={kwargs['pack']!r}")
        kwargs.pop("latent_dim", None)  # in a saved config; there is no latent space
        super().__init__(generator, discriminator, d_steps, seed=seed, name=name, **kwargs)
        self.latent_dim = None
        self.adversarial_weight = float(adversarial_weight)
        self.content_trackers = {key: monitoring.tracker(key, monitoring.DOWN) for key in content_metrics}

    @property
    def source_shape(self) -> tuple:
        """Shape of one source image, ``(h, w, C)``."""
        return tuple(self.generator.inputs[0].shape[1:])

    @property
    def metrics(self):
        return super().metrics + list(self.content_trackers.values())

    # ------------------------------------------------------------------ hooks of GAN

    def build_combined(self) -> keras.Model:
        """``source -> [D's verdict on G(source), G(source)]``, D frozen."""
        source = keras.Input(self.source_shape, name="source")
        return keras.Model(source, self.combined_outputs(self.generator(source), source), name="combined")

    def combined_outputs(self, fake, source, training=None):
        """``[verdict, fake]``: the content loss needs the translation beside D's verdict."""
        return [super().combined_outputs(fake, source, training), fake]

    def unpack(self, data):
        """``(source, target)`` -> ``(real=target, context=source)``."""
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError(f"{type(self).__name__} trains on (source, target) batches, got a single tensor")
        return data[1], data[0]

    def generator_inputs(self, batch_size, source):
        """The source images: the generator has no latent input."""
        return source

    def generator_loss(self, outputs, real, source):
        """``adversarial_weight * loss.generator(verdict) + content_loss(real, fake)``; tracks the content terms."""
        verdict, fake = outputs
        content, terms = self.content_loss(real, fake)
        for key, value in terms.items():
            self.content_trackers[key].update_state(value)
        return self.adversarial_weight * self.loss_pair.generator(verdict) + content

    def content_loss(self, real, fake):
        """Returns ``(weighted total, {metric name: unweighted term})``; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} must define content_loss(real, fake)")

    def statistics_inputs(self, n, seed):
        """None: the generator's inputs are source images from the data, so the moving
        average keeps the batch-norm statistics copied from the generator being trained."""
        return None

    # ------------------------------------------------------------------ using it

    def translate(self, sources, batch_size: int = 256) -> np.ndarray:
        """Runs the generator (its moving average when ``ema`` is on) in inference mode over ``sources``.

        ``sources`` are images in [-1, 1]; the result is a float32 numpy array.
        """
        sources = np.asarray(sources, dtype="float32")
        if sources.shape[1:] != self.source_shape:
            raise ValueError(f"sources of shape {sources.shape[1:]} do not fit the generator's input {self.source_shape}")
        return predict_in_batches(self.sampling_generator, sources, batch_size)

    def get_config(self):
        config = super().get_config()
        config.pop("latent_dim", None)
        config["adversarial_weight"] = self.adversarial_weight
        return config


def pair_scores(outputs, targets, max_val: float = 2.0) -> dict[str, float]:
    """Mean L1, PSNR and SSIM of ``outputs`` against ``targets``, image by image.

    Both are ``(N, H, W, C)`` arrays in the generator's range [-1, 1], so the
    dynamic range ``max_val`` is 2. PSNR is ``10 log10(max_val^2 / MSE)`` per
    image, then averaged over images (``tf.image.psnr``); SSIM is
    ``tf.image.ssim`` with its defaults (11x11 Gaussian window, sigma 1.5),
    which needs images of at least 11 pixels a side (smaller images get no
    ``"ssim"`` entry). An image identical to its target has infinite PSNR;
    the mean is then infinite too.

    Returns:
        ``{"l1": ..., "psnr": ..., "ssim": ...}`` as Python floats.

    Example:
        >>> x = np.zeros((1, 16, 16, 1), "float32")
        >>> round(pair_scores(x + 0.2, x)["psnr"], 2)   # 10 log10(4 / 0.04)
        20.0
    """
    outputs = tf.convert_to_tensor(outputs, tf.float32)
    targets = tf.convert_to_tensor(targets, tf.float32)
    if outputs.shape != targets.shape or outputs.shape.rank != 4:
        raise ValueError(f"outputs and targets must be (N, H, W, C) arrays of one shape, got {outputs.shape} and {targets.shape}")
    scores = {
        "l1": ops.mean(ops.abs(outputs - targets)),
        "psnr": ops.mean(tf.image.psnr(outputs, targets, max_val=max_val)),
    }
    if min(outputs.shape[1:3]) >= 11:
        scores["ssim"] = ops.mean(tf.image.ssim(outputs, targets, max_val=max_val))
    return {key: float(value) for key, value in scores.items()}


def comparison_rows(*columns) -> np.ndarray:
    """Interleaves image batches into rows ``[a_0, b_0, ...], [a_1, b_1, ...]`` for an image grid.

    Each column is a batch ``(N, h, w, C)`` in [-1, 1]; smaller images are
    enlarged by pixel repetition to the largest size (so a low-resolution
    input shows its pixels) and grayscale is repeated to RGB when another
    column has colour. Pass the result to
    ``visualization.save_image_grid(..., cols=len(columns))``.
    """
    columns = [np.asarray(column, dtype=np.float32) for column in columns]
    n = min(len(column) for column in columns)
    height = max(column.shape[1] for column in columns)
    channels = max(column.shape[-1] for column in columns)
    enlarged = []
    for column in columns:
        factor = height // column.shape[1]
        if column.shape[1] * factor != height:
            raise ValueError(f"image sides {column.shape[1]} and {height} are not integer multiples")
        column = column[:n].repeat(factor, axis=1).repeat(factor, axis=2)
        enlarged.append(np.repeat(column, channels // column.shape[-1], axis=-1))
    return np.stack(enlarged, axis=1).reshape(n * len(columns), *enlarged[0].shape[1:])


class HeldOutScores(keras.callbacks.Callback):
    """Scores the model's translations of held-out pairs after every epoch.

    Adds ``test_l1``, ``test_psnr`` and ``test_ssim`` to the epoch's logs
    (so they reach the CSV log, the loss plot and ``History``). When
    training ends it writes ``path`` (JSON: the last scores, the baseline's
    and the number of pairs) and, with ``grid_path``, a grid whose rows are
    source | baseline | translation | target for the first ``grid_size``
    pairs.

    Args:
        sources: held-out source images in [-1, 1].
        targets: their targets.
        baseline: what the model must beat, e.g. the sources themselves
            (identity) or their bicubic upsampling; same shape as ``targets``.
        baseline_name: how the JSON file names it.
        path: the JSON file; nothing is written when ``None``.
        grid_path: the comparison grid's PNG file, or ``None``.
        grid_size: pairs in the grid.
    """

    def __init__(self, sources, targets, baseline, baseline_name: str, path=None, grid_path=None, grid_size: int = 8):
        super().__init__()
        self.sources = np.asarray(sources, dtype=np.float32)
        self.targets = np.asarray(targets, dtype=np.float32)
        self.baseline = np.asarray(baseline, dtype=np.float32)
        self.baseline_name = baseline_name
        self.baseline_scores = pair_scores(self.baseline, self.targets)
        self.path = path
        self.grid_path = grid_path
        self.grid_size = grid_size
        self.scores = None
        self.outputs = None  # the last epoch's translations, reused for the grid

    def on_epoch_end(self, epoch, logs=None):
        self.outputs = self.model.translate(self.sources)
        self.scores = pair_scores(self.outputs, self.targets)
        if logs is not None:
            logs.update({f"test_{key}": value for key, value in self.scores.items()})

    def on_train_end(self, logs=None):
        if self.scores is None:
            return
        if self.path is not None:
            report = {
                "held_out_pairs": len(self.sources),
                "model": self.scores,
                "baseline": self.baseline_name,
                "baseline_scores": self.baseline_scores,
            }
            checkpoints.write_text(self.path, json.dumps(report, indent=2) + "\n")
        if self.grid_path is not None:
            n = self.grid_size
            rows = comparison_rows(self.sources[:n], self.baseline[:n], self.outputs[:n], self.targets[:n])
            visualization.save_image_grid(rows, self.grid_path, cols=4, scale=2)


def takes_images(generator: keras.Model) -> bool:
    """Whether ``generator`` translates images (one ``(batch, H, W, C)`` input) rather than decoding latent vectors."""
    return len(generator.inputs) == 1 and len(generator.inputs[0].shape) == 4


def translate_path(generator: keras.Model, source, out, batch_size: int = 256) -> tuple[str, int]:
    """Runs an image-to-image generator on an image file or a folder of them; writes the results.

    Each input image is converted to the generator's input shape (channels,
    then Lanczos resizing) and scaled to [-1, 1]. ``out`` decides what is
    written: a ``.npy`` file holds the raw outputs (in [-1, 1]); a ``.png``
    file a grid with one row per input, input | output; any other path a
    folder with one PNG per input, named after it.

    Returns:
        ``(what was written, number of images)``.

    Raises:
        ValueError: ``generator`` does not take images, or ``source`` holds none.
    """
    if not takes_images(generator):
        raise ValueError(
            f"--input needs an image-to-image generator (pix2pix, srgan); {generator.name!r} takes "
            f"{[tuple(t.shape[1:]) for t in generator.inputs]}"
        )
    sources, files = pairs.read_images(source, tuple(generator.inputs[0].shape[1:]))
    outputs = predict_in_batches(generator, sources, batch_size)
    out = Path(out)
    if out.suffix == ".npy":
        out.parent.mkdir(parents=True, exist_ok=True)
        np.save(out, outputs)
    elif out.suffix.lower() == ".png":
        visualization.save_image_grid(comparison_rows(sources, outputs), out, cols=2)
    else:
        out.mkdir(parents=True, exist_ok=True)
        for file, image in zip(files, visualization.to_uint8(outputs)):
            Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(out / f"{file.stem}.png")
    return str(out), len(outputs)
