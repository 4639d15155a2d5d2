"""`--sandbox`: every ccxt venue a command opens goes to its testnet, through ccxt's own
sandbox mode; a plan made there is approved there; a venue without one is refused."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import ccxt
import pytest

from tests.venues.recorded_world import RecordedWorld, hosts, install
from tests.venues.test_sweep import POLICY, sweep_env, trimtab
from trimtab.app.approvals import venues_from_record
from trimtab.app.inputs import parse_policy
from trimtab.app.journaling import record_of
from trimtab.app.wiring import VenueActions
from trimtab.domain.planning.planner import Plan
from trimtab.journal.opening import open_journal
from trimtab.venues.retry import Backoff


def url_hosts(exchange_id: str, key: str) -> set[str]:
    urls = getattr(ccxt, exchange_id)().urls[key]
    return {urlparse(u).hostname or "" for u in _strings(urls)}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


@pytest.mark.parametrize("command", [["check"], ["alerts"], ["rebalance", "--dry-run"],
                                     ["watch", "--once"]])
def test_sandbox_sends_every_request_of_a_command_to_the_venues_testnet(
        command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    sweep_env(monkeypatch, tmp_path, "binance")
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    args = [*command, "-p", str(policy), "--venue", "binance",
            "--journal", f"sqlite:///{tmp_path / 'journal.sqlite'}"]
    for flag, expected in (([], "api"), (["--sandbox"], "test")):
        world = RecordedWorld("binance")
        install(monkeypatch, world)
        assert trimtab(monkeypatch, *args, *flag) in (0, 1), capsys.readouterr()
        assert world.requests and hosts(world) <= url_hosts("binance", expected), flag
    capsys.readouterr()


def test_sandbox_on_a_venue_without_one_in_ccxt_is_refused_by_name_before_any_request(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    world = RecordedWorld("kraken")
    install(monkeypatch, world)
    sweep_env(monkeypatch, tmp_path, "kraken")
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    code = trimtab(monkeypatch, "check", "-p", str(policy), "--venue", "kraken", "--sandbox")
    err = capsys.readouterr().err
    assert code == 2 and world.requests == []
    assert err == "error: kraken open: kraken has no sandbox in ccxt; drop --sandbox\n"


def test_a_plan_made_on_the_testnet_is_approved_on_the_testnet_never_live(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The record says sandbox; an approval opens the venue there without the flag, and a
    dashboard's live venues are not reused for it."""
    env = {"TRIMTAB_BINANCE_API_KEY": "k", "TRIMTAB_BINANCE_SECRET": "s"}
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    policy = parse_policy({"targets": {"BTC": 1.0}})
    live = VenueActions(policy, journal, {"binance": object()},  # type: ignore[dict-item]
                        Backoff(sleep=lambda _: None))
    testnet = VenueActions(policy, journal, {"binance": object()},  # type: ignore[dict-item]
                           Backoff(sleep=lambda _: None), sandbox=True)
    assert not record_of(Plan(), policy, live).sandbox
    record = record_of(Plan(), policy, testnet)
    assert record.sandbox
    opened = venues_from_record(journal, env, held=live)(record, policy)
    assert opened is not live and opened.sandbox
    assert opened.venues["binance"].exchange.isSandboxModeEnabled  # type: ignore[attr-defined]
