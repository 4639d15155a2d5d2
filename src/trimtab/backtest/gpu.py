"""`trimtab sweep --device cuda`: the sweep's grid on an NVIDIA GPU, through numba-cuda.

The kernel (kernel/cuda_sweep.py) runs one configuration per GPU thread with
the CPU sweep's own loop and rules, so its statistics are the CPU's (the
tests hold them equal under numba's CUDA simulator). This module finds the
device, says in one line what is missing when there is none, moves the
grid's arrays to the device, launches the kernel and brings the statistics
back. Importing it costs nothing: numba.cuda is imported only when a sweep
asks for the GPU.
"""

from __future__ import annotations

import warnings
from enum import StrEnum
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from trimtab.backtest.kernel.layout import N_STATS

if TYPE_CHECKING:
    from trimtab.backtest.sweep import Grid

Array = npt.NDArray[Any]
INSTALL = "pip install 'trimtab[gpu]'"


class Device(StrEnum):
    """Where a sweep runs: numba threads on the CPU, or one CUDA thread per configuration."""

    CPU = "cpu"
    CUDA = "cuda"


class DeviceError(RuntimeError):
    """No usable GPU, or a grid the GPU kernel cannot hold; the message says what to do."""


def cuda_module() -> ModuleType:
    """numba.cuda with a usable device (or numba's simulator), else a DeviceError."""
    if not hasattr(np, "row_stack"):
        # numba-cuda 0.30 still calls np.row_stack, which numpy 2.5 removed (GPU.md)
        setattr(np, "row_stack", np.vstack)  # noqa: B010 (numpy's stubs may lack the name)
    from numba.core import config

    if config.ENABLE_CUDASIM and not config.DISABLE_JIT:  # type: ignore[attr-defined]
        # the simulator hands the kernel its own arrays, which compiled rules cannot take
        raise DeviceError("--device cuda under numba's simulator (NUMBA_ENABLE_CUDASIM=1) "
                          "needs NUMBA_DISABLE_JIT=1 too")
    try:
        from numba import cuda
    except ImportError:
        raise DeviceError(f"--device cuda needs numba's CUDA target: {INSTALL}") from None
    if not cuda.is_available():  # type: ignore[no-untyped-call]
        raise DeviceError("--device cuda: no CUDA GPU is usable here (no NVIDIA GPU, or no "
                          "driver for it); run on a machine with one, or leave out --device")
    return cuda


def run_cuda(grid: Grid) -> Array:
    """Statistics of every (band, schedule) of the grid, computed on the GPU: stats[b, s]."""
    cuda = cuda_module()
    from trimtab.backtest.kernel import cuda_sweep

    _check_fits(grid, cuda_sweep.MAX_ASSETS, cuda_sweep.MAX_SLEEVES)
    try:
        return _launch(cuda, cuda_sweep, grid)
    except _driver_errors() as exc:  # out of memory, a lost device, a driver too old...
        raise DeviceError(f"--device cuda: the GPU refused the sweep ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}); a "
                          "smaller grid (fewer bands × schedules, fewer bars) needs less "
                          "of its memory, or leave out --device") from None


DRIVER_ERRORS = ("CudaAPIError", "CudaDriverError", "CudaRuntimeError", "CudaSupportError",
                 "NvvmError", "NvrtcError")


def _driver_errors() -> tuple[type[Exception], ...]:
    """numba-cuda's errors from the driver, the runtime and the compilers it calls (the
    simulator's modules hold only some of them, under the same names)."""
    from numba.cuda.cudadrv import driver, error

    return tuple({getattr(m, name) for m in (driver, error) for name in DRIVER_ERRORS
                  if hasattr(m, name)})


def _launch(cuda: ModuleType, cuda_sweep: ModuleType, grid: Grid) -> Array:
    """Move the grid to the device, run one thread per configuration, bring back stats."""
    b = grid.base
    n_bands, n_schedules = grid.bands.shape[0], grid.looks.shape[0]
    stats = cuda.device_array((n_bands * n_schedules, N_STATS))
    arrays = [cuda.to_device(np.ascontiguousarray(a)) for a in (
        b.held, b.held_cols, grid.looks, grid.bands, grid.sleeve_bands, grid.use_band,
        b.sleeve_of, b.tradable, b.params)]
    blocks = -(-stats.shape[0] // cuda_sweep.THREADS)
    with warnings.catch_warnings():
        # a small grid leaves most of the GPU idle, which numba says at every launch
        warnings.filterwarnings("ignore", message=".*under-utilization")
        cuda_sweep.sweep_kernel[blocks, cuda_sweep.THREADS](*arrays, stats)
    return np.asarray(stats.copy_to_host()).reshape((n_bands, n_schedules, N_STATS))


def _check_fits(grid: Grid, max_assets: int, max_sleeves: int) -> None:
    assets, sleeves = len(grid.base.assets), grid.sleeve_bands.shape[2]
    if assets > max_assets or sleeves > max_sleeves:
        raise DeviceError(f"--device cuda holds at most {max_assets} assets and {max_sleeves} "
                          f"sleeves per configuration (this policy has {assets} and {sleeves}); "
                          "sweep it on the CPU (leave out --device)")
