"""keras_gan: Generative Adversarial Networks in Keras 3 / TensorFlow.

The generator is trained through a stacked ``combined`` model, ``z -> D(G(z))``,
in which the discriminator is frozen; one compiled ``train_step`` alternates
``d_steps`` discriminator updates with one generator update (Goodfellow et al.
2014, Algorithm 1).

The names below load on first use (PEP 562), so that ``import keras_gan``
does not import TensorFlow: ``python -m keras_gan.train`` runs this file
first, and the command-line tools can only quieten TensorFlow's C++ start-up
messages (``TF_CPP_MIN_LOG_LEVEL``) if they get to set it before TensorFlow
loads.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_MODULES = ("features", "latent", "losses", "networks", "pairs")
_CLASSES = {
    "ConditionalGAN": "keras_gan.conditional",
    "GAN": "keras_gan.gan",
    "PairedGAN": "keras_gan.paired",
    "Pix2Pix": "keras_gan.pix2pix",
    "SRGAN": "keras_gan.srgan",
}

__all__ = sorted(_CLASSES) + list(_MODULES) + ["__version__"]


def __getattr__(name: str):
    if name in _CLASSES:
        value = getattr(importlib.import_module(_CLASSES[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(f"keras_gan.{name}")
    else:
        raise AttributeError(f"module 'keras_gan' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
