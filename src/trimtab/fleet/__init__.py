"""Many portfolios checked against one price tick, as arrays (issue 16).

Needs the `backtest` extra: the kernel is numba, the cluster is dask.
"""
