"""MkDocs hook: the pages that are generated from the code at build time.

* ``reference/api/<area>.md``: one page per area of the package (each subpackage,
  and the top-level modules together), each a list of mkdocstrings directives
  (``::: keras_gan.models.gan``), so the reference follows the modules as they are.
* ``reference/cli.md``: each command's ``--help``, from its own ``build_parser()``.
* ``notebooks/*.ipynb``: the committed notebooks, rendered with their outputs by
  mkdocs-jupyter, and an index page listing them.
* the table of every module on the architecture page, from the modules' docstrings.

The hook also puts those pages into the navigation, under the sections that
``mkdocs.yml`` names "Notebooks" and "API reference".
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "keras_gan"
NOTEBOOKS = ROOT / "notebooks"
COMMANDS = ("train", "evaluate", "generate")
# The module an area's reference page opens with, where one is the others' base; the rest follow alphabetically.
LEADING = {"models": "gan", "data": "datasets", "evaluation": "metrics", "cli": "train"}

# The areas in the order the reference shows them; an area not named here comes last, under its own name.
AREA_TITLES = {
    "models": "Models",
    "training": "Training pieces",
    "networks": "Networks",
    "data": "Data",
    "evaluation": "Evaluation",
    "cli": "Command-line programs",
    "": "Top-level modules",
}


def api_areas() -> dict[str, list[str]]:
    """Maps each area of the package ("" for the top level) to its public module paths.

    The top-level ``train``, ``evaluate`` and ``generate`` modules are left out:
    they are the ``python -m`` names of the modules in ``keras_gan.cli``.
    """
    areas: dict[str, list[str]] = {}
    for package in sorted(p.parent for p in PACKAGE.glob("*/__init__.py")):
        stems = sorted(p.stem for p in package.glob("*.py") if not p.stem.startswith("_"))
        stems.sort(key=lambda stem: stem != LEADING.get(package.name))
        modules = [f"keras_gan.{package.name}.{stem}" for stem in stems]
        if modules:
            areas[package.name] = modules
    areas[""] = [
        f"keras_gan.{p.stem}" for p in sorted(PACKAGE.glob("*.py")) if not p.stem.startswith("_") and p.stem not in COMMANDS
    ]
    order = list(AREA_TITLES)
    return dict(sorted(areas.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))


def api_page(area: str, modules: list[str]) -> str:
    package = f"keras_gan.{area}" if area else "keras_gan"
    lines = [f"# {AREA_TITLES.get(area, area)}: `{package}`", ""]
    if area and len(docstring(package)) > 1:  # the package's own overview, where it has one
        lines += [f"::: {package}", "    options:", "      members: false", "      show_root_heading: false", ""]
    for module in modules:
        lines += [f"::: {module}", ""]
    return "\n".join(lines)


def api_index(areas: dict[str, list[str]]) -> str:
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings of the modules as they are. The most used names are also",
        "importable from the package itself: `from keras_gan import GAN, ConditionalGAN, data, networks, losses`.",
        "",
        "| area | modules |",
        "|---|---|",
    ]
    for area, modules in areas.items():
        names = ", ".join(f"`{m.rsplit('.', 1)[1]}`" for m in modules)
        lines.append(f"| [{AREA_TITLES.get(area, area)}]({api_uri(area).split('/')[-1]}) | {names} |")
    return "\n".join(lines) + "\n"


def api_uri(area: str) -> str:
    return f"reference/api/{area or 'top-level'}.md"


def command_parser(command: str):
    """The ``argparse`` parser of ``python -m keras_gan.<command>``.

    ``keras_gan.cli.parsers.<command>_parser()`` builds it without importing
    TensorFlow; without that module, the command module's ``build_parser()``.
    """
    try:
        parsers = importlib.import_module("keras_gan.cli.parsers")
    except ImportError:
        parsers = None
    if parsers is not None and hasattr(parsers, f"{command}_parser"):
        return getattr(parsers, f"{command}_parser")()
    return importlib.import_module(f"keras_gan.{command}").build_parser()


def docstring(module: str) -> str:
    """A module's (or a package's) docstring, read without importing it."""
    path = PACKAGE.parent / module.replace(".", "/")
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    return (ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or "").strip()


def summary(module: str) -> str:
    """The first line of a module's docstring, in Markdown."""
    line = docstring(module).split("\n")[0]
    line = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", line)  # Sphinx roles -> code
    return line.replace("``", "`")


def module_table() -> str:
    lines = ["| area | module | what it holds |", "|---|---|---|"]
    for area, modules in api_areas().items():
        link = api_uri(area).removeprefix("reference/")
        for module in modules:
            lines.append(f"| {AREA_TITLES.get(area, area)} | [`{module}`](reference/{link}#{module}) | {summary(module)} |")
    return "\n".join(lines) + "\n"


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri == "architecture.md":
        return markdown.replace("<!-- module-table -->", module_table())
    return markdown


def cli_page() -> str:
    """Each command's help text, as ``python -m keras_gan.<command> --help`` prints it."""
    lines = [
        "# CLI reference",
        "",
        "Each command's `--help`, generated from its argument parser when this site is built.",
        "Settings that `train` leaves unset come from the dataset's preset, then from the model family's.",
        "",
    ]
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal's width; fix it so the page does not depend on it
    try:
        for command in COMMANDS:
            parser = command_parser(command)
            lines += [f"## `python -m keras_gan.{command}`", "", "```text", parser.format_help().rstrip(), "```", ""]
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    return "\n".join(lines)


def notebook_title(path: Path) -> str:
    """The notebook's first markdown heading, or its file name."""
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return path.stem


def notebooks_index(notebooks: list[Path]) -> str:
    lines = [
        "# Notebooks",
        "",
        "Thin stories over the library, shown here with the outputs of a full run. The tests execute every",
        "notebook in a fast mode (`KERAS_GAN_FAST=1`: a few steps, the same cells);",
        "`python scripts/execute_notebooks.py notebooks/NAME.ipynb` runs one in full and saves its outputs.",
        "",
    ]
    lines += [f"* [{notebook_title(p)}]({p.name}) (`notebooks/{p.name}`)" for p in notebooks]
    return "\n".join(lines) + "\n"


def _expand_section(nav: list, title: str, entries: list) -> None:
    for i, item in enumerate(nav):
        if isinstance(item, dict) and title in item:
            index = item[title]
            nav[i] = {title: [index, *entries]}
            return
    raise ValueError(f"mkdocs.yml's nav has no {title!r} entry for the generated pages")


def on_config(config):
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    _expand_section(config["nav"], "Notebooks", [{notebook_title(p): f"notebooks/{p.name}"} for p in notebooks])
    areas = api_areas()
    _expand_section(config["nav"], "API reference", [{AREA_TITLES.get(a, a): api_uri(a)} for a in areas])
    return config


# Before mkdocs-jupyter's on_files, which turns the notebook files added here into pages.
@event_priority(100)
def on_files(files, config):
    areas = api_areas()
    files.append(File.generated(config, "reference/api/index.md", content=api_index(areas)))
    for area, modules in areas.items():
        files.append(File.generated(config, api_uri(area), content=api_page(area, modules)))
    files.append(File.generated(config, "reference/cli.md", content=cli_page()))
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    files.append(File.generated(config, "notebooks/index.md", content=notebooks_index(notebooks)))
    for path in notebooks:
        files.append(
            File(f"notebooks/{path.name}", src_dir=str(ROOT), dest_dir=config["site_dir"], use_directory_urls=config["use_directory_urls"])
        )
    return files
