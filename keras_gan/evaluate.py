"""``python -m keras_gan.evaluate``: the command; its code lives in :mod:`keras_gan.cli.evaluate`.

Run as a command, it parses the flags first (:mod:`keras_gan.cli.parsers`), so that
``--help`` and a mistyped flag are answered before TensorFlow loads. Imported,
``keras_gan.evaluate`` is :mod:`keras_gan.cli.evaluate` itself, one object under both names.
"""

import importlib
import sys

if __name__ == "__main__":
    from keras_gan.cli import parsers

    parsers.evaluate_parser().parse_args()
    sys.exit(importlib.import_module("keras_gan.cli.evaluate").main())
sys.modules[__name__] = importlib.import_module("keras_gan.cli.evaluate")
