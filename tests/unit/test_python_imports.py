"""The Python modules import each other without a circle.

A circle of module-level imports makes a module run while another is half-initialised: which names exist then
depends on which module was imported first, so a handler may fail on a cold start that a test never sees.

What counts: every import a module runs when it is loaded (at its top level, also inside a module-level `if` or
`try`), and importing `a.b.c` runs `a` and `a.b` first, so it depends on those packages too (but for a module
inside them: its own packages have begun loading before it runs). What does not:
an import inside a function, run on first use (the cold-start deferrals: by then every module it names has
loaded), and one under `if TYPE_CHECKING:`, which never runs. The lazy imports still form circles of their own;
`test_the_lazy_circles_are_the_known_ones` keeps that list true, so a new one is a decision, not an accident.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shared", "functions", "infra", "ops")

# Circles through imports made inside functions, one per strongly connected group, as `circle` finds them.
KNOWN_LAZY_CIRCLES = {
    "shared.aws.dynamodb -> shared.aws.models -> shared.aws.dynamodb",
    "shared.books -> shared.books.dynamo -> shared.books.work -> shared.domain.attention -> "
    "shared.domain.dispute_states -> shared.books",
    "shared.services.ach_payments -> shared.services.saved_methods -> shared.services.autopay -> "
    "shared.services.ach_payments",
    # prime() loads the Stripe SDK into a snapshot; the SDK's loader uses the package's deferred_modules
    "shared.coldstart -> shared.processors.stripe_sdk -> shared.coldstart",
}


def modules(root: Path) -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ("TYPE_CHECKING" in ast.unparse(node.test))


def _imports(node: ast.AST, lazy: bool) -> list[ast.Import | ast.ImportFrom]:
    """The imports under `node` that run when the module loads (with `lazy`: also those inside functions)."""
    found: list[ast.Import | ast.ImportFrom] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) and not lazy:
            continue
        if _type_checking(child):
            found += [i for n in child.orelse for i in [n, *ast.walk(n)] if isinstance(i, ast.Import | ast.ImportFrom)]
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            found.append(child)
        found += _imports(child, lazy)
    return found


def graph(root: Path, lazy: bool = False) -> dict[str, set[str]]:
    """Module -> the first-party modules it imports (each package on the way included)."""
    known = modules(root)
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        # A module's own packages have begun loading before it runs: importing a sibling (`a.b.c` from `a.b.d`)
        # runs nothing of `a` or `a.b` again, so those are not edges.
        own = {".".join(name.split(".")[:i]) for i in range(1, len(name.split(".")))}
        for node in _imports(ast.parse(path.read_text()), lazy):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:  # relative: from the module's package, one level up per extra dot
                    base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
            for target in targets:
                parts = target.split(".")
                edges[name] |= (
                    {p for i in range(1, len(parts) + 1) if (p := ".".join(parts[:i])) in known} - {name} - own
                )
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One circle per group of modules that reach each other (Tarjan's strongly connected components), each the
    shortest way from its first module back to it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = {stack.pop()}
            while node not in group:
                group.add(stack.pop())
            if len(group) > 1:
                groups.append(group)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(_shortest_circle(edges, group) for group in groups)


def _shortest_circle(edges: dict[str, set[str]], group: set[str]) -> list[str]:
    start = min(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(edges[node]):
                if nxt == start:
                    trail = [node]
                    while trail[-1] != start:
                        trail.append(came_from[trail[-1]])
                    return [*reversed(trail), start]
                if nxt in group and nxt not in came_from:
                    came_from[nxt] = node
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no circle in {sorted(group)}")


def test_no_module_level_import_circle():
    found = circles(graph(ROOT))
    assert not found, "import circles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_lazy_circles_are_the_known_ones():
    found = {" -> ".join(c) for c in circles(graph(ROOT, lazy=True))}
    assert found == KNOWN_LAZY_CIRCLES, "the circles through imports inside functions are now:\n" + "\n".join(
        sorted(found)
    )


def test_the_check_finds_a_circle_and_leaves_deferred_and_type_only_imports_out(tmp_path):
    (tmp_path / "shared" / "pkg").mkdir(parents=True)
    (tmp_path / "shared" / "__init__.py").write_text("")
    (tmp_path / "shared" / "pkg" / "__init__.py").write_text("from shared.c import C\n")
    (tmp_path / "shared" / "a.py").write_text("from shared.pkg import b\n")
    (tmp_path / "shared" / "pkg" / "b.py").write_text("import os\nfrom .. import a\n")
    (tmp_path / "shared" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from shared import a\n"
        "def later():\n    from shared.pkg import b\n"
    )
    edges = graph(tmp_path)
    assert edges["shared.pkg.b"] == {"shared.a"}  # `from .. import a`: the module (its package runs before b)
    assert circles(edges) == [["shared.a", "shared.pkg.b", "shared.a"]]
    (tmp_path / "shared" / "pkg" / "b.py").write_text("import os\n")
    assert circles(graph(tmp_path)) == []
    assert circles(graph(tmp_path, lazy=True)) == [["shared.c", "shared.pkg", "shared.c"]]
    # A package whose __init__ imports a submodule that imports its sibling: no circle (the package has begun).
    (tmp_path / "shared" / "pkg" / "__init__.py").write_text("from shared.pkg.b import B\n")
    (tmp_path / "shared" / "pkg" / "b.py").write_text("from shared.pkg.d import D\n")
    (tmp_path / "shared" / "pkg" / "d.py").write_text("D = 1\n")
    assert circles(graph(tmp_path)) == []
