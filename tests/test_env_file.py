"""A bot's ``.env`` is read below the real environment (python-dotenv), with its names of
settings (PERFORMANCE_SUMMARY_TIMEZONE, PERFORMANCE_ALERT_ROLLING_WINDOW) as aliases."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Tradeperf
from tradeperf.alerts.targets import default_window
from tradeperf.config import load_config


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("TRADEPERF_TIMEZONE", "PERFORMANCE_SUMMARY_TIMEZONE", "TRADEPERF_CONFIG",
                 "TRADEPERF_CAPITAL", "TRADEPERF_ALERT_ROLLING_WINDOW",
                 "PERFORMANCE_ALERT_ROLLING_WINDOW"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_env_file_is_read_below_the_real_environment(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean / ".env").write_text(
        "# the bot's settings\nTRADEPERF_CAPITAL=25000\nexport TRADEPERF_TIMEZONE='Asia/Tokyo'\n"
        "not a line dotenv understands\nPERFORMANCE_ALERT_ROLLING_WINDOW=35\n"
    )
    config = load_config()
    assert (config.capital, config.timezone) == (25000, "Asia/Tokyo")
    assert {"capital", "timezone"} <= config.explicit
    assert default_window() == "35trades"
    monkeypatch.setenv("TRADEPERF_TIMEZONE", "Europe/Paris")  # the real environment wins
    assert load_config().timezone == "Europe/Paris"
    assert load_config({"timezone": "UTC"}).timezone == "UTC"  # and a flag over both


def test_the_bots_timezone_name_is_an_alias(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean / ".env").write_text("PERFORMANCE_SUMMARY_TIMEZONE=America/New_York\n")
    assert load_config().timezone == "America/New_York"
    monkeypatch.setenv("TRADEPERF_TIMEZONE", "Europe/London")  # tradeperf's own name wins
    assert load_config().timezone == "Europe/London"


def test_a_bad_value_in_the_env_file_is_a_setting_error(tradeperf: Tradeperf, clean: Path) -> None:
    (clean / ".env").write_text("PERFORMANCE_SUMMARY_TIMEZONE=Mars/Olympus\n")
    ran = tradeperf("summary")
    assert ran.code == 3
    assert "Mars/Olympus" in ran.err
    assert "Traceback" not in ran.text
