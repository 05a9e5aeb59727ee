"""Network builders: each returns a plain ``keras.Model``.

``GENERATORS`` and ``DISCRIMINATORS`` map a model family's name to its
builders; the CLI's ``--model`` choices come from them.
"""

from keras_gan.networks.classifier_discriminator import classifier_discriminator
from keras_gan.networks.conditional import conditional_discriminator, conditional_generator
from keras_gan.networks.dcgan import dcgan_discriminator, dcgan_generator
from keras_gan.networks.mlp import mlp_discriminator, mlp_generator
from keras_gan.networks.patchgan import image_patchgan_discriminator, patchgan_discriminator
from keras_gan.networks.resnet import cyclegan_networks, resnet_generator
from keras_gan.networks.srgan import srgan_discriminator, srgan_generator
from keras_gan.networks.unet import unet_generator

GENERATORS = {
    "mlp": mlp_generator,
    "dcgan": dcgan_generator,
    "cgan": conditional_generator,
    "pix2pix": unet_generator,
    "srgan": srgan_generator,
    "ssgan": dcgan_generator,
}
DISCRIMINATORS = {
    "mlp": mlp_discriminator,
    "dcgan": dcgan_discriminator,
    "cgan": conditional_discriminator,
    "pix2pix": patchgan_discriminator,
    "srgan": srgan_discriminator,
    "ssgan": classifier_discriminator,
}

__all__ = [
    "DISCRIMINATORS",
    "GENERATORS",
    "classifier_discriminator",
    "conditional_discriminator",
    "conditional_generator",
    "cyclegan_networks",
    "dcgan_discriminator",
    "dcgan_generator",
    "image_patchgan_discriminator",
    "mlp_discriminator",
    "mlp_generator",
    "patchgan_discriminator",
    "resnet_generator",
    "srgan_discriminator",
    "srgan_generator",
    "unet_generator",
]
