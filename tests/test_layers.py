"""Dependencies point one way (STYLE.md, issue 12): the store only persists (it imports no connector); analyses
read the store; validation checks it; the pipeline orchestrates connectors, store, derived tables and checks; the
interfaces sit on top. Checked on the import graph of every module, lazy (function-level) imports included."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "sanctuarywatch"
# Each layer may import only from layers listed before it (and itself).
LAYERS = ["errors", "config", "csv_out", "geo", "sources", "store", "analysis", "validate", "pipeline", "present",
          "web", "api", "cli"]  # fmt: skip


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        name = _module(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sanctuarywatch"):
                graph[name].add(node.module)
            elif isinstance(node, ast.Import):
                graph[name].update(a.name for a in node.names if a.name.startswith("sanctuarywatch"))
    return graph


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_upward_import_between_layers():
    upward = []
    for source, targets in _imports().items():
        here = _layer(source)
        if here not in LAYERS:
            continue
        for target in targets:
            there = _layer(target)
            if there in LAYERS and LAYERS.index(there) > LAYERS.index(here):
                upward.append(f"{source} imports {target}")
    assert upward == [], "\n".join(sorted(upward))


def test_store_does_not_import_sources():
    offenders = sorted(s for s, ts in _imports().items() if _layer(s) == "store" for t in ts if _layer(t) == "sources")
    assert offenders == []


def test_no_import_cycle_between_modules():
    graph = _imports()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in list(graph):
        if v not in index:
            visit(v)
    assert cycles == []
