"""The shared layer's size as `sam build` makes it (the Makefile's build-SharedLayer: shared/ plus requirements.lock
for arm64, compiled to .pyc), and what some of its packages cost: the same build without them.

    .venv/bin/python bench/layer_size.py                       # without reportlab and pillow (the PDFs' libraries)
    .venv/bin/python bench/layer_size.py --without stripe      # any packages of requirements.lock

Builds twice into temporary folders (pip downloads the arm64 wheels from PyPI the first time, then uses its
cache) and prints each build's files, bytes unzipped and bytes zipped (deflate, as `sam build` zips a layer), and
the biggest top-level folders of the full build. Lambda's limits, for scale: 250 MB unzipped for a function and all
its layers, 50 MB zipped for a direct upload
(https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). Figures, not a test.
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"


def lock_without(packages: set[str]) -> str:
    """requirements.lock with these packages' entries (the name line, its hashes and its "via" comments) left out."""
    kept, skipping = [], False
    for line in LOCK.read_text().splitlines():
        name = re.match(r"^([A-Za-z0-9_.-]+)==", line)
        if name:
            skipping = name.group(1).lower() in packages
        elif not line.startswith(" "):  # a comment or blank line at the top level ends an entry
            skipping = False
        if not skipping:
            kept.append(line)
    missing = packages - {m.lower() for m in re.findall(r"^([A-Za-z0-9_.-]+)==", LOCK.read_text(), re.M)}
    if missing:
        sys.exit(f"not in requirements.lock: {', '.join(sorted(missing))}")
    return "\n".join(kept) + "\n"


def build(folder: Path, lock: Path) -> Path:
    subprocess.run(
        ["make", "--no-print-directory", "build-SharedLayer", f"ARTIFACTS_DIR={folder}", f"LAYER_LOCK={lock}"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return folder / "python"


def measure(layer: Path, zip_path: Path) -> dict:
    files = [p for p in layer.rglob("*") if p.is_file()]
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, Path("python") / path.relative_to(layer))
    tops: collections.Counter = collections.Counter()
    for path in files:
        tops[path.relative_to(layer).parts[0]] += path.stat().st_size
    return {"files": len(files), "unzipped": sum(tops.values()), "zipped": zip_path.stat().st_size, "tops": tops}


def mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--without", default="reportlab,pillow", help="packages to weigh, comma-separated")
    args = parser.parse_args(argv)
    without = {name.strip().lower() for name in args.without.split(",") if name.strip()}
    with tempfile.TemporaryDirectory(prefix="layer-size-") as tmp:
        tmp_path = Path(tmp)
        smaller_lock = tmp_path / "requirements-without.lock"
        smaller_lock.write_text(lock_without(without))
        full = measure(build(tmp_path / "full", LOCK), tmp_path / "full.zip")
        less = measure(build(tmp_path / "without", smaller_lock), tmp_path / "without.zip")
    label = f"without {', '.join(sorted(without))}"
    print(f"{'shared layer (arm64)':<34} {'files':>6} {'unzipped':>10} {'zipped':>9}")
    for name, figures in (("as built (requirements.lock)", full), (label, less)):
        print(f"{name:<34} {figures['files']:>6} {mb(figures['unzipped']):>10} {mb(figures['zipped']):>9}")
    print(
        f"{'their cost':<34} {full['files'] - less['files']:>6} {mb(full['unzipped'] - less['unzipped']):>10} "
        f"{mb(full['zipped'] - less['zipped']):>9}"
    )
    print("\nbiggest folders of the full build (unzipped):")
    for name, size in full["tops"].most_common(12):
        print(f"  {name:<40} {mb(size):>9}")


if __name__ == "__main__":
    main()
