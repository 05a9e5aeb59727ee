"""``python -m keras_gan.generate``: the command; its code lives in :mod:`keras_gan.cli.generate`.

Importing ``keras_gan.generate`` gives that module itself, so that
``keras_gan.generate.main`` (and everything else in it) is one object under both names.
"""

import importlib
import sys

if __name__ == "__main__":
    sys.exit(importlib.import_module("keras_gan.cli.generate").main())
sys.modules[__name__] = importlib.import_module("keras_gan.cli.generate")
