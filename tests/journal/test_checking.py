"""`trimtab journal check`: a sound journal passes, each broken invariant is named."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from tests.execution.paper_world import executor, plan_and_journal, policy, world
from trimtab.cli.main import run
from trimtab.journal.checking import check_journal
from trimtab.journal.models import OrderRow, PlanRow


def executed(tmp_path: Path):  # type: ignore[no-untyped-def]
    journal, venue, _ = world(tmp_path)
    plan, _ = plan_and_journal(journal, venue, policy(), "p1")
    assert executor(journal, venue, policy()).run("p1", plan.orders).stop is None
    return journal


def test_a_journal_trimtab_wrote_is_sound(tmp_path: Path) -> None:
    assert check_journal(executed(tmp_path)) == []


def test_each_broken_invariant_is_one_line(tmp_path: Path) -> None:
    journal = executed(tmp_path)
    with journal.session() as session:
        session.execute(update(OrderRow).where(OrderRow.leg == 1).values(filled="99"))
        session.execute(update(OrderRow).where(OrderRow.leg == 2).values(state="open"))
        session.execute(update(PlanRow).values(status="finished-ish"))
    problems = check_journal(journal)
    assert any("filled 99 of" in p for p in problems)
    assert any("unknown status 'finished-ish'" in p for p in problems)
    assert any("still open under plan p1" in p for p in problems)


def test_the_command_exits_1_on_a_broken_journal_and_0_on_a_sound_one(
        tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    journal = executed(tmp_path)
    url = f"sqlite:///{tmp_path / 'journal.sqlite'}"
    for expected in (0, 1):
        monkeypatch.setattr("sys.argv", ["trimtab", "journal", "check", "--journal", url])
        try:
            run()
        except SystemExit as exc:
            assert exc.code == expected, capsys.readouterr()
        with journal.session() as session:
            session.execute(update(OrderRow).values(filled="-1"))
    assert "filled -1 of" in capsys.readouterr().out
