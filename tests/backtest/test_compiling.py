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


def test_the_kernel_sees_one_type_of_price_array_whatever_the_frame() -> None:
    """numba compiles the loop once per argument type, read-only-ness included: a writable
    `held` from one frame and a read-only one from another compiled the loop twice, so a
    process that `--warm` had cached still waited ~11 s (the peer harness's frames)."""
    import numba
    import numpy as np
    import pandas as pd

    from trimtab.backtest.inputs import held_closes

    closes = np.exp(np.random.default_rng(3).normal(0.0, 0.01, (50, 3)).cumsum(axis=0))
    frames = [pd.DataFrame(closes, columns=["BTC", "ETH", "SOL"]),  # pandas' own (read-only)
              pd.DataFrame(closes.astype(np.float32), columns=["BTC", "ETH", "SOL"]),  # a copy
              pd.DataFrame(closes[:, ::-1], columns=["SOL", "ETH", "BTC"])]  # reordered
    assets = ("BTC", "ETH", "SOL", "USDT")
    kinds = {str(numba.typeof(held_closes(frame, assets, "USDT")[0])) for frame in frames}
    assert kinds == {"readonly array(float64, 2d, F)"}
