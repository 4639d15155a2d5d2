"""Logging through the standard library: rich on a terminal, plain or JSON lines otherwise.

Every record passes a filter that masks secrets (API keys and secrets in
TRIMTAB_<VENUE>_… variables, the web and Telegram tokens, the notification
URLs, and any `user:password@` in a URL) before any handler sees it, so
a secret that slips into a message never reaches a log file.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from trimtab.config.settings import Settings

LOGGER = "trimtab"
_CREDENTIALS = re.compile(r"^TRIMTAB_\w+_(API_KEY|SECRET|PASSWORD)$")
_URL_USER = re.compile(r"(://)[^/@\s]*@")


class MaskSecrets(logging.Filter):
    """Replaces every known secret value in a record's message with ***."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # longest first, so a secret that contains another is masked whole
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return _URL_USER.sub(r"\1****@", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.mask(record.getMessage()), None
        if record.exc_info:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(),
                "level": record.levelname, "logger": record.name,
                "message": record.getMessage()}
        if record.exc_text:
            line["error"] = record.exc_text
        return json.dumps(line)


def secrets_of(settings: Settings, environ: Mapping[str, str]) -> list[str]:
    """Every secret value trimtab knows of: settings' secrets and venue credentials."""
    values = [s.get_secret_value() for s in (settings.web_token, settings.telegram_token)
              if s is not None]
    if settings.notify is not None:
        values += settings.notify.get_secret_value().replace(",", " ").split()
    values += [v for k, v in environ.items() if _CREDENTIALS.match(k)]
    return values


def setup_logging(settings: Settings, log_format: str | None = None,
                  environ: Mapping[str, str] | None = None) -> logging.Handler:
    """Route trimtab's log records to stderr in the chosen format; returns the handler."""
    chosen = log_format or settings.log_format
    if chosen == "auto":
        chosen = "rich" if sys.stderr.isatty() else "plain"
    handler: logging.Handler
    if chosen == "rich":
        from rich.logging import RichHandler

        handler = RichHandler(show_path=False)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines() if chosen == "json" else logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskSecrets(secrets_of(settings, os.environ if environ is None
                                             else environ)))
    logger = logging.getLogger(LOGGER)
    for old in list(logger.handlers):
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(settings.log_level)
    logger.propagate = False
    return handler


def mask_known_secrets(text: str) -> str:
    """`text` with every secret trimtab knows of masked, as the log's filter masks them,
    for what goes out past that filter: the one line of an internal error (stderr: a
    service's log) and the crash log's tracebacks. An error's text can carry a URL with
    a token in it, as python-telegram-bot's Bot API URLs do."""
    from trimtab.config.settings import load_settings

    try:
        secrets = secrets_of(load_settings(), os.environ)
    except Exception:  # the settings themselves are broken: mask what a URL shows
        secrets = []
    return MaskSecrets(secrets).mask(text)
