"""Fuzzed policies, snapshots and arguments: never a traceback, always one line or valid JSON.

Hypothesis with a fixed seed (derandomize) and a bounded number of
examples, so the suite stays fast and a failure reproduces. Each example
runs `trimtab check --json` in this process; what may come back is exit
status 0 with one JSON object (no NaN, no Infinity) or exit status 2 with
one line that names a field, never an exception.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from trimtab.cli.main import run

ASSETS = ["BTC", "ETH", "SOL", "USDT"]
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.floats(0, 1), st.integers(-5, 10**6),
    st.booleans(), st.sampled_from([1e308, -1e-300, 0.0, 0.5]), st.text(max_size=4))
WEIGHTS = st.one_of(st.floats(0, 1), NUMBERS)
BANDS = st.fixed_dictionaries({"kind": st.sampled_from(["absolute", "relative", "either", "x"])},
                              optional={"width": NUMBERS, "absolute_width": NUMBERS,
                                        "relative_width": NUMBERS,
                                        "overrides": st.dictionaries(st.sampled_from(
                                            ["BTC", "DOGE", "core"]), st.fixed_dictionaries(
                                            {"kind": st.just("relative"), "width": NUMBERS}),
                                            max_size=1)})
POLICIES = st.fixed_dictionaries(
    {"targets": st.dictionaries(st.sampled_from(ASSETS), WEIGHTS, max_size=4)},
    optional={"max_price_age": NUMBERS, "max_price_move": NUMBERS, "check_interval": NUMBERS,
              "max_plan_age": NUMBERS, "mode": st.sampled_from(["alert", "propose", "x"]),
              "rebalance_to": st.one_of(st.sampled_from(["target", "band-edge"]), NUMBERS),
              "bands": BANDS, "frozen": st.lists(st.sampled_from(ASSETS), max_size=2),
              "costs": st.fixed_dictionaries({}, optional={"fee_rate": NUMBERS,
                                                           "slippage_bps": NUMBERS,
                                                           "min_trade": NUMBERS}),
              "futures": st.fixed_dictionaries({}, optional={"max_multiple": NUMBERS}),
              "schedules": st.lists(st.fixed_dictionaries({"cron": st.text(
                  alphabet="0123456789*/-, ", max_size=16)}), max_size=1),
              "sleeves": st.dictionaries(st.sampled_from(["core", "alts"]), st.fixed_dictionaries(
                  {"weight": WEIGHTS, "members": st.dictionaries(st.sampled_from(["ETH", "SOL"]),
                                                                  WEIGHTS, max_size=2)}),
                  max_size=2)})
DATES = st.sampled_from(["2025-01-31T00:00:00Z", "0001-01-01T00:00:00Z", "2099-01-01T00:00:00Z",
                         "2025-01-31", "not a date"])
SNAPSHOTS = st.fixed_dictionaries({
    "as_of": DATES,
    "prices": st.dictionaries(st.sampled_from(ASSETS), st.one_of(NUMBERS, st.fixed_dictionaries(
        {"price": NUMBERS, "timestamp": DATES})), max_size=4),
    "balances": st.lists(st.fixed_dictionaries({
        "venue": st.sampled_from(["binance", "wallet", ""]), "asset": st.sampled_from(ASSETS),
        "amount": NUMBERS}), max_size=4)})
AMOUNTS = st.one_of(st.none(), st.sampled_from(["0", "100", "nan", "inf", "-1", "1e400", "x"]))


def toml(value: Any) -> str:
    """A TOML value (inline tables and arrays), NaN and infinities included."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int | str):
        return json.dumps(value) if isinstance(value, str) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml(v)}" for k, v in value.items()) + "}"


def trimtab(args: list[str]) -> tuple[int, str, str]:
    """Run the console script's entry point in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    argv, sys.argv = sys.argv, ["trimtab", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            run()
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    finally:
        sys.argv = argv
    raise AssertionError("run() always ends with SystemExit")


def no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


@settings(max_examples=120, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(policy=POLICIES, snap=SNAPSHOTS, deposit=AMOUNTS, withdraw=AMOUNTS)
def test_check_never_tracebacks_on_fuzzed_input(policy: dict[str, Any], snap: dict[str, Any],
                                                deposit: str | None, withdraw: str | None
                                                ) -> None:
    with tempfile.TemporaryDirectory() as folder:
        policy_file, snapshot_file = Path(folder) / "p.toml", Path(folder) / "s.json"
        policy_file.write_text("\n".join(f"{json.dumps(k)} = {toml(v)}"
                                         for k, v in policy.items()))
        snapshot_file.write_text(json.dumps(snap))  # NaN and Infinity as Python writes them
        args = ["check", "-p", str(policy_file), "-s", str(snapshot_file), "--json"]
        args += ["--deposit", deposit] if deposit else []
        args += ["--withdraw", withdraw] if withdraw else []
        code, out, err = trimtab(args)
    event(f"exit status {code}")
    assert code in (0, 2), err  # 3 would be an internal error: a traceback in the crash log
    if code == 2:
        line = err.strip()
        assert "\n" not in line and line.startswith("error:") and len(line) > 12, line
    else:
        json.loads(out, parse_constant=no_constants)


BASE_POLICY = {"targets": {"BTC": 0.4, "ETH": 0.3, "USDT": 0.3},
               "bands": {"kind": "relative", "width": 0.1},
               "costs": {"fee_rate": 0.001, "slippage_bps": 5, "min_trade": 10}}
BASE_SNAPSHOT = {"as_of": "2025-01-31T00:00:00Z",
                 "prices": {"BTC": 100_000.0, "ETH": 3_000.0, "USDT": 1.0},
                 "balances": [{"venue": "binance", "asset": "BTC", "amount": 0.5},
                              {"venue": "kraken", "asset": "ETH", "amount": 4.0},
                              {"venue": "wallet", "asset": "BTC", "amount": 0.1},
                              {"venue": "binance", "asset": "USDT", "amount": 5_000.0}]}
POLICY_KEYS = st.sampled_from([("max_price_age",), ("check_interval",), ("max_plan_age",),
                               ("rebalance_to",), ("bands", "width"), ("costs", "fee_rate"),
                               ("costs", "min_trade"), ("targets", "BTC"),
                               ("futures", "max_multiple")])
SNAPSHOT_KEYS = st.sampled_from([("prices", "BTC"), ("prices", "ETH"),
                                 ("balances", 0, "amount"), ("balances", 2, "amount")])


def with_value(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(document))
    node = copy
    for part in path[:-1]:
        node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
    node[path[-1]] = value
    return copy


@settings(max_examples=80, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(policy_key=POLICY_KEYS, policy_value=NUMBERS, snapshot_key=SNAPSHOT_KEYS,
       snapshot_value=NUMBERS, withdraw=AMOUNTS)
def test_one_bad_value_in_a_good_policy_or_snapshot_is_one_line_or_a_plan(
        policy_key: tuple[str, ...], policy_value: Any, snapshot_key: tuple[Any, ...],
        snapshot_value: Any, withdraw: str | None) -> None:
    for policy, snap in ((with_value(BASE_POLICY, policy_key, policy_value), BASE_SNAPSHOT),
                         (BASE_POLICY, with_value(BASE_SNAPSHOT, snapshot_key, snapshot_value))):
        with tempfile.TemporaryDirectory() as folder:
            policy_file, snapshot_file = Path(folder) / "p.toml", Path(folder) / "s.json"
            policy_file.write_text("\n".join(f"{json.dumps(k)} = {toml(v)}"
                                             for k, v in policy.items()))
            snapshot_file.write_text(json.dumps(snap))
            args = ["check", "-p", str(policy_file), "-s", str(snapshot_file), "--json"]
            code, out, err = trimtab(args + (["--withdraw", withdraw] if withdraw else []))
        event(f"exit status {code}")
        assert code in (0, 2), err
        if code == 2:
            assert "\n" not in err.strip() and err.startswith("error:"), err
        else:
            json.loads(out, parse_constant=no_constants)


ROOT = Path(__file__).resolve().parents[2]
MODERATE = str(ROOT / "examples" / "moderate.toml")


@pytest.mark.parametrize(("args", "names"), [
    (["watch", "-p", MODERATE, "--replay", "1990-01-01..1990-02-01"], "--replay"),
    (["backtest", "-p", MODERATE, "--capital", "inf", "--json"], "--capital"),
    (["sweep", "-p", MODERATE, "--bands", "relative:-0.1"], "--bands"),
    (["check", "-p", MODERATE, "-s", "x.json", "--withdraw", "nan"], "--withdraw"),
    (["nope"], "nope"),
])
def test_a_bad_argument_is_one_line_naming_it(args: list[str], names: str,
                                              tmp_path: Path) -> None:
    code, _out, err = trimtab([*args, "--journal", f"sqlite:///{tmp_path / 'j.sqlite'}"]
                             if args[0] == "watch" else args)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("error:") and names in err, err
