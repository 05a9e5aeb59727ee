"""The README and the documentation site: links, examples, generated tables, and the build itself."""

import ast
import importlib.util
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_hooks" not in p.parts)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"```(\w+)\n(.*?)```", re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


results_tables = load_module(ROOT / "scripts" / "results_tables.py", "results_tables")
hook = load_module(DOCS / "_hooks" / "generated_pages.py", "generated_pages")


def generated_pages() -> set[Path]:
    """The pages the build hook adds to docs/: the API and CLI references and the notebooks."""
    uris = {"reference/api/index.md", "reference/cli.md", "notebooks/index.md"}
    uris |= {hook.api_uri(area) for area in hook.api_areas()}
    uris |= {f"notebooks/{p.name}" for p in hook.NOTEBOOKS.glob("*.ipynb")}
    return {DOCS / uri for uri in uris}


def relative_links(path: Path) -> list[str]:
    text = INLINE_CODE.sub("", FENCE.sub("", path.read_text(encoding="utf-8")))  # links in code are code
    return [t for t in LINK.findall(text) if not re.match(r"^(https?:|mailto:|#)", t)]


@pytest.mark.parametrize("path", [README, *PAGES], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_image_resolves(path):
    generated = generated_pages()
    broken = []
    for target in relative_links(path):
        resolved = (path.parent / target.split("#")[0]).resolve()
        if not (resolved.exists() or resolved in generated):
            broken.append(target)
    assert not broken, f"{path.relative_to(ROOT)} links to missing files: {broken}"


def test_link_check_finds_a_broken_link(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("[ok](page.md) ![img](missing.png) [web](https://example.org) `[code](x.md)`\n")
    assert relative_links(page) == ["page.md", "missing.png"]


def test_readme_stays_a_front_door():
    text = README.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 12_500
    for heading in ("## Set-up", "## Quick start", "## Losses and stabilisers", "## Model families", "## The run directory"):
        assert heading in text
    assert "![samples after the last epoch](assets/default_samples.png)" in text


@pytest.mark.parametrize("path", [README, *PAGES], ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_speak_of_the_project_only(path):
    assert not re.search(r"\bsessions?\b", path.read_text(encoding="utf-8"), re.I)


def test_readme_and_ci_install_the_same_extras():
    readme = README.read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text()
    install = re.search(r'pip install -e "(\.\[[^\]]+\])" && python -m pytest', readme).group(1)
    assert f'pip install -e "{install}"' in ci
    assert "docs" in install


def shell_commands(path: Path) -> list[str]:
    """Every ``python -m keras_gan.<command> ...`` line of the page's bash blocks, comments removed."""
    lines = []
    for language, block in FENCE.findall(path.read_text(encoding="utf-8")):
        if language == "bash":
            for line in block.splitlines():
                line = line.split(" #")[0].strip()
                if line.startswith("python -m keras_gan.") and "--help" not in line:
                    lines.append(line)
    return lines


@pytest.mark.parametrize("path", [README, *PAGES], ids=lambda p: str(p.relative_to(ROOT)))
def test_documented_commands_parse(path):
    for line in shell_commands(path):
        words = shlex.split(line)
        command = words[2].removeprefix("keras_gan.")
        try:
            hook.command_parser(command).parse_args(words[3:])
        except SystemExit:
            pytest.fail(f"{path.relative_to(ROOT)}: {line!r} does not parse")


# The layers of docs/architecture.md ("What each module may import"), lowest last, and what each may import.
LAYERS = {
    "command line": {"command line", "models", "pieces", "networks", "foundations"},
    "models": {"models", "pieces", "networks", "foundations"},
    "pieces": {"pieces", "networks", "foundations"},
    "networks": {"networks", "foundations"},
    "foundations": set(),
}


def layer(module: str) -> str:
    """The layer of docs/architecture.md a ``keras_gan`` module belongs to."""
    parts = module.split(".")[1:]
    if not parts or parts[0] in ("cli", "train", "evaluate", "generate"):
        return "command line"  # the package itself re-exports everything
    if parts[0] == "models":
        return "models"
    if parts[0] == "networks":
        return "networks"
    if parts[0] in ("checks", "visualization"):
        return "foundations"
    return "pieces"


def keras_gan_imports(source: str, module: str) -> set[str]:
    """The ``keras_gan`` modules ``source`` (the text of ``module``) imports, at its top or inside functions."""
    package = module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "keras_gan"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] != "keras_gan":
                continue
            for alias in node.names:  # a submodule where the name is one, else the module the name comes from
                name = f"{base}.{alias.name}"
                path = ROOT / name.replace(".", "/")
                found.add(name if path.with_suffix(".py").exists() or (path / "__init__.py").exists() else base)
    return found


def test_layer_check_sees_a_forbidden_import():
    source = "from keras_gan.models import gan\nfrom . import augment\ndef f():\n    from keras_gan.cli import train\n"
    imported = keras_gan_imports(source, "keras_gan.training.ada")
    assert imported == {"keras_gan.models.gan", "keras_gan.training.augment", "keras_gan.cli.train"}
    assert [layer(m) for m in sorted(imported)] == ["command line", "models", "pieces"]
    assert layer("keras_gan.networks.dcgan") == "networks" and layer("keras_gan.checks") == "foundations"


def test_modules_import_only_the_layers_below_them():
    page = (DOCS / "architecture.md").read_text(encoding="utf-8")
    assert "## What each module may import" in page
    wrong = []
    for path in sorted((ROOT / "keras_gan").rglob("*.py")):
        if path.name == "__init__.py":
            continue  # the packages' __init__ files only re-export
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for target in keras_gan_imports(path.read_text(encoding="utf-8"), module):
            if layer(target) not in LAYERS[layer(module)]:
                wrong.append(f"{module} ({layer(module)}) imports {target} ({layer(target)})")
    assert not wrong, "imports against docs/architecture.md: " + "; ".join(wrong)


def test_readme_lists_every_model_family():
    families = pytest.importorskip("keras_gan.cli.families")
    section = README.read_text(encoding="utf-8").split("## Model families")[1].split("\n## ")[0]
    for name, family in families.FAMILIES.items():
        assert f"--model {name}" in section or f"--dataset {family.demo}" in section, name


@pytest.mark.slow
def test_readme_python_example_runs(tmp_path, monkeypatch):
    block = next(code for language, code in FENCE.findall(README.read_text(encoding="utf-8")) if language == "python")
    assert block.count("epochs=5") == 2  # before the save and after the load
    short = block.replace("epochs=5", "epochs=1, steps_per_epoch=2")  # the same code, two steps a fit
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(short, "README.md", "exec"), namespace)
    gan = namespace["gan"]
    assert {id(w) for w in gan.combined.trainable_weights} == {id(w) for w in gan.generator.trainable_weights}
    assert type(gan).__name__ == "GAN" and (tmp_path / "gan.keras").is_file()  # the loaded model trained on
    assert gan.optimizer.iterations.numpy() == 4  # two steps before the save, two after the load
    assert set(namespace["history"].history) >= {"d_loss", "g_loss", "d_real", "d_fake", "d_accuracy", "d_lr", "g_lr"}
    with Image.open(tmp_path / "samples.png") as grid:
        assert grid.size == (2 * (8 * 28 + 9 * 2),) * 2  # 8 x 8 digits, 2-pixel padding, doubled
    assert list((tmp_path / "runs" / "quickstart").rglob("events.out.tfevents.*"))


def test_results_page_matches_the_result_files():
    page = (DOCS / "results.md").read_text(encoding="utf-8")
    assert results_tables.update_page(page, results_tables.load_all()) == page, (
        "docs/results.md is out of date: run python scripts/results_tables.py"
    )


def test_every_result_file_is_on_the_results_page():
    page = (DOCS / "results.md").read_text(encoding="utf-8")
    for path in (ROOT / "benchmarks" / "results").glob("*.json"):
        result = results_tables.load(path)
        first_run = result.runs[0]["provenance"]
        assert first_run["commit"][:7] in page, path.name


def write_results(directory: Path, name: str, content) -> Path:
    path = directory / f"{name}.json"
    path.write_text(json.dumps(content))
    return path


PROVENANCE = {"command": "python x.py", "commit": "0123456789abcdef0123456789abcdef01234567", "cpu": "AMD EPYC",
              "cores": 2, "date": "2026-12-06"}


def test_result_files_need_provenance_for_every_run(tmp_path):
    without = write_results(tmp_path, "bare", {"runs": [{"seed": 0, "fid": 1.0}]})
    with pytest.raises(ValueError, match=r"bare.json: run 0 has no command, commit, cpu, cores, date"):
        results_tables.load(without)
    dirty = write_results(tmp_path, "dirty", [{"seed": 0, "provenance": {**PROVENANCE, "commit": "0123abc+changes"}}])
    with pytest.raises(ValueError, match=r"dirty.json: run 0's commit '0123abc\+changes' is not a commit hash"):
        results_tables.load(dirty)
    shared = write_results(tmp_path, "shared", {"provenance": PROVENANCE, "runs": [{"seed": 0}, {"seed": 1, "provenance": {"cpu": "Intel Xeon"}}]})
    runs = results_tables.load(shared).runs
    assert [r["provenance"]["cpu"] for r in runs] == ["AMD EPYC", "Intel Xeon"]
    assert runs[1]["provenance"]["commit"] == PROVENANCE["commit"]


def test_generated_tables_replace_only_the_marked_text(tmp_path):
    write_results(tmp_path, "speed", {"title": "Speed", "provenance": PROVENANCE, "runs": [{"seed": 0, "ms": 41.0}, {"seed": 1, "ms": 45.5}]})
    results = results_tables.load_all(tmp_path)
    page = "intro\n<!-- results: * -->\nstale\n<!-- /results -->\noutro\n"
    updated = results_tables.update_page(page, results)
    assert updated.startswith("intro\n<!-- results: * -->\n\n### Speed\n")
    assert "| 0 | 41.0 | `0123456` | AMD EPYC, 2 cores, no GPU |" in updated
    assert "| 1 | 45.5 |" in updated and "stale" not in updated and updated.endswith("<!-- /results -->\noutro\n")
    assert results_tables.update_page(updated, results) == updated
    assert results_tables.machine({**PROVENANCE, "gpu": ["/physical_device:GPU:0"]}) == "AMD EPYC, 2 cores, /physical_device:GPU:0"
    assert results_tables.machine({**PROVENANCE, "cores_used": 1}) == "AMD EPYC, 2 cores (1 used), no GPU"
    with pytest.raises(ValueError, match="names missing, which benchmarks/results/ does not hold"):
        results_tables.update_page("<!-- results: missing -->\n<!-- /results -->", results)


def test_a_command_whose_runs_straddle_midnight_is_listed_once_with_both_days():
    runs = [{"provenance": {**PROVENANCE, "date": "2026-12-07T23:58:00"}},
            {"provenance": {**PROVENANCE, "date": "2026-12-08T00:03:00"}},
            {"provenance": {**PROVENANCE, "date": "2026-12-08T00:09:00", "commit": "f" * 40}}]
    assert results_tables.commands(runs) == [
        "* `python x.py` at commit `0123456`, AMD EPYC, 2 cores, no GPU, 2026-12-07 to 2026-12-08.",
        "* `python x.py` at commit `fffffff`, AMD EPYC, 2 cores, no GPU, 2026-12-08.",
    ]


def test_the_throughput_table_gives_each_steps_share_of_the_matmul_median_over_rounds(tmp_path):
    run = {"description": "DCGAN", "settings": {}, "flops_per_step": 4e9,
           "images_per_second": {"keras_gan": [100.0, 200.0, 100.0], "keras_gan fast": [150.0, 200.0, 300.0]},
           "keras_gan_share_of_matmul": [0.4, 0.5, 0.6]}
    write_results(tmp_path, "throughput", {"provenance": PROVENANCE, "runs": [run]})
    lines = results_tables.render(results_tables.load_all(tmp_path)["throughput"]).splitlines()
    # fast, round by round: 0.4 * 150 / 100 = 0.6, 0.5 * 200 / 200 = 0.5, 0.6 * 300 / 100 = 1.8; median 0.6
    assert ("| DCGAN | matrix product | 4.000 GFLOP per step |  |  | "
            "keras_gan's step reaches 50.0% of its FLOP/s, keras_gan fast 60.0% |") in lines
    assert "| DCGAN | keras_gan fast |  | 200 | 150-300 | 0.50 |" in lines


def test_mean_and_standard_error():
    mean, error = results_tables.mean_and_error([16.0, 16.1, 14.5, 15.0, 15.1])
    assert mean == pytest.approx(15.34)
    # squared deviations 0.4356 + 0.5776 + 0.7056 + 0.1156 + 0.0576 = 1.892; sqrt(1.892 / 4 / 5)
    assert error == pytest.approx(0.30757113, rel=1e-6)
    assert results_tables.mean_and_error([3.0]) == (3.0, 0.0)


@pytest.mark.slow
def test_site_builds_strictly(tmp_path):
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    cli = (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    for command in hook.COMMANDS:
        assert f"python -m keras_gan.{command}" in cli
    assert "--dataset" in cli
    assert "frechet_distance" in (site / "reference" / "api" / "evaluation" / "index.html").read_text(encoding="utf-8")
    for notebook in hook.NOTEBOOKS.glob("*.ipynb"):
        assert (site / "notebooks" / notebook.stem / "index.html").is_file(), notebook.name


def test_help_time_table_puts_the_commits_side_by_side(tmp_path):
    runs = [{"package_at": tree, "help_of": command, "median_seconds": median, "seconds": seconds}
            for tree, command, median, seconds in (("63117b4", "train", 0.2, [0.25, 0.2, 0.1]),
                                                   ("6a17c22", "train", 9.0, [9.0, 8.5, 11.0]))]
    write_results(tmp_path, "help_time", {"title": "Help", "provenance": {**PROVENANCE, "load_average": [4.0, 3.5, 3.0]},
                                         "runs": runs})
    lines = results_tables.render(results_tables.load_all(tmp_path)["help_time"]).splitlines()
    assert "| command | package at `63117b4`: median s (each round) | package at `6a17c22`: median s (each round) |" in lines
    assert "| `python -m keras_gan.train --help` | 0.20 (0.25, 0.20, 0.10) | 9.00 (9.00, 8.50, 11.00) |" in lines
    assert "On AMD EPYC, 2 cores, no GPU, load average 4.0, 3.5, 3.0 when the file was written." in lines


def test_a_results_file_of_methods_reads_as_one_list_of_runs_and_renders_a_row_per_method(tmp_path):
    runs = lambda *accuracies: [  # noqa: E731
        {"seed": seed, "accuracy": a, "train_seconds": 200.0, "cpu_seconds": 300.0, "provenance": PROVENANCE}
        for seed, a in enumerate(accuracies)
    ]
    content = {"title": "t", "methods": {"ssgan": {"runs": runs(0.95, 0.97)}, "supervised": {"runs": runs(0.8, 0.9)}}}
    (tmp_path / "semi_supervised.json").write_text(json.dumps(content))
    result = results_tables.load_all(tmp_path)["semi_supervised"]
    assert [(run["method"], run["seed"]) for run in result.runs] == [("ssgan", 0), ("ssgan", 1), ("supervised", 0),
                                                                       ("supervised", 1)]
    lines = results_tables.render(result).splitlines()
    assert "| `ssgan` | 96.0 ± 1.0 | 0, 1 | 95.0, 97.0 | 200, 200 | 300, 300 |  |" in lines
    assert "| `supervised` | 85.0 ± 5.0 | 0, 1 | 80.0, 90.0 | 200, 200 | 300, 300 |  |" in lines


def test_time_to_quality_table_gives_each_seed_the_mean_and_the_curve_against_wall_time(tmp_path):
    def run(seed, fid, curve):  # curve: (epoch, seconds of training, FID)
        return {"label": "preset", "seed": seed, "fid": fid, "fid_floor": 8.0, "steps": 2500, "wall_seconds": 105.0,
                "startup_seconds": 5.0, "cpu_seconds": 180.0, "provenance": PROVENANCE,
                "curve": [{"epoch": e, "train_seconds": s, "fid": f} for e, s, f in curve]}

    write_results(tmp_path, "time_to_quality", [run(0, 16.0, [(10, 50.0, 40.0), (20, 100.0, 16.0)]),
                                                run(1, 18.0, [(10, 54.0, 44.0), (20, 96.0, 18.0)])])
    lines = results_tables.render(results_tables.load_all(tmp_path)["time_to_quality"]).splitlines()
    assert "| `preset` | 0 | 16.0 | 2.00x | 2,500 | 105 s (1 min 45 s) | 180 s | AMD EPYC, 2 cores, no GPU | `0123456` |" in lines
    assert "| **`preset`, mean** |  | **17.0 ± 1.0** | **2.12x** |  | 105-105 s |  |  |  |" in lines
    # Each curve point: start-up plus training seconds, and FID, averaged over the two seeds.
    assert "| `preset` | 10 | 57 s | 42.0 | 2 |" in lines
    assert "| `preset` | 20 | 103 s | 17.0 | 2 |" in lines


def test_epoch_extras_table_gives_the_medians_and_the_grids_ratio(tmp_path):
    run = {"label": "preset", "epochs": 4, "training_seconds": [4.0, 4.2, 3.8], "extras_seconds": [0.2, 0.3, 0.25],
           "extras_share": 0.25 / 4.25, "grid_seconds": {"preview": [0.1, 0.2, 0.15], "full": [0.6, 0.5, 0.55]},
           "grid_full_over_preview": 0.55 / 0.15, "provenance": PROVENANCE}
    write_results(tmp_path, "epoch_extras", [run])
    lines = results_tables.render(results_tables.load_all(tmp_path)["epoch_extras"]).splitlines()
    assert ("| `preset` | 4.00 s | 0.25 s | 6% | 0.150 s | 0.550 s | 3.7x | AMD EPYC, 2 cores, no GPU | `0123456` |"
            in lines)


def test_a_variant_of_a_benchmark_file_renders_as_the_benchmark_and_an_unknown_file_generically():
    assert results_tables.renderer("small_data_100") is results_tables.render_small_data
    assert results_tables.renderer("cyclegan_digits_identity") is results_tables.render_cyclegan_digits
    assert results_tables.renderer("small_data") is results_tables.render_small_data
    assert results_tables.renderer("lazy_penalty") is results_tables.render_generic


@pytest.mark.parametrize("rows, met, verdict", [
    (["diffaugment"], None, "not measured by these rows alone"),
    (["none", "ada"], False, "no"),
])
def test_small_data_table_says_the_goal_is_unmeasured_when_a_row_it_compares_is_missing(tmp_path, rows, met, verdict):
    runs = [{"setting": setting, "seed": 0, "fid": 50.0, "precision": 0.5, "recall": 0.8, "train_seconds": 100.0,
             "ada_p": None} for setting in rows]
    write_results(tmp_path, "small_data_long", {"title": "Small data", "provenance": PROVENANCE, "runs": runs,
                                                "goal": "ADA's mean FID below no augmentation's", "goal_met": met})
    lines = results_tables.render(results_tables.load_all(tmp_path)["small_data_long"]).splitlines()
    assert f"Goal: ADA's mean FID below no augmentation's; met: {verdict}." in lines


def test_a_mode_row_names_every_commit_and_machine_its_seeds_ran_at(tmp_path):
    def run(seed, sha, cpu):
        return {"dataset": "ring", "setting": "recommended", "seed": seed, "modes": 8, "high_quality": 0.98,
                "reverse_kl": 0.01, "relative_spread": 0.9 + seed / 100, "wall_seconds": 100.0 + seed,
                "provenance": {**PROVENANCE, "commit": sha * 40, "cpu": cpu}}

    write_results(tmp_path, "mode_collapse", [run(3, "b", "Intel Xeon"), run(0, "a", "AMD EPYC"), run(1, "a", "AMD EPYC")])
    lines = results_tables.render(results_tables.load_all(tmp_path)["mode_collapse"]).splitlines()
    assert ("| ring | recommended | saved generator, 2,500 samples | 3 | 8.0 ± 0.0 | 98.0 ± 0.0 | 0.010 ± 0.000 "
            "| 0.91 ± 0.01 | 101 (max 103) | `bbbbbbb`, `aaaaaaa` | Intel Xeon, 2 cores, no GPU; AMD EPYC, 2 cores, no GPU |"
            ) in lines
