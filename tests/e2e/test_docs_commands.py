"""The docs tell the truth: every ```sh block marked `<!-- runnable ... -->` in README.md and docs/*.md runs, as
written, against a local stack (its address and stack file put in place of the defaults, 127.0.0.1:3000 and
.local/stack.json), with `set -euo pipefail`: a command that fails, or a curl -f that gets an error, fails here.
Every other shell block says why it is not run (`<!-- not run: deploy-only, against AWS -->`, or it starts the
stack itself), and no command hides in an indented block, where neither mark can go."""

import os
import re
import subprocess

import pytest

from tests.e2e.test_local_stack import ROOT, stack_in

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
MARKED = re.compile(r"^<!-- runnable[^>]*-->\n```sh\n(.*?)^```$", re.S | re.M)
SHELL_FENCE = re.compile(r"^```(?:sh|bash|shell|console|zsh)\s*$")
NOT_RUN = re.compile(r"^<!-- not run: \S[^>]*-->$")
# A command at the start of an indented (unfenced) block: make, a venv's tool, curl, aws, python, VAR=$(...).
INDENTED_COMMAND = re.compile(r"^    (?:make |\.venv[\w-]*/bin/|curl |aws |python3? |[A-Z_]+=\$\()")
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def runnable_blocks() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        found += [(f"{doc.relative_to(ROOT)}#{n}", block) for n, block in enumerate(MARKED.findall(doc.read_text()))]
    return found


BLOCKS = runnable_blocks()


def test_the_docs_mark_their_command_blocks():
    assert {name.split("#")[0] for name, _ in BLOCKS} >= {"docs/ach.md", "docs/local-stack.md", "docs/emails.md"}


def test_every_other_shell_block_says_why_it_is_not_run():
    unmarked, indented = [], []
    for doc in DOCS:
        lines, fenced = doc.read_text().splitlines(), False
        for n, line in enumerate(lines):
            if line.startswith("```"):
                if (
                    not fenced
                    and SHELL_FENCE.match(line)
                    and not (n and (lines[n - 1].startswith("<!-- runnable") or NOT_RUN.match(lines[n - 1])))
                ):
                    unmarked.append(f"{doc.relative_to(ROOT)}:{n + 1}")
                fenced = not fenced
            elif not fenced and INDENTED_COMMAND.match(line):
                indented.append(f"{doc.relative_to(ROOT)}:{n + 1}: {line.strip()}")
    assert unmarked == [], "mark these shell blocks <!-- runnable --> (and make them pass) or <!-- not run: why -->"
    assert indented == [], "put these commands in a ```sh block with its mark"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("docs-stack")
    with stack_in(folder) as stack:
        yield {**stack, "file": str(folder / "stack.json")}


@pytest.mark.parametrize("name,block", BLOCKS, ids=[name for name, _ in BLOCKS])
def test_a_marked_block_runs(stack, name, block):
    script = block.replace("http://127.0.0.1:3000", stack["api_url"]).replace(".local/stack.json", stack["file"])
    result = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "LOCAL_STACK_FILE": stack["file"], "NO_PROXY": "*"},
    )
    assert result.returncode == 0, (
        f"{name} failed ({result.returncode}):\n{script}\n--- out\n{result.stdout[-2000:]}"
        f"\n--- err\n{result.stderr[-2000:]}"
    )
    assert '"error"' not in result.stdout, result.stdout[-2000:]
