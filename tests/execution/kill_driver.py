"""Runs `trimtab rebalance` in this process, hanging after the first order is accepted.

The parent test kills this process with a signal while it hangs, which is
exactly a crash between two orders: the first order filled on the paper
venue and journaled, the second not yet written.
"""

from __future__ import annotations

import sys
import time

from trimtab.cli.main import app
from trimtab.venues.paper.venue import PaperVenue

real_create = PaperVenue.create_order
placed = 0


def create_then_hang(self, *args, **kwargs):  # type: ignore[no-untyped-def]
    global placed
    placed += 1
    if placed == 2:
        print("HANGING-BEFORE-ORDER-2", flush=True)
        time.sleep(600)
    return real_create(self, *args, **kwargs)


PaperVenue.create_order = create_then_hang  # type: ignore[method-assign]
sys.argv = ["trimtab", *sys.argv[1:]]
app()
