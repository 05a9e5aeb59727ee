"""``python -m keras_gan.evaluate RUN_DIR``: measure a trained generator, offline.

It picks the metrics that fit the data:

* 2-D mixtures (``ring``, ``grid``): the VEEGAN/PacGAN protocol on 2,500
  samples: modes captured, % high-quality samples, reverse KL
  (``metrics.mode_statistics``), and the high-quality samples' spread about
  their modes, which the protocol itself does not look at;
* digits (``mnist-sample``, ``mnist``): FID, KID, classifier (Inception)
  score and precision/recall in the features of the MNIST classifier shipped
  with keras_gan, against the held-out test digits;
* other images: the same in InceptionV3 features when its ImageNet weights
  can be had, otherwise a message saying how to get them.

Beside each number on generated samples it gives the same number on real
training data with the same sample sizes (the floor a perfect generator would
reach), and, for a run directory, the discriminator's own view of held-out
real data (``d_real``, ``d_fake``, ``d_accuracy``). Every entry names its
feature extractor and sample sizes. The results go to ``RUN_DIR/metrics.json``
(written atomically) and a table is printed. ``--draws N`` repeats the
measurement with N seeds and reports each metric's mean and its standard
deviation over the draws: a 1,000-sample FID moves by several points from one
draw of latent vectors to the next.

``Evaluation`` holds the real data and its features, computed once, and is
what the ``SampleMetrics`` training callback calls every few epochs.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ start-up chatter; exceptions still surface

import argparse  # noqa: E402
import copy  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gan.training import callbacks  # noqa: E402
from keras_gan.models import conditional  # noqa: E402
from keras_gan.data import datasets as data  # noqa: E402
from keras_gan.evaluation import extractors as feature_extractors  # noqa: E402
from keras_gan.evaluation import metrics  # noqa: E402
from keras_gan.models.gan import latent_vectors, positive_integer, predict_in_batches  # noqa: E402

POINT_SAMPLES = 2500  # VEEGAN and PacGAN evaluate 2,500 samples.
MAX_IMAGE_SAMPLES = 10_000
INCEPTION_SAMPLES = 2000  # InceptionV3 at 299x299 is slow on a CPU; raise with --num-samples.
DIGIT_DATASETS = ("mnist-sample", "mnist")
# Held-out points are drawn with this offset added to the training seed, so they are never the training points.
HELD_OUT_SEED_OFFSET = 10_000

# Metric name -> (label in the table, how the value is shown).
_DISPLAY = {
    "modes": ("modes captured", "{:.0f}"),
    "high_quality": ("% high quality", "{:.1%}"),
    "reverse_kl": ("reverse KL", "{:.4f}"),
    "mode_spread": ("within-mode std", "{:.4f}"),
    "fid": ("FID", "{:.3f}"),
    "kid": ("KID", "{:.5f}"),
    "classifier_score": ("classifier score (IS)", "{:.3f}"),
    "precision": ("precision", "{:.3f}"),
    "recall": ("recall", "{:.3f}"),
    "d_real": ("D(real held-out)", "{:.3f}"),
    "d_fake": ("D(generated)", "{:.3f}"),
    "d_accuracy": ("D accuracy", "{:.3f}"),
    "d_loss": ("D loss", "{:.4f}"),
}


def default_features(dataset: str) -> str:
    """The feature extractor that suits an image dataset: the MNIST classifier for digits."""
    return "mnist_classifier" if dataset in DIGIT_DATASETS else "inception_v3"


class Evaluation:
    """Metrics of generated samples against one dataset's held-out real data.

    The real data, and for images its features, are loaded once; calling the
    object on generated samples returns a flat dict of numbers, which is what
    the training callback logs. :meth:`real_data_floor` gives the same
    numbers for real training samples in place of generated ones.

    Args:
        dataset: a dataset name from ``keras_gan.data.datasets.DATASETS`` or an image
            folder / ``.npy`` path.
        image_shape: the generator's image shape, to load real images alike;
            the data's own when None.
        features: a feature extractor name or object for images;
            :func:`default_features` when None.
        num_samples: generated samples the metrics are meant for (sets the
            size of the real-data floor); the protocol's or data's default
            when None.
        num_real: cap on the held-out real samples (images).
        seed: seeds the held-out points and the subsets drawn.

    Raises:
        feature_extractors.FeaturesUnavailableError: the feature extractor
            cannot be built (InceptionV3 weights without network).
        data.DatasetUnavailableError: the dataset cannot be downloaded.
    """

    def __init__(
        self,
        dataset: str,
        image_shape: tuple | None = None,
        features: str | feature_extractors.FeatureExtractor | None = None,
        num_samples: int | None = None,
        num_real: int | None = None,
        seed: int = 0,
    ):
        self.dataset = dataset
        self.seed = seed
        if dataset in ("ring", "grid"):
            self.kind = "points"
            self.modes, self.std = data.mixture(dataset)
            self.num_samples = num_samples or POINT_SAMPLES
            self.real = data.sample_mixture(dataset, self.num_samples, seed=seed + HELD_OUT_SEED_OFFSET)
            self.real_labels = None
            self.real_split = f"fresh draw from the mixture (seed {seed + HELD_OUT_SEED_OFFSET})"
            self.features = None
            return
        self.kind = "image"
        name = features if features is not None else default_features(dataset)
        self.features = feature_extractors.get(name) if isinstance(name, str) else name
        self.cap = num_real or (INCEPTION_SAMPLES if self.features.name == "inception_v3" else MAX_IMAGE_SAMPLES)
        self.real, self.real_labels, self.real_split = held_out_images(dataset, image_shape, self.cap, seed)
        self.num_samples = num_samples or len(self.real)
        self.real_features, _ = self.features(self.real)
        self.image_shape = tuple(self.real.shape[1:])

    def with_seed(self, seed: int) -> "Evaluation":
        """This evaluation under another seed, for a repeated draw.

        The feature extractor is shared, and so are the real images and
        their features when the seed did not choose them (every held-out
        image fit under the cap): only the new draw's own work is redone.
        """
        if self.kind == "image" and len(self.real) < self.cap:
            twin = copy.copy(self)
            twin.seed = seed
            return twin
        if self.kind == "points":
            return Evaluation(self.dataset, num_samples=self.num_samples, seed=seed)
        return Evaluation(
            self.dataset, self.image_shape, self.features, num_samples=self.num_samples, num_real=self.cap, seed=seed
        )

    @property
    def metric_names(self) -> tuple[str, ...]:
        """The keys :meth:`__call__` returns."""
        if self.kind == "points":
            return ("modes", "high_quality", "reverse_kl", "mode_spread")
        return ("fid", "kid", "kid_std", "classifier_score", "classifier_score_std", "precision", "recall")

    @property
    def features_description(self) -> str:
        if self.kind == "points":
            return f"raw 2-D points; high quality = within 3 std ({self.std}) of the nearest of {len(self.modes)} modes"
        return self.features.description

    def __call__(self, samples) -> dict[str, float]:
        """The metrics of ``samples`` (generated points or images in [-1, 1])."""
        samples = np.asarray(samples, dtype=np.float32)
        if self.kind == "points":
            stats = metrics.mode_statistics(samples.reshape(len(samples), -1), self.modes, self.std)
            return {name: float(stats[name]) for name in self.metric_names}
        if samples.shape[1:] != self.image_shape:
            raise ValueError(f"generated samples have shape {samples.shape[1:]}; the real data {self.image_shape}")
        fake_features, fake_probabilities = self.features(samples)
        return _image_metrics(self.real_features, fake_features, fake_probabilities, self.seed)

    def real_data_floor(self, num_samples: int | None = None) -> tuple[dict[str, float], str]:
        """The same metrics with real training samples in place of generated ones.

        Returns:
            (metrics, what was compared): ``num_samples`` (default: this
            evaluation's) training samples, or all of them when fewer.
        """
        n = num_samples or self.num_samples
        if self.kind == "points":
            seed = self.seed + 2 * HELD_OUT_SEED_OFFSET
            return self(data.sample_mixture(self.dataset, n, seed=seed)), f"{n} real points (seed {seed})"
        train = data.load(self.dataset, split="train", image_shape=self.image_shape)
        if len(train.x) > n:
            train_x = train.x[np.sort(np.random.default_rng(self.seed + 1).choice(len(train.x), n, replace=False))]
        else:
            train_x = train.x
        return self(train_x), f"{len(train_x)} real training images"


def held_out_images(dataset: str, image_shape=None, cap: int | None = None, seed: int = 0):
    """Real images to compare with: the test split where the dataset has one.

    Image folders and arrays have no held-out split; their training data
    stands in, and the returned description says so.

    Returns:
        (images in [-1, 1], labels or None, description of where they come from),
        at most ``cap`` of them, drawn at random with ``seed`` when there are more.
    """
    if dataset in data.DATASETS:
        held_out, where = data.load(dataset, split="test", image_shape=image_shape), "test split (held out from training)"
    else:
        held_out, where = data.load(dataset, image_shape=image_shape), "the training data itself (no held-out split)"
    x, y = held_out.x, held_out.y
    if cap is not None and len(x) > cap:
        keep = np.sort(np.random.default_rng(seed).choice(len(x), cap, replace=False))
        x, y = x[keep], None if y is None else y[keep]
    return x, y, where


def _image_metrics(real_features, fake_features, fake_probabilities, seed: int) -> dict[str, float]:
    # Subsets of at most half the smaller set, so that the spread over subsets means something.
    subset_size = max(2, min(1000, len(real_features) // 2, len(fake_features) // 2))
    kid, kid_std = metrics.kernel_distance(real_features, fake_features, subset_size=subset_size, seed=seed)
    # Salimans et al. use 10 splits of 5,000; with fewer samples, splits of at least 250 keep
    # each split's marginal p(y) meaningful.
    splits = min(10, max(1, len(fake_probabilities) // 250))
    score, score_std = metrics.classifier_score(
        fake_probabilities / fake_probabilities.sum(axis=1, keepdims=True), splits=splits
    )
    precision, recall = metrics.precision_recall(real_features, fake_features, k=3)
    return {
        "fid": metrics.frechet_distance(real_features, fake_features),
        "kid": kid,
        "kid_std": kid_std,
        "classifier_score": score,
        "classifier_score_std": score_std,
        "precision": precision,
        "recall": recall,
    }


def draw_samples(generator: keras.Model, n: int, seed: int | None = 0, batch_size: int = 256) -> np.ndarray:
    """``n`` samples of ``generator``; a conditional one cycles through its classes."""
    latent = latent_vectors(n, generator.inputs[0].shape[-1], seed)
    if conditional.is_conditional(generator):
        num_classes = conditional.num_classes_of(generator)
        if num_classes is None:
            raise ValueError(f"{generator.name} takes a second input but has no 'label_embedding' layer to count classes")
        return predict_in_batches(generator, [latent, conditional.class_labels(None, n, num_classes)], batch_size)
    return predict_in_batches(generator, latent, batch_size)


def discriminator_view(gan, x, y=None, batch_size: int = 64) -> dict[str, float]:
    """``gan.evaluate`` on held-out real data ``x`` (labels ``y`` for a conditional GAN).

    Returns d_real, d_fake, d_accuracy and d_loss. No weights change; each
    real batch is scored against a batch generated with the GAN's own noise.
    """
    batch_size = min(batch_size, len(x))
    pack = getattr(gan, "pack", 1)
    batch_size -= batch_size % pack
    conditional_gan = conditional.is_conditional(gan.generator)
    dataset = data.make_dataset(x, batch_size, y=y if conditional_gan else None, shuffle=False)
    logs = gan.evaluate(dataset, verbose=0, return_dict=True)
    return {key: float(logs[key]) for key in ("d_real", "d_fake", "d_accuracy", "d_loss") if key in logs}


def _entries(values: dict, floor: dict | None, features: str, samples: dict) -> dict:
    entries = {}
    for name, value in values.items():
        if name.endswith("_std"):
            continue
        entry = {"value": value}
        if f"{name}_std" in values:
            entry["std"] = values[f"{name}_std"]
        if floor is not None and name in floor:
            entry["real_data"] = floor[name]
        entries[name] = {**entry, "features": features, "samples": samples}
    return entries


def evaluate_generator(
    generator: keras.Model,
    dataset: str,
    *,
    num_samples: int | None = None,
    features: str | None = None,
    seed: int = 0,
    image_shape: tuple | None = None,
    sampler=None,
    draws: int = 1,
) -> tuple[dict, "Evaluation | None"]:
    """Sample metrics of ``generator`` on ``dataset`` (see the module docstring).

    ``sampler``, when given, draws the samples instead of ``generator``:
    ``sampler(n, seed) -> (samples, description)``, the description stored
    with the sample sizes (e.g. discriminator rejection sampling).

    ``draws`` > 1 repeats the whole measurement with seeds ``seed``,
    ``seed + 1``, ...: fresh latent vectors, and fresh real subsets for the
    floor and KID. Each entry's value (and floor) is then the mean over the
    draws, with ``draw_std`` (the standard deviation over draws, n - 1) and
    the per-draw ``draw_values``: how far one draw's figure can be trusted.

    Returns:
        (entries, evaluation): metric name -> {"value", optional "std",
        "real_data", "features", "samples"}; and the ``Evaluation`` used (the
        first draw's), or None when the image features are unavailable
        (``entries`` then holds an ``"unavailable"`` entry with the reason).
    """
    draws = positive_integer("draws", draws)
    image_shape = image_shape or tuple(generator.outputs[0].shape[1:])
    try:
        first = Evaluation(
            dataset, image_shape=image_shape if len(image_shape) == 3 else None,
            features=features, num_samples=num_samples, seed=seed,
        )
    except (feature_extractors.FeaturesUnavailableError, data.DatasetUnavailableError) as error:
        return {"unavailable": {"reason": str(error)}}, None
    results, floor_whats = [], []
    for draw_seed in range(seed, seed + draws):
        evaluation = first if draw_seed == seed else first.with_seed(draw_seed)
        if sampler is None:
            samples, how = draw_samples(generator, evaluation.num_samples, seed=draw_seed), None
        else:
            samples, how = sampler(evaluation.num_samples, draw_seed)
        values = evaluation(samples)
        floor, floor_what = evaluation.real_data_floor()
        results.append((values, floor))
        floor_whats.append(floor_what)
    floor_what = "; ".join(dict.fromkeys(floor_whats))  # once when every draw compared the same real data
    if first.kind == "points":
        sizes = {"generated": len(samples), "real_data_floor": floor_what, "num_modes": len(first.modes)}
    else:
        sizes = {
            "generated": len(samples),
            "real": len(first.real),
            "real_split": first.real_split,
            "real_data_floor": f"{floor_what} vs the {len(first.real)} real images the samples are compared with",
        }
    if how is not None:
        sizes["sampler"] = how
    if draws == 1:
        return _entries(values, floor, first.features_description, sizes), first
    sizes["draws"] = f"{draws} (seeds {seed}-{seed + draws - 1})"
    return _draw_entries(results, first.features_description, sizes), first


def _draw_entries(results: list, features: str, samples: dict) -> dict:
    """Entries of several draws: the mean of each metric and of its floor, their spread, and each draw's value."""
    # A spread within one draw (KID's subsets, the "_std" keys) is left out: the spread over draws replaces it.
    names = [name for name in results[0][0] if not name.endswith("_std")]
    values = {name: np.array([drawn[name] for drawn, _ in results], dtype=np.float64) for name in names}
    floors = {name: np.array([floor[name] for _, floor in results], dtype=np.float64) for name in names}
    entries = _entries(
        {name: float(v.mean()) for name, v in values.items()},
        {name: float(v.mean()) for name, v in floors.items()},
        features,
        samples,
    )
    with np.errstate(invalid="ignore"):  # an infinite reverse KL has no spread; it is written as null
        for name, entry in entries.items():
            entry["draw_std"] = float(values[name].std(ddof=1))
            entry["draw_values"] = [float(v) for v in values[name]]
            entry["real_data_draw_std"] = float(floors[name].std(ddof=1))
    return entries


def _restore_gan(run_dir: Path, config, sample_shape: tuple):
    """The run's GAN from its latest checkpoint, or (None, reason)."""
    from keras_gan.cli import train  # train imports callbacks, which must not import this module back

    found = callbacks.latest_checkpoint(run_dir / "checkpoints")
    if found is None:
        return None, "no checkpoint in the run directory"
    epoch, path = found
    gan = train.build_gan(config, sample_shape)
    try:
        gan.load_weights(path)
    except ValueError as error:  # e.g. the networks' code changed since the run
        first_line = str(error).splitlines()[0][:300]
        return None, f"{path} does not fit the networks config.json describes today: {first_line}"
    return gan, f"{path.relative_to(run_dir)} (epoch {epoch})"


def evaluate_run(
    run_dir: str | os.PathLike,
    *,
    num_samples: int | None = None,
    features: str | None = None,
    seed: int = 0,
    out: str | os.PathLike | None = None,
    rejection: bool = False,
    trained_generator: bool = False,
    draws: int = 1,
) -> dict:
    """Evaluates the run in ``run_dir`` and writes ``metrics.json`` (into the run by default).

    Samples come from ``generator.keras``; the discriminator's view from the
    latest checkpoint, scored on the same held-out data. With ``rejection``
    the samples are drawn by discriminator rejection sampling
    (``keras_gan.evaluation.rejection``: the run's discriminator refitted on its
    training data against the saved generator) and the report goes to
    ``metrics_drs.json`` by default, beside the plain one. With
    ``trained_generator`` the samples come from the latest checkpoint's
    generator, the one that trained, instead of ``generator.keras`` (the
    moving average when the run had ``ema``), and the report's name gains
    ``_trained``. ``draws`` > 1 averages the sample metrics over that many
    draws (:func:`evaluate_generator`). Returns the report that was written.
    """
    from keras_gan.cli import generate
    from keras_gan.cli import train

    run_dir = Path(run_dir)
    config = train.load_config(run_dir)
    generator = generate.load_generator(run_dir / "generator.keras")
    sample_shape = tuple(generator.outputs[0].shape[1:])
    gan, source = _restore_gan(run_dir, config, sample_shape)
    generator_name = str(run_dir / "generator.keras")
    if trained_generator:
        if gan is None:
            raise ValueError(f"--trained-generator needs the run's latest checkpoint: {source}")
        generator, generator_name = gan.generator, f"the trained generator of {run_dir / source}"
    sampler = None
    if rejection:
        if gan is None:
            raise ValueError(f"rejection sampling needs the run's discriminator: {source}")
        sampler = _rejection_sampler(gan, generator, config, sample_shape)
    entries, evaluation = evaluate_generator(
        generator, config.dataset, num_samples=num_samples, features=features, seed=seed, sampler=sampler,
        draws=draws,
    )
    report = {"dataset": config.dataset, "generator": generator_name, "seed": seed, "metrics": entries}
    if gan is None:
        report["discriminator"] = {"unavailable": {"reason": source}}
    else:
        if evaluation is not None:
            x, y, where = evaluation.real, evaluation.real_labels, evaluation.real_split
        else:  # the image features are unavailable; the discriminator needs only the images
            x, y, where = held_out_images(config.dataset, sample_shape, INCEPTION_SAMPLES, seed)
        view = discriminator_view(gan, x, y, config.batch_size)
        samples = {"real": len(x), "real_split": where, "generated": "one batch per real batch"}
        report["discriminator"] = _entries(view, None, f"the run's discriminator, {source}", samples)
    write_report(report, out or run_dir / report_name(rejection, trained_generator))
    return report


def report_name(rejection: bool = False, trained_generator: bool = False) -> str:
    """``metrics.json``, ``metrics_drs.json``, ``metrics_trained.json`` or ``metrics_trained_drs.json``."""
    return "metrics" + ("_trained" if trained_generator else "") + ("_drs" if rejection else "") + ".json"


def _rejection_sampler(gan, generator, config, sample_shape):
    """``sampler(n, seed)`` for :func:`evaluate_generator`: DRS with the run's discriminator refitted."""
    from keras_gan.evaluation import rejection

    if conditional.is_conditional(generator) or getattr(gan, "latent_dim", None) is None:
        raise ValueError("rejection sampling needs an unconditional generator of latent vectors")
    image_shape = sample_shape if len(sample_shape) == 3 else None
    real = data.load(config.dataset, image_shape=image_shape, seed=config.seed).x

    def sampler(n, seed):
        critic = rejection.refit_discriminator(gan.discriminator, generator, real, seed=seed, pack=gan.pack)
        samples, info = rejection.rejection_sample(generator, critic, n, seed=seed, pack=gan.pack)
        return samples, info.describe()

    return sampler


def _finite_or_none(value):
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite_or_none(v) for v in value]
    return value


def write_report(report: dict, path: str | os.PathLike) -> None:
    """Writes ``report`` as JSON, atomically (a kill leaves the old file or the new one).

    Values that are not finite (the reverse KL with no high-quality sample is
    infinite) are written as ``null``, so the file stays standard JSON.
    """
    text = json.dumps(_finite_or_none(report), indent=2, sort_keys=True, allow_nan=False)
    callbacks.atomic_write_text(path, text + "\n")


def format_table(report: dict) -> str:
    """A plain-text table of a report: one block per feature extractor and sample sizes."""
    lines = []
    for section in ("metrics", "discriminator"):
        entries = report.get(section, {})
        if "unavailable" in entries:
            lines.append(f"{section}: unavailable: {entries['unavailable']['reason']}")
            continue
        if not entries:
            continue
        first = next(iter(entries.values()))
        samples = first["samples"]
        has_floor = any("real_data" in entry for entry in entries.values())
        rows = [("metric", "generated", "real data" if has_floor else "")]
        for name, entry in entries.items():
            label, fmt = _DISPLAY.get(name, (name, "{:.4g}"))
            value = "-" if entry["value"] is None else fmt.format(entry["value"])
            if "std" in entry:
                value += f" ± {fmt.format(entry['std'])}"
            real = fmt.format(entry["real_data"]) if entry.get("real_data") is not None else ""
            if _finite_or_none(entry.get("draw_std")) is not None:  # the mean of several draws, and their spread
                value += f" (sd {fmt.format(entry['draw_std'])})"
            if real and _finite_or_none(entry.get("real_data_draw_std")) is not None:
                real += f" (sd {fmt.format(entry['real_data_draw_std'])})"
            if name == "modes":
                value, real = f"{value}/{samples['num_modes']}", f"{real}/{samples['num_modes']}"
            rows.append((label, value, real))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines.append(f"{first['features']}")
        lines.append("samples: " + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in samples.items()))
        lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
        lines.append("")
    return "\n".join(lines).rstrip()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m keras_gan.evaluate",
        description="Measure a trained generator offline and write metrics.json (see keras_gan.evaluate).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("run_dir", nargs="?", help="a run directory written by python -m keras_gan.train")
    parser.add_argument("--generator", help="a .keras generator file instead of a run directory (needs --dataset)")
    parser.add_argument("--dataset", help="the data the generator imitates (with --generator)")
    parser.add_argument("--num-samples", type=int, help="generated samples (default: 2500 points; as many images as held-out ones)")
    parser.add_argument("--features", choices=sorted(feature_extractors.FEATURE_EXTRACTORS), help="feature extractor for images")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latent vectors and subsets")
    parser.add_argument(
        "--draws", type=int, default=1,
        help="repeat the measurement with seeds SEED, SEED+1, ... and report each metric's mean and its standard "
        "deviation over the draws (sd)",
    )
    parser.add_argument("--out", help="where to write metrics.json (default: the run directory / beside the generator)")
    parser.add_argument(
        "--rejection", action="store_true",
        help="draw the samples by discriminator rejection sampling (Azadi et al. 2019) with the run's discriminator, "
        "refitted; needs a run directory; writes metrics_drs.json by default",
    )
    parser.add_argument(
        "--trained-generator", action="store_true",
        help="sample the generator that trained (the run's latest checkpoint) instead of generator.keras, which is "
        "the moving average when the run had --ema; needs a run directory; writes metrics_trained.json by default",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.num_samples is not None and args.num_samples < 2:
            raise ValueError(f"--num-samples must be at least 2, got {args.num_samples}")
        positive_integer("--draws", args.draws)  # before the run is loaded
        if (args.run_dir is None) == (args.generator is None):
            raise ValueError("give either a run directory or --generator PATH.keras (with --dataset)")
        if args.generator is not None and args.rejection:
            raise ValueError("--rejection needs a run directory (the run's discriminator), not --generator")
        if args.generator is not None and args.trained_generator:
            raise ValueError("--trained-generator needs a run directory (the run's checkpoint), not --generator")
        if args.generator is not None:
            if args.dataset is None:
                raise ValueError("--generator needs --dataset, the data it imitates")
            from keras_gan.cli import generate

            generator = generate.load_generator(args.generator)
            entries, _ = evaluate_generator(
                generator, args.dataset, num_samples=args.num_samples, features=args.features, seed=args.seed,
                draws=args.draws,
            )
            report = {"dataset": args.dataset, "generator": args.generator, "seed": args.seed, "metrics": entries}
            out = Path(args.out) if args.out else Path(args.generator).parent / "metrics.json"
            write_report(report, out)
        else:
            name = report_name(args.rejection, args.trained_generator)
            out = Path(args.out) if args.out else Path(args.run_dir) / name
            report = evaluate_run(
                args.run_dir, num_samples=args.num_samples, features=args.features, seed=args.seed, out=out,
                rejection=args.rejection, trained_generator=args.trained_generator, draws=args.draws,
            )
    except (ValueError, data.DatasetUnavailableError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(format_table(report))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
