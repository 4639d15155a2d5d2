"""Every file the package reads at run time is named by a package-data pattern.

setuptools copies only the package data its patterns in pyproject.toml match.
`web/templates/*` matched the dashboard's `sections` folder rather than its
files: a clean build copied the folder, but a wheel built here in a tree with
an earlier `build/` folder had no `sections/*.html`, and `trimtab serve` from
it could not render its page while every test, run from the source tree,
passed. Patterns that reach every file leave nothing to how a build reads a
folder.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "trimtab"


def test_every_data_file_of_the_package_is_matched_by_a_package_data_pattern() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["trimtab"]
    shipped = {path for pattern in patterns for path in PACKAGE.glob(pattern)}
    data = {path for path in PACKAGE.rglob("*")
            if path.is_file() and path.suffix not in {".py", ".pyc"}
            and "__pycache__" not in path.parts}
    missing = sorted(str(path.relative_to(PACKAGE)) for path in data - shipped)
    assert missing == []
