"""`trimtab watch`, `trimtab approve` and `trimtab reject`: thin commands over the services."""

from __future__ import annotations

import dataclasses
import math
import re
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.text import Text

from trimtab.app.inputs import InputError, load_policy
from trimtab.app.rebalance import open_or_fail
from trimtab.app.watching import WatchActions, recover
from trimtab.app.wiring import PAPER, PAPER_ACCOUNT, Options, lease_wait, open_actions
from trimtab.cli.options import (
    HoldingsOption,
    JournalOption,
    PaperPricesOption,
    PaperStartOption,
    SandboxOption,
    VenueOption,
    fail,
    policy_path,
    venue_failure,
    venue_options,
)
from trimtab.execution.states import WatchDecision
from trimtab.journal.store import Journal
from trimtab.reports.status_line import status_line
from trimtab.reports.terminal import terminal
from trimtab.venues.errors import VenueError
from trimtab.watch.history import WatchLog, about
from trimtab.watch.loop import HEARTBEAT_EVERY, ReplayClock, SystemClock, Watcher
from trimtab.watch.notify import Delivery, Message, Notifier
from trimtab.watch.replay import ReplayPrices
from trimtab.watch.several import Watchers
from trimtab.watch.tick import TickReport

app = typer.Typer()
ACCOUNT_NAME = re.compile(r"[A-Za-z0-9_-]{1,50}")  # what paper-NAME may hold


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


PoliciesOption = Annotated[list[Path] | None, typer.Option(
    "--policy", "-p", help="Policy file (TOML), or a folder of them; repeat it to watch "
    "several policies in one process, each on its own paper account (paper-NAME, NAME the "
    "file's name without .toml) and schedule, journaled under NAME. Default: "
    "TRIMTAB_POLICY, else ./trimtab.toml, else the one `trimtab init` wrote.")]


@app.command()
def watch(
    policy: PoliciesOption = None,
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
    console = terminal()
    try:
        paths = _policies(policy)
        options = venue_options(paths[0], venue, journal, paper_prices, paper_start, holdings,
                                sandbox=sandbox)
        watchers, until, source = _build(options, paths, replay, interval, console)
    except InputError as exc:
        fail(str(exc))
    except VenueError as exc:
        venue_failure(str(exc))
    _install_stop(watchers[0].stop)
    if once:
        _once(watchers, console)
    elif len(watchers) == 1:
        _run(watchers[0], until, console, until is None and console.is_terminal, source)
    else:
        _run_several(watchers, until, console, source)


def _policies(given: list[Path] | None) -> list[Path]:
    """The policy files to watch: each --policy, a folder's *.toml; the default for none."""
    if not given:
        return [policy_path(None)]
    paths: list[Path] = []
    for path in given:
        found = sorted(path.glob("*.toml")) if path.is_dir() else [path]
        if not found:
            raise InputError(f"--policy: the folder {path} holds no .toml policy file")
        paths += found
    return paths


def _names(paths: list[Path]) -> list[str]:
    """The name each policy is journaled under (its file's stem); '' when it is alone."""
    if len(paths) == 1:
        return [""]
    names = [p.stem for p in paths]
    for name in names:
        if names.count(name) > 1:
            raise InputError(f"--policy: two policies are named {name} (a file's name without "
                             ".toml names its account and its journal rows); rename one")
        if not ACCOUNT_NAME.fullmatch(name):
            raise InputError(f"--policy: '{name}' cannot name an account; use letters, "
                             "digits, '_' and '-' (at most 50) in the file's name")
    return names


def _build(options: Options, paths: list[Path], replay_text: str | None,
           interval: float | None, console: Console
           ) -> tuple[list[Watcher], datetime | None, Callable[[], str | None]]:
    lease_wait()  # a bad TRIMTAB_LEASE_WAIT is bad input before the loop starts
    names = _names(paths)
    replay = Replay.parse(replay_text) if replay_text else None
    if replay is not None and options.venues != (PAPER,):
        raise InputError("--replay: replays run on the paper exchange only")
    if len(paths) > 1 and options.venues != (PAPER,):
        raise InputError("--policy: several policies are watched on the paper exchange, each "
                         "on an account of its own; watch an exchange account with one policy "
                         "per process (they share a journal, PostgreSQL for several hosts)")
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
    send = _sender(console)
    every = interval or (86_400.0 if replay else None)
    watchers = [_watcher(dataclasses.replace(options, policy=path), name, every,
                         Watched(journal, clock, stop, send,
                                 math.inf if replay else HEARTBEAT_EVERY), console)
                for path, name in zip(paths, names, strict=True)]
    return watchers, replay.end if replay else None, _price_source(options)


@dataclass(frozen=True)
class Watched:
    """What the watchers of one process share: the journal, the clock, the stop signal and
    the notifier."""

    journal: Journal
    clock: ReplayClock | SystemClock
    stop: threading.Event
    send: Callable[[Message], Delivery]
    heartbeat_every: float  # a replay's jumping clock writes none


def _watcher(options: Options, name: str, interval: float | None, shared: Watched,
             console: Console) -> Watcher:
    """One policy's watcher: on `paper-NAME` and journaled under NAME when it has a name."""
    assert options.policy is not None
    policy = load_policy(options.policy)
    if interval:
        policy = policy.model_copy(update={"check_interval": interval})
    send = shared.send
    if name:
        options = dataclasses.replace(options, venues=(PAPER_ACCOUNT + name,))
        send = _titled(send, name)
    actions = open_actions(options, policy, shared.journal, console.print)
    for problem in recover(actions):
        console.print(Text.assemble(("unresolved:", "bold red"),
                                    f" {name + ': ' if name else ''}{problem}"),
                      highlight=False)
    log = WatchLog(shared.journal, name)
    hands = WatchActions(actions, shared.clock.now)
    hands.lots()  # a missing or bad [tax] trades file is bad input now, not an error per check
    return Watcher(policy, hands, log, shared.clock, send, stop=shared.stop,
                   contributions=log, beat=log.beat, heartbeat_every=shared.heartbeat_every)


def _titled(send: Callable[[Message], Delivery], name: str) -> Callable[[Message], Delivery]:
    """Notifications that say which policy they are about."""
    return lambda message: send(dataclasses.replace(message, title=about(name, message.title)))


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


def _once(watchers: list[Watcher], console: Console) -> None:
    """One check of each policy; the exit status of the worst."""
    several = len(watchers) > 1
    status = 0
    for watcher in watchers:
        report = watcher.tick()
        console.print(_named(watcher, status_line(report, None), several))
        if report.decision.failed:
            status = max(status, 3 if report.decision.kind is WatchDecision.ERROR else 1)
    if status:
        raise typer.Exit(status)


def _named(watcher: Watcher, line: Text, several: bool) -> Text:
    """A status line led by its policy's name when one process watches several."""
    if not several or not isinstance(watcher.journal, WatchLog):
        return line
    return Text.assemble((f"{watcher.journal.policy}  ", "bold"), line)


def _run_several(watchers: list[Watcher], until: datetime | None, console: Console,
                 source: Callable[[], str | None]) -> None:
    """Every policy on its own schedule, one line per check, each led by its policy's name."""
    for watcher in watchers:
        def log(report: TickReport, nxt: datetime | None, watcher: Watcher = watcher) -> None:
            console.print(_named(watcher, status_line(report, nxt, source()), True),
                          soft_wrap=True)
        watcher.on_tick = log
    first = watchers[0]  # they share the clock, the stop signal and the process's heartbeat
    Watchers(watchers, first.clock, first.stop, first.beat, first.heartbeat_every).run(until)
    console.print("watch stopped" if first.stop.is_set() else "replay finished", style="dim")


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
