"""Text that came from outside (an exchange's error, a journal row) is printed as it is.

Kraken's errors name the endpoint in brackets (`[/0/private/AddOrder]`);
rich read such text as markup: a closing tag that closes nothing made
`trimtab journal` exit 3 "internal error: MarkupError", `[red]` vanished and
`:warning:` turned into an emoji. Each test makes the paper exchange answer
an order with such an error, then reads what every command shows of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from trimtab.cli.main import app
from trimtab.venues.errors import Rejected
from trimtab.venues.paper.venue import PaperVenue

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "examples" / "moderate.toml"
START = ROOT / "examples" / "paper-start.json"
PRICES = "history:2025-01-31"
SAID = "kraken said [/0/private/AddOrder] :warning: [red]EOrder:Invalid arguments[/red] [b]"


@pytest.fixture
def exchange_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every order the paper exchange is sent is refused with SAID."""
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise Rejected("kraken", "create_order", SAID)

    monkeypatch.setattr(PaperVenue, "create_order", refuse)


def run(*argv: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(argv), env={"COLUMNS": "400"})
    # a MarkupError escaping the command is the bug (the console script says "internal error")
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    return result.exit_code, result.stdout + result.stderr


def rebalance(journal: str, *more: str) -> tuple[int, str]:
    return run("rebalance", "-p", str(POLICY), "--paper-prices", PRICES, "--paper-start",
               str(START), "--journal", journal, "--yes", *more)


def lines_with(out: str, part: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if part in line]


def test_rebalance_shows_the_exchanges_refusal_as_it_said_it(
        tmp_path: Path, exchange_refuses: None) -> None:
    code, out = rebalance(f"sqlite:///{tmp_path / 'j.sqlite'}")
    assert code == 1 and "internal error" not in out, out
    assert any(line.startswith("stopped: ") and line.endswith(SAID)
               for line in lines_with(out, "stopped:")), out
    assert "⚠" not in out


def test_journal_plans_and_plan_show_print_the_stored_error_as_it_is(
        tmp_path: Path, exchange_refuses: None) -> None:
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    assert rebalance(journal)[0] == 1
    plan_id = json.loads(run("journal", "--journal", journal, "--json")[1])[0]["plan_id"]
    for argv in (("journal",), ("plans",), ("plan", "show", plan_id)):
        code, out = run(*argv, "--journal", journal)
        assert code == 0 and "internal error" not in out, (argv, out)
        assert lines_with(out, "kraken said") and all(
            line.endswith(SAID) for line in lines_with(out, "kraken said")), (argv, out)
        assert "⚠" not in out, argv


def test_approve_prints_the_decision_with_the_exchanges_words(
        tmp_path: Path, exchange_refuses: None) -> None:
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    code, out = run("watch", "-p", str(POLICY), "--paper-start", str(START), "--paper-prices",
                    PRICES, "--journal", journal, "--once")
    assert code == 0, out
    plan_id = json.loads(run("plans", "--journal", journal, "--json")[1])[0]["plan_id"]
    code, out = run("approve", plan_id, "--journal", journal)
    assert code == 1 and "internal error" not in out, out
    decision = [line for line in out.splitlines() if line.startswith(f"plan {plan_id}: ")]
    assert decision and decision[-1].endswith(SAID), out
