"""keras_gan: Generative Adversarial Networks in Keras 3 / TensorFlow.

The generator is trained through a stacked ``combined`` model, ``z -> D(G(z))``,
in which the discriminator is frozen; one compiled ``train_step`` alternates
``d_steps`` discriminator updates with one generator update (Goodfellow et al.
2014, Algorithm 1).
"""

from keras_gan import features, latent, losses, networks, pairs
from keras_gan.conditional import ConditionalGAN
from keras_gan.gan import GAN
from keras_gan.paired import PairedGAN
from keras_gan.pix2pix import Pix2Pix
from keras_gan.srgan import SRGAN

__version__ = "0.1.0"

__all__ = [
    "ConditionalGAN",
    "GAN",
    "PairedGAN",
    "Pix2Pix",
    "SRGAN",
    "features",
    "latent",
    "losses",
    "networks",
    "pairs",
    "__version__",
]
