"""Telegram, through python-telegram-bot: inline Approve / Reject buttons under a plan.

This adapter only moves messages. Every tap goes to one `decide` callback
(chat id, action, plan id) that `app.chat` binds to the approvals path, so
a plan approved by two taps, or from the CLI and a phone at once, executes
once: the approval is a conditional UPDATE in the journal, not a flag here.
Telegram's transient failures are translated here, once, into
`TelegramUnreachable`, which the bot's loop waits out.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from trimtab.config.crash_log import write_crash_log

APPROVE, REJECT = "approve", "reject"
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
# (chat id, action, plan id) -> the reply, or None to ignore the chat altogether
Decide = Callable[[int, str, str], str | None]

log = logging.getLogger(__name__)


class TelegramUnreachable(Exception):
    """Telegram could not be reached or asked to slow down: the call may be made again.

    python-telegram-bot raises NetworkError for a timeout, a refused or dropped
    connection and any 5xx, and RetryAfter for a 429 that names the seconds to wait
    (`retry_after`, None when Telegram named none). Its BadRequest (a 400) is a
    NetworkError too, but asking again gets the same answer: it is not a glitch,
    and neither is anything else (a bad token, a chat that blocked the bot).
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class MessageRefused(Exception):
    """Telegram refused a message to one chat: the chat blocked the bot or does not
    exist (403), or the message itself is refused (400). Not a glitch: sending it again
    gets the same answer; not the other chats' concern either."""


class TokenRejected(Exception):
    """Telegram rejected the bot's token (401, 404): no wait helps. Its message never
    carries the token (python-telegram-bot's own does, and it reached the terminal)."""


@contextmanager
def _translated(doing: str) -> Iterator[None]:
    """Translate Telegram's transient failures while `doing` into TelegramUnreachable,
    and a rejected token into TokenRejected."""
    try:
        yield
    except BadRequest:
        raise
    except InvalidToken:
        raise TokenRejected(f"{doing}: Telegram rejected the bot's token "
                            "(TRIMTAB_TELEGRAM_TOKEN): check it with @BotFather") from None
    except RetryAfter as exc:
        seconds = _retry_after(exc)
        raise TelegramUnreachable(f"{doing}: Telegram asks to wait {seconds:g} s (429)",
                                  seconds) from exc
    except NetworkError as exc:
        raise TelegramUnreachable(f"{doing}: {type(exc).__name__}: {exc}") from exc


def _retry_after(exc: RetryAfter) -> float:
    """The seconds of a 429, whichever type this python-telegram-bot gives them in."""
    with warnings.catch_warnings():  # PTB 22 warns that the int becomes a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def buttons(plan_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("Approve", callback_data=f"{APPROVE}:{plan_id}"),
        InlineKeyboardButton("Reject", callback_data=f"{REJECT}:{plan_id}")]])


class TelegramDesk:
    """Long-polls the Bot API for button taps and sends plans with their buttons."""

    def __init__(self, token: str, decide: Decide, base_url: str | None = None,
                 poll_timeout: int = 30) -> None:
        self.bot = Bot(token, base_url=base_url or DEFAULT_BASE_URL)
        self.decide = decide
        self.poll_timeout = poll_timeout
        self.offset: int | None = None

    async def start(self) -> None:
        """Open the Bot API session (getMe); nothing once it is open.

        Raises TelegramUnreachable when Telegram could not be reached, so that a bot
        started before the network is up waits for it like any other glitch.
        """
        with _translated("starting the bot"):
            await self.bot.initialize()

    async def close(self) -> None:
        """Close the session, if it was opened."""
        await self.bot.shutdown()

    async def poll_once(self) -> int:
        """Fetch pending updates and answer every tap; how many updates there were.

        Raises TelegramUnreachable when the updates could not be fetched (nothing was
        consumed: the same updates come at the next poll).
        """
        with _translated("fetching the taps"):
            updates = await self.bot.get_updates(offset=self.offset, timeout=self.poll_timeout,
                                                 allowed_updates=["callback_query"])
        for update in updates:
            self.offset = update.update_id + 1  # an update is answered once, even on error
            query = update.callback_query
            if query is None or query.message is None or not query.data:
                continue
            try:
                await self._answer(query, query.data, query.message.chat.id)
            except Exception as exc:  # one tap never ends the bot
                await self._failed(query.data, query.message.chat.id, exc)
        return len(updates)

    async def _answer(self, query: CallbackQuery, data: str, chat_id: int) -> None:
        action, _, plan_id = data.partition(":")
        # an approval may execute orders: it runs in a worker thread, not on the loop
        reply = await asyncio.to_thread(self.decide, chat_id, action, plan_id)
        if reply is None:
            log.warning("ignored a button from chat %s: not in TRIMTAB_TELEGRAM_CHATS",
                        chat_id)
            return
        try:
            await query.answer(reply[:190])
        except TelegramError as exc:  # e.g. the query expired during a long execution
            log.warning("the tap's toast was not shown (%s); the reply follows", exc)
        try:
            await self.bot.send_message(chat_id, reply)
        except TelegramError as exc:  # the decision stands: only the telling of it failed
            log.warning("the reply to chat %s was not sent (%s): %s", chat_id, exc, reply)

    async def _failed(self, data: str, chat_id: int, exc: Exception) -> None:
        """Answer a tap whose handling raised with one line (its traceback to the crash
        log, never to the chat); whether the decision was made, `trimtab plans` says."""
        where = write_crash_log(exc)
        log.error("the tap %r from chat %s failed: %s: %s; %s", data, chat_id,
                  type(exc).__name__, exc,
                  f"the traceback is in {where}" if where else "no crash log could be written")
        line = (f"the tap '{data[:64]}' failed: internal error ({type(exc).__name__}); "
                "trimtab plans says whether anything was decided; the traceback is in the "
                "bot's crash log")
        try:
            await self.bot.send_message(chat_id, line)
        except TelegramError as again:
            log.error("the failure could not be said to chat %s either: %s", chat_id, again)

    async def announce(self, chat_id: int, text: str, plan_id: str) -> None:
        """Send a plan waiting for approval, with its two buttons.

        Raises TelegramUnreachable when it could not be sent (the caller records it as
        announced only after this returns, so it is sent again), MessageRefused when
        Telegram refused it for good.
        """
        doing = f"announcing plan {plan_id} to chat {chat_id}"
        try:
            with _translated(doing):
                await self.bot.send_message(chat_id, text, reply_markup=buttons(plan_id))
        except (BadRequest, Forbidden) as exc:
            raise MessageRefused(f"{doing}: refused: {exc}") from exc
