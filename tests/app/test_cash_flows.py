"""`trimtab rebalance --deposit/--withdraw`: new money buys underweights, a withdrawal sells."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.builders import snapshot
from trimtab.app import rebalance as rebalance_module
from trimtab.app import wiring
from trimtab.cli.main import app
from trimtab.domain.contributions import CashMissing, before_deposit
from trimtab.venues.paper import venue as paper_venue

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def rebalance(journal: str, *more: str) -> dict[str, object]:
    result = CliRunner().invoke(app, [
        "rebalance", "-p", str(EXAMPLES / "moderate.toml"), "--paper-prices",
        "history:2025-01-31", "--paper-start", str(EXAMPLES / "paper-start.json"),
        "--journal", journal, "--yes", "--json", *more])
    assert result.exit_code == 0, result.stdout + result.stderr
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_a_deposit_on_the_paper_exchange_is_invested_in_buys_only(tmp_path: Path) -> None:
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    before = rebalance(journal)["after"]
    assert isinstance(before, dict)
    after = rebalance(journal, "--deposit", "5000")
    orders = after["orders"]
    assert isinstance(orders, list) and orders
    assert {o["side"] for o in orders} == {"buy"}
    assert after["after"]["spot_value"] == pytest.approx(  # type: ignore[index]
        before["spot_value"] + 5000, rel=1e-3)


def test_a_withdrawal_sells_only_and_the_paper_account_pays_it_out(tmp_path: Path) -> None:
    """A real venue keeps the quote raised for the user to withdraw; the paper exchange
    pays it out once the sales ran, so its value falls by the withdrawal (and the fees)."""
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    before = rebalance(journal)["after"]
    assert isinstance(before, dict)
    after = rebalance(journal, "--withdraw", "3000")
    orders = after["orders"]
    assert isinstance(orders, list) and {o["side"] for o in orders} == {"sell"}
    assert after["after"]["spot_value"] == pytest.approx(  # type: ignore[index]
        before["spot_value"] - 3000, rel=1e-3)
    weights = after["after"]["weights"]  # type: ignore[index]
    assert weights["USDT"] == pytest.approx(0.30, abs=0.01)  # the target, the 3,000 gone


def test_a_withdrawal_the_quote_already_holds_sells_nothing_and_is_paid_out(
        tmp_path: Path) -> None:
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    rebalance(journal)
    usdt = "select amount from paper_balances where asset = 'USDT'"
    with sqlite3.connect(tmp_path / "j.sqlite") as db:
        ((before,),) = db.execute(usdt).fetchall()
    after = rebalance(journal, "--withdraw", "15")  # each sale would be under min_trade
    assert after["status"] == "nothing_to_do" and after["orders"] == []
    with sqlite3.connect(tmp_path / "j.sqlite") as db:
        ((left,),) = db.execute(usdt).fetchall()
    assert float(left) == pytest.approx(float(before) - 15, abs=1e-9)


def test_deposit_and_withdraw_together_are_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["rebalance", "-p", str(EXAMPLES / "moderate.toml"),
                                      "--deposit", "1", "--withdraw", "1"])
    assert result.exit_code == 2 and "--deposit" in result.stderr


def test_the_deposit_is_taken_from_the_venue_that_holds_the_most_quote() -> None:
    snap = snapshot({"BTC": 100.0}, [("binance", "USDT", 800.0), ("kraken", "USDT", 300.0),
                                     ("binance", "BTC", 1.0)])
    before = before_deposit(snap, "USDT", 500.0)
    amounts = {(b.venue, b.asset): b.amount for b in before.balances}
    assert amounts[("binance", "USDT")] == 300.0 and amounts[("kraken", "USDT")] == 300.0


def test_a_deposit_not_yet_on_a_venue_is_refused_with_what_to_do() -> None:
    snap = snapshot({"BTC": 100.0}, [("binance", "USDT", 100.0), ("wallet", "USDT", 9000.0)])
    with pytest.raises(CashMissing, match=r"not on a venue yet \(the most is 100.00 on binance"):
        before_deposit(snap, "USDT", 500.0)


@pytest.mark.parametrize("flow", [["--withdraw", "15"], ["--withdraw", "3000"],
                                  ["--deposit", "5000"]])
def test_a_dry_run_moves_no_paper_money_now_or_later(tmp_path: Path, flow: list[str]) -> None:
    """`--dry-run` sends nothing and moves nothing: a withdrawal the quote already held was
    paid out by the dry run (it was journaled nothing_to_do, which pays), a deposit was
    credited before the plan, and a later real run paid the dry run's withdrawal too."""
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    rebalance(journal)
    path = tmp_path / "j.sqlite"
    balances = "select asset, amount from paper_balances order by asset"
    with sqlite3.connect(path) as db:
        before = db.execute(balances).fetchall()

    dry = rebalance(journal, *flow, "--dry-run")

    assert dry["status"] == "dry-run"
    with sqlite3.connect(path) as db:
        assert db.execute(balances).fetchall() == before
    rebalance(journal)  # a real run after it: nothing of the dry run's flow is made
    with sqlite3.connect(path) as db:
        assert db.execute(balances).fetchall() == before


class Killed(Exception):
    """The process dying at that point."""


def _killed_before_the_plan_is_journaled(monkeypatch: pytest.MonkeyPatch) -> None:
    def killed(*_args: object, **_kwargs: object) -> None:
        raise Killed

    monkeypatch.setattr(rebalance_module, "journal_plan", killed)


def _killed_once_the_credit_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    real = paper_venue.adjust

    def adjust(session: Session, account: str, asset: str, delta: Decimal) -> None:
        real(session, account, asset, delta)
        if asset == "USDT" and delta == Decimal("5000.0"):
            raise Killed

    monkeypatch.setattr(paper_venue, "adjust", adjust)


@pytest.mark.parametrize("kill", [_killed_before_the_plan_is_journaled,
                                  _killed_once_the_credit_is_written])
def test_a_deposit_killed_before_its_plan_is_journaled_is_credited_once_by_the_rerun(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        kill: Callable[[pytest.MonkeyPatch], None]) -> None:
    """The paper account was credited before the plan was made: a process killed between
    the credit and the journaling left the money credited with no plan to say so, and the
    rerun credited it again (10,000 for one 5,000 deposit). The credit is now journaled
    with its plan, in one transaction: a kill leaves both or neither."""
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    before = rebalance(journal)["after"]
    assert isinstance(before, dict)
    with monkeypatch.context() as patched:
        kill(patched)
        result = CliRunner().invoke(app, [
            "rebalance", "-p", str(EXAMPLES / "moderate.toml"), "--paper-prices",
            "history:2025-01-31", "--journal", journal, "--yes", "--deposit", "5000"])
        assert result.exit_code != 0
    after = rebalance(journal, "--deposit", "5000")
    assert after["after"]["spot_value"] == pytest.approx(  # type: ignore[index]
        before["spot_value"] + 5000, rel=1e-3)
    with sqlite3.connect(tmp_path / "j.sqlite") as db:
        transfers = db.execute("select reference, amount from paper_transfers").fetchall()
    assert transfers == [(f"deposit of plan {after['plan_id']}", "5000.0")]


def test_a_refused_deposit_plan_takes_nothing_and_the_run_after_the_fix_credits_it_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused plan (here recovery left an order unresolved) invests nothing: its deposit
    used to be credited all the same, and the rerun once the refusal was fixed credited
    it again."""
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    before = rebalance(journal)["after"]
    assert isinstance(before, dict)
    with monkeypatch.context() as patched:
        patched.setattr(wiring, "recover", lambda *_args: ["order x of plan y: unresolved"])
        result = CliRunner().invoke(app, [
            "rebalance", "-p", str(EXAMPLES / "moderate.toml"), "--paper-prices",
            "history:2025-01-31", "--journal", journal, "--yes", "--json",
            "--deposit", "5000"])
    assert json.loads(result.stdout)["status"] == "refused", result.stdout + result.stderr
    after = rebalance(journal, "--deposit", "5000")
    assert after["status"] == "done"
    assert after["after"]["spot_value"] == pytest.approx(  # type: ignore[index]
        before["spot_value"] + 5000, rel=1e-3)


def test_a_deposit_asked_while_a_plan_resumes_is_not_credited_and_the_next_run_invests_it(
        tmp_path: Path) -> None:
    """A run that resumes an unfinished plan plans no cash flow; the paper account used to
    be credited all the same, and the run that then planned the deposit credited it
    again. The credit follows the plan that records the deposit."""
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    first = rebalance(journal)
    before = first["after"]
    assert isinstance(before, dict)
    with sqlite3.connect(tmp_path / "j.sqlite") as db:  # it stopped once its orders filled
        db.execute("update plans set status = 'stopped' where id = ?", (first["plan_id"],))
    result = CliRunner().invoke(app, [
        "rebalance", "-p", str(EXAMPLES / "moderate.toml"), "--paper-prices",
        "history:2025-01-31", "--journal", journal, "--yes", "--deposit", "5000"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "--deposit/--withdraw of 5,000.00 USDT not planned" in result.stdout
    with sqlite3.connect(tmp_path / "j.sqlite") as db:
        assert db.execute("select count(*) from paper_transfers").fetchall() == [(0,)]
    after = rebalance(journal, "--deposit", "5000")
    assert {o["side"] for o in after["orders"]} == {"buy"}  # type: ignore[union-attr]
    assert after["after"]["spot_value"] == pytest.approx(  # type: ignore[index]
        before["spot_value"] + 5000, rel=1e-3)
