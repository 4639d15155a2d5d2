"""Load on the dashboard: N clients refreshing /api/state; how often the venue is read.

    .venv/bin/python benchmarks/dashboard_load.py --clients 20 --seconds 10

Issue 11 measured 33 requests/s and p99 1.05 s under 20 clients, every
request taking its own snapshot from the venue. The page now shares one
snapshot per SNAPSHOT_TTL (5 s): this prints requests/s, latency
percentiles and the venue reads the run cost. A benchmark, never a test.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import uvicorn

from trimtab.app.dashboard import open_dashboard
from trimtab.app.inputs import load_policy
from trimtab.app.wiring import Options
from trimtab.journal.opening import open_journal
from trimtab.venues.paper.venue import PaperVenue
from trimtab.web.app import create_app
from trimtab.web.auth import Access

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "b" * 32
reads = 0
real_balances = PaperVenue.fetch_balances


def counted(self: PaperVenue):  # type: ignore[no-untyped-def]
    global reads
    reads += 1
    return real_balances(self)


def serve(folder: Path) -> str:
    PaperVenue.fetch_balances = counted  # type: ignore[method-assign]
    policy = ROOT / "examples" / "moderate.toml"
    options = Options(policy, ("paper",), f"sqlite:///{folder / 'j.sqlite'}",
                      "history:2025-01-31", ROOT / "examples" / "paper-start.json",
                      environ=dict(os.environ))
    source = open_dashboard(options, load_policy(policy), open_journal(options.journal),
                            lambda _m: None)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(source, Access(TOKEN, False)), port=port,
                            log_level="warning")
    threading.Thread(target=uvicorn.Server(config).run, daemon=True).start()
    time.sleep(1.5)
    return f"http://127.0.0.1:{port}"


def client(url: str, until: float) -> list[float]:
    spans = []
    with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        while time.monotonic() < until:
            start = time.perf_counter()
            http.get(f"{url}/api/state").raise_for_status()
            spans.append(time.perf_counter() - start)
    return spans


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = serve(Path(folder))
        before = reads
        until = time.monotonic() + args.seconds
        with ThreadPoolExecutor(args.clients) as pool:
            spans = [s for part in pool.map(lambda _i: client(url, until), range(args.clients))
                     for s in part]
    spans.sort()
    p99 = spans[int(len(spans) * 0.99) - 1]
    print(f"{args.clients} clients, {args.seconds:g} s: {len(spans) / args.seconds:.0f} "
          f"requests/s, median {statistics.median(spans) * 1000:.0f} ms, p99 "
          f"{p99 * 1000:.0f} ms, venue balance reads {reads - before}")


if __name__ == "__main__":
    main()
