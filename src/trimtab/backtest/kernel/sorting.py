"""A stable argsort into scratch space, for the rebalance rules.

`np.argsort(keys, kind="mergesort")` allocates its result, which a CUDA
device function cannot do, and a sort of ten keys costs more in the call
than in the comparisons. An insertion sort into a row the caller owns is
stable too (equal keys keep their index order, as Python's `sorted` and the
domain's order of trades do) and allocates nothing.
"""

from __future__ import annotations

from typing import Any

import numpy.typing as npt
from numba import njit

Array = npt.NDArray[Any]


@njit(cache=True, inline="always")
def stable_order(keys: Array, order: Array) -> None:
    """Fill `order` with the indices of `keys` in ascending key order, ties by index.

    Each key's place is counted (how many keys go before it: smaller, or equal
    with a smaller index), with no branch on the keys: an insertion sort's
    branches mispredicted on about every other comparison of a rebalance's
    drifts, and cost more than the 121 comparisons of ten assets. Counting
    needs a total order, which NaN breaks: keys with a NaN take the insertion
    sort, which keeps a NaN where it stands. The indices are written as floats
    (the scratch rows are float64); read them back with `int(order[k])`.
    """
    n = keys.size
    ordered = True
    for k in range(n):
        ordered &= keys[k] == keys[k]
    if not ordered:
        insertion_order(keys, order)
        return
    for k in range(n):
        key, place = keys[k], 0
        for j in range(n):
            place += (keys[j] < key) | ((keys[j] == key) & (j < k))
        order[place] = k


@njit(cache=True, inline="always")
def insertion_order(keys: Array, order: Array) -> None:
    """`stable_order` by insertion, which needs no total order (keys with a NaN)."""
    for k in range(keys.size):
        key = keys[k]
        j = k
        while j > 0 and keys[int(order[j - 1])] > key:
            order[j] = order[j - 1]
            j -= 1
        order[j] = k
