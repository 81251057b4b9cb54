"""The packages of ``src/chamba`` import each other one way: no package cycle remains.

The import contracts of ``pyproject.toml`` (``lint-imports``, run by ``scripts/test.sh``) fix
the layers; siblings of one layer may import each other, so this test proves, on the same
import graph (grimp, which import-linter reads), that no cycle forms among the packages. A
function-local import counts like any other. The app shells (``api``, ``web``, ``cli``,
``demo``, ``__main__``) and the table registry ``models.py`` import everything by design and
are left out; the Alembic migrations are not a package.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]

SHELLS = frozenset(
    {"api", "web", "cli", "cli_learning", "cli_support", "demo", "models", "__main__"}
)
#: Package imports that would close a cycle, allowed while they wait for their move. None is
#: left (issue #14); an entry here whose import is gone fails the test until it is removed.
KNOWN_BACK_EDGES: frozenset[tuple[str, str]] = frozenset()


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def package_graph() -> dict[str, set[str]]:
    """``{package: packages it imports}`` among the packages and modules under ``chamba``."""
    graph = grimp.build_graph("chamba", cache_dir=None)
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        source = _package(module)
        for imported in graph.find_modules_directly_imported_by(module):
            target = _package(imported)
            if source and target and source != target:
                edges[source].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one package (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(set(edges) | {t for ts in edges.values() for t in ts}):
        if node not in index:
            visit(node)
    return sorted(found)


def test_cycles_finds_a_cycle_and_only_cycles() -> None:
    # GIVEN a -> b -> c -> a, and c -> d
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}}
    # THEN the one cycle is found, without d
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}}) == []


def test_no_package_cycle_remains() -> None:
    # GIVEN the imports between the packages of src/chamba, the app shells left out
    edges = {
        source: {t for t in targets if t not in SHELLS}
        for source, targets in package_graph().items()
        if source not in SHELLS
    }
    # THEN each known back edge still exists (else remove it from the list)
    gone = sorted(e for e in KNOWN_BACK_EDGES if e[1] not in edges.get(e[0], set()))
    assert not gone, f"no longer imported, remove from KNOWN_BACK_EDGES: {gone}"
    # AND without them, no package imports itself through others
    for source, target in KNOWN_BACK_EDGES:
        edges[source].discard(target)
    assert cycles(edges) == []


def test_every_package_has_its_layer() -> None:
    # GIVEN the layers contract of pyproject.toml
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    declared = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    # WHEN every package and module directly under src/chamba is listed
    src = ROOT / "src" / "chamba"
    found = {p.stem for p in src.glob("*.py") if p.stem != "__init__"} | {
        p.parent.name for p in src.glob("*/__init__.py")
    }
    # THEN each has a layer (a new one must be placed), and no layer names a missing one
    assert sorted(found - declared) == []
    assert sorted(declared - found) == []
