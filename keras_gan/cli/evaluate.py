"""``python -m keras_gan.evaluate RUN_DIR``: measure a trained generator, offline.

The metrics, and how they are picked for the data, are
:mod:`keras_gan.evaluation.report`'s. For a run directory this command also
gives the discriminator's own view of held-out real data (``d_real``,
``d_fake``, ``d_accuracy``) from the run's latest checkpoint. The results go
to ``RUN_DIR/metrics.json`` (written atomically) and a table is printed.
``--draws N`` repeats the measurement with N seeds and reports each metric's
mean and its standard deviation over the draws: a 1,000-sample FID moves by
several points from one draw of latent vectors to the next.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ start-up chatter; exceptions still surface

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from keras_gan import checks  # noqa: E402
from keras_gan.cli import parsers  # noqa: E402
from keras_gan.cli.build import build_gan  # noqa: E402
from keras_gan.cli.generate import load_generator  # noqa: E402
from keras_gan.cli.run_dir import load_config  # noqa: E402
from keras_gan.data import datasets as data  # noqa: E402
from keras_gan.evaluation.report import (  # noqa: E402,F401  (this command's Python API)
    INCEPTION_SAMPLES,
    MAX_IMAGE_SAMPLES,
    POINT_SAMPLES,
    Evaluation,
    default_features,
    discriminator_view,
    draw_samples,
    entries,
    evaluate_generator,
    finite_or_none,
    held_out_images,
    report_name,
    write_report,
)
from keras_gan.models import conditional  # noqa: E402
from keras_gan.training import checkpoints  # noqa: E402


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
    "test_accuracy": ("classifier accuracy", "{:.1%}"),
}


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
            if finite_or_none(entry.get("draw_std")) is not None:  # the mean of several draws, and their spread
                value += f" (sd {fmt.format(entry['draw_std'])})"
            if real and finite_or_none(entry.get("real_data_draw_std")) is not None:
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


def _restore_gan(run_dir: Path, config, sample_shape: tuple):
    """The run's GAN from its latest checkpoint, or (None, reason)."""
    state = checkpoints.latest(run_dir / "checkpoints")
    if state is None:
        return None, "no checkpoint in the run directory"
    epoch, path = state.epoch, state.path
    gan = build_gan(config, sample_shape)
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
    run_dir = Path(run_dir)
    config = load_config(run_dir)
    generator = load_generator(run_dir / "generator.keras")
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
    measured, evaluation = evaluate_generator(
        generator, config.dataset, num_samples=num_samples, features=features, seed=seed, sampler=sampler,
        draws=draws,
    )
    report = {"dataset": config.dataset, "generator": generator_name, "seed": seed, "metrics": measured}
    if gan is None:
        report["discriminator"] = {"unavailable": {"reason": source}}
    else:
        if evaluation is not None:
            x, y, where = evaluation.real, evaluation.real_labels, evaluation.real_split
        else:  # the image features are unavailable; the discriminator needs only the images
            x, y, where = held_out_images(config.dataset, sample_shape, INCEPTION_SAMPLES, seed)
        view = discriminator_view(gan, x, y, config.batch_size)
        if hasattr(gan, "accuracy") and y is not None:  # a semi-supervised GAN's discriminator classifies
            view["test_accuracy"] = gan.accuracy(x, y)
        samples = {"real": len(x), "real_split": where, "generated": "one batch per real batch"}
        report["discriminator"] = entries(view, None, f"the run's discriminator, {source}", samples)
    write_report(report, out or run_dir / report_name(rejection, trained_generator))
    return report


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


# The command's parser (keras_gan.cli.parsers builds it without TensorFlow).
build_parser = parsers.evaluate_parser


def main(argv: list[str] | None = None) -> int:
    args = parsers.evaluate_parser().parse_args(argv)
    try:
        if args.num_samples is not None and args.num_samples < 2:
            raise ValueError(f"--num-samples must be at least 2, got {args.num_samples}")
        checks.integer("--draws", args.draws, 1)  # before the run is loaded
        if (args.run_dir is None) == (args.generator is None):
            raise ValueError("give either a run directory or --generator PATH.keras (with --dataset)")
        if args.generator is not None and args.rejection:
            raise ValueError("--rejection needs a run directory (the run's discriminator), not --generator")
        if args.generator is not None and args.trained_generator:
            raise ValueError("--trained-generator needs a run directory (the run's checkpoint), not --generator")
        if args.generator is not None:
            if args.dataset is None:
                raise ValueError("--generator needs --dataset, the data it imitates")
            generator = load_generator(args.generator)
            measured, _ = evaluate_generator(
                generator, args.dataset, num_samples=args.num_samples, features=args.features, seed=args.seed,
                draws=args.draws,
            )
            report = {"dataset": args.dataset, "generator": args.generator, "seed": args.seed, "metrics": measured}
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
