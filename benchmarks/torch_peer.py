"""The PyTorch DCGAN example's training step, on the same networks as a Keras case.

``benchmarks/throughput.py`` times it beside keras_gan when PyTorch is
installed (it is not a dependency of keras_gan). The step is the one of the
PyTorch examples' ``dcgan/main.py``, with its loss taken on logits:

1. D on the real batch against label 1, backward;
2. one generator forward pass ``fake = G(z)``; D on ``fake.detach()``
   against label 0, backward; D's Adam step;
3. D (just updated) on the same ``fake`` against label 1, backward through
   G; G's Adam step.

Both optimizers are Adam(lr=2e-4, betas=(0.5, 0.999)), as in the example.
The networks are translated layer by layer from the Keras models and start
from their weights (:func:`translate`), so both frameworks train the same
functions from the same point; only the layout differs (PyTorch's NCHW for
Keras's NHWC, with the dense layers' rows and columns permuted to match).
"""

from __future__ import annotations

import os
import time

import numpy as np

try:
    import torch
    from torch import nn
except ImportError:  # the row is optional: the throughput benchmark skips it
    torch = None


def available() -> bool:
    """Whether PyTorch can be imported here."""
    return torch is not None


def _same_padding(size: int, stride: int, kernel: int) -> tuple[int, int]:
    """TensorFlow's ``padding="same"`` of a strided convolution: (before, after); the extra pixel goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class _SamePadConv(nn.Module if torch else object):
    """``Conv2D(padding="same")``: TensorFlow pads the odd pixel at the end, PyTorch's padding is symmetric."""

    def __init__(self, conv, pad: tuple[int, int]):
        super().__init__()
        self.conv, self.pad = conv, pad

    def forward(self, x):
        before, after = self.pad
        return self.conv(nn.functional.pad(x, (before, after, before, after)))


class _CroppedTransposedConv(nn.Module if torch else object):
    """``Conv2DTranspose(padding="same")``: the full transposed convolution from ``start``, ``size`` pixels."""

    def __init__(self, conv, start: int, size: int):
        super().__init__()
        self.conv, self.start, self.size = conv, start, size

    def forward(self, x):
        y = self.conv(x)
        return y[:, :, self.start : self.start + self.size, self.start : self.start + self.size]


def _tensor(array) -> "torch.Tensor":
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))


def _keras_to_torch_order(height: int, width: int, channels: int) -> np.ndarray:
    """For each position of an NCHW-flattened map, the position of the same value NHWC-flattened."""
    return np.arange(height * width * channels).reshape(height, width, channels).transpose(2, 0, 1).reshape(-1)


def translate(model) -> "nn.Sequential":
    """A PyTorch module computing what the Keras ``model`` computes, from its current weights.

    Handles the layers of keras_gan's DCGAN and MLP networks: Dense,
    Conv2D and Conv2DTranspose with ``padding="same"``, BatchNormalization,
    ReLU, LeakyReLU, tanh/sigmoid/linear activations, Reshape and Flatten.
    Image tensors are NCHW on the PyTorch side.

    Raises:
        ValueError: for a layer it has no counterpart for, naming it.
    """
    if torch is None:
        raise ValueError("translate needs PyTorch (pip install torch)")
    modules = []
    last_dense = None  # index in `modules` of the latest Linear, whose outputs a Reshape may reorder
    flattened = None  # (height, width, channels) of the map the latest Flatten flattened
    for layer in model.layers:
        kind = type(layer).__name__
        weights = [np.asarray(w) for w in layer.get_weights()]
        activation = getattr(getattr(layer, "activation", None), "__name__", "linear")
        if kind == "InputLayer":
            continue
        if kind in ("Dense", "Conv2D", "Conv2DTranspose") and activation != "linear":
            raise ValueError(f"layer {layer.name!r} ({kind}) has a fused {activation} activation; no counterpart here")
        if kind == "Dense":
            kernel = weights[0]
            if flattened is not None:  # its inputs come NCHW-flattened from PyTorch
                kernel = kernel[_keras_to_torch_order(*flattened)]
                flattened = None
            linear = nn.Linear(kernel.shape[0], kernel.shape[1], bias=layer.use_bias)
            linear.weight.data = _tensor(kernel.T)
            if layer.use_bias:
                linear.bias.data = _tensor(weights[1])
            last_dense = len(modules)
            modules.append(linear)
        elif kind == "Conv2D":
            if tuple(layer.dilation_rate) != (1, 1) or layer.groups != 1 or layer.padding != "same":
                raise ValueError(f"layer {layer.name!r}: only undilated, ungrouped 'same' convolutions translate")
            (kernel_h, kernel_w), (stride, _) = layer.kernel_size, layer.strides
            conv = nn.Conv2d(weights[0].shape[2], layer.filters, (kernel_h, kernel_w), stride, bias=layer.use_bias)
            conv.weight.data = _tensor(weights[0].transpose(3, 2, 0, 1))
            if layer.use_bias:
                conv.bias.data = _tensor(weights[1])
            modules.append(_SamePadConv(conv, _same_padding(int(layer.input.shape[1]), stride, kernel_h)))
        elif kind == "Conv2DTranspose":
            if layer.padding != "same":
                raise ValueError(f"layer {layer.name!r}: only 'same' transposed convolutions translate")
            (kernel_h, kernel_w), (stride, _) = layer.kernel_size, layer.strides
            size_in = int(layer.input.shape[1])
            size_out = size_in * stride
            before, _ = _same_padding(size_out, stride, kernel_h)
            conv = nn.ConvTranspose2d(weights[0].shape[3], layer.filters, (kernel_h, kernel_w), stride, bias=layer.use_bias)
            conv.weight.data = _tensor(weights[0].transpose(3, 2, 0, 1))
            if layer.use_bias:
                conv.bias.data = _tensor(weights[1])
            modules.append(_CroppedTransposedConv(conv, before, size_out))
        elif kind == "BatchNormalization":
            gamma, beta, mean, variance = weights
            norm_class = nn.BatchNorm2d if len(layer.input.shape) == 4 else nn.BatchNorm1d
            # Keras keeps momentum of the old statistics; PyTorch's momentum is the new batch's share.
            norm = norm_class(gamma.shape[0], eps=layer.epsilon, momentum=1.0 - layer.momentum)
            norm.weight.data, norm.bias.data = _tensor(gamma), _tensor(beta)
            norm.running_mean.data, norm.running_var.data = _tensor(mean), _tensor(variance)
            modules.append(norm)
        elif kind == "ReLU":
            modules.append(nn.ReLU())
        elif kind == "LeakyReLU":
            modules.append(nn.LeakyReLU(float(layer.negative_slope)))
        elif kind == "Activation" and activation in ("tanh", "sigmoid", "linear"):
            modules.append({"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity}[activation]())
        elif kind == "Reshape":
            height, width, channels = layer.target_shape
            _reorder_outputs(modules[last_dense:], _keras_to_torch_order(height, width, channels))
            modules.append(nn.Unflatten(1, (channels, height, width)))
        elif kind == "Flatten":
            flattened = tuple(int(v) for v in layer.input.shape[1:])
            modules.append(nn.Flatten())
        else:
            raise ValueError(f"layer {layer.name!r} ({kind}) has no PyTorch counterpart here")
    return nn.Sequential(*modules)


def _reorder_outputs(modules, order: np.ndarray) -> None:
    """Permutes the features of a Linear layer and the per-feature layers after it (before a Reshape)."""
    index = torch.from_numpy(order)
    for module in modules:
        if isinstance(module, nn.Linear):
            module.weight.data = module.weight.data[index]
            if module.bias is not None:
                module.bias.data = module.bias.data[index]
        elif isinstance(module, nn.BatchNorm1d):
            for tensor in (module.weight, module.bias, module.running_mean, module.running_var):
                tensor.data = tensor.data[index]


def to_torch_images(batch: np.ndarray) -> "torch.Tensor":
    """NHWC images (or 2-D points) as PyTorch wants them: NCHW."""
    batch = np.asarray(batch, dtype=np.float32)
    return _tensor(batch.transpose(0, 3, 1, 2) if batch.ndim == 4 else batch)


class DCGANExampleStep:
    """The PyTorch DCGAN example's step (module docstring) on translated Keras networks.

    Args:
        generator: a Keras generator ``z -> sample``.
        discriminator: a Keras discriminator ``sample -> logit``.
        latent_dim: size of the latent vector.
        batches: real batches (NHWC numpy arrays), cycled.
        threads: PyTorch's intra-op threads; every core when None, as TensorFlow uses.
        seed: seeds PyTorch's noise.
    """

    def __init__(self, generator, discriminator, latent_dim: int, batches, threads: int | None = None, seed: int = 0):
        torch.set_num_threads(threads or os.cpu_count() or 1)
        torch.manual_seed(seed)
        self.generator, self.discriminator = translate(generator), translate(discriminator)
        self.generator.train()
        self.discriminator.train()
        self.latent_dim = latent_dim
        self.batches = [to_torch_images(batch) for batch in batches]
        self.criterion = nn.BCEWithLogitsLoss()
        self.d_optimizer = torch.optim.Adam(self.discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.g_optimizer = torch.optim.Adam(self.generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.position = 0

    def step(self) -> tuple[float, float]:
        """One training step; returns the (d_loss, g_loss) tensors."""
        real = self.batches[self.position % len(self.batches)]
        self.position += 1
        batch_size = real.shape[0]
        ones, zeros = torch.ones(batch_size), torch.zeros(batch_size)

        self.discriminator.zero_grad()
        d_loss_real = self.criterion(self.discriminator(real).view(-1), ones)
        d_loss_real.backward()
        fake = self.generator(torch.randn(batch_size, self.latent_dim))
        d_loss_fake = self.criterion(self.discriminator(fake.detach()).view(-1), zeros)
        d_loss_fake.backward()
        self.d_optimizer.step()

        self.generator.zero_grad()
        g_loss = self.criterion(self.discriminator(fake).view(-1), ones)
        g_loss.backward()
        self.g_optimizer.step()
        return (d_loss_real + d_loss_fake).detach(), g_loss.detach()

    def block(self, steps: int) -> tuple[float, float]:
        """Trains ``steps`` steps; returns (wall seconds, process CPU seconds)."""
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(steps):
            self.step()
        return time.perf_counter() - wall, time.process_time() - cpu
