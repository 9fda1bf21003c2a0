"""The portal's ES modules import each other without a circle (a circle makes the order in which modules run
depend on which one the browser happened to load first)."""

import re
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"
IMPORT = re.compile(r"^import\s[^;]*?from\s+'(\.{1,2}/[^']+)'", re.M)


def graph(root: Path) -> dict[Path, set[Path]]:
    return {
        path: {(path.parent / target).resolve() for target in IMPORT.findall(path.read_text())}
        for path in root.rglob("*.js")
    }


def circle(edges: dict[Path, set[Path]]) -> list[Path] | None:
    """One import circle, as the modules along it, or None."""
    state: dict[Path, str] = {}
    trail: list[Path] = []

    def visit(node: Path) -> list[Path] | None:
        state[node] = "open"
        trail.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return trail[trail.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        trail.pop()
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_portal_has_no_import_circle():
    found = circle(graph(PORTAL))
    assert found is None, " -> ".join(str(p.relative_to(PORTAL)) for p in found)


def test_the_check_finds_a_circle(tmp_path):
    (tmp_path / "a.js").write_text("import {b} from './b.js';\n")
    (tmp_path / "b.js").write_text("import {a} from './a.js';\n")
    (tmp_path / "c.js").write_text("import {a} from './a.js';\n")
    assert [p.name for p in circle(graph(tmp_path))] == ["a.js", "b.js", "a.js"]
