"""The first backtest after an install says that it compiles the kernels; a warm one does not.

Each run is a fresh `trimtab` process over a temporary NUMBA_CACHE_DIR, so the
first one finds numba's on-disk cache empty (it compiles for about 15 s of CPU).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from trimtab.backtest.compiling import COMPILING

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTICE = COMPILING.split(":")[0]  # "Compiling the backtest kernels (once, about 15 s)"


def trimtab(cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "trimtab", *args], capture_output=True,
                          text=True, timeout=600, env=env)


def test_an_empty_cache_is_announced_once_and_warm_runs_are_silent(tmp_path: Path) -> None:
    cache = tmp_path / "numba"
    first = trimtab(cache, "backtest", "--warm")
    assert first.returncode == 0, first.stderr
    assert first.stderr.count(NOTICE) == 1 and first.stdout == ""
    assert any(cache.rglob("*.nbi")), "nothing was cached"
    # what --warm compiled is everything a backtest, an overlay and a sweep call
    for args in (["backtest", "-p", str(EXAMPLES / "moderate.toml"), "--json"],
                 ["backtest", "-p", str(EXAMPLES / "moderate.toml"), "--json",
                  "--futures", "BTC:1.5"],
                 ["sweep", "-p", str(EXAMPLES / "moderate.toml"), "--json",
                  "--bands", "off,relative:0.1..0.3:0.1", "--schedules", "none,weekly"]):
        warm = trimtab(cache, *args)
        assert warm.returncode == 0, warm.stderr
        assert NOTICE not in warm.stderr, args
        json.loads(warm.stdout)  # the notice never reaches --json output
