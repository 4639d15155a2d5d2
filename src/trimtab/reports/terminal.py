"""The one console trimtab prints to: every string is shown as it is.

What trimtab prints carries text it did not write: an exchange's error
(Kraken names the endpoint in brackets, `[/0/private/AddOrder]`), a journal
row, a policy or asset name, a user's note. rich reads a plain string as
markup and `:name:` as an emoji: a closing tag that closes nothing raised
MarkupError (the command died, "internal error"), `[red]` vanished, and
`:warning:` became a picture. So this console reads neither, in anything
it prints (a line, a table cell, a title); styles are given as `Text` spans
or `style=`, never as markup inside a string. Every command builds its
console here (a test holds that: tests/reports/test_terminal.py).
"""

from __future__ import annotations

from rich.console import Console


def terminal(*, stderr: bool = False) -> Console:
    """A console on stdout (or stderr) that prints every string literally: no markup, no
    emoji codes."""
    return Console(stderr=stderr, markup=False, emoji=False)
