"""``python -m keras_gan.evaluate``: the command; its code lives in :mod:`keras_gan.cli.evaluate`.

Importing ``keras_gan.evaluate`` gives that module itself, so that
``keras_gan.evaluate.main`` (and everything else in it) is one object under both names.
"""

import importlib
import sys

if __name__ == "__main__":
    sys.exit(importlib.import_module("keras_gan.cli.evaluate").main())
sys.modules[__name__] = importlib.import_module("keras_gan.cli.evaluate")
