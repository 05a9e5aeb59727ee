"""What a GAN checks of the networks and the data it is given, before anything trains.

A GAN takes any two Keras models. Those with fixed inputs (a functional
model, a ``keras.Sequential`` that starts with ``keras.Input``) state their
shapes; a ``Sequential`` without an ``Input`` and a subclassed model do not,
and are built here from the shapes the GAN knows: the latent size for the
generator, the generator's samples for the discriminator. What cannot work
is refused with a message naming the shapes and saying what to change,
instead of surfacing later as a TensorFlow graph error, or as a
discriminator that trains on the wrong output without a word.
"""

from __future__ import annotations

import warnings

import keras
import numpy as np


def has_fixed_inputs(model: keras.Model) -> bool:
    """Whether ``model`` states its inputs and outputs (functional, or a built ``Sequential``)."""
    try:
        return bool(model.inputs) and bool(model.outputs)
    except (AttributeError, ValueError):  # a Sequential not built yet, a subclassed model
        return False


def built_network(model: keras.Model, role: str, input_shape: tuple | None, hint: str) -> keras.Model:
    """``model`` with fixed inputs and outputs, built on samples of ``input_shape`` where it has none.

    A ``Sequential`` without an ``Input`` is built in place. A subclassed
    model is wrapped in a ``Sequential`` that starts with ``keras.Input`` and
    holds the model as its only layer, so its weights are the model's own.

    Args:
        model: the network as given.
        role: ``"generator"`` or ``"discriminator"``, for the messages.
        input_shape: the shape of one input sample, or None where the GAN
            cannot tell it.
        hint: what to add instead, ending the message when ``input_shape`` is None.

    Raises:
        ValueError: when the model has no fixed input and ``input_shape`` is
            None, or cannot be built on ``input_shape``.
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"the {role} must be a keras.Model, got {type(model).__name__}")
    if has_fixed_inputs(model):
        return model
    if input_shape is None:
        raise ValueError(f"the {role} {model.name!r} has no input shape; {hint}")
    input_shape = tuple(input_shape)
    try:
        if isinstance(model, keras.Sequential):
            model.build((None, *input_shape))
            return model
        return keras.Sequential([keras.Input(input_shape), model], name=model.name)
    except Exception as error:  # Keras raises several kinds for a layer that cannot take the shape
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise ValueError(
            f"the {role} {model.name!r} could not be built on inputs of shape {input_shape}: "
            f"{type(error).__name__}: {first_line}"
        ) from error


def prepared_networks(generator, discriminator, latent_dim=None, pack: int = 1, judged_input: int = 0) -> tuple:
    """``(generator, discriminator, latent_dim)``: both networks with fixed inputs, and the latent size.

    The generator is built on latent vectors of ``latent_dim`` where it has
    no input; the discriminator on the generator's samples (``pack`` of them
    side by side), unless it judges more than the samples (``judged_input``
    > 0, pix2pix's ``[source, image]``).
    """
    generator = built_network(
        generator, "generator", None if latent_dim is None else (latent_dim,),
        "start it with keras.Input((latent_dim,)) or pass latent_dim=",
    )
    latent_dim = check_latent_dim(latent_dim, generator)
    sample = tuple(generator.outputs[0].shape[1:])
    judged = sample[:-1] + (sample[-1] * pack,) if pack > 1 and sample else sample
    discriminator = built_network(
        discriminator, "discriminator", judged if judged_input == 0 else None,
        "start it with keras.Input layers of the shapes it judges",
    )
    return generator, discriminator, latent_dim


def check_latent_dim(latent_dim, generator: keras.Model) -> int:
    """The generator's latent size; ``latent_dim``, when given, must agree with the generator's first input."""
    taken = generator.inputs[0].shape[-1]
    if latent_dim is None:
        if taken is None:
            raise ValueError(f"the generator {generator.name!r} does not fix its latent size; pass latent_dim=")
        return int(taken)
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, (int, np.integer)) or latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive integer, got {latent_dim!r}")
    if taken is not None and taken != latent_dim:
        raise ValueError(
            f"latent_dim={latent_dim} does not match the generator {generator.name!r}, whose input takes "
            f"latent vectors of size {taken}; pass latent_dim={taken} or leave it out"
        )
    return int(latent_dim)


def final_activation(model: keras.Model) -> str | None:
    """The name of the activation ``model``'s last layer applies (``"tanh"``, ``"softmax"``, ...), or None."""
    last = model.layers[-1] if model.layers else None
    if isinstance(last, keras.layers.Softmax):
        return "softmax"
    name = getattr(getattr(last, "activation", None), "__name__", None)
    return None if name in (None, "linear") else name


def check_logits(discriminator: keras.Model, kind: str | None) -> None:
    """Refuses a discriminator whose output is not raw logits of the shape ``kind`` names.

    Args:
        discriminator: the network (a sigmoid at its end is refused by
            ``keras_gan.checks.networks_fit``).
        kind: ``"one"`` (one logit per sample, ``(None, 1)``), ``"grid"``
            (that, or a grid of them ``(None, ..., 1)``, a PatchGAN's), or
            None: the GAN reads the output its own way and checks it itself.
    """
    if kind is None:
        return
    shape = tuple(discriminator.outputs[0].shape[1:])
    wanted = "one logit per sample, shape (None, 1)" + (", or a grid of them, (None, ..., 1)" if kind == "grid" else "")
    if not (shape == (1,) or (kind == "grid" and len(shape) > 1 and shape[-1] == 1)):
        raise ValueError(
            f"the discriminator {discriminator.name!r} outputs shape {(None, *shape)}; it must output {wanted}: "
            "end it with keras.layers.Dense(1) and no activation"
        )
    if final_activation(discriminator) == "softmax":
        raise ValueError(
            f"the discriminator {discriminator.name!r} ends in a softmax (layer {discriminator.layers[-1].name!r}), "
            "which makes every output 1; keras_gan's losses take logits, so drop the activation"
        )


def check_sample_shape(data_shape: tuple, expected: tuple, what: str, network: str) -> None:
    """Refuses a batch whose samples cannot go where ``network`` takes or gives ``expected``.

    Axes the data leaves unknown (None) are not compared.
    """
    data_shape, expected = tuple(data_shape), tuple(expected)
    if len(data_shape) == len(expected) and all(d is None or e is None or d == e for d, e in zip(data_shape, expected)):
        return
    raise ValueError(f"the data's {what} have shape {data_shape} but {network} {expected}")


def check_batch(gan, real, context) -> None:
    """Refuses, when the training or test step is traced, a batch whose samples do not fit ``gan``'s networks.

    The real samples must have the generator's sample shape; a paired
    model's context, the source images, that of the generator's input.
    """
    expected = "the generator makes and the discriminator takes"
    check_sample_shape(tuple(real.shape[1:]), gan.sample_shape, "samples", expected)
    source_shape = getattr(gan, "source_shape", None)  # an image-to-image model's
    if source_shape is not None:
        check_sample_shape(tuple(context.shape[1:]), source_shape, "source images", "the generator takes")


def check_fit_data(gan, x, y=None, stacklevel: int = 2) -> None:
    """Warns, as the command line does, when ``fit``'s real samples lie outside the generator's range.

    The real samples are ``y`` for an image-to-image model given targets,
    else ``x``. Only NumPy arrays are read (a ``tf.data.Dataset`` would have
    to be iterated). The warning names the line ``stacklevel`` frames up.
    """
    real = y if y is not None and getattr(gan, "source_shape", None) is not None else x
    if isinstance(real, np.ndarray) and real.dtype != object:
        check_data_range(real, gan.generator, stacklevel=stacklevel + 1)


# The range of each bounded output activation.
OUTPUT_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}


def output_range(generator: keras.Model) -> tuple[float, float] | None:
    """The range the generator's final activation maps into, or None when unbounded."""
    return OUTPUT_RANGES.get(final_activation(generator))


def check_data_range(x: np.ndarray, generator: keras.Model, rescale: bool = False, stacklevel: int = 2) -> np.ndarray:
    """Warns when ``x`` lies outside what ``generator`` can output; rescales it if asked.

    A tanh generator can only produce [-1, 1]: data in [0, 1] or [0, 255]
    leaves the discriminator an easy win. With ``rescale``, the data's
    [min, max] is mapped linearly onto the generator's range. The warning
    names the line ``stacklevel`` frames up (2: the caller's).

    Returns:
        ``x``, or its rescaled copy.
    """
    bounds = output_range(generator)
    if bounds is None or len(x) == 0:
        return x
    low, high = float(np.min(x)), float(np.max(x))
    if bounds[0] <= low and high <= bounds[1]:
        return x
    if rescale and high > low:
        warnings.warn(
            f"data span [{low:.4g}, {high:.4g}]; rescaled linearly onto the generator's output range "
            f"[{bounds[0]:g}, {bounds[1]:g}]",
            stacklevel=stacklevel,
        )
        scaled = (np.asarray(x, dtype=np.float32) - low) / (high - low)
        return (bounds[0] + scaled * (bounds[1] - bounds[0])).astype(np.float32)
    warnings.warn(
        f"data span [{low:.4g}, {high:.4g}] but the generator's output spans only [{bounds[0]:g}, {bounds[1]:g}]; "
        "scale the data (keras_gan.data.datasets.scale_images for uint8 pixels) or pass --rescale / rescale=True",
        stacklevel=stacklevel,
    )
    return x
