"""Log lines: JSON or plain without a terminal, one record a line, secrets masked."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trimtab.cli.main import app
from trimtab.config.logs import LOGGER, MaskSecrets, setup_logging
from trimtab.config.settings import load_settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_json_lines_mask_every_known_secret(capsys: pytest.CaptureFixture[str]) -> None:
    env = {"TRIMTAB_WEB_TOKEN": "web-token-123", "TRIMTAB_BINANCE_SECRET": "s3cr3t-value",
           "TRIMTAB_NOTIFY": "tgram://bot123:abc@chat"}
    setup_logging(load_settings(env), "json", env)
    log = logging.getLogger(f"{LOGGER}.test")
    log.warning("sent with %s and %s to %s", "web-token-123", "s3cr3t-value",
                "tgram://bot123:abc@chat")
    line = json.loads(capsys.readouterr().err.strip())
    assert line["level"] == "WARNING" and line["logger"] == "trimtab.test"
    assert "web-token-123" not in line["message"] and "s3cr3t-value" not in line["message"]
    assert "abc@" not in line["message"] and line["message"].count("***") == 3


def test_a_url_with_a_password_is_masked_even_when_unknown() -> None:
    assert MaskSecrets([]).mask("postgresql://u:pw@db/x") == "postgresql://****@db/x"


def test_watch_logs_each_check_as_one_json_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [
        "--log-format", "json", "watch", "-p", str(EXAMPLES / "moderate.toml"),
        "--paper-start", str(EXAMPLES / "paper-start.json"), "--journal",
        f"sqlite:///{tmp_path / 'j.sqlite'}", "--replay", "2024-01-01..2024-01-03"])
    assert result.exit_code == 0, result.stdout
    records = [json.loads(line) for line in result.stderr.splitlines()
               if line.startswith("{")]
    checks = [r for r in records if r["message"].startswith("check at ")]
    assert len(checks) == 3 and all(r["logger"] == "trimtab.watch.loop" for r in checks)


def test_an_unknown_log_format_is_one_line_and_exit_2() -> None:
    result = CliRunner().invoke(app, ["--log-format", "xml", "config"])
    assert result.exit_code == 2 and "--log-format" in result.stderr
