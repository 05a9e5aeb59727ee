"""The GAN families. Importing this package registers each with Keras, so that
``keras.models.load_model`` finds the class a ``.keras`` file names."""

from keras_gan.models.conditional import ConditionalGAN
from keras_gan.models.cyclegan import CycleGAN
from keras_gan.models.gan import GAN
from keras_gan.models.paired import PairedGAN
from keras_gan.models.pix2pix import Pix2Pix
from keras_gan.models.srgan import SRGAN

__all__ = ["ConditionalGAN", "CycleGAN", "GAN", "PairedGAN", "Pix2Pix", "SRGAN"]
