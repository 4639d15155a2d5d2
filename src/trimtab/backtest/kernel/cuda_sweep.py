# numba.cuda fills its namespace at import time, out of mypy's sight
# mypy: disable-error-code="attr-defined, no-untyped-call, untyped-decorator"
"""The sweep on a GPU: one CUDA thread per configuration, the CPU's loop and rules inside.

Each thread runs `block.run_block` for a block of one configuration, so the
GPU runs the very loop and rules the CPU sweep runs: numba compiles a CPU
`@njit` function that a kernel calls again as a CUDA device function (which
is why the rules allocate nothing). The closes, looks and bands stay in
global memory, where the threads read them (a warp's threads mostly share a
band, so they read the same addresses); a thread's own state (holdings,
tallies, statistics, scratch rows) lives in its local memory, whose size CUDA
fixes when it compiles: hence MAX_ASSETS and MAX_SLEEVES. The statistics are
accumulated on the fly as on the CPU, and each thread writes its row of
`stats` once, at the end; the figures are then computed on the host from
those rows, as for the CPU sweep.

Importing this module imports numba.cuda: `backtest.gpu` imports it only
after it has found a device (or numba's simulator, NUMBA_ENABLE_CUDASIM=1,
which runs the kernel in Python and therefore needs NUMBA_DISABLE_JIT=1 too,
so that the rules it calls take the simulator's arrays).
"""

from __future__ import annotations

from typing import Any

from numba import boolean, cuda, float64

from trimtab.backtest.kernel.block import run_block
from trimtab.backtest.kernel.layout import N_RUN, N_STATS, N_TALLY, N_WORK_ROWS

MAX_ASSETS = 32  # local arrays are sized at compile time: the policy's assets and the quote
MAX_SLEEVES = 8
THREADS = 128  # threads per CUDA block


@cuda.jit(device=True)
def _zeroed(a: Any) -> Any:
    """A local row set to zero (CUDA's local memory starts undefined)."""
    for i in range(a.shape[1]):
        a[0, i] = 0.0
    return a


@cuda.jit
def sweep_kernel(held: Any, held_cols: Any, looks: Any, bands: Any, sleeve_bands: Any,
                 use_band: Any, sleeve_of: Any, tradable: Any, params: Any, stats: Any) -> None:
    """Configuration k = band b × schedule s (k = b · schedules + s) into stats[k]."""
    k = cuda.grid(1)
    n_schedules = looks.shape[0]
    if k >= stats.shape[0]:
        return
    b, s = k // n_schedules, k % n_schedules
    n, n_sleeves = held_cols.size + 1, sleeve_bands.shape[2]
    price = cuda.local.array(MAX_ASSETS, float64)[:n]
    for i in range(n):
        price[i] = 1.0  # the quote's price; run_block sets the others at every bar
    # rows of one configuration, cut to this policy's width (no reshape: that would
    # need a helper numba links in from C)
    units = cuda.local.array((1, MAX_ASSETS), float64)[:, :n]
    asset_out = cuda.local.array((1, MAX_ASSETS), boolean)[:, :n]
    sleeve_out = cuda.local.array((1, MAX_SLEEVES), boolean)[:, :n_sleeves]
    sleeve_w = cuda.local.array((1, MAX_SLEEVES), float64)[:, :n_sleeves]
    tally = _zeroed(cuda.local.array((1, N_TALLY), float64))
    mine = _zeroed(cuda.local.array((1, N_STATS), float64))
    run = cuda.local.array((1, N_RUN), float64)
    work = cuda.local.array((N_WORK_ROWS, MAX_ASSETS), float64)[:, :n]
    run_block(held, held_cols, looks[s:s + 1], bands[b:b + 1], sleeve_bands[b:b + 1],
              use_band[b:b + 1], sleeve_of, tradable, params, price, units, asset_out,
              sleeve_out, sleeve_w, tally, mine, run, work)
    for i in range(N_STATS):
        stats[k, i] = mine[0, i]
