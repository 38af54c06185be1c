"""The package's shape: no import cycles between `outreach` modules, a small top level, no
oversized module, and no pointer to the team's private notes in anything the project ships.
And the tests' own: no assertion that cannot fail.

The import graph is read from the source with `ast` (nothing is imported), so a cycle that only
bites when a function runs (an import inside a function) is caught too. Imports under
`if TYPE_CHECKING:` never run and are left out."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "outreach"
MAX_TOP_MODULES = 12
MAX_LINES = 600


# --- the import graph ---------------------------------------------------------------------------

def module_files(root: Path, package: str) -> dict[str, Path]:
    """Every module of `package` (a folder under `root`) by dotted name; `pkg/__init__.py` is
    `pkg`."""
    found: dict[str, Path] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(tree: ast.AST) -> Iterable[ast.Import | ast.ImportFrom]:
    """Every import statement that can run, at any depth (functions, classes, try blocks);
    the body of `if TYPE_CHECKING:` is skipped, its `else:` is not."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _owner(name: str, modules: Mapping[str, Path]) -> str | None:
    """The module that `name` lives in: itself, or its nearest ancestor that is a module
    (`import outreach.x.y` where y is a class cannot happen, but a stale name should not crash)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """module -> the package's modules it imports at run time."""
    modules = module_files(root, package)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _runtime_imports(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    # Relative: level 1 is the module's own package (itself, for an __init__).
                    base = name.split(".")
                    drop = node.level - 1 if is_package else node.level
                    base = base[: len(base) - drop] if drop else base
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                for alias in node.names:
                    # `from outreach.pkg import name` imports the submodule when there is one.
                    sub = f"{source}.{alias.name}"
                    targets.append(sub if sub in modules else source)
            for target in targets:
                if target != package and not target.startswith(package + "."):
                    continue
                owner = _owner(target, modules)
                if owner is not None:
                    graph[name].add(owner)
    return graph


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit to meet)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph.get(succ, ())))))
                    advanced = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _cycle_through(start: str, members: set[str], graph: Mapping[str, Iterable[str]]) -> list[str]:
    """A shortest import path from `start` back to itself inside one component."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for succ in sorted(graph.get(node, ())):
                if succ not in members:
                    continue
                if succ == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if succ not in previous:
                    previous[succ] = node
                    following.append(succ)
        frontier = following
    return []


def import_cycles(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """One line per cycle: the modules of each strongly connected component that has a cycle,
    with one concrete import loop through them."""
    found = []
    for component in strongly_connected(graph):
        members = set(component)
        first = component[0]
        if len(component) == 1 and first not in set(graph.get(first, ())):
            continue
        loop = _cycle_through(first, members, graph)
        found.append(f"{', '.join(component)}: " + " -> ".join(loop))
    return found


# --- the detector on graphs made up for it --------------------------------------------------------

def test_detector_finds_each_cycle_and_nothing_else():
    graph = {
        "a": {"b"}, "b": {"c"}, "c": {"a", "d"},  # a cycle of three
        "d": {"e"}, "e": set(),                   # a chain off it
        "f": {"f"},                               # a module importing itself
        "g": {"h"}, "h": {"g"},                   # a second, separate cycle
    }
    components = {tuple(c) for c in strongly_connected(graph) if len(c) > 1}
    assert components == {("a", "b", "c"), ("g", "h")}
    assert import_cycles(graph) == ["a, b, c: a -> b -> c -> a", "f: f -> f", "g, h: g -> h -> g"]
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_graph_builder_sees_function_imports_and_skips_type_checking(tmp_path):
    pkg = tmp_path / "toy"
    (pkg / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "from toy.sub import b\n",
        "sub/__init__.py": "VALUE = 1\n",
        # An import inside a function still closes the loop when the function runs.
        "sub/b.py": "def later():\n    from toy import c\n    return c\n",
        "c.py": "import toy.a\nfrom toy.sub import VALUE\n",
        # Imports for type checkers only never run: no cycle d <-> a.
        "d.py": ("from typing import TYPE_CHECKING\nimport typing\nif TYPE_CHECKING:\n"
                 "    from toy import a\nif typing.TYPE_CHECKING:\n    import toy.a\n"
                 "else:\n    from . import e\n"),
        "e.py": "from .sub.b import later\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(text, encoding="utf-8")
    graph = import_graph(tmp_path, "toy")
    assert graph["toy.a"] == {"toy.sub.b"}
    assert graph["toy.sub.b"] == {"toy.c"}
    assert graph["toy.c"] == {"toy.a", "toy.sub"}
    assert graph["toy.d"] == {"toy.e"}
    assert graph["toy.e"] == {"toy.sub.b"}
    assert import_cycles(graph) == ["toy.a, toy.c, toy.sub.b: toy.a -> toy.sub.b -> toy.c -> toy.a"]


# --- the real package ----------------------------------------------------------------------------

def test_outreach_has_no_import_cycle():
    graph = import_graph(ROOT, PACKAGE)
    assert len(graph) > 50 and graph["outreach.planning.planner"], "the graph was not read"
    cycles = import_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


# The floors (docs/architecture.md, "Which way imports go"): a module imports from its own floor
# or below. Within the middle floors the arrows are one way, as listed.
FLOORS = {
    0: {"config", "config_syntax", "db", "models", "crypto", "media", "audit", "errors",
        "migrations"},
    1: {"sources", "compose", "platforms", "sandbox"},
    2: {"planning", "dispatch", "engagement", "reports"},
    3: {"desk"},
    4: {"cli", "web", "clock", "demo", "notify"},
}


def floor_of(module: str) -> int | None:
    part = module.split(".")[1] if "." in module else None
    return next((n for n, names in FLOORS.items() if part in names), None)


def test_imports_go_down_the_floors():
    graph = import_graph(ROOT, PACKAGE)
    upward = [f"{a} -> {b}" for a, targets in graph.items() for b in targets
              if floor_of(a) is not None and floor_of(b) is not None and floor_of(b) > floor_of(a)]
    # On the first floor only the sandbox may use a neighbour (platforms: images, X's count).
    sideways = [f"{a} -> {b}" for a, targets in graph.items() for b in targets
                if floor_of(a) == floor_of(b) == 1 and a.split(".")[1] != b.split(".")[1]
                and not (a.startswith("outreach.sandbox") and b.startswith("outreach.platforms"))]
    assert not upward and not sideways, "\n".join(upward + sideways)
    assert all(floor_of(m) is not None for m in graph if m != PACKAGE), \
        [m for m in graph if m != PACKAGE and floor_of(m) is None]


def test_top_level_stays_small():
    top = sorted(p.name for p in (ROOT / PACKAGE).glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, (
        f"{len(top)} modules at the top of {PACKAGE}/ (at most {MAX_TOP_MODULES}): {top}")


def test_no_module_is_oversized():
    long = []
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        if "migrations" in path.relative_to(ROOT / PACKAGE).parts:
            continue
        count = len(path.read_text(encoding="utf-8").splitlines())
        if count > MAX_LINES:
            long.append(f"{path.relative_to(ROOT)}: {count} lines")
    assert not long, f"modules over {MAX_LINES} lines:\n" + "\n".join(long)


PRIVATE_NOTES = re.compile(r"\.\./shared|DESIGN\.md|STYLE\.md")


def test_nothing_shipped_points_at_the_team_notes():
    paths = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*")),
             *sorted((ROOT / PACKAGE).rglob("*"))]
    hits = []
    for path in paths:
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images, compiled catalogues
        for number, line in enumerate(text.splitlines(), 1):
            if PRIVATE_NOTES.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not hits, "lines that point at the team's notes:\n" + "\n".join(hits)


# --- assertions that cannot fail --------------------------------------------------------------

def always_true(test: ast.expr) -> bool:
    """An assert condition true whatever the code under test does: a non-empty literal (a set
    or list display is truthy however its items compare), a truthy constant or f-string, a
    generator or lambda, or a plain expression compared with itself (calls excepted: comparing
    two calls checks that the function is deterministic)."""
    if isinstance(test, (ast.Set, ast.List, ast.Tuple)):
        return bool(test.elts)
    if isinstance(test, ast.Dict):
        return bool(test.keys)
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and v.value for v in test.values)
    if isinstance(test, (ast.GeneratorExp, ast.Lambda)):
        return True
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(always_true(v) for v in test.values)
    if (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], (ast.Eq, ast.Is, ast.GtE, ast.LtE))
            and not any(isinstance(n, ast.Call) for n in ast.walk(test))):
        return ast.dump(test.left) == ast.dump(test.comparators[0])
    return False


def test_detector_of_assertions_that_cannot_fail():
    def flagged(source: str) -> bool:
        return always_true(ast.parse(source).body[0].test)

    for source in ("assert {x.status for x in rows} == {'ok'}", "assert not rows",
                   "assert f() == f()", "assert a or b", "assert {x for x in rows}"):
        assert not flagged(source), source
    for source in ("assert {'published'}", "assert [rows]", "assert (a, 'why')", "assert True",
                   "assert 'text'", "assert f'{a}!'", "assert (x for x in rows)",
                   "assert a == a", "assert a or [1]"):
        assert flagged(source), source


def test_no_assertion_in_the_tests_cannot_fail():
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assert) and always_true(node.test):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:100]}")
    assert not found, "assertions that cannot fail:\n" + "\n".join(found)
