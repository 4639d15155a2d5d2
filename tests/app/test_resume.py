"""A rebalance that died half-way is finished by sending what it still owed, nothing more."""

from __future__ import annotations

from pathlib import Path

import pytest

from trimtab.app import rebalance as service
from trimtab.app.wiring import Options
from trimtab.venues.paper.venue import PaperVenue

ROOT = Path(__file__).resolve().parents[2]


def options(tmp_path: Path, name: str) -> Options:
    return Options(ROOT / "examples" / "moderate.toml", ("paper",),
                   f"sqlite:///{tmp_path / name}", "history:2025-01-31",
                   ROOT / "examples" / "paper-start.json", environ={})


def rebalance(opts: Options) -> tuple[service.Prepared, dict[str, float]]:
    prepared = service.prepare(opts)
    try:
        service.execute(prepared)
        return prepared, dict(prepared.actions.venues["paper"].fetch_balances().total)
    finally:
        service.release(prepared)


def legs(prepared: service.Prepared) -> list[tuple[str, str, float]]:
    return [(o.symbol, o.side, o.amount) for o in prepared.plan.orders]


def test_a_run_killed_after_two_orders_is_finished_with_the_legs_it_still_owed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole, expected = rebalance(options(tmp_path, "whole.sqlite"))
    assert len(whole.plan.orders) > 2
    real_create = PaperVenue.create_order
    sent: list[str] = []

    def dies_at_the_third(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if len(sent) == 2:
            raise KeyboardInterrupt  # the process is killed between two orders
        sent.append(args[0])
        return real_create(self, *args, **kwargs)

    monkeypatch.setattr(PaperVenue, "create_order", dies_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        rebalance(options(tmp_path, "killed.sqlite"))
    monkeypatch.setattr(PaperVenue, "create_order", real_create)
    resumed, balances = rebalance(options(tmp_path, "killed.sqlite"))
    assert legs(resumed) == legs(whole)[2:]  # re-planning from scratch sized them anew
    assert balances == pytest.approx(expected, rel=1e-12)
    again, _ = rebalance(options(tmp_path, "killed.sqlite"))
    assert again.plan.orders == ()
