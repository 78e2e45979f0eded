"""Targets files: a bot's flat YAML loads as it is, the TOML shape with overrides, every registry
figure with a direction as a bare number, and every mistake one error naming its key (fuzzed)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeperf.alerts.targets import (
    ALIASES,
    default_window,
    parse_targets,
    read_targets_file,
)
from tradeperf.errors import ConfigError
from tradeperf.metrics.registry import FIGURES
from tradeperf.records.alert import Severity


def test_a_bots_flat_yaml_file_loads_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text("win_rate: 0.55\nmax_drawdown_pct: 10\ndaily_pnl: 100\ndaily_loss_limit: 500\n")
    rules = {t.rule: t for t in parse_targets(read_targets_file(path), source=str(path))}
    assert (rules["win_rate"].bound, rules["win_rate"].threshold) == ("min", Decimal("0.55"))
    assert rules["win_rate"].window.text == "20trades"
    assert rules["win_rate"].min_trades == 10  # a rate waits for enough trades
    dd = rules["max_drawdown_pct"]
    assert (dd.figure, dd.bound, dd.threshold) == ("max_drawdown", "max", Decimal("0.10"))
    day = rules["daily_pnl"]
    assert (day.figure, day.bound, day.threshold, day.window.kind) == (
        "net_pnl",
        "min",
        Decimal(100),
        "day",
    )
    assert day.severity is Severity.INFO
    assert day.min_trades == 0  # money needs no minimum of trades
    loss = rules["daily_loss_limit"]
    assert (loss.threshold, loss.severity) == (Decimal(-500), Severity.CRITICAL)


def test_the_toml_shape_with_defaults_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "tradeperf.toml"
    path.write_text(
        "[tradeperf]\ntimezone = 'UTC'\n"
        "[targets]\nwindow = '50trades'\nmin_trades = 30\n"
        "profit_factor = 1.1\n"
        "[targets.sharpe_ratio]\nmin = 1.0\ncritical = 0.0\nwindow = '30d'\n"
        "[targets.strategy.breakout]\nwindow = '7d'\nwin_rate = 0.4\n"
        "[targets.symbol.'BTC-USD'.max_drawdown_abs]\nmax = 2500\nseverity = 'critical'\n"
    )
    rules = {t.rule: t for t in parse_targets(read_targets_file(path))}
    assert rules["profit_factor"].window.trades == 50
    assert rules["profit_factor"].min_trades == 30
    sharpe = rules["sharpe_ratio"]
    assert (sharpe.critical, sharpe.window.kind, sharpe.window.text) == (
        Decimal(0),
        "trailing",
        "30d",
    )
    breakout = rules["strategy.breakout.win_rate"]
    assert (breakout.strategy, breakout.symbol, breakout.window.text) == ("breakout", None, "7d")
    btc = rules["symbol.BTC-USD.max_drawdown_abs"]
    assert (btc.symbol, btc.bound, btc.threshold, btc.severity) == (
        "BTC-USD",
        "max",
        Decimal(2500),
        Severity.CRITICAL,
    )


def test_every_figure_with_a_direction_can_be_a_bare_target() -> None:
    directed = {n: f for n, f in FIGURES.items() if f.higher_is_better is not None}
    rules = parse_targets(dict.fromkeys(directed, 1))
    assert [t.figure for t in rules] == list(directed)
    for t in rules:
        assert t.bound == ("min" if directed[t.figure].higher_is_better else "max")
    assert all(a.figure in FIGURES for a in ALIASES.values())


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        ({"win_rate": "high"}, "win_rate: expected a number or a table"),
        ({"win_rat": 0.5}, "win_rat: unknown target"),
        ({"beta": 1.0}, "beta: beta has no better direction: give min or max"),
        ({"win_rate": {"min": 0.5, "max": 0.9}}, "win_rate: give one of min or max"),
        ({"win_rate": {"min": 0.5, "critical": 0.6}}, "win_rate: critical must be beyond"),
        ({"win_rate": {"min": 0.5, "window": "fortnight"}}, "win_rate.window"),
        ({"win_rate": {"min": 0.5, "colour": "red"}}, "win_rate: Additional properties"),
        ({"strategy": {"bo": {"win_rate": True}}}, "strategy.bo.win_rate"),
        ({"min_trades": -1}, "min_trades"),
        ({"window": "0trades"}, "window"),
    ],
)
def test_a_mistake_is_one_error_naming_its_key(doc: dict, says: str) -> None:
    with pytest.raises(ConfigError, match=None) as error:
        parse_targets(doc, source="t.yaml")
    assert str(error.value).startswith("t.yaml: ")
    assert says in str(error.value)


def test_the_default_window_follows_the_bots_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_window({}) == "20trades"
    assert default_window({"TRADEPERF_ALERT_ROLLING_WINDOW": "30"}) == "30trades"
    assert default_window({"PERFORMANCE_ALERT_ROLLING_WINDOW": "40"}) == "40trades"
    with pytest.raises(ConfigError, match="PERFORMANCE_ALERT_ROLLING_WINDOW"):
        default_window({"PERFORMANCE_ALERT_ROLLING_WINDOW": "ten"})
    monkeypatch.setenv("PERFORMANCE_ALERT_ROLLING_WINDOW", "25")
    assert parse_targets({"win_rate": 0.5})[0].window.trades == 25


def test_unreadable_files_are_one_error(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("win_rate: [0.5\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        read_targets_file(bad)
    (tmp_path / "t.toml").write_text("win_rate = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_targets_file(tmp_path / "t.toml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="a table of targets"):
        read_targets_file(tmp_path / "list.yaml")
    with pytest.raises(ConfigError, match="cannot read"):
        read_targets_file(tmp_path / "missing.yaml")


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


_NAMES = [*FIGURES, *ALIASES, "window", "min_trades", "strategy", "symbol", "severity", "x"]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(_NAMES), _VALUES, max_size=5))
def test_any_document_gives_rules_or_one_config_error(doc: dict) -> None:
    error = None
    try:
        rules = parse_targets(doc)
    except ConfigError as exc:
        error = str(exc)
        rules = []
    assert error is None or error.startswith("targets: ")
    assert all(t.figure in FIGURES for t in rules)


def test_targets_come_from_the_flag_the_setting_or_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradeperf.alerts.targets import load_targets
    from tradeperf.config import load_config

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRADEPERF_TARGETS", raising=False)
    monkeypatch.delenv("TRADEPERF_CONFIG", raising=False)
    with pytest.raises(ConfigError, match="no targets"):
        load_targets()
    (tmp_path / "tradeperf.toml").write_text("timezone = 'Europe/Berlin'\n")
    with pytest.raises(ConfigError, match="no targets"):
        load_targets()  # a config without [targets]
    (tmp_path / "tradeperf.toml").write_text(
        "timezone = 'Europe/Berlin'\n[targets]\nwin_rate = 0.5\n"
    )
    assert load_config().timezone == "Europe/Berlin"  # the settings ignore [targets]
    assert [t.rule for t in load_targets()] == ["win_rate"]
    (tmp_path / "bot.yaml").write_text("profit_factor: 1.3\n")
    monkeypatch.setenv("TRADEPERF_TARGETS", str(tmp_path / "bot.yaml"))
    assert [t.rule for t in load_targets()] == ["profit_factor"]
    (tmp_path / "flag.yml").write_text("sharpe: 1\n")
    assert [t.figure for t in load_targets(tmp_path / "flag.yml")] == ["sharpe_ratio"]
