"""The package's layout: imports go one way (no cycle between kg modules, counting imports inside functions),
functions stay short enough to read, and `kg` declares its public API."""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import kg

KG = Path(__file__).resolve().parent.parent / "kg"
MAX_FUNCTION_LINES = 120

# Files allowed a function over MAX_FUNCTION_LINES, with the reason.
LONG_FUNCTIONS_ALLOWED: dict[str, str] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(KG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(KG.rglob("*.py"))}


def imported(path: Path, known: set[str]) -> set[str]:
    """The kg modules a file imports, anywhere in it (module level or inside a function)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets = [source] + [f"{source}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # kg.a.b.name -> the module kg.a.b
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> nx.DiGraph:
    mods = modules()
    graph = nx.DiGraph()
    for name, path in mods.items():
        graph.add_node(name)
        for target in imported(path, set(mods)):
            if not (name.startswith(target + ".") and target in mods and mods[target].name == "__init__.py"):
                graph.add_edge(name, target)  # a package's module importing its own __init__ is not a cycle
    return graph


def test_imports_form_no_cycle():
    cycles = sorted(sorted(cycle) for cycle in nx.simple_cycles(import_graph()))
    assert cycles == []


def test_the_import_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert graph.has_edge("kg.cli", "kg.builder.pipeline")  # imported inside the build command
    assert graph.has_edge("kg.builder.pipeline", "kg.graph")  # imported at module level


def test_functions_are_short():
    long = []
    for path in sorted(KG.rglob("*.py")):
        rel = path.relative_to(KG.parent).as_posix()
        if rel in LONG_FUNCTIONS_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{rel}:{node.lineno} {node.name} ({length} lines)")
    assert long == []


def test_the_exemptions_name_existing_files():
    assert [rel for rel in LONG_FUNCTIONS_ALLOWED if not (KG.parent / rel).is_file()] == []


def test_kg_declares_its_public_api():
    assert set(kg.__all__) == {"BuildOutput", "KgError", "__version__", "build", "load", "query"}
    assert all(getattr(kg, name) is not None for name in kg.__all__)
    assert callable(kg.query) and callable(kg.build) and callable(kg.load)
