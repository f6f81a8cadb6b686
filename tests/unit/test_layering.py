"""The package is laid out in layers; a module imports only from its own layer or below.

core -> models -> results -> sandbox -> tasks -> agents -> grading -> runner -> scoring -> report -> view
-> workflows -> cli
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import horizonbench

PACKAGE = Path(horizonbench.__file__).parent
CORE = "core"
LAYERS = [
    CORE,  # errors, validation, redact, hashing, logs: helpers with no project imports
    "models",
    "results",
    "sandbox",
    "tasks",
    "agents",
    "grading",
    "runner",
    "scoring",
    "report",
    "view",
    "workflows",
    "cli",
]
# Old import paths kept for one release: each forwards to the new home of its names.
DEPRECATED_SHIMS = {
    "horizonbench.results.models",
    "horizonbench.tasks.models",
    "horizonbench.agents.scripted",
    "horizonbench.agents.verify",
    "horizonbench.scoring.verifier",
    "horizonbench.scoring.predictions",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, mod: str | None = None) -> set[str]:
    """horizonbench modules ``path`` (module ``mod``) imports, at the top or inside functions."""
    mod = mod or module_name(path)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            if name == "horizonbench":  # `from horizonbench import x`: x may be a subpackage
                found.update(f"horizonbench.{a.name}" for a in node.names)
            elif name.startswith("horizonbench."):
                found.add(name)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("horizonbench."))
    return found


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) < 2 or parts[1] not in LAYERS:
        return CORE
    return parts[1]


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_subpackage_has_a_layer() -> None:
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert packages <= set(LAYERS), f"subpackages without a layer: {sorted(packages - set(LAYERS))}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: module_name(p))
def test_imports_go_down_the_layers(path: Path) -> None:
    mod = module_name(path)
    if mod in DEPRECATED_SHIMS:
        return
    rank = LAYERS.index(layer(mod))
    upward = sorted(
        f"{name} ({layer(name)})"
        for name in imports(path)
        if name.split(".")[1] != "__version__" and LAYERS.index(layer(name)) > rank
    )
    assert not upward, f"{mod} ({layer(mod)}) imports from layers above it: {upward}"


def test_core_modules_import_no_project_layer() -> None:
    for path in modules():
        mod = module_name(path)
        if layer(mod) == CORE and mod != "horizonbench._deprecated":
            above = sorted(n for n in imports(path) if layer(n) != CORE)
            assert not above, f"{mod} is a core helper but imports {above}"


def test_no_import_cycles_between_modules() -> None:
    graph = {module_name(p): {n for n in imports(p) if not n.endswith("__version__")} for p in modules()}
    for shim in DEPRECATED_SHIMS:
        graph.pop(shim, None)

    def resolve(name: str) -> str:
        # `from horizonbench.x import y` names module x.y when that exists, else x
        return name if name in graph else name.rpartition(".")[0]

    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            dep = resolve(dep)
            if dep == node or dep not in graph or node.startswith(dep + "."):
                continue  # a package's own __init__ is not a cycle with its modules
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                if not any(m.startswith(c + ".") for c in cycle for m in cycle if m != c):
                    pytest.fail(f"import cycle: {' -> '.join(cycle)}")
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from ..runner.trial import Trial\n\ndef f():\n    import horizonbench.report.plots\n")
    found = imports(bad, "horizonbench.sandbox.bad")
    assert found == {"horizonbench.runner.trial", "horizonbench.report.plots"}
    assert all(LAYERS.index(layer(n)) > LAYERS.index(layer("horizonbench.sandbox.bad")) for n in found)
