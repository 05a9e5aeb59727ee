"""``python -m keras_gan.train``: the command; its code lives in :mod:`keras_gan.cli.train`.

Importing ``keras_gan.train`` gives that module itself, so that
``keras_gan.train.main`` (and everything else in it) is one object under both names.
"""

import importlib
import sys

if __name__ == "__main__":
    sys.exit(importlib.import_module("keras_gan.cli.train").main())
sys.modules[__name__] = importlib.import_module("keras_gan.cli.train")
