"""Notifications through apprise: email, Telegram, Slack, webhooks, SMS gateways...

Where to send comes from the environment, never the policy file, because
notification URLs carry credentials: `TRIMTAB_NOTIFY` holds one or more
apprise URLs (separated by spaces or commas) and `TRIMTAB_NOTIFY_CONFIG`
names an apprise configuration file. URLs are only ever shown masked.
A failed delivery is retried with backoff and reported as a value; it
never raises, so it can never stop the watch loop.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import apprise

from trimtab.config.settings import load_settings, mask_url
from trimtab.domain.analysis.drift import Analysis
from trimtab.domain.analysis.triggers import Trigger
from trimtab.domain.planning.planner import Plan

SMS_LENGTH = 160


@dataclass(frozen=True, slots=True)
class Message:
    """A notification: a short first line (fits an SMS) and a plain-text body."""

    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of sending one message to every configured target."""

    ok: bool
    attempts: int
    targets: tuple[str, ...]
    error: str | None = None


def compose(triggers: Iterable[Trigger], analysis: Analysis, plan: Plan | None = None,
            next_step: str | None = None) -> Message:
    """What fired, the figures, the alert prices and the plan, in plain text."""
    fired = list(triggers)
    subjects = ", ".join(f"{t.subject} ({t.kind})" for t in fired)
    title = _clip(f"trimtab: {len(fired)} trigger{'s' if len(fired) != 1 else ''}: {subjects}")
    lines = [f"- {t.message}" for t in fired]
    lines.append(f"Spot value {analysis.spot_value:,.2f} {analysis.quote}; futures "
                 f"{analysis.futures.multiple:.2f}x of spot (cap {analysis.futures.max_multiple}x)")
    lines.append("Alert prices (low / high):")
    lines += [f"  {a.asset}: {_num(a.alert_low)} / {_num(a.alert_high)}"
              for a in analysis.assets if a.asset != analysis.quote]
    if plan is not None and plan.orders:
        tax = "" if plan.tax is None else f", estimated tax {plan.tax.total:,.2f}"
        lines.append(f"Plan ({len(plan.orders)} orders, fees {plan.fees:,.2f}{tax}):")
        lines += [f"  {o.side} {o.amount:.8g} {o.symbol} on {o.venue} (~{o.notional:,.2f})"
                  for o in plan.orders]
    if plan is not None and plan.refused:
        lines += ["Plan refused:", *(f"  {r}" for r in plan.refused)]
    if next_step:
        lines.append(next_step)
    return Message(title, "\n".join(lines))


def _clip(text: str) -> str:
    return text if len(text) <= SMS_LENGTH else text[: SMS_LENGTH - 1] + "…"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


class Notifier:
    """Sends messages to the apprise targets named in the environment."""

    def __init__(self, urls: Iterable[str] = (), config: Path | None = None, *,
                 retries: int = 3, backoff: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._apprise = apprise.Apprise()
        for url in urls:
            if not self._apprise.add(url):
                raise ValueError(f"TRIMTAB_NOTIFY: '{mask(url)}' is not an apprise URL this "
                                 "version understands")
        if config is not None:
            conf = apprise.AppriseConfig()
            if not conf.add(str(config)):
                raise ValueError(f"TRIMTAB_NOTIFY_CONFIG: cannot read {config}")
            self._apprise.add(conf)
        self._retries, self._backoff, self._sleep = retries, backoff, sleep

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **kwargs: object) -> Notifier:
        settings = load_settings(env)
        targets = settings.notify.get_secret_value() if settings.notify else ""
        urls = [u for u in re.split(r"[\s,]+", targets) if u]
        return cls(urls, settings.notify_config, **kwargs)  # type: ignore[arg-type]

    @property
    def configured(self) -> bool:
        return len(self._apprise) > 0

    def targets(self) -> tuple[str, ...]:
        """The targets with their credentials masked: safe to log and journal."""
        return tuple(s.url(privacy=True) for s in self._apprise)  # type: ignore[no-untyped-call]

    def send(self, message: Message) -> Delivery:
        """Deliver to every target, retrying with exponential backoff; never raises."""
        if not self.configured:
            return Delivery(False, 0, (), "no notification target: set TRIMTAB_NOTIFY")
        error = None
        for attempt in range(1, self._retries + 1):
            try:
                if self._apprise.notify(title=message.title, body=message.body):
                    return Delivery(True, attempt, self.targets())
                error = "a target refused the message or could not be reached"
            except Exception as exc:  # a plugin bug must not stop the watch loop
                error = f"{type(exc).__name__} while sending"
            if attempt < self._retries:
                self._sleep(self._backoff * 2 ** (attempt - 1))
        return Delivery(False, self._retries, self.targets(), error)


mask = mask_url  # the one masking rule: `trimtab config` shows targets the same way
