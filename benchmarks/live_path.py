"""CPU time of one live check: `analyse` + `make_plan` for 50 and 200 assets.

    .venv/bin/python benchmarks/live_path.py [--repeat 200] [--sizes 50 200] [--profile]

Issue 16 asks for under 1 ms at 50 assets and under 5 ms at 200. The
portfolio is what a live check meets: three sleeves and a quote target,
holdings on two exchanges and in a wallet, every spot market with a lot size
and minimums (as ccxt loads them), a linear and an inverse perpetual with
funding rates, prices with their own timestamps, and drift enough that
about half the assets are out of band (so the plan sells, buys and proposes
hedges). Process CPU time, median of `--repeat` calls after a warm-up; a
benchmark, never a test assertion. `--profile` prints cProfile's top entries.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from typing import Any

from trimtab.domain.analysis.drift import analyse
from trimtab.domain.contracts import Contract
from trimtab.domain.planning.orders import MarketRule
from trimtab.domain.planning.planner import Markets, make_plan
from trimtab.domain.policy import Policy, build_policy
from trimtab.domain.snapshot import Snapshot

VENUES = ("binance", "kraken")


def live_portfolio(n: int) -> tuple[Policy, Snapshot, Markets]:
    """A policy of n assets in three sleeves, a snapshot drifted off it, and its markets."""
    assets = [f"A{i}" for i in range(n)]
    sleeves: dict[str, dict[str, Any]] = {}
    for k, (name, weight) in enumerate((("core", 0.5), ("mid", 0.2), ("alts", 0.1))):
        members = assets[k::3]
        sleeves[name] = {"weight": weight, "members": _even(members)}
    policy = build_policy({
        "targets": {"USDT": 0.2}, "sleeves": sleeves,
        "bands": {"kind": "either", "absolute_width": 0.05, "relative_width": 0.25},
        "costs": {"fee_rate": 0.001, "slippage_bps": 5, "min_trade": 5},
        "futures": {"max_multiple": 1.5}})
    targets = policy.asset_targets()
    value = 1_000_000.0
    prices = {a: 0.5 + (i * 37 % 101) for i, a in enumerate(assets)}
    drift = {a: (1.6 if i % 4 == 0 else 0.5 if i % 4 == 1 else 1.0) for i, a in enumerate(assets)}
    balances = []
    for i, a in enumerate(assets):
        units = targets[a] * value * drift[a] / prices[a]
        balances.append({"venue": VENUES[i % 2], "asset": a, "amount": units * 0.8,
                         "free": units * 0.75})
        balances.append({"venue": "wallet", "asset": a, "amount": units * 0.2})
    balances += [{"venue": v, "asset": "USDT", "amount": value * 0.1} for v in VENUES]
    snapshot = Snapshot.model_validate({
        "as_of": "2025-01-31T00:00:00Z",
        "prices": {a: {"price": p, "timestamp": "2025-01-30T23:59:50Z"} for a, p in prices.items()},
        "balances": balances,
        "positions": [
            {"venue": "binance", "symbol": "A0/USDT:USDT", "side": "long", "contracts": 900.0,
             "contractSize": 1.0, "markPrice": prices["A0"]},
            {"venue": "kraken", "symbol": "A1/USD:A1", "side": "short", "contracts": 50.0,
             "contractSize": 100.0, "markPrice": prices["A1"]}],
        "funding_rates": {"A0/USDT:USDT": 0.0001, "A1/USD:A1": -0.0002}})
    markets: dict[tuple[str, str], MarketRule] = {
        (v, f"{a}/USDT"): MarketRule(amount_step=0.001, min_amount=0.001, min_cost=5.0)
        for a in assets for v in VENUES}
    markets[("binance", "A0/USDT:USDT")] = MarketRule(amount_step=1.0)
    markets[("kraken", "A1/USD:A1")] = MarketRule(amount_step=1.0, contract=Contract(100.0, True))
    return policy, snapshot, markets


def _even(members: list[str]) -> dict[str, float]:
    weights = {m: 1.0 / len(members) for m in members}
    weights[members[-1]] = 1.0 - sum(weights[m] for m in members[:-1])
    return weights


def check(policy: Policy, snapshot: Snapshot, markets: Markets) -> int:
    """One live check as `trimtab check` runs it: analysis, then the plan."""
    analysis = analyse(snapshot, policy)
    plan = make_plan(snapshot, policy, analysis, markets=markets)
    return len(plan.orders)


def cpu_median(n: int, repeat: int) -> tuple[float, int]:
    policy, snapshot, markets = live_portfolio(n)
    orders = check(policy, snapshot, markets)  # warm-up: caches, imports
    spans = []
    for _ in range(repeat):
        start = time.process_time()
        check(policy, snapshot, markets)
        spans.append(time.process_time() - start)
    return statistics.median(spans), orders


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.profile:
        policy, snapshot, markets = live_portfolio(args.sizes[-1])
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [check(policy, snapshot, markets) for _ in range(20)])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    for n in args.sizes:
        median, orders = cpu_median(n, args.repeat)
        print(f"{n:>4} assets: analyse + plan {median * 1e3:.2f} ms CPU "
              f"(median of {args.repeat}), {orders} orders")


if __name__ == "__main__":
    main()
