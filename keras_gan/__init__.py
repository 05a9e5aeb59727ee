"""keras_gan: Generative Adversarial Networks in Keras 3 / TensorFlow.

The generator is trained through a stacked ``combined`` model, ``z -> D(G(z))``,
in which the discriminator is frozen; one compiled ``train_step`` alternates
``d_steps`` discriminator updates with one generator update (Goodfellow et al.
2014, Algorithm 1).

``import keras_gan`` registers the model classes with Keras, so that
``keras.models.load_model("gan.keras")`` returns a GAN. The other names load on
first use (PEP 562).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

__version__ = "0.2.0"

_CLASSES = {
    "GAN": "keras_gan.models.gan",
    "ConditionalGAN": "keras_gan.models.conditional",
    "CycleGAN": "keras_gan.models.cyclegan",
    "PairedGAN": "keras_gan.models.paired",
    "Pix2Pix": "keras_gan.models.pix2pix",
    "SRGAN": "keras_gan.models.srgan",
    "SemiSupervisedGAN": "keras_gan.models.semi_supervised",
}
_MODULES = ("cli", "data", "evaluation", "latent", "losses", "models", "networks", "sampling", "training", "visualization")

# Modules that moved into subpackages: the old import paths still work and name the new one.
MOVED = {
    "keras_gan.augment": "keras_gan.training.augment",
    "keras_gan.callbacks": "keras_gan.training.callbacks",
    "keras_gan.checkpoints": "keras_gan.training.checkpoints",
    "keras_gan.classifier": "keras_gan.evaluation.classifier",
    "keras_gan.conditional": "keras_gan.models.conditional",
    "keras_gan.config": "keras_gan.cli.config",
    "keras_gan.execution": "keras_gan.training.distribution",
    "keras_gan.feature_extractors": "keras_gan.evaluation.extractors",
    "keras_gan.features": "keras_gan.evaluation.probe",
    "keras_gan.gan": "keras_gan.models.gan",
    "keras_gan.layers": "keras_gan.training.inputs",
    "keras_gan.metrics": "keras_gan.evaluation.metrics",
    "keras_gan.paired": "keras_gan.models.paired",
    "keras_gan.pairs": "keras_gan.data.pairs",
    "keras_gan.pix2pix": "keras_gan.models.pix2pix",
    "keras_gan.rejection": "keras_gan.evaluation.rejection",
    "keras_gan.schedules": "keras_gan.training.schedules",
    "keras_gan.srgan": "keras_gan.models.srgan",
}

__all__ = sorted(_CLASSES) + list(_MODULES) + ["__version__"]


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old module path as the module at its new path (``import keras_gan.gan`` still works)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module(MOVED[spec.name])
        self._spec = module.__spec__  # the import system overwrites it with the old name's spec
        return module

    def exec_module(self, module):
        module.__spec__ = self._spec


sys.meta_path.append(_MovedModuleFinder())


# ``keras.models.load_model`` finds keras_gan's models only once they are registered, so importing
# keras_gan imports them (and so TensorFlow). The one exception is ``python -m keras_gan.<command>``,
# where Python sets ``sys.argv[0]`` to "-m" while it imports this package: the commands parse their
# flags (and answer ``--help``) first, and load TensorFlow only to do the work.
if sys.argv[:1] != ["-m"]:
    importlib.import_module("keras_gan.models")


def __getattr__(name: str):
    if name in _CLASSES:
        value = getattr(importlib.import_module(_CLASSES[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(f"keras_gan.{name}")
    elif f"keras_gan.{name}" in MOVED:
        value = importlib.import_module(MOVED[f"keras_gan.{name}"])
    else:
        raise AttributeError(f"module 'keras_gan' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
