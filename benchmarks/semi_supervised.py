"""Digits from 100 labels: the semi-supervised GAN against the same network without it, and a linear probe.

    python benchmarks/semi_supervised.py --json benchmarks/results/semi_supervised.json        # every method, seeds 0-2
    python benchmarks/semi_supervised.py --methods ssgan supervised --seeds 0                  # two rows, one seed

The data is the MNIST sample shipped with keras_gan: of its 4,000 training
digits, ``--labels`` (100) keep their labels, the same number of each class,
drawn by the seed (``keras_gan.data.labelled``; the linear probe's draw too);
the other 3,900 are unlabelled; every method is scored on the 1,000 held-out
digits, which none trains on. Methods:

* ``ssgan``: what ``python -m keras_gan.train --model ssgan --labels 100
  --seed S`` trains: ``SemiSupervisedGAN`` with the family's preset (40
  epochs of 39 steps, batches of 100 unlabelled, 100 labelled and 100
  generated digits, Adam(2e-3, beta_1=0.5), DiffAugment ``translation``),
  feature matching, the GAN term at weight 0.5 and the consistency term at 1,
  the labelled digits and the consistency views through ``random_affine``,
  classifying with a moving average of the discriminator's weights (decay
  0.99, ``--classifier-ema``);
* ``ssgan_no_consistency``: the same without the consistency term, the loss
  of Salimans et al. (2016);
* ``consistency_no_gan``: the same with the GAN term's weight at 0, so the
  unlabelled digits reach the classifier through the consistency term alone
  (the generator still trains, unused);
* ``supervised``: the same discriminator on the labelled digits alone, with
  the same augmentation, optimizer (and learning-rate schedule), batch,
  number of steps and moving average;
* ``linear_probe``: a softmax regression (``keras_gan.evaluation.probe``) on
  the features of a DCGAN discriminator trained without labels (the
  ``mnist-sample`` preset, seed 0, ``--probe-epochs`` epochs, or ``--probe-run``), and on raw pixels,
  for each seed's labelled digits.

Each run records its accuracy after the last epoch, the held-out accuracy
after every epoch, the wall-clock seconds of ``fit`` and the CPU seconds the
process spent in it (other work on the machine slows the clock, not the CPU
time), with the command, commit, CPU and date (``provenance.py``). With
``--json`` the runs replace those of the same method and seed in the file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the benchmarks' shared helpers sit beside it
import provenance  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gan import networks  # noqa: E402
from keras_gan.cli import build, train  # noqa: E402
from keras_gan.cli.config import TrainConfig  # noqa: E402
from keras_gan.cli.run_dir import load_config  # noqa: E402
from keras_gan.data import labelled  # noqa: E402
from keras_gan.evaluation import probe  # noqa: E402
from keras_gan.models.semi_supervised import (  # noqa: E402
    HeldOutAccuracy,
    SemiSupervisedGAN,
    classification_accuracy,
    random_affine,
    train_on_labels_alone,
)
from keras_gan.training import checkpoints, schedules  # noqa: E402

# Loss weights (unsupervised, consistency) of the semi-supervised rows.
GAN_METHODS = {
    "ssgan": (build.SSGAN_UNSUPERVISED_WEIGHT, build.SSGAN_CONSISTENCY_WEIGHT),
    "ssgan_no_consistency": (build.SSGAN_UNSUPERVISED_WEIGHT, 0.0),
    "consistency_no_gan": (0.0, build.SSGAN_CONSISTENCY_WEIGHT),
}
METHODS = (*GAN_METHODS, "supervised", "linear_probe")
GOAL = 0.95


def timed_fit(model, *args, **kwargs) -> tuple[float, float]:
    """``model.fit(...)``; returns its wall-clock and process CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu


def semi_supervised_run(config: TrainConfig, split, unsupervised_weight: float, consistency_weight: float,
                        classifier_ema: float | None = build.SSGAN_CLASSIFIER_EMA) -> dict:
    """Trains a ``SemiSupervisedGAN`` as ``build.build_ssgan`` builds it, with the given loss weights."""
    keras.utils.set_random_seed(config.seed)
    steps = config.steps_per_epoch or len(split.x_unlabelled) // config.batch_size
    shape = split.x_unlabelled.shape[1:]
    generator = networks.dcgan_generator(
        config.latent_dim, shape, base_filters=config.base_filters, seed_convs=config.seed_convs,
        upsample_kernel_size=config.upsample_kernel_size,
    )
    discriminator = networks.classifier_discriminator(shape, split.num_classes, base_filters=config.base_filters)
    gan = SemiSupervisedGAN(
        generator, discriminator, unsupervised_weight=unsupervised_weight, augmentation=random_affine(),
        consistency_weight=consistency_weight, classifier_ema=classifier_ema, diffaugment=config.diffaugment,
        **build.step_options(config),
    )
    build.compile_gan(gan, config, config.epochs * steps)
    accuracy = HeldOutAccuracy(split.x_test, split.y_test)
    history = keras.callbacks.History()
    dataset = labelled.make_semi_supervised_dataset(split, config.batch_size, seed=config.seed)
    wall, cpu = timed_fit(gan, dataset, steps_per_epoch=steps, epochs=config.epochs, callbacks=[accuracy, history],
                          verbose=0)
    run = {"accuracy": accuracy.accuracy, "curve": history.history["test_accuracy"], "train_seconds": wall,
           "cpu_seconds": cpu, "classifier_ema": classifier_ema}
    if classifier_ema is not None:  # what the discriminator itself scores, without the average
        run["accuracy_without_average"] = classification_accuracy(gan.discriminator, split.x_test, split.y_test)
    return run


def supervised_run(config: TrainConfig, split, classifier_ema: float | None = build.SSGAN_CLASSIFIER_EMA) -> dict:
    """The semi-supervised rows' discriminator trained on the labelled digits alone, seeing them as they do.

    With ``classifier_ema`` the optimizer keeps the same moving average of the weights (Keras's ``use_ema``),
    which ``fit`` puts into the weights when it ends: ``accuracy`` scores the average, the curve the weights.
    """
    keras.utils.set_random_seed(config.seed)
    steps = config.steps_per_epoch or len(split.x_unlabelled) // config.batch_size
    classifier = networks.classifier_discriminator(split.x_labelled.shape[1:], split.num_classes,
                                                   base_filters=config.base_filters)
    averaging = {} if classifier_ema is None else {"use_ema": True, "ema_momentum": classifier_ema}
    wall, cpu = time.perf_counter(), time.process_time()
    curve = train_on_labels_alone(
        classifier, split, epochs=config.epochs, steps_per_epoch=steps, batch_size=config.batch_size,
        optimizer=keras.optimizers.Adam(schedules.learning_rate(config.lr, config.lr_decay_start, config.epochs * steps),
                                        beta_1=config.beta_1, **averaging),
        augmentation=random_affine(),
        diffaugment=config.diffaugment, seed=config.seed,
    )
    run = {"accuracy": curve[-1], "curve": curve, "train_seconds": time.perf_counter() - wall,
           "cpu_seconds": time.process_time() - cpu, "classifier_ema": classifier_ema}
    if classifier_ema is not None:  # fit has put the average into the weights
        run.update(accuracy=classification_accuracy(classifier, split.x_test, split.y_test),
                   accuracy_without_average=curve[-1])
    return run


def probe_discriminator(run_dir: Path | None, epochs: int | None = None) -> tuple[keras.Model, str]:
    """A DCGAN discriminator trained without labels: ``run_dir``'s latest checkpoint, or a fresh preset run
    (of ``epochs`` epochs, the preset's by default)."""
    if run_dir is None:
        out = Path(tempfile.mkdtemp(prefix="ssgan_probe_")) / "dcgan"
        overrides = {} if epochs is None else {"epochs": epochs}
        config = TrainConfig.for_dataset("mnist-sample", model="dcgan", seed=0, out=str(out), **overrides)
        result = train.run(config, verbose=0)
        return result.gan.discriminator, f"python -m keras_gan.train --seed 0 --epochs {config.epochs}"
    config = load_config(run_dir)
    state = checkpoints.latest(run_dir / "checkpoints")
    if config.model != "dcgan" or state is None:
        raise SystemExit(f"error: --probe-run {run_dir} is not a DCGAN run with a checkpoint")
    gan = build.build_gan(config, (28, 28, 1))
    gan.load_weights(state.path)
    return gan.discriminator, f"{run_dir} (epoch {state.epoch})"


def probe_runs(seeds, labels: int, run_dir: Path | None, epochs: int | None = None) -> list[dict]:
    """Linear-probe accuracy per seed on the DCGAN discriminator's features and on raw pixels."""
    discriminator, source = probe_discriminator(run_dir, epochs)
    extractor = probe.discriminator_features(discriminator)
    runs = []
    for seed in seeds:
        split = labelled.load_labelled_split("mnist-sample", labels, seed=seed)
        scores = {
            name: probe.linear_probe(features, split.x_labelled, split.y_labelled, split.x_test, split.y_test,
                                     num_classes=split.num_classes)
            for name, features in (("dcgan_features", extractor), ("raw_pixels", None))
        }
        runs.append({"seed": seed, "accuracy": scores["dcgan_features"], "raw_pixels_accuracy": scores["raw_pixels"],
                     "discriminator": source})
    return runs


def summary(runs: list[dict]) -> dict:
    accuracies = [run["accuracy"] for run in runs]
    return {"mean": float(np.mean(accuracies)), "std": float(np.std(accuracies)), "min": float(np.min(accuracies)),
            "seeds": [run["seed"] for run in runs]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--labels", type=int, default=100, help="labelled training digits (default: 100)")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="TrainConfig settings over the ssgan preset (e.g. epochs=2), for quick trials")
    parser.add_argument("--classifier-ema", type=json.loads, default=build.SSGAN_CLASSIFIER_EMA,
                        help="decay of the classifier's moving average (GAN and supervised rows); null for none "
                        f"(default: {build.SSGAN_CLASSIFIER_EMA}, the CLI's)")
    parser.add_argument("--probe-run", type=Path, help="a DCGAN run directory to probe (default: train one)")
    parser.add_argument("--probe-epochs", type=int, help="epochs of the DCGAN trained to probe (default: the preset's)")
    parser.add_argument("--json", type=Path, help="merge the runs into this results file")
    args = parser.parse_args(argv)
    overrides = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)}
    record = provenance.record("benchmarks/semi_supervised.py", sys.argv[1:] if argv is None else argv)

    for method in args.methods:
        if method == "linear_probe":
            runs = probe_runs(args.seeds, args.labels, args.probe_run, args.probe_epochs)
        else:
            runs = []
            for seed in args.seeds:
                config = TrainConfig(model="ssgan", seed=seed, labels=args.labels, out=tempfile.mkdtemp(), **overrides)
                split = labelled.load_labelled_split(config.dataset, config.labels, seed=seed)
                if method == "supervised":
                    run = supervised_run(config, split, args.classifier_ema)
                else:
                    run = semi_supervised_run(config, split, *GAN_METHODS[method], args.classifier_ema)
                runs.append({"seed": seed, **run, "load_average": list(os.getloadavg())})
                print(f"{method} seed {seed}: {run['accuracy']:.1%} in {run['train_seconds']:.0f} s "
                      f"({run['cpu_seconds']:.0f} CPU s)", flush=True)
        for run in runs:
            run.update(settings_over_preset=overrides, provenance=record)
        stats = summary(runs)
        print(f"{method}: mean {stats['mean']:.1%} ± {stats['std']:.1%} over seeds {stats['seeds']}", flush=True)
        if args.json:  # after each method, so that a long run keeps what it has measured
            write_results(args.json, {method: runs})
    return 0


def write_results(path: Path, results: dict) -> None:
    """Merges ``results`` into the file: each run replaces the one of its method and seed.

    The title, description and goal are this script's (each run keeps the commit it was measured at).
    """
    report = json.loads(path.read_text()) if path.exists() else {"methods": {}}
    report.update(
        title="Digits from 100 labels: the semi-supervised GAN and its baselines",
        description=__doc__.split("\n\n", 2)[2].strip(),
        goal=f"mean held-out accuracy of ssgan >= {GOAL:.0%} over 3 seeds, training <= 10 minutes on 2 CPU cores",
    )
    for method, runs in results.items():
        kept = [run for run in report["methods"].get(method, {}).get("runs", [])
                if run["seed"] not in {new["seed"] for new in runs}]
        merged = sorted(kept + runs, key=lambda run: run["seed"])
        report["methods"][method] = {**summary(merged), "runs": merged}
    provenance.write_json(path, report)


if __name__ == "__main__":
    sys.exit(main())
