"""The kernels' numba cache lives in a folder named by a digest of every kernel file.

numba keys a cached function on its own file only: with the cache beside the
modules, editing a rule in spot.py left loop.simulate running the old rule
from its cache (issue 16's benchmarks measured stale code that way), and an
upgrade over an old __pycache__ would too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from trimtab.backtest.kernel import versioned_cache

PROBE = ("import json, numba\n"
         "from trimtab.backtest.kernel import loop, versioned_cache\n"
         "print(json.dumps([numba.config.CACHE_DIR, loop.simulate._cache._cache_path,\n"
         "                  versioned_cache.sources_digest()]))\n")


def test_a_change_to_any_kernel_file_names_another_cache_folder(tmp_path: Path) -> None:
    copy = tmp_path / "kernel"
    shutil.copytree(versioned_cache.KERNEL, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = versioned_cache.sources_digest(copy)
    assert versioned_cache.sources_digest(copy) == before  # the same text, the same folder
    rule = copy / "rebalance.py"
    rule.write_text(rule.read_text() + "\n# a changed rule\n")
    assert versioned_cache.sources_digest(copy) != before


def test_every_kernel_is_cached_under_the_digest_of_the_kernel_files(tmp_path: Path) -> None:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True, env=env)
    folder, cache_path, digest = json.loads(run.stdout)
    assert folder == str(tmp_path / f"kernel-{digest}")
    assert Path(cache_path).is_relative_to(folder)
