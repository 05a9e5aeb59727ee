"""``python -m keras_gan.generate``: the command; its code lives in :mod:`keras_gan.cli.generate`.

Run as a command, it parses the flags first (:mod:`keras_gan.cli.parsers`), so that
``--help`` and a mistyped flag are answered before TensorFlow loads. Imported,
``keras_gan.generate`` is :mod:`keras_gan.cli.generate` itself, one object under both names.
"""

import importlib
import sys

if __name__ == "__main__":
    from keras_gan.cli import parsers

    parsers.generate_parser().parse_args()
    sys.exit(importlib.import_module("keras_gan.cli.generate").main())
sys.modules[__name__] = importlib.import_module("keras_gan.cli.generate")
