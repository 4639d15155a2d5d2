"""The kernel's layout: every group of indices is 0..n−1 with n its length, no gaps."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from trimtab.backtest.kernel import layout

KERNEL = Path(layout.__file__).parent
BACKTEST = KERNEL.parent
GROUPS = {"P_": "N_PARAMS", "S_": "N_STATS", "T_": "N_TALLY", "FP_": "N_FPARAMS",
          "FS_": "N_FSTATS", "X_": "N_EXPOSURE_COLS"}


@pytest.mark.parametrize(("prefix", "length"), sorted(GROUPS.items()))
def test_each_vector_is_numbered_without_gap_or_repeat(prefix: str, length: str) -> None:
    numbers = sorted(v for k, v in vars(layout).items() if k.startswith(prefix))
    assert numbers == list(range(getattr(layout, length)))


def test_band_rows_are_the_five_rows_of_a_band_and_the_two_quick_rows() -> None:
    rows = [layout.TARGET, layout.LOW, layout.HIGH, layout.INNER_LOW, layout.INNER_HIGH,
            layout.QUICK_LOW, layout.QUICK_HIGH]
    assert sorted(rows) == list(range(layout.N_BAND_ROWS))


def test_event_flags_are_distinct_bits() -> None:
    assert layout.EV_LEVERAGE & layout.EV_RESIZE == 0
    assert {layout.EV_LEVERAGE, layout.EV_RESIZE} <= {1, 2, 4, 8}


def _numbered_names(source: str) -> list[str]:
    """Names of the layout's groups that a module assigns to instead of importing."""
    tree = ast.parse(source)
    assigned = [t.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                for target in node.targets
                for t in (target.elts if isinstance(target, ast.Tuple) else [target])
                if isinstance(t, ast.Name)]
    pattern = re.compile(r"^(P|S|T|FP|FS|X|N)_[A-Z_0-9]+$")
    return [name for name in assigned if pattern.match(name)]


@pytest.mark.parametrize("module", sorted(p.relative_to(BACKTEST).as_posix()
                                          for p in BACKTEST.rglob("*.py")
                                          if p.name != "layout.py"))
def test_no_backtest_module_numbers_an_index_of_its_own(module: str) -> None:
    assert _numbered_names((BACKTEST / module).read_text(encoding="utf-8")) == []
