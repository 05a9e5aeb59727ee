"""The command line: ``python -m keras_gan.train``, ``generate`` and ``evaluate``.

* :mod:`~keras_gan.cli.parsers`: the three commands' flags, parsed before TensorFlow loads;
* :mod:`~keras_gan.cli.config`: ``TrainConfig``, the settings of one run;
  :mod:`~keras_gan.cli.presets`: the recommended settings per dataset;
  :mod:`~keras_gan.cli.validation`: the checks of a config;
* :mod:`~keras_gan.cli.families`: the registry of model families;
  :mod:`~keras_gan.cli.build`: their networks and GANs;
  :mod:`~keras_gan.cli.setups`: the data each one trains on;
* :mod:`~keras_gan.cli.run_dir`: the run directory;
  :mod:`~keras_gan.cli.tensorboard_log`: its TensorBoard events;
* :mod:`~keras_gan.cli.train`, :mod:`~keras_gan.cli.generate`,
  :mod:`~keras_gan.cli.evaluate`: the commands themselves.
"""
