"""Every recorded venue through every command that reads a venue: never a traceback.

For each venue with recorded payloads (`recorded_world.recorded_venues()`,
so a venue added to the fixtures is swept with no code) and each way its
answers may come degraded, the real console script runs `check` (tables and
JSON), `alerts`, `rebalance` (plan only, then executed) and one `watch` tick.
Each must end with a documented exit status other than 3 (an internal error,
whose traceback went to the crash log), print no traceback, and say any error
in one line.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from ccxt.base import exchange as ccxt_exchange

from tests.venues.recorded_world import (
    UNLISTED,
    RecordedWorld,
    Variant,
    install,
    recorded_venues,
)
from trimtab.cli.main import run
from trimtab.venues.ccxt_venue import open_ccxt_venue
from trimtab.venues.credentials import env_prefix
from trimtab.venues.port import PositionsRead

POLICY = """quote = "USDT"
mode = "propose"
targets = {BTC = 0.4, ETH = 0.3, USDT = 0.3}
[futures]
max_multiple = 0.5
[costs]
min_trade = 1
[execution]
timeout = 1
poll_interval = 0.05
read_attempts = 1
"""
ERROR_LINE = ("error:", "venue error:", "busy:", "refused:", "stopped:", "internal error:")
# (name, arguments after the command's own venue options)
COMMANDS = (("check", ["check"]), ("check --json", ["check", "--json"]),
            ("alerts", ["alerts"]), ("rebalance --dry-run", ["rebalance", "--dry-run"]),
            ("rebalance --yes", ["rebalance", "--yes"]), ("watch --once", ["watch", "--once"]))


def trimtab(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["trimtab", *args])
    with pytest.raises(SystemExit) as info:
        run()
    return int(info.value.code or 0)


def sweep_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, exchange_id: str) -> None:
    """Keys for the venue (a base64 secret, as Kraken's are), the state under tmp_path."""
    prefix = env_prefix(exchange_id)
    monkeypatch.setenv(prefix + "API_KEY", "fake-key-7f3a")
    monkeypatch.setenv(prefix + "SECRET", "ZmFrZS1zZWNyZXQtOTFjMg==")
    monkeypatch.setenv(prefix + "PASSWORD", "fake-pass")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("TRIMTAB_LEASE_WAIT", "0")


@pytest.mark.parametrize("variant", list(Variant), ids=lambda v: v.value)
@pytest.mark.parametrize("exchange_id", recorded_venues())
def test_no_recorded_payload_produces_a_traceback_in_any_command(
        exchange_id: str, variant: Variant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    world = RecordedWorld(exchange_id, variant)
    install(monkeypatch, world)
    sweep_env(monkeypatch, tmp_path, exchange_id)
    policy = tmp_path / "policy.toml"
    common = ["-p", str(policy), "--venue", exchange_id,
              "--journal", f"sqlite:///{tmp_path / 'journal.sqlite'}"]
    policy.write_text(POLICY)
    trimtab(monkeypatch, "check", *common)
    # coins a recorded market file cannot price are left out, as the error says to, so that
    # the sweep reaches the plan; the variant's own unpriced coin stays in
    policy.write_text(policy_leaving_out(capsys.readouterr().err))
    for name, args in COMMANDS:
        code = trimtab(monkeypatch, *args, *common)
        out, err = capsys.readouterr()
        said = f"{exchange_id} {variant.value} `{name}` exited {code}:\n{out}\n{err}"
        assert code in (0, 1, 2), said
        assert "Traceback" not in out + err, said
        errors = [line for line in err.splitlines() if line.startswith(ERROR_LINE)]
        assert len(errors) <= 1, said
        for line in errors:  # the label says which documented status it is
            assert code == (2 if line.startswith("error:") else 1), said


def policy_leaving_out(error: str) -> str:
    """The sweep's policy, excluding the coins `error` names as unpriced (bar UNLISTED)."""
    found = re.search(r"no price for held assets? ([^;]+);", error)
    names = [n for n in (found[1].split(", ") if found else []) if n != UNLISTED]
    return f"exclude = {json.dumps(names)}\n" + POLICY


def run_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, exchange_id: str,
           *args: str, variant: Variant = Variant.AS_RECORDED) -> tuple[int, RecordedWorld]:
    world = RecordedWorld(exchange_id, variant)
    install(monkeypatch, world)
    sweep_env(monkeypatch, tmp_path, exchange_id)
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    code = trimtab(monkeypatch, *args, "-p", str(policy), "--venue", exchange_id,
                   "--journal", f"sqlite:///{tmp_path / 'journal.sqlite'}")
    return code, world


@pytest.mark.parametrize("command", ["check", "alerts"])
def test_a_venue_that_fails_a_check_is_a_venue_error_exit_1_not_bad_input(
        command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Found by the sweep: check and alerts said `error:` and exit 2 (invalid input) when
    the venue refused a read (bybit then recorded no balance), unlike every other command."""
    code, _ = run_on(monkeypatch, tmp_path, "bybit", command, variant=Variant.NO_BALANCE)
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("venue error: bybit fetch_balance") and err.count("\n") == 1


def test_a_leg_whose_cancel_fails_after_its_order_went_out_leaves_the_plan_stopped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Found by the sweep: Binance answers the sale NEW (the recorded order), the rest is
    cancelled at the timeout and the cancel fails; the plan was `failed` (approvable again,
    as if nothing had been sent) although its order reached the venue."""
    code, world = run_on(monkeypatch, tmp_path, "binance", "rebalance", "--yes", "--json")
    out = json.loads(capsys.readouterr().out)
    assert any(m == "POST" and "/api/v3/order" in url for m, url in world.requests)
    assert code == 1 and out["status"] == "stopped"
    assert "cancel_order" in out["stop"]["message"]


def test_a_venue_ccxt_says_has_no_positions_is_read_without_asking_for_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by the sweep: positions were asked of every venue, and a spot exchange
    (ccxt's bitstamp, gemini, coinbaseexchange have no fetchPositions) answered
    NotSupported, which failed every check of it. Coinbase's recording has none."""
    world = RecordedWorld("coinbase")
    install(monkeypatch, world)
    venue = open_ccxt_venue("coinbase", environ={"TRIMTAB_COINBASE_API_KEY": "k"})
    assert not venue.exchange.has["fetchPositions"]
    assert venue.fetch_positions() == PositionsRead((), ())
    assert world.requests == []


@pytest.mark.parametrize("exchange_id", ["okx", "coinbase"])
def test_okx_and_coinbase_are_swept_past_prices_to_the_plan_and_its_orders(
        exchange_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The sweep stopped at prices on OKX and Coinbase (no recorded ticker), so their plans
    and orders were never swept; ccxt's recorded tickers now price them, a plan is made and
    its first order is sent (OKX answers ccxt's recorded createOrder; Coinbase's is not
    recorded, and the run stops there as on a rejected order, in one line)."""
    code, world = run_on(monkeypatch, tmp_path, exchange_id, "rebalance", "--yes", "--json")
    out, err = capsys.readouterr()
    assert "no price" not in err, err
    report = json.loads(out)
    if exchange_id == "okx":
        # the order goes out; ccxt's recorded lookup then answers with another market's
        # order (LTC/USDT filled 0.1), which the fill guard refuses to record: stopped,
        # one line, exit 1, and the order stays unresolved for a person to check
        assert ("POST", "https://www.okx.com/api/v5/trade/batch-orders") in world.requests
        assert code == 1 and report["orders"] == [], out
        assert "LTC/USDT" in out and "not recorded" in out, out
        return
    first = report["orders"][0]
    assert first["venue"] == exchange_id and first["status"] in ("filled", "rejected"), out
    assert code == (0 if first["status"] == "filled" else 1), out


def test_a_recorded_venue_answers_without_ccxt_rate_limit_waits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ccxt's throttle slept before each recorded answer (about 3 s of each sweep case, most
    of the sweep's wall time); a recorded answer has no server behind it to spare."""
    waits: list[float] = []
    monkeypatch.setattr(ccxt_exchange.time, "sleep", waits.append)
    code, world = run_on(monkeypatch, tmp_path, "binance", "rebalance", "--yes")
    assert code in (0, 1) and len(world.requests) > 5
    assert waits == []
