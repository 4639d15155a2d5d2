"""How long `trimtab check` takes to analyse and plan a portfolio of N assets.

    .venv/bin/python benchmarks/scale_assets.py 10000

Issue 11 measured 41–76 s for 10,000 assets: analysis summed the other
assets' value once per asset, split holdings by venue once per asset and
looked assets up by scanning. Each is linear now. Prints the medians of
`--repeat` runs; a benchmark, never a test assertion.
"""

from __future__ import annotations

import argparse
import statistics
import time

from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.planner import make_plan
from trimtab.domain.policy import build_policy
from trimtab.domain.snapshot import Snapshot


def portfolio(n: int) -> tuple[object, Snapshot]:
    assets = [f"A{i}" for i in range(n)]
    targets = {a: 1.0 / (n + 1) for a in assets}
    targets["USDT"] = 1.0 - sum(targets.values())
    policy = build_policy({"targets": targets, "bands": {"kind": "relative", "width": 0.1},
                           "costs": {"fee_rate": 0.001, "slippage_bps": 5, "min_trade": 0}})
    snapshot = Snapshot.model_validate({
        "as_of": "2025-01-31T00:00:00Z",
        "prices": {a: 1.0 + i % 7 for i, a in enumerate(assets)},
        "balances": [{"venue": ("binance", "kraken")[i % 2], "asset": a,
                      "amount": 2.0 if i % 3 == 0 else 0.5} for i, a in enumerate(assets)]
        + [{"venue": "binance", "asset": "USDT", "amount": 100.0}]})
    return policy, snapshot


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("assets", type=int, nargs="?", default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    policy, snapshot = portfolio(args.assets)
    spans = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        analysis = analyse(snapshot, policy)  # type: ignore[arg-type]
        plan = make_plan(snapshot, policy, analysis)  # type: ignore[arg-type]
        spans.append(time.perf_counter() - start)
    print(f"{args.assets} assets: analyse + plan {statistics.median(spans):.3f} s "
          f"(median of {args.repeat}), {len(plan.orders)} orders")


if __name__ == "__main__":
    main()
