"""Docs that are generated stay in sync; settings layer as documented; CI runs the README."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import typer.main

from tradeperf import jobs
from tradeperf.cli.app import app
from tradeperf.cli.docs import commands, render_configuration
from tradeperf.config import SETTINGS, load_config
from tradeperf.errors import ConfigError
from tradeperf.ingest.options import Limits, ReadOptions

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


def test_reader_settings_layer_and_build_one_read_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for s in SETTINGS:
        monkeypatch.delenv(s.env, raising=False)
    monkeypatch.delenv("TRADEPERF_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert jobs.read_options(load_config()) == ReadOptions()
    (tmp_path / "tradeperf.toml").write_text(
        'decimal = ","\nmax_depth = 8\nmax_line_bytes = 4096\n'
    )
    monkeypatch.setenv("TRADEPERF_MAX_FIELD_CHARS", "500")
    monkeypatch.setenv("TRADEPERF_MAX_DEPTH", "16")
    cfg = load_config()
    options = jobs.read_options(cfg, input_format="csv", mapping={"net_pnl": "profit"})
    assert options == ReadOptions(
        input_format="csv",
        mapping={"net_pnl": "profit"},
        decimal=",",
        limits=Limits(max_line_bytes=4096, max_depth=16, max_field_chars=500),
    )
    # a flag wins over the file; auto goes back to telling the mark per file
    assert load_config({"decimal": "."}).decimal == "."
    assert load_config({"decimal": "auto"}).decimal is None


def test_a_currency_code_is_read_in_capitals() -> None:
    assert load_config({"currency": " usdt "}).currency == "USDT"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown timezone"),
        ({"capital": "0"}, "capital: must be positive"),
        ({"currency": "U$"}, "currency"),
        ({"decimal": ";"}, "decimal"),
        ({"max_depth": "1"}, "max_depth: must be at least 2"),
        ({"max_line_bytes": "1MB"}, "max_line_bytes: expected a whole number"),
    ],
)
def test_a_bad_setting_value_is_a_config_error(flags: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(flags)


def test_an_unknown_input_format_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown input format 'xlsx'"):
        jobs.read_options(load_config(), input_format="xlsx")


def test_the_readme_uses_only_options_the_commands_have() -> None:
    readme = (ROOT / "README.md").read_text()
    by_path = {tuple(path): cmd for path, cmd in commands(typer.main.get_command(app), [])}
    used, in_code = 0, False
    for line in readme.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        words = line.split()
        if not in_code or len(words) < 2 or words[0] != "tradeperf":
            continue
        path = tuple(words[1:3]) if tuple(words[1:3]) in by_path else (words[1],)
        assert path in by_path, line
        known = {o for p in by_path[path].params for o in p.opts}
        for word in words:
            if word.startswith("--"):
                assert word.split("=")[0] in known, f"{word} in: {line}"
                used += 1
    assert used > 10
