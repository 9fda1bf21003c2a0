"""Mutation testing of the money rules: does a test fail when the code is wrong?

    python -m infra.mutate [--module shared/domain/payment_states.py] [--workers 2]   (make mutate)

For each module below, every mutation point of its code (an operator, a comparison, a boolean, a number, a
member of a literal set, min/max, a returned value) is changed once; the module's tests run against the
mutant in a copy of the project (a subprocess per mutant, in a working copy per worker); a failing test
"kills" the mutant. It prints the score and each surviving mutant (file, line, the change); those listed in
EQUIVALENT are mutants that cannot change behaviour, each with the reason, and are not counted.

Chosen over mutmut and cosmic-ray: mutmut 3 rewrites every function into a trampoline and needs its own
test-selection run, cosmic-ray a session database and its own worker model; the money modules are small
and their fast tests (no emulator) run in seconds, so one mutant per fresh interpreter is simple and exact.
"""

import argparse
import ast
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = "tests/model/test_books_model.py"
# module -> the fast tests that hold it (no emulator: unit tests and the books model on the memory repository)
TARGETS = {
    "shared/books/ledger.py": ["tests/unit/test_books_ledger.py", "tests/unit/test_books_work.py", MODEL],
    "shared/books/work.py": ["tests/unit/test_books_work.py", MODEL],
    "shared/domain/payment_states.py": ["tests/unit/test_payment_states.py", MODEL],
    "shared/domain/dispute_states.py": ["tests/unit/test_dispute_states.py", MODEL],
    "shared/domain/due_dates.py": ["tests/unit/test_due_date_rules.py"],
    "shared/domain/money.py": ["tests/unit/test_money_and_invoices.py"],
    "shared/domain/invoices.py": ["tests/unit/test_money_and_invoices.py", MODEL],
    "shared/http/payment_requests.py": ["tests/unit/test_payment_requests.py"],
    "shared/domain/allocations.py": ["tests/unit/test_allocations.py", MODEL],
    "shared/domain/surcharges.py": ["tests/unit/test_allocations.py"],
}
MODEL_SEQUENCES = "150"  # the books model's share per mutant (the suite runs 1,000)
TIMEOUT = 240
# (module, function, change) -> why it cannot change behaviour. Each was read and argued.
EQUIVALENT: dict[tuple[str, str, str], str] = {
    (
        "shared/domain/dispute_states.py",
        "decide_dispute",
        "delta > 0  ->  delta >= 0",
    ): "at a delta of 0, taking and giving back both move nothing",
    (
        "shared/domain/dispute_states.py",
        "_phases",
        "delta > 0  ->  delta >= 0",
    ): "only reached for a delta that is not 0 (`if delta:`)",
    (
        "shared/domain/dispute_states.py",
        "_funds",
        "0  ->  1",
    ): "a reinstatement in another currency counts at least the whole disputed amount either way, and giving back is "
    "bounded by what was taken",
    (
        "shared/domain/payment_states.py",
        "_returned",
        "amount - from_credit  ->  amount + from_credit",
    ): "a payment never holds more than it received, so what it paid is never more than the rest either way",
    (
        "shared/http/payment_requests.py",
        "choose_amount",
        "request.amount > balance  ->  request.amount >= balance",
    ): "an amount equal to the balance was answered just before",
    (
        "shared/http/payment_requests.py",
        "choose_amount",
        "status == PAID or (balance == 0 and status != PROCESSING)  ->  status == PAID and (balance == 0 and status != "
        "PROCESSING)",
    ): "the status derives from the numbers: a paid invoice has nothing left, an unpaid one with nothing left is "
    "processing",
    (
        "shared/domain/due_dates.py",
        "",
        "30  ->  31",
    ): "REMINDER_HORIZON: the job reads one day further ahead, but no client's reminder day is beyond 30",
}


@dataclass(frozen=True)
class Mutant:
    module: str
    line: int
    change: str
    source: str  # the whole mutated module
    where: str = ""  # the function (or class, or the module) it is in: what EQUIVALENT names, lines move

    @property
    def key(self) -> tuple[str, str, str]:
        return self.module, self.where, self.change


_SWAPS = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.And: ast.Or,
    ast.Or: ast.And,
}


def _skipped(node: ast.AST, parents: dict) -> bool:
    """Docstrings, log lines and messages, annotations, decorators' options (`@dataclass(frozen=True)`): text,
    types and declarations, not behaviour."""
    while node in parents:
        parent = parents[node]
        if isinstance(parent, (ast.FunctionDef, ast.ClassDef)) and node in parent.decorator_list:
            return True
        if (
            isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Attribute)
            and parent.func.attr in ("info", "warning", "error", "exception", "debug")
        ):
            return True
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "Logger":
            return True
        if isinstance(parent, (ast.AnnAssign, ast.arg)) and node is getattr(parent, "annotation", None):
            return True
        if isinstance(parent, ast.FunctionDef) and node is parent.returns:
            return True
        node = parent
    return False


def mutants(module: str) -> list[Mutant]:
    text = (ROOT / module).read_text()
    tree = ast.parse(text)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    points = []
    for node in ast.walk(tree):
        if _skipped(node, parents):
            continue
        if isinstance(node, (ast.BinOp, ast.BoolOp)) and type(node.op) in _SWAPS:
            points.append((node, "op", None))
        elif isinstance(node, ast.Compare):
            points += [(node, "cmp", i) for i, op in enumerate(node.ops) if type(op) in _SWAPS]
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            points.append((node, "not", None))
        elif (
            isinstance(node, ast.Constant)
            and type(node.value) in (int, bool)
            and not isinstance(parents.get(node), ast.Expr)
        ):
            points.append((node, "const", None))
        elif (
            isinstance(node, (ast.Tuple, ast.Set, ast.List))
            and len(node.elts) >= 2
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
        ):
            points += [(node, "drop", i) for i in range(len(node.elts))]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max"):
            points.append((node, "minmax", None))
        elif (
            isinstance(node, ast.Return)
            and node.value is not None
            and not (isinstance(node.value, ast.Constant) and node.value.value is None)
        ):
            points.append((node, "return", None))
    order = {id(node): n for n, node in enumerate(ast.walk(tree))}

    def where(node) -> str:
        while node in parents:
            node = parents[node]
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                return node.name
        return ""

    found = []
    for node, kind, index in points:
        mutated = ast.parse(text)  # the same tree again: the same walk finds the same node
        target = next(m for n, m in enumerate(ast.walk(mutated)) if n == order[id(node)])
        change = _mutate(target, kind, index)
        if change:
            found.append(Mutant(module, target.lineno, change, ast.unparse(mutated), where(node)))
    return found


def _mutate(node: ast.AST, kind: str, index) -> str:
    before = ast.unparse(node)
    if kind == "op":
        node.op = _SWAPS[type(node.op)]()
    elif kind == "cmp":
        node.ops[index] = _SWAPS[type(node.ops[index])]()
    elif kind == "not":
        node.operand = ast.UnaryOp(op=ast.Not(), operand=node.operand)  # `not x` -> `not not x`: no negation
    elif kind == "const":
        node.value = (not node.value) if isinstance(node.value, bool) else node.value + 1
    elif kind == "drop":
        del node.elts[index]
    elif kind == "minmax":
        node.func.id = "max" if node.func.id == "min" else "min"
    elif kind == "return":
        node.value = ast.Constant(None)
    return f"{before}  ->  {ast.unparse(node)}"


def _workspace() -> Path:
    where = Path(tempfile.mkdtemp(prefix="mutate-"))
    for part in (
        "shared",
        "functions",
        "infra",
        "tests",
        "ops",
        "template.yaml",
        "pyproject.toml",
        "docs",
        "README.md",
        "portal",
    ):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, where / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, where / part)
    return where


def _killed(mutant: Mutant, workspace: Path) -> bool:
    path = workspace / mutant.module
    original = path.read_text()
    path.write_text(mutant.source)
    try:
        env = {
            **os.environ,
            "BOOKS_MODEL_SEQUENCES": MODEL_SEQUENCES,
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        }
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-x",
                "--noconftest",
                "-p",
                "no:cacheprovider",
                "-p",
                "pytest_timeout",
                "-p",
                "_hypothesis_pytestplugin",
                "--timeout",
                str(TIMEOUT),
                *TARGETS[mutant.module],
            ],
            cwd=workspace,
            env=env,
            capture_output=True,
            timeout=TIMEOUT + 60,
        )
        return run.returncode != 0
    except subprocess.TimeoutExpired:
        return True  # a mutant that hangs is caught
    finally:
        path.write_text(original)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", choices=sorted(TARGETS))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    modules = args.module or sorted(TARGETS)
    todo = [m for module in modules for m in mutants(module)]
    baseline = _workspace()
    try:  # the tests must pass on the code as it is, or every mutant would look killed
        unmutated = [Mutant(module, 0, "none", (ROOT / module).read_text()) for module in modules]
        failing = [m.module for m in unmutated if _killed(m, baseline)]
    finally:
        shutil.rmtree(baseline, ignore_errors=True)
    if failing:
        print(f"the tests fail on the code as it is: {failing}")
        return 2
    print(f"{len(todo)} mutants of {len(modules)} modules, {args.workers} workers", flush=True)
    workspaces = [_workspace() for _ in range(args.workers)]
    free: queue.Queue = queue.Queue()
    for workspace in workspaces:
        free.put(workspace)
    began, survivors, done = time.monotonic(), [], 0

    def one(n: int) -> tuple[Mutant, bool]:
        workspace = free.get()  # a workspace is one worker's at a time
        try:
            return todo[n], _killed(todo[n], workspace)
        finally:
            free.put(workspace)

    try:
        with ThreadPoolExecutor(args.workers) as pool:
            for mutant, killed in pool.map(one, range(len(todo))):
                done += 1
                if not killed:
                    survivors.append(mutant)
                if done % 25 == 0:
                    print(f"  {done}/{len(todo)} in {time.monotonic() - began:.0f} s", flush=True)
    finally:
        for workspace in workspaces:
            shutil.rmtree(workspace, ignore_errors=True)
    equivalent = [m for m in survivors if m.key in EQUIVALENT]
    real = [m for m in survivors if m.key not in EQUIVALENT]
    counted = len(todo) - len(equivalent)
    score = 100 * (counted - len(real)) / counted if counted else 100.0
    print(
        f"\n{counted - len(real)} of {counted} behaviour-changing mutants killed: {score:.1f} % "
        f"({len(equivalent)} equivalent, not counted) in {time.monotonic() - began:.0f} s"
    )
    for m in real:
        print(f"SURVIVED {m.module}:{m.line} ({m.where})  {m.change}")
    for m in equivalent:
        print(f"equivalent {m.module}:{m.line} ({m.where})  {m.change}  ({EQUIVALENT[m.key]})")
    return 0 if not real else 1


if __name__ == "__main__":
    sys.exit(main())
