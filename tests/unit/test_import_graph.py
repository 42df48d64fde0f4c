"""The house's import rules (issue 12), read from the source with `ast`: no module imports a
private name (one starting with `_`) from another, directly or as `module._name`, and the
modules import one another without a cycle, function-local imports included. Imports only
for type checking (`if TYPE_CHECKING:`) are not run, so they are left out. And no module is
over 600 lines."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "safelog"


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _run_time_nodes(tree: ast.Module) -> Iterator[ast.AST]:
    """Every node except those under `if TYPE_CHECKING:`."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return (n for n in ast.walk(tree) if id(n) not in skipped)


def _imports(name: str, path: Path) -> tuple[set[str], list[str]]:
    """The safelog modules `name` imports at run time, and the private names it takes."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    private: list[str] = []
    aliases: dict[str, str] = {}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = list(_run_time_nodes(tree))
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != "safelog":
                continue
            for alias in node.names:
                whole = f"{source}.{alias.name}"
                if whole in MODULES:
                    targets.add(whole)
                    aliases[alias.asname or alias.name] = whole
                elif source in MODULES:
                    targets.add(source)
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        private.append(f"{name}: from {source} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    targets.add(alias.name)
                    if alias.asname:
                        aliases[alias.asname] = alias.name
    for node in nodes:
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            private.append(f"{name}: {aliases[node.value.id]}.{node.attr}")
    return targets - {name}, private


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_no_module_takes_another_modules_private_names() -> None:
    private = [line for _, (_, found) in sorted(GRAPH.items()) for line in found]
    assert private == []


def test_modules_import_one_another_without_a_cycle() -> None:
    edges = {name: targets & MODULES.keys() for name, (targets, _) in GRAPH.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: being walked, 2: done
    path: list[str] = []

    def walk(name: str) -> None:
        state[name] = 1
        path.append(name)
        for target in sorted(edges[name]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                walk(target)
        path.pop()
        state[name] = 2

    for name in sorted(edges):
        if name not in state:
            walk(name)
    assert cycles == [], "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_the_checker_sees_the_package() -> None:
    # A checker that read nothing would pass: it must see the modules and their imports.
    assert "safelog.vault.session" in MODULES and "safelog.gui.main_window" in MODULES
    assert "safelog.domain.roles" in GRAPH["safelog.vault.authority"][0]


MAX_LINES = 600  # the house limit on one module (issue 12)


def test_no_module_is_over_the_line_limit() -> None:
    # Fails, naming every offender with its length, until each is split.
    over = sorted(
        f"{path.relative_to(ROOT.parent)}: {lines} lines"
        for path in MODULES.values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    )
    assert over == [], f"modules over {MAX_LINES} lines:\n" + "\n".join(over)
