"""Regenerates the tables of docs/results.md from the result files in benchmarks/results/.

    python scripts/results_tables.py            # rewrite the generated tables in docs/results.md
    python scripts/results_tables.py --check    # exit 1, naming the stale tables, if the page is out of date

A result file is JSON, either an object or a list:

* an object holds ``"runs"`` (a list of run records: one per seed or per
  setting, with the raw numbers) and may hold ``"title"``, ``"description"``
  and a file-wide ``"provenance"``;
* a list is the ``"runs"`` alone (what ``benchmarks/mode_collapse.py`` appends to);
* an object may hold ``"methods"`` instead of ``"runs"``: ``{name: {"runs": [...]}}``,
  read as one list of runs, each with its ``"method"``.

Every run must carry a provenance record, its own ``"provenance"`` or the
file's: ``command``, ``commit`` (the hash at which the command reproduces the
run; a ``+changes`` suffix, an uncommitted tree, is refused), ``cpu`` (the model
name), ``cores`` and ``date``; ``gpu``, ``note`` and ``cores_used`` (a run pinned to fewer cores) are optional.
``benchmarks/provenance.py`` writes such records.

docs/results.md marks where each file's tables go::

    <!-- results: mnist_sample_default -->
    (generated)
    <!-- /results -->

``<!-- results: * -->`` takes every file that no other marker names. The
text between the markers is replaced; the text around them is the page's own.
A file with a renderer below gets its own table, and so does a variant of it
named ``<name>_<variant>`` (``small_data_100`` renders as ``small_data``); any
other file gets one row per run with its scalar numbers.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PAGE = ROOT / "docs" / "results.md"

PROVENANCE_KEYS = ("command", "commit", "cpu", "cores", "date")
MARKER = re.compile(r"(<!-- results: (?P<name>[\w*-]+) -->\n)(?P<body>.*?)(<!-- /results -->)", re.S)
_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")


@dataclasses.dataclass
class Result:
    """One result file: its runs, each with its provenance resolved."""

    name: str
    title: str
    description: str
    runs: list[dict]
    extra: dict


def load(path: Path) -> Result:
    """Reads and checks one result file; ``ValueError`` names the file and what is missing."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path.name}: not valid JSON ({error})") from None
    if isinstance(content, list):
        content = {"runs": content}
    if isinstance(content, dict) and "runs" not in content and isinstance(content.get("methods"), dict):
        methods = content.pop("methods")
        content["runs"] = [{"method": name, **run} for name, entry in methods.items() for run in entry.get("runs", [])]
    if not isinstance(content, dict) or not isinstance(content.get("runs"), list) or not content["runs"]:
        raise ValueError(
            f"{path.name}: expected a list of runs, or an object with a non-empty 'runs' list (one record per "
            "run, with its raw numbers) and a 'provenance' record; the format is in scripts/results_tables.py"
        )
    shared = content.get("provenance") or {}
    runs = []
    for index, run in enumerate(content["runs"]):
        provenance = {**shared, **(run.get("provenance") or {})}
        missing = [key for key in PROVENANCE_KEYS if provenance.get(key) in (None, "")]
        if missing:
            raise ValueError(f"{path.name}: run {index} has no {', '.join(missing)} in its provenance")
        if not _COMMIT.match(str(provenance["commit"])):
            raise ValueError(
                f"{path.name}: run {index}'s commit {provenance['commit']!r} is not a commit hash "
                "(a figure must come from committed code)"
            )
        runs.append({**run, "provenance": provenance})
    extra = {key: value for key, value in content.items() if key not in ("runs", "title", "description", "provenance")}
    return Result(path.stem, content.get("title", path.stem.replace("_", " ")), content.get("description", ""), runs, extra)


def load_all(directory: Path = RESULTS) -> dict[str, Result]:
    return {path.stem: load(path) for path in sorted(directory.glob("*.json"))}


# Formatting ------------------------------------------------------------------------------------------


def number(value, digits: int | None = None) -> str:
    """A figure as the tables print it: ``digits`` decimals, or as recorded (16.0 stays 16.0, 0.0069 stays)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if digits is not None:
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.1f}" if value == round(value, 1) else f"{value:.4g}"


def mean_and_error(values: list[float]) -> tuple[float, float]:
    """The mean and its standard error (sample standard deviation over sqrt(n); 0 for one value)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1) / n)


def duration(seconds) -> str:
    if seconds is None:
        return ""
    minutes, rest = divmod(round(seconds), 60)
    return f"{seconds:,.0f} s" if not minutes else f"{seconds:,.0f} s ({minutes} min {rest} s)"


def machine(provenance: dict) -> str:
    cores = f"{provenance['cores']} cores"
    if "cores_used" in provenance:
        cores += f" ({provenance['cores_used']} used)"
    gpu = provenance.get("gpu")
    gpu = f", {', '.join(gpu) if isinstance(gpu, list) else gpu}" if gpu else ", no GPU"  # provenance.py lists them
    return f"{provenance['cpu']}, {cores}{gpu}"


def commit(provenance: dict) -> str:
    return f"`{provenance['commit'][:7]}`"


def each(runs: list[dict], describe, separator: str) -> str:
    """Each distinct ``describe(provenance)`` of ``runs``, in run order: the commits or machines of one row."""
    return separator.join(dict.fromkeys(describe(run["provenance"]) for run in runs))


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


def commands(runs: list[dict], label=None) -> list[str]:
    """Each distinct (command, commit, machine) once, with the runs it produced and the days they ran."""
    seen: dict[tuple, list[tuple[str, str]]] = {}  # (command, commit, machine, note) -> each run's (label, day)
    for run in runs:
        p = run["provenance"]
        key = (p["command"], p["commit"], machine(p), p.get("note", ""))
        seen.setdefault(key, []).append((label(run) if label else "", p["date"][:10]))
    lines = []
    for (command, sha, where, note), produced in seen.items():
        labels, days = zip(*produced)
        who = f"{', '.join(x for x in labels if x)}: " if any(labels) else ""
        when = min(days) if min(days) == max(days) else f"{min(days)} to {max(days)}"
        extra = f"; {note}" if note else ""
        lines.append(f"* {who}`{command}` at commit `{sha[:7]}`, {where}, {when}{extra}.")
    return lines


# Renderers -------------------------------------------------------------------------------------------


def render_default_run(result: Result) -> list[str]:
    rows, fids = [], []
    for run in result.runs:
        fids.append(run["fid"])
        sd = f" (sd {number(run['fid_sd'])})" if run.get("fid_sd") is not None else ""
        time = f"{run['train_seconds']:,} s"
        if run.get("wall_seconds"):
            time += f"; {duration(run['wall_seconds'])} wall"
        rows.append([str(run["seed"]), number(run["fid"]) + sd, number(run.get("precision"), 2), number(run.get("recall"), 2),
                     time, machine(run["provenance"]), commit(run["provenance"])])
    mean, error = mean_and_error(fids)
    floor = result.extra["floor"]
    rows.append(["**mean ± standard error**", f"**{mean:.1f} ± {error:.1f}**", "", "", "", "", ""])
    rows.append(["real digits (the floor)", f"{number(floor['fid'])} (sd {number(floor['fid_sd'])})",
                 number(floor["precision"], 2), number(floor["recall"], 2), "", machine(floor["provenance"]),
                 commit(floor["provenance"])])
    lines = table(["seed", "FID, 5 draws", "precision", "recall", "trained in", "machine", "commit"], rows)
    trained = [run for run in result.runs if run.get("trained_generator_fid") is not None]
    for run in trained:
        lines += ["", f"Seed {run['seed']}'s generator that trained, not its moving average, scores FID "
                  f"{number(run['trained_generator_fid'])}; KID {number(run.get('kid'))}, classifier score "
                  f"{number(run.get('classifier_score'))} for the average."]
    lines += ["", "Commands:", ""] + commands(result.runs + [{"provenance": floor["provenance"]}],
                                                lambda run: f"seed {run['seed']}" if "seed" in run else "the floor")
    return lines


def _values(values: list) -> str:
    if len(values) == 1:
        return number(values[0])
    mean = sum(values) / len(values)
    return f"mean {mean:.1f} ({', '.join(number(v) for v in values)})"


def render_presets_history(result: Result) -> list[str]:
    rows = []
    for run in result.runs:
        p = run["provenance"]
        measured = f"{run['metric']}: {_values(run['values'])}"
        if run.get("modes"):
            measured += f"; modes {', '.join(map(str, run['modes']))}"
        note = f"; {p['note']}" if p.get("note") else ""
        rows.append([run["preset"], run["change"], measured, f"{run['baseline']}: {_values(run['baseline_values'])}",
                     f"`{p['command']}`{note}", commit(p), machine(p)])
    return table(["preset", "change", "measured", "against", "command", "commit", "machine"], rows)


VIEWS = {
    None: "saved generator, 2,500 samples",
    "precise": "saved generator, 100,000 samples",
    "drs": "discriminator rejection sampling",
    "trained": "the generator that trained",
}


def render_mode_collapse(result: Result) -> list[str]:
    groups: dict[tuple, list[dict]] = {}
    for run in result.runs:
        groups.setdefault((run["dataset"], run.get("variant", run["setting"])), []).append(run)
    rows = []
    for (dataset, variant), runs in sorted(groups.items(), key=lambda item: (item[0][0] != "ring", item[0][1])):
        for view, what in VIEWS.items():
            figures = [run if view is None else run.get(view) for run in runs]
            figures = [f for f in figures if f and "failed" not in f]  # a failed rejection sampling has no figures
            if not figures:
                continue
            cells = []
            for key, scale, digits in (("modes", 1, 1), ("high_quality", 100, 1), ("reverse_kl", 1, 3),
                                       ("relative_spread", 1, 2)):
                if not all(key in f for f in figures):  # rows measured before the spread existed
                    cells.append("")
                    continue
                mean, error = mean_and_error([f[key] * scale for f in figures])
                cells.append(f"{mean:.{digits}f} ± {error:.{digits}f}")
            seconds = [run["wall_seconds"] for run in runs] if view is None else []
            time = f"{mean_and_error(seconds)[0]:,.0f} (max {max(seconds):,.0f})" if seconds else ""
            rows.append([dataset, variant, what, str(len(figures)), *cells, time, each(runs, commit, ", "),
                         each(runs, machine, "; ")])
    lines = table(["data", "setting", "samples", "seeds", "modes", "% high quality", "reverse KL",
                   "within-mode spread", "wall seconds a run",
                   "commit", "machine"], rows)
    return lines + ["", "Commands:", ""] + commands(result.runs)


def render_help_time(result: Result) -> list[str]:
    """One row per command, one column per timed commit: the median and the raw seconds of every round."""
    trees = list(dict.fromkeys(run["package_at"] for run in result.runs))
    by_key = {(run["help_of"], run["package_at"]): run for run in result.runs}
    rows = []
    for command in dict.fromkeys(run["help_of"] for run in result.runs):
        cells = []
        for tree in trees:
            run = by_key.get((command, tree))
            cells.append(f"{run['median_seconds']:.2f} ({', '.join(f'{s:.2f}' for s in run['seconds'])})" if run else "")
        rows.append([f"`python -m keras_gan.{command} --help`", *cells])
    load = ", ".join(f"{x:.1f}" for x in result.runs[0]["provenance"].get("load_average", []))
    lines = table(["command", *(f"package at `{tree}`: median s (each round)" for tree in trees)], rows)
    return (_heading(result) + lines + ["", f"On {each(result.runs, machine, '; ')}, load average {load} "
                                        "when the file was written.", "", "Commands:", ""] + commands(result.runs))


def _heading(result: Result) -> list[str]:
    lines = [f"### {result.title}", ""]
    return lines + ([result.description, ""] if result.description else [])


def _seed_cells(runs: list[dict], key, fmt) -> str:
    return ", ".join(fmt(run[key]) for run in sorted(runs, key=lambda run: run["seed"]))


def render_semi_supervised(result: Result) -> list[str]:
    """One row per method: the mean held-out accuracy and each seed's, with the training time per seed."""
    methods = list(dict.fromkeys(run["method"] for run in result.runs))
    rows = []
    for method in methods:
        runs = [run for run in result.runs if run["method"] == method]
        mean, error = mean_and_error([run["accuracy"] for run in runs])
        seeds = ", ".join(str(run["seed"]) for run in sorted(runs, key=lambda run: run["seed"]))
        timed = all("train_seconds" in run for run in runs)
        rows.append([
            f"`{method}`", f"{100 * mean:.1f} ± {100 * error:.1f}", seeds,
            _seed_cells(runs, "accuracy", lambda v: f"{100 * v:.1f}"),
            _seed_cells(runs, "train_seconds", lambda v: f"{v:.0f}") if timed else "",
            _seed_cells(runs, "cpu_seconds", lambda v: f"{v:.0f}") if timed else "",
            f"raw pixels: {_seed_cells(runs, 'raw_pixels_accuracy', lambda v: f'{100 * v:.1f}')}"
            if all("raw_pixels_accuracy" in run for run in runs) else "",
        ])
    header = ["method", "held-out accuracy, % (mean ± s.e.)", "seeds", "each seed, %", "training s, each seed",
              "CPU s, each seed", "beside it"]
    goal = [f"Goal: {result.extra['goal']}.", ""] if result.extra.get("goal") else []
    return (_heading(result) + goal + table(header, rows) + ["", "Commands:", ""]
            + commands(result.runs, label=lambda run: f"{run['method']} seed {run['seed']}"))


def render_cyclegan_digits(result: Result) -> list[str]:
    """One row per seed: G(a) against T(a) beside the identity, and the class kept by F(T(a))."""
    rows = []
    for run in sorted(result.runs, key=lambda run: run["seed"]):
        scores = run["scores"]
        rows.append([
            str(run["seed"]), f"{scores['AtoB']['psnr']:.2f}", f"{scores['identity']['psnr']:.2f}",
            f"{run['psnr_gain_db']:.2f}", f"{scores['AtoB']['l1']:.3f}", f"{scores['identity']['l1']:.3f}",
            f"{100 * scores['class_kept']:.1f}", f"{100 * scores['class_real']:.1f}", duration(run["train_seconds"]),
            f"{run['cpu_seconds']:.0f}", machine(run["provenance"]),
        ])
    header = ["seed", "PSNR G(a) vs T(a), dB", "identity, dB", "gain, dB", "L1 G(a) vs T(a)", "identity L1",
              "class kept by F(T(a)), %", "classifier on a, %", "training", "CPU s", "machine"]
    goals = result.extra.get("goals", {})
    goal = ([f"Goal: class kept >= {100 * goals['class_kept']:.0f}%, a PSNR gain of at least {goals['psnr_gain_db']:g} dB, "
             f"at most {goals['train_minutes']:g} minutes of training; met on every seed: "
             f"{'yes' if result.extra.get('goal_met_on_every_seed') else 'no'}.", ""] if goals else [])
    settings = result.extra.get("settings")
    setting = [f"Settings: {', '.join(f'{key} {value}' for key, value in settings.items())}.", ""] if settings else []
    return _heading(result) + goal + setting + table(header, rows) + ["", "Commands:", ""] + commands(result.runs)


def render_small_data(result: Result) -> list[str]:
    """One row per augmentation setting: mean FID and each seed's, with ADA's final p."""
    rows = []
    for setting in dict.fromkeys(run["setting"] for run in result.runs):
        runs = [run for run in result.runs if run["setting"] == setting]
        mean, error = mean_and_error([run["fid"] for run in runs])
        final_p = _seed_cells(runs, "ada_p", lambda p: f"{p[-1]:.2f}") if all(run.get("ada_p") for run in runs) else ""
        rows.append([
            f"`{setting}`", f"{mean:.2f} ± {error:.2f}", _seed_cells(runs, "fid", lambda v: f"{v:.2f}"),
            _seed_cells(runs, "precision", lambda v: f"{v:.2f}"), _seed_cells(runs, "recall", lambda v: f"{v:.2f}"),
            final_p, _seed_cells(runs, "train_seconds", lambda v: f"{v:.0f}"),
        ])
    header = ["augmentation", "FID (mean ± s.e.)", "FID, each seed", "precision, each seed", "recall, each seed",
              "ADA's final p", "training s, each seed"]
    met = result.extra.get("goal_met")
    verdict = "not measured by these rows alone" if met is None else "yes" if met else "no"
    goal = [f"Goal: {result.extra['goal']}; met: {verdict}.", ""] if result.extra.get("goal") else []
    return (_heading(result) + goal + table(header, rows) + ["", f"On {each(result.runs, machine, '; ')}.", "",
                                                            "Commands:", ""] + commands(result.runs))


def render_throughput(result: Result) -> list[str]:
    """One row per case and method: median images/s over the rounds, the range, and the ratio to keras_gan's."""
    rows = []
    for run in result.runs:
        rates = run["images_per_second"]
        ours = statistics.median(rates["keras_gan"])
        for method, values in rates.items():
            median = statistics.median(values)
            rows.append([run["description"], method, run["settings"].get(method, ""), f"{median:,.0f}",
                         f"{min(values):,.0f}-{max(values):,.0f}", f"{ours / median:.2f}"])
        share = run.get("keras_gan_share_of_matmul")
        if share:
            reached = f"keras_gan's step reaches {100 * statistics.median(share):.1f}% of its FLOP/s"
            if "keras_gan fast" in rates:  # the same FLOPs per image, so each round's share scales with the rate
                fast = [s * f / k for s, f, k in zip(share, rates["keras_gan fast"], rates["keras_gan"])]
                reached += f", keras_gan fast {100 * statistics.median(fast):.1f}%"
            rows.append([run["description"], "matrix product", f"{run['flops_per_step'] / 1e9:.3f} GFLOP per step",
                         "", "", reached])
    header = ["case", "method", "settings", "images/s (median)", "range over the rounds", "keras_gan's default / this"]
    return (_heading(result) + table(header, rows) + ["", f"On {each(result.runs, machine, '; ')}.", "",
                                                      "Commands:", ""] + commands(result.runs))


def render_generic(result: Result) -> list[str]:
    keys: list[str] = []
    for run in result.runs:
        keys += [k for k, v in run.items() if k != "provenance" and k not in keys and not isinstance(v, (dict, list))]
    rows = [[number(run.get(key)) for key in keys] + [commit(run["provenance"]), machine(run["provenance"])]
            for run in result.runs]
    if len(result.runs) > 1 and "seed" in keys:  # runs that differ by their seed alone: their mean
        summary = []
        for key in keys:
            values = [run[key] for run in result.runs if isinstance(run.get(key), (int, float))]
            complete = key != "seed" and len(values) == len(result.runs)
            summary.append(f"{mean_and_error(values)[0]:.4g} ± {mean_and_error(values)[1]:.2g}" if complete else "")
        rows.append(["**mean ± standard error**", *summary[1:], "", ""] if keys[0] == "seed" else [*summary, "", ""])
    return _heading(result) + table(keys + ["commit", "machine"], rows) + ["", "Commands:", ""] + commands(result.runs)


def render_time_to_quality(result: Result) -> list[str]:
    """Per setting: FID over its floor and wall time, per seed and mean; then the curve of FID against wall time."""
    labels = list(dict.fromkeys(run["label"] for run in result.runs))
    rows, curves = [], []
    for label in labels:
        runs = [run for run in result.runs if run["label"] == label]
        for run in runs:
            rows.append([f"`{label}`", str(run["seed"]), number(run["fid"], 1), f"{run['fid'] / run['fid_floor']:.2f}x",
                         f"{run['steps']:,}", duration(run["wall_seconds"]), f"{run['cpu_seconds']:,.0f} s",
                         machine(run["provenance"]), commit(run["provenance"])])
        if len(runs) > 1:
            mean, error = mean_and_error([run["fid"] for run in runs])
            floor = statistics.mean(run["fid_floor"] for run in runs)
            walls = [run["wall_seconds"] for run in runs]
            rows.append([f"**`{label}`, mean**", "", f"**{mean:.1f} ± {error:.1f}**", f"**{mean / floor:.2f}x**", "",
                         f"{min(walls):,.0f}-{max(walls):,.0f} s", "", "", ""])
        # The curve: each measurement's FID and wall time (start-up included), averaged over the seeds that have it.
        points: dict[int, list] = {}
        for run in runs:
            for point in run["curve"]:
                points.setdefault(point["epoch"], []).append((run["startup_seconds"] + point["train_seconds"], point["fid"]))
        for epoch, values in sorted(points.items()):
            wall, fid = (statistics.mean(column) for column in zip(*values))
            curves.append([f"`{label}`", str(epoch), f"{wall:,.0f} s", f"{fid:.1f}", str(len(values))])
    lines = table(["setting", "seed", "FID, 5 draws", "over the floor", "steps", "wall", "CPU", "machine", "commit"], rows)
    lines += ["", "FID against wall time (the run's own clock, start-up included, the measurements' time left out; "
              "mean over the seeds):", ""]
    lines += table(["setting", "epoch", "wall", "FID", "seeds"], curves)
    return lines + ["", "Commands:", ""] + commands(result.runs, lambda run: f"`{run['label']}` seed {run['seed']}")


def render_epoch_extras(result: Result) -> list[str]:
    """Per setting: an epoch's steps against the work between epochs, and the grid's samples with both statistics."""
    rows = []
    for run in result.runs:
        training, extras = statistics.median(run["training_seconds"]), statistics.median(run["extras_seconds"])
        preview, full = (statistics.median(run["grid_seconds"][kind]) for kind in ("preview", "full"))
        rows.append([f"`{run['label']}`", f"{training:.2f} s", f"{extras:.2f} s", f"{run['extras_share']:.0%}",
                     f"{preview:.3f} s", f"{full:.3f} s", f"{run['grid_full_over_preview']:.1f}x",
                     machine(run["provenance"]), commit(run["provenance"])])
    header = ["setting", "an epoch's steps", "extras", "extras' share", "grid, preview statistics",
              "grid, full statistics", "full / preview", "machine", "commit"]
    lines = ["Medians over the epochs after the first, and over the grids timed:", ""] + table(header, rows)
    return lines + ["", "Commands:", ""] + commands(result.runs, lambda run: f"`{run['label']}`")


RENDERERS = {
    "epoch_extras": render_epoch_extras,
    "mnist_sample_default": render_default_run,
    "presets_history": render_presets_history,
    "mode_collapse": render_mode_collapse,
    "mode_spread": render_mode_collapse,
    "help_time": render_help_time,
    "semi_supervised": render_semi_supervised,
    "cyclegan_digits": render_cyclegan_digits,
    "small_data": render_small_data,
    "throughput": render_throughput,
    "time_to_quality": render_time_to_quality,
}


def renderer(name: str):
    """A file's renderer: its own, or that of the benchmark it is a variant of (``small_data_100`` -> ``small_data``)."""
    while name not in RENDERERS and "_" in name:
        name = name.rsplit("_", 1)[0]
    return RENDERERS.get(name, render_generic)


def render(result: Result) -> str:
    return "\n".join(renderer(result.name)(result)) + "\n"


def update_page(text: str, results: dict[str, Result]) -> str:
    """``text`` with the body of every results marker regenerated; ``ValueError`` for a marker naming no file."""
    named = {m.group("name") for m in MARKER.finditer(text)} - {"*"}
    unknown = sorted(named - set(results))
    if unknown:
        raise ValueError(f"docs/results.md names {', '.join(unknown)}, which benchmarks/results/ does not hold")

    def body(match):
        name = match.group("name")
        if name == "*":
            rest = [render(results[n]) for n in results if n not in named]
            generated = "\n".join(rest) if rest else "(none)\n"
        else:
            generated = render(results[name])
        return match.group(1) + "\n" + generated + "\n" + match.group(4)

    return MARKER.sub(body, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if docs/results.md is out of date")
    args = parser.parse_args(argv)
    try:
        current = PAGE.read_text(encoding="utf-8")
        updated = update_page(current, load_all())
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        if updated != current:
            print("docs/results.md is out of date: run python scripts/results_tables.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
