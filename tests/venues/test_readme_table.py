"""Every cell of the README's table of venues × capabilities names a test that exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMED = re.compile(r"`((?:tests/[\w/]+/)?test_\w+\.py)::(test_\w+)`")


def test_each_named_test_in_the_exchanges_section_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Exchanges"):]
    section = section[:section.index("\n## ", 1)]
    named = NAMED.findall(section)
    assert len(named) >= 20
    for file, test in named:
        path = ROOT / (file if file.startswith("tests/") else f"tests/venues/{file}")
        assert re.search(rf"def {test}\b", path.read_text(encoding="utf-8")), (file, test)
