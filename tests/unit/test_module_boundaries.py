"""How the modules of safelog/ may use each other (STYLE.md: no private names imported
across modules, no cycles held apart by function-local imports). Read with `ast`; nothing
is imported."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import safelog

ROOT = Path(safelog.__file__).parent

# The case use cases and everything below them: they import one another at the top only,
# so a cycle among them fails at import instead of hiding inside a function.
CASE_MODULES = (
    "audit_view",
    "authority",
    "case_engine",
    "case_input",
    "case_reading",
    "case_schema",
    "case_summary",
    "case_writing",
    "cases",
    "content_entry",
    "content_form",
    "escalations",
    "evidence",
    "evidence_custody",
    "evidence_reading",
    "evidence_rules",
    "evidence_statements",
    "evidence_streams",
    "open_actions",
    "receipt_store",
    "receipts",
    "records",
    "retention",
    "workspace",
)


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _is_module(dotted: str) -> bool:
    relative = Path(*dotted.split("."))
    return (ROOT.parent / relative).with_suffix(".py").is_file() or (
        ROOT.parent / relative / "__init__.py"
    ).is_file()


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")[: -node.level] if node.level else []
    return ".".join([*base, *([node.module] if node.module else [])])


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def _private_uses(module: str, tree: ast.Module) -> Iterator[str]:
    """`from safelog.x import _name`, and `x._name` where x is a safelog module."""
    modules: dict[str, str] = {}  # local name -> the safelog module it is
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            if not source.startswith("safelog"):
                continue
            for alias in node.names:
                if _private(alias.name):
                    yield f"line {node.lineno}: from {source} import {alias.name}"
                if _is_module(f"{source}.{alias.name}"):
                    modules[alias.asname or alias.name] = f"{source}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("safelog"):
                    local = alias.asname or alias.name
                    modules[local] = alias.name
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not _private(node.attr):
            continue
        owner = _dotted(node.value)
        if owner is None:
            continue
        head, _, rest = owner.partition(".")
        if head not in modules:
            continue
        target = ".".join(filter(None, [modules[head], rest]))
        if _is_module(target) and target != module:
            yield f"line {node.lineno}: {owner}.{node.attr}"


def test_no_module_uses_another_modules_private_names() -> None:
    found = [
        f"{module} {use}"
        for module, path in _modules()
        for use in _private_uses(module, ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert found == []


def test_the_case_modules_import_one_another_at_the_top_only() -> None:
    found = []
    for name in CASE_MODULES:
        path = ROOT / "vault" / f"{name}.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and _absolute(
                    f"safelog.vault.{name}", node
                ).startswith("safelog.vault"):
                    found.append(f"{name}.{function.name}, line {node.lineno}")
    assert found == []


def test_the_checks_find_what_they_look_for() -> None:
    """The two checks above, on code that breaks them."""
    bad = ast.parse(
        "from safelog.vault.cases import _read_versions\n"
        "from safelog.vault import evidence\n"
        "import safelog.vault.cases as cases\n"
        "evidence._statement()\n"
        "cases._rekey()\n"
        "safelog_name._fine()\n"
    )
    assert [use.split(":")[0] for use in _private_uses("safelog.other", bad)] == [
        "line 1",
        "line 4",
        "line 5",
    ]
