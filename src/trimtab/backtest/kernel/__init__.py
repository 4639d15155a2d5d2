"""The numba loops of the backtest: spot kernel, rebalance step, conventions, futures overlay."""
