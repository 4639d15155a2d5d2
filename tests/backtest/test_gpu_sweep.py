"""`trimtab sweep --device cuda`: the GPU kernel gives the CPU sweep's statistics.

No GPU here: numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1) runs the kernel
on the CPU, one Python thread per configuration, in a subprocess so that the
setting cannot reach the compiled CPU kernels of the other tests. The
simulator hands the kernel its own array type, which compiled functions do
not take, so the subprocess also runs the rules as plain Python
(NUMBA_DISABLE_JIT=1): the GPU path, in Python, against the compiled CPU sweep.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numba.core.runtime import _nrt_python, rtsys
from typer.testing import CliRunner

from tests.builders import make_policy
from trimtab.backtest import sweep as sw
from trimtab.backtest.kernel import block, layout
from trimtab.backtest.kernel.options import rule
from trimtab.backtest.schedule import Schedule
from trimtab.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GRID = ["--bands", "relative:0.05,absolute:0.03,off", "--schedules", "none,every:10,policy"]
COUNTS = ("rebalances", "orders", "skipped_orders")
SIMULATOR = {"NUMBA_ENABLE_CUDASIM": "1", "NUMBA_DISABLE_JIT": "1"}
NO_CUDA = ("import sys\n"
           "sys.modules['numba.cuda'] = None  # importing it now raises ImportError\n"
           "from trimtab.cli.main import app\n"
           "app()\n")


def trimtab(*argv: str, env: dict[str, str], code: str | None = None
            ) -> subprocess.CompletedProcess[str]:
    """The command line in a fresh process, with `env` over a copy of this one's (less
    any simulator setting it had)."""
    base = {k: v for k, v in os.environ.items() if k not in SIMULATOR}
    command = ["-c", code] if code else ["-m", "trimtab"]
    return subprocess.run([sys.executable, *command, *argv], capture_output=True, text=True,
                          timeout=300, env={**base, **env})


def closes(prices: pd.DataFrame, path: Path, bars: int = 200) -> Path:
    prices.iloc[:bars].to_csv(path, index_label="timestamp")
    return path


def same_figures(gpu: dict[str, Any], cpu: dict[str, Any], where: str) -> None:
    """Every figure within 1e-9 (relative above 1), the counts exactly."""
    assert gpu.keys() == cpu.keys(), where
    for key, mine in gpu.items():
        theirs = cpu[key]
        if key in COUNTS:
            assert mine == theirs, (where, key)
        elif isinstance(mine, float) and isinstance(theirs, float):
            assert math.isclose(mine, theirs, rel_tol=1e-9, abs_tol=1e-9), (where, key)
        else:
            assert mine == theirs, (where, key)


def test_the_gpu_sweep_prints_the_cpu_sweeps_statistics(prices: pd.DataFrame,
                                                        tmp_path: Path) -> None:
    """Moderate profile (sleeves, fees, slippage, minimum trade), 6 assets × 200 bars,
    3 bands × 3 schedules: final values, fees, rebalance counts, every ranked figure."""
    args = ["sweep", "-p", str(EXAMPLES / "moderate.toml"), "--data",
            str(closes(prices, tmp_path / "closes.csv")), *GRID, "--json"]
    run = trimtab(*args, "--device", "cuda", env=SIMULATOR)
    assert run.returncode == 0, run.stderr
    gpu = json.loads(run.stdout)
    cpu = json.loads(CliRunner().invoke(app, args).stdout)
    assert len(gpu["configs"]) == 9
    assert {c["rebalances"] for c in gpu["configs"]} != {0}  # the rules did trade
    for mine, theirs in zip(gpu["configs"], cpu["configs"], strict=True):
        same_figures(mine, theirs, f"{mine['band']} {mine['schedule']}")
    same_figures(gpu["hold"], cpu["hold"], "hold")


def test_a_policy_too_wide_for_the_gpu_kernel_is_one_line(prices: pd.DataFrame,
                                                          tmp_path: Path) -> None:
    names = [f"C{i}" for i in range(40)]
    wide = pd.DataFrame({n: prices["BTC"].to_numpy() for n in names}, index=prices.index)
    policy = tmp_path / "wide.toml"
    policy.write_text("[targets]\n" + "".join(f"{n} = 0.025\n" for n in names))
    run = trimtab("sweep", "-p", str(policy), "--data", str(closes(wide, tmp_path / "w.csv", 20)),
                  "--bands", "off", "--schedules", "none", "--device", "cuda", env=SIMULATOR)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "at most 32 assets" in run.stderr and "leave out --device" in run.stderr


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="this machine has a GPU")
def test_no_gpu_is_one_line_that_says_what_to_do(tmp_path: Path) -> None:
    run = trimtab("sweep", "-p", str(EXAMPLES / "moderate.toml"), *GRID, "--device", "cuda",
                  env={})
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "no CUDA GPU is usable here" in run.stderr and "leave out --device" in run.stderr


OUT_OF_MEMORY = ("import numba.cuda\n"
                 "from numba.cuda.cudadrv.driver import CudaAPIError\n"
                 "def full(*args, **kwargs):  # what the driver says when the card is full\n"
                 "    raise CudaAPIError('[2] Call to cuMemAlloc results in "
                 "CUDA_ERROR_OUT_OF_MEMORY')\n"
                 "numba.cuda.device_array = full\n"
                 "from trimtab.cli.main import app\n"
                 "app()\n")


def test_a_gpu_out_of_memory_is_one_line_that_says_what_to_do(prices: pd.DataFrame,
                                                               tmp_path: Path) -> None:
    """No GPU here to fill: the simulator's allocation raises the driver's own error."""
    run = trimtab("sweep", "-p", str(EXAMPLES / "moderate.toml"), "--data",
                  str(closes(prices, tmp_path / "closes.csv", 20)), "--bands", "off",
                  "--schedules", "none", "--device", "cuda", env=SIMULATOR, code=OUT_OF_MEMORY)
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "CUDA_ERROR_OUT_OF_MEMORY" in run.stderr and "smaller grid" in run.stderr


def test_without_numba_cuda_the_error_names_the_gpu_extra() -> None:
    run = trimtab("sweep", "-p", str(EXAMPLES / "moderate.toml"), "--device", "cuda", env={},
                  code=NO_CUDA)
    assert run.returncode == 2
    assert run.stderr.strip() == ("error: --device cuda needs numba's CUDA target: "
                                  "pip install 'trimtab[gpu]'")


def test_the_simulator_without_plain_python_rules_is_one_line() -> None:
    run = trimtab("sweep", "-p", str(EXAMPLES / "moderate.toml"), "--device", "cuda",
                  env={"NUMBA_ENABLE_CUDASIM": "1"})
    assert run.returncode == 2
    assert run.stderr.strip().endswith("needs NUMBA_DISABLE_JIT=1 too")


def test_the_gpu_runs_in_this_process_not_on_dask() -> None:
    result = CliRunner().invoke(app, ["sweep", "-p", str(EXAMPLES / "moderate.toml"),
                                      "--device", "cuda", "--scheduler", "local"])
    assert result.exit_code == 2
    assert "leave out --scheduler" in result.stderr


def test_the_help_names_what_the_gpu_needs() -> None:
    result = CliRunner().invoke(app, ["sweep", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.stdout.replace("│", " ").split())  # the help's lines, rejoined
    assert "cuda: one NVIDIA GPU thread per configuration" in text
    assert "needs trimtab's gpu extra and the NVIDIA driver" in text


SLEEVED = {"BTC": 0.3, "ETH": 0.2, "USDT": 0.2}
ALTS = {"alts": {"weight": 0.3, "members": {"SOL": 0.5, "AVAX": 0.3, "LINK": 0.2}}}


@rule()
def _unbox_only(*args: Any) -> None:
    """Takes run_block's arguments and does nothing: what unboxing them allocates, compiled
    as run_block is (without numba's runtime, unboxing allocates nothing either)."""


def _allocations(function: Any, args: tuple[Any, ...]) -> int:
    function(*args)  # compiled (or loaded) before counting
    _nrt_python.memsys_enable_stats()
    try:
        before = rtsys.get_allocation_stats().alloc
        function(*args)
        return int(rtsys.get_allocation_stats().alloc - before)
    finally:
        _nrt_python.memsys_disable_stats()


def test_the_loop_a_gpu_thread_runs_allocates_nothing(prices: pd.DataFrame) -> None:
    """A CUDA thread cannot allocate, and the simulator compiles nothing: this is the test
    that fails here when a change to run_block or a rule it calls would stop the kernel
    compiling. numba counts its runtime allocations: run_block, sleeved, partial
    rebalances at every bar, makes only those of unboxing its arguments."""
    policy = make_policy(SLEEVED, {"kind": "relative", "width": 0.05}, fee=0.001,
                         slippage_bps=5, min_trade=10, rebalance_to=0.5, scope="breached",
                         sleeves=ALTS)
    grid = sw.build_grid(prices.iloc[:300], policy, 1e6, sw.parse_bands("relative:0.05"),
                         [Schedule("none")])
    b, n, n_sleeves = grid.base, len(grid.base.assets), grid.sleeve_bands.shape[2]
    stats = np.zeros((1, layout.N_STATS))
    args = (b.held, b.held_cols, np.full((1, b.held.shape[0]), layout.LOOK_REBALANCE,
                                         dtype=np.uint8),
            grid.bands, grid.sleeve_bands, grid.use_band, b.sleeve_of, b.tradable, b.params,
            np.ones(n), np.zeros((1, n)), np.zeros((1, n), dtype=np.bool_),
            np.zeros((1, n_sleeves), dtype=np.bool_), np.zeros((1, n_sleeves)),
            np.zeros((1, layout.N_TALLY)), stats, np.zeros((1, layout.N_RUN)),
            np.zeros((layout.N_WORK_ROWS, n)))

    assert n_sleeves == 1
    assert _allocations(block.run_block, args) == _allocations(_unbox_only, args)
    assert stats[0, layout.S_REBALANCES] > 100  # it did rebalance (both calls counted)
