"""The layers of practicebase, and a check that the code keeps to them.

Each module belongs to one layer and imports only from its own layer or the layers below
(upper layers first):

====  ========  =====================================================================
rank  layer     modules
====  ========  =====================================================================
4     adapters  cli, __main__, commands.*, tui.*: parse arguments or keys, call actions,
                show results
3     actions   actions: the use cases both adapters share (add, edit and recheck,
                open or build the index)
2     services  search.*, index, duplicates, reports, export, export_html, coverage:
                read-side services and the index over the store
1     store     store, validate: the entries/ folder; field rules over parsed entries
0     base      practicebase (the package), entry, evidence, vocabulary, parse, textnorm,
                template, fsutil, sanitize, kb, analysis, query, markdown_render,
                whoosh_internals, state, lazyre
====  ========  =====================================================================

Every import counts: at the top of a module, inside functions, and inside `try` blocks
(only `if TYPE_CHECKING:` blocks are left out: they never run). No two modules may import
each other, directly or round a longer loop. In the layers below the adapters, an import
inside a function is allowed only where start-up time needs it, and says so in a comment
on the same line or just above it. docs/architecture.md shows the same table.
"""

from __future__ import annotations

import ast
from pathlib import Path

import practicebase

SRC = Path(practicebase.__file__).resolve().parent

ADAPTERS, ACTIONS, SERVICES, STORE, BASE = 4, 3, 2, 1, 0
LAYER_NAMES = {4: "adapters", 3: "actions", 2: "services", 1: "store", 0: "base"}

# Module (or package, with every module inside it) -> rank. The longest match wins.
LAYERS = {
    "practicebase.cli": ADAPTERS,
    "practicebase.__main__": ADAPTERS,
    "practicebase.commands": ADAPTERS,
    "practicebase.tui": ADAPTERS,
    "practicebase.actions": ACTIONS,
    "practicebase.search": SERVICES,
    "practicebase.index": SERVICES,
    "practicebase.duplicates": SERVICES,
    "practicebase.reports": SERVICES,
    "practicebase.export": SERVICES,
    "practicebase.export_html": SERVICES,
    "practicebase.coverage": SERVICES,
    "practicebase.store": STORE,
    "practicebase.validate": STORE,
    "practicebase": BASE,
    "practicebase.entry": BASE,
    "practicebase.evidence": BASE,
    "practicebase.vocabulary": BASE,
    "practicebase.parse": BASE,
    "practicebase.textnorm": BASE,
    "practicebase.lazyre": BASE,
    "practicebase.template": BASE,
    "practicebase.fsutil": BASE,
    "practicebase.sanitize": BASE,
    "practicebase.kb": BASE,
    "practicebase.analysis": BASE,
    "practicebase.query": BASE,
    "practicebase.markdown_render": BASE,
    "practicebase.whoosh_internals": BASE,
    "practicebase.state": BASE,
}
PACKAGES = {"practicebase.commands", "practicebase.tui", "practicebase.search"}


def module_files() -> dict[str, Path]:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = ("practicebase", *path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = module_files()


def layer_of(module: str) -> int | None:
    if module in LAYERS and (module not in PACKAGES or module in MODULES):
        return LAYERS[module]
    for package in PACKAGES:
        if module.startswith(package + "."):
            return LAYERS[package]
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class Import:
    def __init__(self, target: str, line: int, in_function: bool, commented: bool):
        self.target, self.line, self.in_function, self.commented = (
            target,
            line,
            in_function,
            commented,
        )


def imports_of(module: str, path: Path) -> list[Import]:
    """Every practicebase module `module` imports, wherever the import statement is."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []

    def commented(node: ast.stmt) -> bool:
        """A comment on the import's line or among the three lines above it."""
        nearby = lines[max(0, node.lineno - 4) : node.lineno]
        return "#" in nearby[-1] or any(line.strip().startswith("#") for line in nearby)

    def targets(node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, *([node.module] if node.module else [])])
        # `from practicebase import query` imports the module practicebase.query.
        named = [f"{base}.{alias.name}" for alias in node.names]
        submodules = [name for name in named if name in MODULES]
        return submodules or [base]

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other, in_function)
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                for target in targets(child):
                    if target == "practicebase" or target.startswith("practicebase."):
                        found.append(Import(target, child.lineno, in_function, commented(child)))
            inner = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            visit(child, inner)

    visit(ast.parse(source), False)
    return found


GRAPH = {module: imports_of(module, path) for module, path in MODULES.items()}


def test_every_module_has_a_layer():
    missing = sorted(m for m in MODULES if layer_of(m) is None)
    assert not missing, f"put these modules in a layer in {__file__}: {missing}"


def test_no_module_imports_from_a_layer_above_it():
    broken = []
    for module, imports in GRAPH.items():
        rank = layer_of(module)
        for item in imports:
            target_rank = layer_of(item.target)
            if rank is not None and target_rank is not None and target_rank > rank:
                broken.append(
                    f"{MODULES[module].relative_to(SRC.parent)}:{item.line}: {module} "
                    f"({LAYER_NAMES[rank]}) imports {item.target} ({LAYER_NAMES[target_rank]})"
                )
    assert not broken, "\n".join(broken)


def _cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (or a module importing
    itself), by Tarjan's algorithm."""
    edges = {
        m: sorted({i.target for i in imports if i.target in MODULES})
        for m, imports in GRAPH.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                connect(nxt)
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
            if len(component) > 1 or node in edges[node]:
                components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return components


def test_no_import_cycles():
    assert _cycles() == []


def test_imports_inside_functions_in_the_core_say_why():
    silent = [
        f"{MODULES[module].relative_to(SRC.parent)}:{item.line}: {item.target}"
        for module, imports in GRAPH.items()
        if layer_of(module) is not None and layer_of(module) < ADAPTERS
        for item in imports
        if item.in_function and not item.commented
    ]
    assert not silent, "imports inside functions without a comment saying why:\n" + "\n".join(
        silent
    )


def test_the_check_sees_a_cycle_and_a_broken_layer():
    """The check itself: a loop and an upward import written the way the old code had them
    (inside functions) are both found."""
    saved = dict(GRAPH)
    try:
        GRAPH["practicebase.store"] = [
            *GRAPH["practicebase.store"],
            Import("practicebase.index", 1, True, False),
        ]
        assert any("practicebase.store" in c and "practicebase.index" in c for c in _cycles())
        assert layer_of("practicebase.index") > layer_of("practicebase.store")
    finally:
        GRAPH.clear()
        GRAPH.update(saved)
