"""The numba loops of the backtest: spot kernel, rebalance step, conventions, futures overlay.

Importing the package points numba's cache at a folder named by a digest of
every kernel file before any kernel module is compiled (versioned_cache: a
loop's cached code would otherwise keep a rule it inlined from a file that
changed since).
"""

from trimtab.backtest.kernel.versioned_cache import use_versioned_cache

use_versioned_cache()
