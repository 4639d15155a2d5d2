"""The fleet check past one machine: rows of portfolios as dask tasks.

Portfolios are independent at a tick, so the fleet is cut into row chunks,
each chunk is scattered to a worker once (holdings and bands change when a
portfolio trades, not at every tick) and every tick sends only the price
vector. This module does the cutting and the gathering; the kernel is the
same one that runs in-process (arrays.check).
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from trimtab.fleet.arrays import Fleet, FleetCheck, check

Array = npt.NDArray[Any]


def chunks(fleet: Fleet, rows: int) -> list[Fleet]:
    """The fleet cut into consecutive chunks of at most `rows` portfolios."""
    per_row = [f.name for f in fields(Fleet) if f.name != "assets"]
    return [replace(fleet, **{name: getattr(fleet, name)[start:start + rows]
                              for name in per_row})
            for start in range(0, fleet.units.shape[0], rows)]


def joined(parts: list[FleetCheck]) -> FleetCheck:
    """The chunks' results stacked back into one, rows in fleet order."""
    return FleetCheck(*(np.concatenate([getattr(p, f.name) for p in parts])
                        for f in fields(FleetCheck)))


def check_on(client: Any, scattered: list[Any], price: Array) -> FleetCheck:
    """One tick on a dask cluster: `scattered` are the futures of `chunks(...)`, placed on
    the workers once with `client.scatter`."""
    futures = [client.submit(check, part, price, pure=False) for part in scattered]
    return joined(client.gather(futures))
