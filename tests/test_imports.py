"""The packages' import graph has no cycle, function-local imports included (a cycle hidden inside a
function still ties the modules together), and the plugin keeps its state in one stash entry."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("fixtures", "harness", "reports")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str], root: Path = ROOT) -> set[str]:
    """The suite modules `path` imports anywhere in its body (top level or inside functions)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: `from .build import x`
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # `from reports import build` imports the submodule reports.build when there is one
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import harness.stats.x` -> the module that exists
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    modules = {module_name(p) for p in files}
    return {module_name(p): imports_of(p, modules) for p in files}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_packages_have_no_import_cycle():
    graph = import_graph()
    assert {"fixtures.options", "fixtures.report", "fixtures.record", "reports.page"} <= set(graph)
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function(tmp_path):
    """Counter-example: the old options -> report -> record -> options cycle, with function-local imports."""
    package = tmp_path / "fixtures"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "options.py").write_text("def f():\n    from fixtures.report import PLUGIN_NAME\n")
    (package / "report.py").write_text("from fixtures.record import ERROR_TEXT_LIMIT\n")
    (package / "record.py").write_text("def g():\n    from fixtures.options import parse_seed_base\n")
    files = list(package.glob("*.py"))
    modules = {module_name(p, tmp_path) for p in files}
    graph = {module_name(p, tmp_path): imports_of(p, modules, tmp_path) for p in files}
    cycle = find_cycle(graph)
    assert cycle is not None and set(cycle) == {"fixtures.options", "fixtures.report", "fixtures.record"}


def test_relative_imports_resolve_to_their_module():
    graph = import_graph()
    assert {"reports.files", "reports.page"} <= graph["reports.merge"]


@pytest.mark.parametrize("path", sorted((ROOT / "fixtures").glob("*.py")), ids=lambda p: p.name)
def test_the_plugin_sets_no_claims_attributes_on_the_config(path):
    """The plugin's state lives in one frozen ClaimsSession in config.stash (fixtures.session), not in
    `config.claims_*` attributes set by several modules."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    attributes = sorted({node.attr for node in ast.walk(tree)
                         if isinstance(node, ast.Attribute) and node.attr.startswith("claims_")
                         and node.attr != "claims_session"})
    assert not attributes, f"{path.name} uses {attributes}: read claims_session(config) instead"
