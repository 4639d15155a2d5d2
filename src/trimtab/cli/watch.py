"""`trimtab watch`, `trimtab approve` and `trimtab reject`: thin commands over the services."""

from __future__ import annotations

import dataclasses
import math
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live

from trimtab.app.inputs import InputError, load_policy
from trimtab.app.rebalance import open_or_fail
from trimtab.app.watching import WatchActions, recover
from trimtab.app.wiring import PAPER, Options, lease_wait, open_actions
from trimtab.cli.options import (
    HoldingsOption,
    JournalOption,
    PaperPricesOption,
    PaperStartOption,
    PolicyOption,
    SandboxOption,
    VenueOption,
    fail,
    policy_path,
    venue_failure,
    venue_options,
)
from trimtab.execution.states import WatchDecision
from trimtab.reports.status_line import status_line
from trimtab.venues.errors import VenueError
from trimtab.watch.history import WatchLog
from trimtab.watch.loop import HEARTBEAT_EVERY, ReplayClock, SystemClock, Watcher
from trimtab.watch.notify import Delivery, Message, Notifier
from trimtab.watch.replay import ReplayPrices
from trimtab.watch.tick import TickReport

app = typer.Typer()


@dataclass(frozen=True)
class Replay:
    start: datetime
    end: datetime

    @classmethod
    def parse(cls, text: str) -> Replay:
        try:
            first, last = (date.fromisoformat(p) for p in text.split("..", 1))
        except ValueError:
            raise InputError(f"--replay: '{text}' is not FROM..TO "
                             "(e.g. 2024-01-01..2024-06-30)") from None
        if last <= first:
            raise InputError("--replay: TO must come after FROM")
        return cls(datetime.combine(first, time(0), UTC), datetime.combine(last, time(0), UTC))


@app.command()
def watch(
    policy: PolicyOption = None,
    venue: VenueOption = None,
    journal: JournalOption = None,
    paper_prices: PaperPricesOption = None,
    paper_start: PaperStartOption = None,
    holdings: HoldingsOption = None,
    sandbox: SandboxOption = False,
    replay: Annotated[str | None, typer.Option(
        help="Replay the bundled daily history FROM..TO (dates) on the paper exchange with a "
        "clock that jumps instead of sleeping: months of checks in seconds.")] = None,
    interval: Annotated[float | None, typer.Option(
        help="Seconds between checks (default: the policy's check_interval; one day when "
        "replaying daily history).", min=1)] = None,
    once: Annotated[bool, typer.Option("--once", help="One check, then exit.")] = False,
) -> None:
    """Watch the portfolio: check on schedule, fire triggers, notify, plan, act per mode.

    Runs until Ctrl-C or SIGTERM, which stop it between two checks, never in
    the middle of an order; a restart resumes from the journal (alerts already
    sent are not repeated, unfinished orders are reconciled first). Mode
    `alert` only notifies, `propose` journals the plan for `trimtab approve ID`
    or the dashboard, `auto` executes it. Notifications go to the apprise URLs
    in TRIMTAB_NOTIFY (or the config file named by TRIMTAB_NOTIFY_CONFIG).
    A failed check is journaled and the loop goes on. `--once` exits 0 when
    the check ran, 1 on an outage or when another process held the account,
    2 for invalid input, 3 when the check failed on anything else.
    """
    console = Console()
    try:
        options = venue_options(policy_path(policy), venue, journal, paper_prices,
                                paper_start, holdings, sandbox=sandbox)
        watcher, until, source = _build(options, replay, interval, console)
    except InputError as exc:
        fail(str(exc))
    except VenueError as exc:
        venue_failure(str(exc))
    _install_stop(watcher.stop)
    if once:
        report = watcher.tick()
        console.print(status_line(report, None))
        if report.decision.failed:
            raise typer.Exit(3 if report.decision.kind is WatchDecision.ERROR else 1)
        return
    live = until is None and console.is_terminal
    _run(watcher, until, console, live, source)


def _build(options: Options, replay_text: str | None, interval: float | None,
           console: Console) -> tuple[Watcher, datetime | None, Callable[[], str | None]]:
    assert options.policy is not None
    policy = load_policy(options.policy)
    lease_wait()  # a bad TRIMTAB_LEASE_WAIT is bad input before the loop starts
    venues = options.venues
    replay = Replay.parse(replay_text) if replay_text else None
    if replay is not None and venues != (PAPER,):
        raise InputError("--replay: replays run on the paper exchange only")
    if interval or replay:
        policy = policy.model_copy(update={"check_interval": interval or 86_400.0})
    journal = open_or_fail(options.journal)
    stop = threading.Event()
    clock: ReplayClock | SystemClock = ReplayClock(replay.start) if replay else SystemClock(stop)
    if replay:
        prices = ReplayPrices(clock)
        first, last = prices.span()
        if replay.start.date() < first or replay.end.date() > last:
            raise InputError(f"--replay: the bundled closes cover {first} to {last}; give "
                             "FROM..TO inside that span")
        options = dataclasses.replace(options, prices=prices)
    actions = open_actions(options, policy, journal, console.print)
    for problem in recover(actions):
        console.print(f"[bold red]unresolved:[/] {problem}", highlight=False)
    log = WatchLog(journal)
    watcher = Watcher(policy, WatchActions(actions), log, clock, _sender(console), stop=stop,
                      contributions=log, beat=log.beat,
                      heartbeat_every=math.inf if replay else HEARTBEAT_EVERY)
    return watcher, replay.end if replay else None, _price_source(options)


def _price_source(options: Options) -> Callable[[], str | None]:
    """Where the paper exchange's prices come from now (a replay's moves day by day)."""
    if PAPER not in options.venues:
        return lambda: None
    return lambda: f"paper prices {options.paper_spec}"


def _sender(console: Console) -> Callable[[Message], Delivery]:
    try:
        notifier = Notifier.from_env()
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if not notifier.configured:
        console.print("notifications: none configured (set TRIMTAB_NOTIFY to apprise URLs); "
                      "messages are still journaled", style="dim")
        return lambda m: Delivery(False, 0, (), "no notification target configured")
    console.print(f"notifications: {', '.join(notifier.targets())}", style="dim")
    return notifier.send


def _install_stop(stop: threading.Event) -> None:
    """SIGINT and SIGTERM ask the loop to stop between checks, never mid-order."""
    def handler(signum: int, _frame: object) -> None:
        stop.set()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)


def _run(watcher: Watcher, until: datetime | None, console: Console, live: bool,
         source: Callable[[], str | None]) -> None:
    if not live:
        # one line per check, never wrapped: logs stay greppable under systemd or a pipe
        def log(report: TickReport, nxt: datetime | None) -> None:
            console.print(status_line(report, nxt, source()), soft_wrap=True)
        watcher.on_tick = log
        watcher.run(until)
    else:
        with Live(console=console, auto_refresh=False, transient=False) as screen:
            def show(report: TickReport, nxt: datetime | None) -> None:
                if report.notified or report.decision.acted:  # events stay on screen
                    screen.console.print(status_line(report, None, source()))
                screen.update(status_line(report, nxt, source()), refresh=True)
            watcher.on_tick = show
            watcher.run(until)
    console.print("watch stopped" if watcher.stop.is_set() else "replay finished", style="dim")
