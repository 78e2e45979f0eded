"""Performance targets: what a figure must stay above or below, over which window, for whom.

Targets come from a TOML or YAML file, or the ``[targets]`` table of the TOML config, in one
shape, validated by one JSON Schema (``targets.schema.json``, errors name the key):

.. code-block:: toml

    [targets]
    window = "20trades"        # the default window of every rule below
    min_trades = 10            # rate-based rules wait for this many trades in the window
    win_rate = 0.55            # a number: the registry says min (higher is better) or max
    max_drawdown_pct = 10      # an alias: max_drawdown at most 10 %
    daily_loss_limit = 500     # an alias: today's net P&L at least -500, critical
    [targets.profit_factor]
    min = 1.2
    critical = 1.0             # below 1.0 the alert is critical, below 1.2 a warning
    window = "7d"
    [targets.strategy.breakout.win_rate]
    min = 0.45                 # an override for one strategy

A bot's flat dashboard file (YAML ``win_rate: 0.55``, ``max_drawdown_pct: 10``,
``daily_pnl: 100``) loads as it is. Every name is a figure of the registry
(`tradeperf.metrics.registry.FIGURES`) or one of the `ALIASES`.

A window (`Window`) is the last N closed trades (``20trades``), a trailing duration back from
now (``24h``, ``7d``), the current local calendar ``day``, ``week`` or ``month`` of the
reporting timezone, or ``all``. The default window is ``20trades``, or the setting
``TRADEPERF_ALERT_ROLLING_WINDOW`` (a bot's ``PERFORMANCE_ALERT_ROLLING_WINDOW`` too) as a
number of trades.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

from tradeperf.errors import ConfigError
from tradeperf.records.alert import Severity

#: The default number of trades of a rule's window, and the settings that change it.
DEFAULT_TRADES: Final = 20
WINDOW_SETTINGS: Final = ("TRADEPERF_ALERT_ROLLING_WINDOW", "PERFORMANCE_ALERT_ROLLING_WINDOW")
#: Rate-based rules (fractions, ratios, probabilities) wait for this many trades by default.
DEFAULT_MIN_TRADES: Final = 10
#: The units of the rate-based figures, which ``min_trades`` holds back.
RATE_UNITS: Final = frozenset({"fraction", "ratio", "probability"})

Bound = Literal["min", "max"]


@dataclass(frozen=True, slots=True)
class Alias:
    """A name of a bot's targets file for a registry figure.

    ``scale`` multiplies the number given (0.01: a percent); ``negate`` turns a limit into a
    floor (a loss limit of 500 is net P&L at least -500); ``window`` and ``severity`` are the
    alias's own unless the rule says otherwise.
    """

    figure: str
    bound: Bound
    scale: Decimal = Decimal(1)
    negate: bool = False
    window: str | None = None
    severity: Severity | None = None


#: Names a bot's targets file uses, and the rule each stands for (docs/alerts.md).
ALIASES: Final[Mapping[str, Alias]] = {
    "min_win_rate": Alias("win_rate", "min"),
    "min_profit_factor": Alias("profit_factor", "min"),
    "sharpe": Alias("sharpe_ratio", "min"),
    "min_sharpe": Alias("sharpe_ratio", "min"),
    "max_drawdown_pct": Alias("max_drawdown", "max", scale=Decimal("0.01")),
    "max_drawdown_percent": Alias("max_drawdown", "max", scale=Decimal("0.01")),
    "daily_pnl": Alias("net_pnl", "min", window="day", severity=Severity.INFO),
    "daily_pnl_target": Alias("net_pnl", "min", window="day", severity=Severity.INFO),
    "weekly_pnl": Alias("net_pnl", "min", window="week", severity=Severity.INFO),
    "weekly_pnl_target": Alias("net_pnl", "min", window="week", severity=Severity.INFO),
    "monthly_pnl": Alias("net_pnl", "min", window="month", severity=Severity.INFO),
    "monthly_pnl_target": Alias("net_pnl", "min", window="month", severity=Severity.INFO),
    "daily_loss_limit": Alias(
        "net_pnl", "min", negate=True, window="day", severity=Severity.CRITICAL
    ),
    "max_daily_loss": Alias(
        "net_pnl", "min", negate=True, window="day", severity=Severity.CRITICAL
    ),
    "max_consecutive_losses": Alias("current_streak", "min", negate=True, window="all"),
}

_TRADES: Final = re.compile(r"^(\d+)\s*trades$")


@dataclass(frozen=True, slots=True)
class Window:
    """A rule's window.

    ``kind`` is ``trades`` (the last ``trades``), ``trailing`` (``text``, a duration back
    from now), ``day``, ``week``, ``month`` (the current local one) or ``all``.
    """

    kind: Literal["trades", "trailing", "day", "week", "month", "all"]
    text: str
    trades: int | None = None


def parse_window(text: str) -> Window:
    """Read a rule's window.

    Raises
    ------
    ConfigError
        If ``text`` is none of the forms, or a number of trades below 1.

    Examples
    --------
    >>> parse_window("50trades"), parse_window("7d").kind, parse_window("week").kind
    (Window(kind='trades', text='50trades', trades=50), 'trailing', 'week')
    """
    from tradeperf.durations import parse_duration

    s = re.sub(r"\s+", "", text.strip().lower())
    if m := _TRADES.match(s):
        if int(m.group(1)) < 1:
            raise ConfigError(f"window {text!r}: at least 1 trade")
        return Window("trades", s, int(m.group(1)))
    if s in ("day", "week", "month", "all"):
        return Window(s, s)  # type: ignore[arg-type]  # one of the literal kinds
    parse_duration(s)  # a duration, or the ConfigError saying what it is not
    return Window("trailing", s)


@dataclass(frozen=True, slots=True)
class Target:
    """One rule: ``figure`` must stay at or above (``min``) or at or below (``max``) ``threshold``.

    Attributes
    ----------
    rule : the rule's name, as written (``win_rate``, ``strategy.breakout.win_rate``).
    figure : the registry figure it watches.
    bound : ``min`` or ``max``.
    threshold : in the figure's unit (fractions as fractions: 0.1 = 10 %; money in the
        account currency), exact.
    critical : a stricter threshold at which the alert is critical, or None.
    severity : the alert's severity when only ``threshold`` is crossed.
    window : where the figure is computed (`Window`).
    min_trades : trades the window needs before a rate-based rule applies (0 for money and
        counts).
    strategy, symbol : the scope (None: every trade).
    """

    rule: str
    figure: str
    bound: Bound
    threshold: Decimal
    window: Window
    severity: Severity = Severity.WARNING
    critical: Decimal | None = None
    min_trades: int = 0
    strategy: str | None = None
    symbol: str | None = None


@cache
def alerts_schema(name: str) -> dict[str, Any]:
    """Give the alerts' JSON Schema ``name``: ``targets`` or ``alert`` (`tradeperf schema`).

    Raises
    ------
    ConfigError
        For another name.
    """
    if name not in ("targets", "alert"):
        raise ConfigError(f"no alerts schema {name!r}: targets or alert")
    text = (resources.files("tradeperf.alerts") / f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def targets_schema() -> dict[str, Any]:
    """Give the JSON Schema of a targets document (`tradeperf schema targets`)."""
    return alerts_schema("targets")


def default_window(environ: Mapping[str, str] | None = None) -> str:
    """Give the default window: ``Ntrades`` of the first of `WINDOW_SETTINGS` set, else 20.

    Raises
    ------
    ConfigError
        If the setting is not a whole number of trades.

    Examples
    --------
    >>> default_window({}), default_window({"PERFORMANCE_ALERT_ROLLING_WINDOW": "50"})
    ('20trades', '50trades')
    """
    from tradeperf.config import environment

    env = environment() if environ is None else environ
    for name in WINDOW_SETTINGS:
        value = env.get(name, "").strip()
        if value:
            if not value.isdigit() or int(value) < 1:
                raise ConfigError(f"{name}: a number of trades, at least 1, not {value!r}")
            return f"{int(value)}trades"
    return f"{DEFAULT_TRADES}trades"


def load_targets(
    path: Path | None = None, *, config_file: Path | None = None, required: bool = True
) -> list[Target]:
    """Load the targets: ``path``, else ``TRADEPERF_TARGETS``, else the config's ``[targets]``.

    The config file is ``config_file``, else ``TRADEPERF_CONFIG``, else ``./tradeperf.toml``
    (as `tradeperf.config.load_config` finds it). Not ``required``, none set gives none.

    Raises
    ------
    ConfigError
        If no targets are set anywhere (and they are ``required``), or they are not valid
        (`parse_targets`).
    """
    from tradeperf.config import environment, find_config_file

    env = environment()
    chosen = path or (Path(env["TRADEPERF_TARGETS"]) if env.get("TRADEPERF_TARGETS") else None)
    if chosen is not None:
        return parse_targets(read_targets_file(chosen), source=str(chosen))
    config = find_config_file(config_file, env)
    if config is not None:
        doc = read_targets_file(config, table_only=True)
        if doc:
            return parse_targets(doc, source=f"{config} [targets]")
    if not required:
        return []
    raise ConfigError(
        "no targets: give --targets FILE, set TRADEPERF_TARGETS, or add [targets] to "
        "tradeperf.toml (docs/alerts.md)"
    )


def read_targets_file(path: Path, *, table_only: bool = False) -> dict[str, Any]:
    """Read a targets file, TOML (``.toml``) or YAML (anything else), as a document.

    A TOML file's ``[targets]`` table is the document when it has one (the config file's
    shape), else the whole file; with ``table_only`` (the config file), the table or
    nothing.

    Raises
    ------
    ConfigError
        If the file cannot be read or parsed (its line), or is not a table of targets.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read targets file {path}: {exc}") from None
    if path.suffix.lower() == ".toml":
        try:
            data: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"targets file {path} is not valid TOML: {exc}") from None
        data = data.get("targets", {} if table_only else data) if isinstance(data, dict) else data
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"targets file {path} is not valid YAML: {exc}") from None
        data = data or {}
        if isinstance(data, dict) and isinstance(data.get("targets"), dict):
            data = data["targets"]
    if not isinstance(data, dict):
        raise ConfigError(f"targets file {path}: expected a table of targets")
    return data


def parse_targets(
    doc: Mapping[str, Any], *, source: str = "targets", window: str | None = None
) -> list[Target]:
    """Check a targets document against the schema and the registry, and give its rules.

    Parameters
    ----------
    doc
        The document (`read_targets_file`, or the config's ``[targets]`` table).
    source
        What to name in errors (the file).
    window
        The default window; None: `default_window`.

    Raises
    ------
    ConfigError
        Naming the key: a value of the wrong type, an unknown figure or alias, a figure with
        no better direction given as a bare number, a bad window.

    Examples
    --------
    >>> rules = parse_targets({"win_rate": 0.55, "max_drawdown_pct": 10})
    >>> [(t.figure, t.bound, t.threshold, t.window.text) for t in rules][1]
    ('max_drawdown', 'max', Decimal('0.10'), '20trades')
    """
    import jsonschema

    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(targets_schema()).iter_errors(doc)
    )
    if error is not None:
        # a table's own mistake (a bad window, an unknown key) rather than "not a number"
        while error.validator == "oneOf" and isinstance(error.instance, dict) and error.context:
            inner = [
                e for e in error.context if e.validator not in ("type", "oneOf", "required", "not")
            ]
            if not inner:
                break
            error = inner[0]
        key = ".".join(str(p) for p in error.absolute_path) or "(top)"
        raise ConfigError(f"{source}: {key}: {_message(error)}")
    defaults = _defaults(doc, source, window or default_window(), DEFAULT_MIN_TRADES, None)
    out = _rules(doc, source, "", defaults, None, None)
    for kind in ("strategy", "symbol"):
        for name, scoped in (doc.get(kind) or {}).items():
            own = _defaults(scoped, f"{source}: {kind}.{name}", *defaults)
            prefix = f"{kind}.{name}."
            scope = (name, None) if kind == "strategy" else (None, name)
            out += _rules(scoped, source, prefix, own, *scope)
    return out


def _message(error: Any) -> str:
    """Give a schema error in a user's words."""
    if error.validator == "oneOf" and isinstance(error.instance, dict):
        return "give one of min or max (and optionally critical, window, min_trades, severity)"
    if error.validator == "oneOf":
        return f"expected a number or a table with min or max, not {error.instance!r}"
    if error.validator == "pattern" and list(error.absolute_path)[-1:] == ["window"]:
        forms = "Ntrades, a duration (24h, 7d), day, week, month or all"
        return f"{error.instance!r} is not a window: {forms}"
    if error.validator == "pattern":
        return f"{error.instance!r}: targets are named in lower case (win_rate, max_drawdown_pct)"
    return str(error.message)


_Defaults = tuple[str, int, Severity | None]


def _defaults(
    doc: Mapping[str, Any], source: str, window: str, min_trades: int, severity: Severity | None
) -> tuple[str, int, Severity | None]:
    win = doc.get("window", window)
    try:
        parse_window(win)
    except ConfigError as exc:
        raise ConfigError(f"{source}: window: {exc}") from None
    sev = Severity(doc["severity"]) if "severity" in doc else severity
    return win, int(doc.get("min_trades", min_trades)), sev


def _rules(
    doc: Mapping[str, Any],
    source: str,
    prefix: str,
    defaults: _Defaults,
    strategy: str | None,
    symbol: str | None,
) -> list[Target]:
    from tradeperf.metrics.registry import FIGURES

    window, min_trades, severity = defaults
    out = []
    for name, value in doc.items():
        if name in ("window", "min_trades", "severity", "strategy", "symbol"):
            continue
        key = f"{source}: {prefix}{name}"
        alias = ALIASES.get(name)
        figure = alias.figure if alias else name
        spec = FIGURES.get(figure)
        if spec is None:
            known = "a figure of the registry (tradeperf figures) or an alias of docs/alerts.md"
            raise ConfigError(f"{key}: unknown target: {known}")
        rule: dict[str, Any] = value if isinstance(value, dict) else {}
        if isinstance(value, dict):
            bound: Bound = "min" if "min" in rule else "max"
            number = Decimal(str(rule[bound]))
        else:
            number = Decimal(str(value))
            if alias is not None:
                bound = alias.bound
            elif spec.higher_is_better is None:
                raise ConfigError(f"{key}: {figure} has no better direction: give min or max")
            else:
                bound = "min" if spec.higher_is_better else "max"
        scale = (-1 if alias and alias.negate else 1) * (alias.scale if alias else Decimal(1))
        critical = Decimal(str(rule["critical"])) * scale if "critical" in rule else None
        win = rule.get("window") or (alias.window if alias and alias.window else window)
        sev = Severity(rule["severity"]) if "severity" in rule else None
        sev = sev or severity or (alias.severity if alias and alias.severity else None)
        try:
            parsed = parse_window(win)
        except ConfigError as exc:
            raise ConfigError(f"{key}: window: {exc}") from None
        threshold = number * scale
        if critical is not None and (
            critical > threshold if bound == "min" else critical < threshold
        ):
            raise ConfigError(f"{key}: critical must be beyond the threshold ({bound} rule)")
        rate = spec.unit in RATE_UNITS
        out.append(
            Target(
                rule=f"{prefix}{name}",
                figure=figure,
                bound=bound,
                threshold=threshold,
                window=parsed,
                severity=sev or Severity.WARNING,
                critical=critical,
                min_trades=int(rule.get("min_trades", min_trades)) if rate else 0,
                strategy=strategy,
                symbol=symbol,
            )
        )
    return out
