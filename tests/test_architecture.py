"""The package's shape: its import graph has no cycles, and the command line's parsers need no TensorFlow."""

import ast
from pathlib import Path

import keras_gan

PACKAGE = Path(keras_gan.__file__).parent


def module_names() -> dict[str, Path]:
    """Every module under keras_gan/, by dotted name (a package by its own name)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def imported(tree: ast.Module, name: str, is_package: bool, modules, top_level: bool = False) -> set[str]:
    """The keras_gan modules that a module's import statements name: all of them, or those run at import.

    ``from a import b`` counts as importing ``a.b`` when that is a module, else ``a``.
    """
    found = set()
    package = name if is_package else name.rpartition(".")[0]
    for node in (_top_level(tree) if top_level else ast.walk(tree)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {target for target in found if target in modules and target != name}


def _top_level(tree: ast.Module):
    """The statements run when the module is imported: its body, with the branches of ``if`` and ``try``."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, (ast.If, ast.Try)):
            todo.extend([*node.body, *node.orelse, *getattr(node, "finalbody", []),
                         *(statement for handler in getattr(node, "handlers", []) for statement in handler.body)])


def import_graph(top_level: bool = False) -> dict[str, set[str]]:
    """Module -> the keras_gan modules it imports (only at import time when ``top_level``)."""
    modules = module_names()
    return {
        name: imported(ast.parse(path.read_text()), name, path.name == "__init__.py", modules, top_level)
        for name, path in modules.items()
    }


def third_party(name: str) -> set[str]:
    """The top-level packages outside keras_gan that a module imports at import time."""
    found = set()
    for node in _top_level(ast.parse(module_names()[name].read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found.add((node.module or "").split(".")[0])
    return found - {"keras_gan"}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes (first repeated last), or None."""
    state = {}  # 1: on the current path, 2: done

    def visit(node, path):
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state:
                cycle = visit(target, [*path, target])
                if cycle:
                    return cycle
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [node])
            if cycle:
                return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_none_where_there_is_none():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_imports_are_resolved_to_modules():
    graph = import_graph()
    assert "keras_gan.cli.families" in graph["keras_gan.cli.build"]
    assert "keras_gan.data.catalog" in graph["keras_gan.data.datasets"]  # `from keras_gan.data import catalog`


def test_the_package_import_graph_has_no_cycles():
    assert find_cycle(import_graph()) is None


def test_the_parsers_import_no_module_that_imports_tensorflow_at_import_time():
    graph = import_graph(top_level=True)
    reached, todo = set(), ["keras_gan.cli.parsers"]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(graph[name])
    assert "keras_gan.cli.config" in reached
    assert {name for name in reached if {"tensorflow", "keras"} & third_party(name)} == set()
