"""Every index into the kernel's vectors, in one place: spot and futures.

numba compiles loops over flat float64 vectors, not over dicts or
dataclasses, so the kernel passes its rule's parameters in, and its
results out, as vectors with named positions. Each position is a plain
module int: numba reads an imported global once, at compile time, and
folds it into the machine code as a constant, so a name costs nothing.

Each group is unpacked from one `range` whose last name is the group's
length: a name added or removed shifts its neighbours and the length with
it, and a `range` of the wrong size fails at import.

numba's on-disk cache keys a compiled function on its own source file only,
so a loop's cached code would keep a number from here: the kernels are
cached in a folder named by a digest of every kernel file
(`versioned_cache`), and changing any of them compiles afresh.
"""

from __future__ import annotations

# rows of the band arrays, bands[row, asset] and sleeve_bands[row, sleeve]: the domain's
# Band (target, low, high) and Band.inner(fraction) (the bounds a partial rebalance aims at),
# then the reciprocals of the bounds that the band test without division multiplies by
# (quick.py: quick.fill_quick_rows sets them from LOW and HIGH)
TARGET, LOW, HIGH, INNER_LOW, INNER_HIGH, QUICK_LOW, QUICK_HIGH, N_BAND_ROWS = range(8)

# fee conventions, params[P_MODEL]: trimtab's (the domain's), bt's, vectorbt's
TRIMTAB, BT, VECTORBT = range(3)

# what a bar asks of the loop (the looks array, one code per bar, schedule.py): nothing;
# a look that trades only when a band is breached (a review; the threshold rule); a look
# that trades whatever the band (a calendar rebalance). Stronger codes are larger.
NO_LOOK, LOOK_REVIEW, LOOK_REBALANCE, N_LOOK_CODES = range(4)

# the spot parameter vector: first what the rebalance step reads, then what the loop reads
(P_FRACTION, P_SCOPE_ALL, P_FEE, P_SLIP, P_MIN_TRADE, P_QUOTE,
 P_MODEL, P_CAPITAL, P_USE_BAND,
 N_PARAMS) = range(10)

# rows of the rebalance's scratch array, work[row, asset]: a run (or a block of a sweep)
# allocates it once, so that a rebalance allocates nothing and can run as a CUDA device
# function; W_ORDER holds asset indices as floats (exact below 2**53), so that one float
# array is all the scratch a GPU thread needs; W_COLUMN is each asset's column in the held
# closes (-1: the quote), set once per run by spot.columns_of, never by a rebalance
(W_HELD, W_WEIGHT, W_DESIRED, W_DELTA, W_MOVABLE, W_KEY, W_ORDER, W_COLUMN,
 N_WORK_ROWS) = range(9)

# the tally a rebalance adds its orders to
T_FEES, T_SLIP, T_TURNOVER, T_ORDERS, T_SKIPPED, N_TALLY = range(6)

# the summary statistics of one run: totals, then the moments and drawdown kept on the fly;
# S_GROWTH is the time-weighted index's last value (capital grown by the bar returns, so
# that contributions are not gains): S_FINAL when the run has no cash flows
(S_FINAL, S_REBALANCES, S_FEES, S_SLIP, S_TURNOVER, S_ORDERS, S_SKIPPED, S_OUTSIDE,
 S_MAX_DD, S_SUM_R, S_SUM_R2, S_SUM_DOWN2, S_PEAK_BAR, S_TROUGH_BAR, S_GROWTH,
 N_STATS) = range(16)

# one configuration's running state in a sweep (block.py, cuda_sweep.py): the value at the
# last bar, the highest value so far and the bar it was reached at
R_PREVIOUS, R_PEAK, R_PEAK_BAR, N_RUN = range(4)

# the futures overlay's parameter vector
FP_CAP, FP_BAND, FP_FEE, FP_SLIP, FP_TRIGGER, N_FPARAMS = range(6)
NO_RESIZE = -1.0  # params[FP_BAND] when positions are never resized to target

# the futures overlay's statistics
(FS_FUNDING, FS_FEES, FS_SLIPPAGE, FS_LEVERAGE, FS_RESIZES, FS_PNL, FS_ACCOUNT, FS_SPOT,
 FS_TURNOVER, FS_MAX_MULTIPLE,
 N_FSTATS) = range(11)

# columns of the overlay's recorded path (one row per bar)
X_GROSS, X_SPOT, X_EVENTS, N_EXPOSURE_COLS = range(4)

# flags of X_EVENTS: what the overlay did at a bar
EV_LEVERAGE, EV_RESIZE = (1 << bit for bit in range(2))
