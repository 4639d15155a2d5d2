"""The crash log: where an edge puts the traceback of an error it answers in one line.

The command line's last line of defence and the chat bot's tap handler both
write here, so a user finds every traceback in one file whichever front end
met it, and none reaches a terminal or a chat (a traceback can carry a URL,
a path or a payload that no chat should see). Secrets are masked in it as in
every log: a traceback's messages can hold a key or a token.
"""

from __future__ import annotations

import traceback
from pathlib import Path


def write_crash_log(exc: BaseException) -> Path | None:
    """Append `exc`'s traceback to crash.log in the user's log folder; its path, or None
    when it could not be written (a full disk, no home): the caller still says its line."""
    try:
        import platformdirs  # only when something crashed: a start never pays for it

        from trimtab.config.logs import mask_known_secrets

        folder = Path(platformdirs.user_log_dir("trimtab", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "crash.log"
        text = mask_known_secrets("".join(traceback.format_exception(exc)))
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")
        return path
    except OSError:
        return None
