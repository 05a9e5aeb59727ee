"""``python -m keras_gan.train``: the command; its code lives in :mod:`keras_gan.cli.train`.

Run as a command, it parses the flags first (:mod:`keras_gan.cli.parsers`), so that
``--help`` and a mistyped flag are answered before TensorFlow loads. Imported,
``keras_gan.train`` is :mod:`keras_gan.cli.train` itself, one object under both names.
"""

import importlib
import sys

if __name__ == "__main__":
    from keras_gan.cli import parsers

    parsers.train_parser().parse_args()
    sys.exit(importlib.import_module("keras_gan.cli.train").main())
sys.modules[__name__] = importlib.import_module("keras_gan.cli.train")
