"""Every cell of the README's table of venues × capabilities names a test that exists,
or says "—" (not offered by the venue in ccxt): no cell is left untested."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMED = re.compile(r"`((?:tests/[\w/]+/)?test_\w+\.py)::(test_\w+)`")
COLUMNS = ("spot", "linear", "inverse", "hedge mode", "funding", "client-order-id lookup",
           "sandbox")


def exchanges_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Exchanges"):]
    return section[:section.index("\n## ", 1)]


def test_each_named_test_in_the_exchanges_section_exists() -> None:
    named = NAMED.findall(exchanges_section())
    assert len(named) >= 20
    for file, test in named:
        path = ROOT / (file if file.startswith("tests/") else f"tests/venues/{file}")
        assert re.search(rf"def {test}\b", path.read_text(encoding="utf-8")), (file, test)


def test_every_cell_of_the_table_names_a_test_or_says_the_venue_lacks_it() -> None:
    rows = [line for line in exchanges_section().splitlines() if line.startswith("| ")]
    header, venues = rows[0], rows[2:]
    assert tuple(c.strip() for c in header.strip("|").split("|"))[1:] == COLUMNS
    assert len(venues) >= 7
    for row in venues:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        assert len(cells) == 1 + len(COLUMNS), cells[0]
        for column, cell in zip(COLUMNS, cells[1:], strict=True):
            backed = bool(NAMED.search(cell)) or cell.startswith("—") or cell.startswith("same")
            assert backed and "untested" not in cell, (cells[0], column, cell)
