"""Runs a trimtab command in this process, pausing at its first order until a file appears.

`python -m tests.concurrency.hold_driver GO_FILE trimtab-args...`: the first
order is journaled pending-submit, then the process prints HOLDING and waits
for GO_FILE before the order goes to the paper venue. While it waits the
test starts a second process on the same journal and account: exactly the
moment two writers would clash.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from trimtab.cli.main import app
from trimtab.venues.paper.venue import PaperVenue

real_create = PaperVenue.create_order
go = Path(sys.argv[1])
held = False


def create_after_go(self, *args, **kwargs):  # type: ignore[no-untyped-def]
    global held
    if not held:
        held = True
        print("HOLDING", flush=True)
        deadline = time.monotonic() + 120
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return real_create(self, *args, **kwargs)


PaperVenue.create_order = create_after_go  # type: ignore[method-assign]
sys.argv = ["trimtab", *sys.argv[2:]]
app()
