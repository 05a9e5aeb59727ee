"""Sample metrics of a generator against real data, and the report ``python -m keras_gan.evaluate`` writes.

It picks the metrics that fit the data:

* 2-D mixtures (``ring``, ``grid``): the VEEGAN/PacGAN protocol on 2,500
  samples: modes captured, % high-quality samples, reverse KL
  (``metrics.mode_statistics``), and the high-quality samples' spread about
  their modes;
* other points (a ``.npy`` array of shape ``(N, D)``): the Frechet distance
  and precision/recall on the raw coordinates, against the array itself
  (its modes are unknown, so mode coverage cannot be counted);
* digits (``mnist-sample``, ``mnist``): FID, KID, classifier (Inception)
  score and precision/recall in the features of the MNIST classifier shipped
  with keras_gan, against the held-out test digits;
* other images: the same in InceptionV3 features when its ImageNet weights
  can be had, otherwise a message saying how to get them.

Beside each number on generated samples it gives the same number on real
training data with the same sample sizes (the floor a perfect generator would
reach). Every entry names its feature extractor and sample sizes.

``Evaluation`` holds the real data and its features, computed once, and is
what the ``SampleMetrics`` training callback calls every few epochs.
"""

from __future__ import annotations

import copy
import json
import os

import keras
import numpy as np

from keras_gan import checks
from keras_gan.data import catalog
from keras_gan.data import datasets as data
from keras_gan.evaluation import extractors as feature_extractors
from keras_gan.evaluation import metrics
from keras_gan import sampling
from keras_gan.training import checkpoints

POINT_SAMPLES = 2500  # VEEGAN and PacGAN evaluate 2,500 samples.
MAX_IMAGE_SAMPLES = 10_000
INCEPTION_SAMPLES = 2000  # InceptionV3 at 299x299 is slow on a CPU; raise with --num-samples.
DIGIT_DATASETS = ("mnist-sample", "mnist")
# Held-out points are drawn with this offset added to the training seed, so they are never the training points.
HELD_OUT_SEED_OFFSET = 10_000

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
        if catalog.kind_of(dataset) == catalog.POINTS:
            self.kind, self.features, self.real_labels = "points", None, None
            if dataset in catalog.DATASETS:
                self.modes, self.std = data.mixture(dataset)
                self.num_samples = num_samples or POINT_SAMPLES
                self.real = data.sample_mixture(dataset, self.num_samples, seed=seed + HELD_OUT_SEED_OFFSET)
                self.real_split = f"fresh draw from the mixture (seed {seed + HELD_OUT_SEED_OFFSET})"
            else:  # an array of points: no modes to count, no held-out split
                self.modes = self.std = None
                self.num_samples = num_samples or POINT_SAMPLES
                self.real = _subset(data.load(dataset).x, self.num_samples, seed)
                self.real_split = "the array itself (no held-out split)"
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
        if self.kind == "points" and self.modes is None:
            return ("fid", "precision", "recall")
        if self.kind == "points":
            return ("modes", "high_quality", "reverse_kl", "mode_spread")
        return ("fid", "kid", "kid_std", "classifier_score", "classifier_score_std", "precision", "recall")

    @property
    def features_description(self) -> str:
        if self.kind == "points" and self.modes is None:
            return f"raw {self.real.shape[1]}-D coordinates; the array's modes are unknown, so none are counted"
        if self.kind == "points":
            return f"raw 2-D points; high quality = within 3 std ({self.std}) of the nearest of {len(self.modes)} modes"
        return self.features.description

    def __call__(self, samples) -> dict[str, float]:
        """The metrics of ``samples`` (generated points or images in [-1, 1])."""
        samples = np.asarray(samples, dtype=np.float32)
        if self.kind == "points" and self.modes is None:
            points = samples.reshape(len(samples), -1)
            precision, recall = metrics.precision_recall(self.real, points, k=3)
            return {"fid": metrics.frechet_distance(self.real, points), "precision": precision, "recall": recall}
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
        if self.kind == "points" and self.modes is None:
            real = _subset(data.load(self.dataset).x, n, self.seed + 1)
            return self(real), f"{len(real)} points of the array (seed {self.seed + 1})"
        if self.kind == "points":
            seed = self.seed + 2 * HELD_OUT_SEED_OFFSET
            return self(data.sample_mixture(self.dataset, n, seed=seed)), f"{n} real points (seed {seed})"
        train_x = _subset(data.load(self.dataset, split="train", image_shape=self.image_shape).x, n, self.seed + 1)
        return self(train_x), f"{len(train_x)} real training images"


def _subset(x: np.ndarray, n: int, seed: int) -> np.ndarray:
    """At most ``n`` of ``x``, drawn without replacement in their order, with ``seed``."""
    if len(x) <= n:
        return x
    return x[np.sort(np.random.default_rng(seed).choice(len(x), n, replace=False))]


def held_out_images(dataset: str, image_shape=None, cap: int | None = None, seed: int = 0):
    """Real images to compare with: the test split where the dataset has one.

    Image folders and arrays have no held-out split; their training data
    stands in, and the returned description says so.

    Returns:
        (images in [-1, 1], labels or None, description of where they come from),
        at most ``cap`` of them, drawn at random with ``seed`` when there are more.
    """
    if dataset in catalog.DATASETS:
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
    return sampling.sample(generator, n, seed, batch_size=batch_size)


def discriminator_view(gan, x, y=None, batch_size: int = 64) -> dict[str, float]:
    """``gan.evaluate`` on held-out real data ``x`` (labels ``y`` for a conditional GAN).

    Returns d_real, d_fake, d_accuracy and d_loss. No weights change; each
    real batch is scored against a batch generated with the GAN's own noise.
    """
    batch_size = min(batch_size, len(x))
    pack = getattr(gan, "pack", 1)
    batch_size -= batch_size % pack
    conditional_gan = sampling.is_conditional(gan.generator)
    dataset = data.make_dataset(x, batch_size, y=y if conditional_gan else None, shuffle=False)
    logs = gan.evaluate(dataset, verbose=0, return_dict=True)
    return {key: float(logs[key]) for key in ("d_real", "d_fake", "d_accuracy", "d_loss") if key in logs}


def entries(values: dict, floor: dict | None, features: str, samples: dict) -> dict:
    """Report entries: each metric's value, its spread and real-data floor where known, its features and sizes."""
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
    draws = checks.integer("draws", draws, 1)
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
        sizes = {"generated": len(samples), "real_data_floor": floor_what}
        if first.modes is not None:
            sizes["num_modes"] = len(first.modes)
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
        return entries(values, floor, first.features_description, sizes), first
    sizes["draws"] = f"{draws} (seeds {seed}-{seed + draws - 1})"
    return _draw_entries(results, first.features_description, sizes), first


def _draw_entries(results: list, features: str, samples: dict) -> dict:
    """Entries of several draws: the mean of each metric and of its floor, their spread, and each draw's value."""
    # A spread within one draw (KID's subsets, the "_std" keys) is left out: the spread over draws replaces it.
    names = [name for name in results[0][0] if not name.endswith("_std")]
    values = {name: np.array([drawn[name] for drawn, _ in results], dtype=np.float64) for name in names}
    floors = {name: np.array([floor[name] for _, floor in results], dtype=np.float64) for name in names}
    report = entries(
        {name: float(v.mean()) for name, v in values.items()},
        {name: float(v.mean()) for name, v in floors.items()},
        features,
        samples,
    )
    with np.errstate(invalid="ignore"):  # an infinite reverse KL has no spread; it is written as null
        for name, entry in report.items():
            entry["draw_std"] = float(values[name].std(ddof=1))
            entry["draw_values"] = [float(v) for v in values[name]]
            entry["real_data_draw_std"] = float(floors[name].std(ddof=1))
    return report


def report_name(rejection: bool = False, trained_generator: bool = False) -> str:
    """``metrics.json``, ``metrics_drs.json``, ``metrics_trained.json`` or ``metrics_trained_drs.json``."""
    return "metrics" + ("_trained" if trained_generator else "") + ("_drs" if rejection else "") + ".json"


def finite_or_none(value):
    """``value`` with every non-finite float (also inside dicts and lists) replaced by ``None``."""
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_or_none(v) for v in value]
    return value


def write_report(report: dict, path: str | os.PathLike) -> None:
    """Writes ``report`` as JSON, atomically (a kill leaves the old file or the new one).

    Values that are not finite (the reverse KL with no high-quality sample is
    infinite) are written as ``null``, so the file stays standard JSON.
    """
    text = json.dumps(finite_or_none(report), indent=2, sort_keys=True, allow_nan=False)
    checkpoints.write_text(path, text + "\n")
