"""Every test runs with its own config, data and state (crash log) folders, no TRIMTAB_ settings.

A developer who ran `trimtab init` (or exported TRIMTAB_POLICY) must not
change what a test sees, and no test may write to the real user folders.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from trimtab.config.settings import environment_variables


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("trimtab-home")
    for name, _ in environment_variables():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRIMTAB_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("TRIMTAB_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))  # the crash log's folder
    yield home
    # a command's log handler writes to the stream that test captured: drop it
    logger = logging.getLogger("trimtab")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
