"""Docs that are generated stay in sync; settings layer as documented; CI runs the README."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tradeperf.cli.docs import render_configuration
from tradeperf.config import SETTINGS, load_config
from tradeperf.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_configuration_doc_is_generated_from_the_settings_and_options() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text()
    assert doc == render_configuration(), (
        "run: python -m tradeperf.cli.docs > docs/configuration.md"
    )
    for s in SETTINGS:
        assert f"`{s.env}`" in doc


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    command = ci[-1]
    assert "pytest" in command
    assert command in readme


def test_settings_layer_defaults_file_env_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for s in SETTINGS:
        monkeypatch.delenv(s.env, raising=False)
    monkeypatch.delenv("TRADEPERF_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert load_config().timezone == "UTC"
    (tmp_path / "tradeperf.toml").write_text(
        '[tradeperf]\ntimezone = "Asia/Tokyo"\ncapital = 5000\n'
    )
    cfg = load_config()
    assert (cfg.timezone, cfg.capital) == ("Asia/Tokyo", Decimal(5000))
    monkeypatch.setenv("TRADEPERF_TIMEZONE", "Europe/Paris")
    assert load_config().timezone == "Europe/Paris"
    cfg = load_config({"timezone": "America/Chicago", "capital": None})
    assert cfg.timezone == "America/Chicago"
    assert cfg.capital == Decimal(5000)
    assert cfg.explicit == {"timezone", "capital"}


def test_bad_config_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "c.toml"
    bad.write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="unknown settings colour"):
        load_config(config_file=bad)
    with pytest.raises(ConfigError, match="capital"):
        load_config({"capital": "lots"})
