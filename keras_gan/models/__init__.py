"""The GAN families. Importing this package registers each with Keras, and the learning-rate
schedules their optimizers may use, so that ``keras.models.load_model`` finds the classes a
``.keras`` file names."""

from keras_gan.models.conditional import ConditionalGAN
from keras_gan.models.cyclegan import CycleGAN
from keras_gan.models.gan import GAN
from keras_gan.models.paired import PairedGAN
from keras_gan.models.pix2pix import Pix2Pix
from keras_gan.models.semi_supervised import SemiSupervisedGAN
from keras_gan.models.srgan import SRGAN
from keras_gan.training import schedules  # noqa: F401

__all__ = ["ConditionalGAN", "CycleGAN", "GAN", "PairedGAN", "Pix2Pix", "SRGAN", "SemiSupervisedGAN"]
