"""Settings, layered: defaults < config file < environment < command-line flags.

`SETTINGS` is the one list of settings; docs/configuration.md is checked against it by a test.
The config file is TOML: ``./tradeperf.toml`` if present, or the file named by
``TRADEPERF_CONFIG`` or ``--config``; keys are the setting names below.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from tradeperf.calendars import EVERY_DAY, TradingCalendar, parse_calendar
from tradeperf.errors import ConfigError
from tradeperf.ingest.options import (
    DECIMAL_MARKS,
    MAX_DEPTH,
    MAX_FIELD_CHARS,
    MAX_LINE_BYTES,
    Limits,
)
from tradeperf.sessions import Session, parse_sessions
from tradeperf.timezones import day_key, parse_day_start, resolve_timezone


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its name (in the file), env variable, default and meaning."""

    name: str
    env: str
    default: str
    help: str


SETTINGS: Final = (
    Setting(
        "store",
        "TRADEPERF_STORE",
        "duckdb://tradeperf.duckdb",
        "Store URL: duckdb://PATH (relative), duckdb:///ABS/PATH, or postgresql://...",
    ),
    Setting(
        "timezone",
        "TRADEPERF_TIMEZONE",
        "UTC",
        "IANA timezone of the reporting windows (days, weeks, months).",
    ),
    Setting(
        "day_start",
        "TRADEPERF_DAY_START",
        "00:00",
        "Local time `HH:MM` a reporting day starts at (`17:00`: the FX and futures trading "
        "day); days, weeks and months follow it. A day starting after noon is labelled by the "
        "next calendar day (17:00 on D starts trading day D+1); `00:00`: calendar days.",
    ),
    Setting(
        "capital",
        "TRADEPERF_CAPITAL",
        "10000",
        "Starting capital of the account, in the account currency.",
    ),
    Setting(
        "currency",
        "TRADEPERF_CURRENCY",
        "USD",
        "Account currency the P&L is in, a code of 2 to 12 letters or digits (read in capitals) "
        "(a freqtrade export brings its own).",
    ),
    Setting(
        "decimal",
        "TRADEPERF_DECIMAL",
        "auto",
        "Decimal mark of numbers in CSV text: `.`, `,` (then `.` or a space groups thousands, "
        "as in `1.170,50`), or `auto` to tell it per file where unambiguous.",
    ),
    Setting(
        "money_decimals",
        "TRADEPERF_MONEY_DECIMALS",
        "",
        "Decimals money is shown with in Markdown and terminal tables: `N` for every currency, "
        "or `CUR=N,...` per currency (`BTC=6,JPY=0`); empty: each currency's own (USD 2, JPY 0, "
        "BTC 8; unknown 2). JSON always keeps every digit.",
    ),
    Setting(
        "sessions",
        "TRADEPERF_SESSIONS",
        "",
        "Named sessions of the trading day in the reporting timezone, `name=HH:MM-HH:MM,...` "
        "(`asia=00:00-08:00,europe=08:00-16:00,us=13:30-20:00`; an end before the start runs "
        "over midnight): `--by session` and `--session NAME`.",
    ),
    Setting(
        "trading_days",
        "TRADEPERF_TRADING_DAYS",
        "mon-sun",
        "Weekdays the market trades, `mon-fri`, `sun-thu` or `mon,wed,fri`; the daily rows, "
        "daily returns and empty daily windows are those of the trading days (a day outside "
        "them is a row only when it has P&L or a cash flow), and ratios are annualised over "
        "the trading days a year (`mon-fri`: 261, less the holidays).",
    ),
    Setting(
        "holidays",
        "TRADEPERF_HOLIDAYS",
        "",
        "Days the market is closed on a trading weekday: ISO dates separated by commas, or "
        "`@PATH` of a file with one date per line (`#` comments).",
    ),
    Setting(
        "max_line_bytes",
        "TRADEPERF_MAX_LINE_BYTES",
        str(MAX_LINE_BYTES),
        "Longest JSONL line or CSV record, in bytes (at least 64); a longer one is a rejected row.",
    ),
    Setting(
        "max_depth",
        "TRADEPERF_MAX_DEPTH",
        str(MAX_DEPTH),
        "Deepest nesting of a JSON value (at least 2); a deeper one is a rejected row.",
    ),
    Setting(
        "max_field_chars",
        "TRADEPERF_MAX_FIELD_CHARS",
        str(MAX_FIELD_CHARS),
        "Longest text value of a field, in characters (at least 16); a longer one is a "
        "rejected row.",
    ),
)

_BY_NAME: Final = {s.name: s for s in SETTINGS}
_CURRENCY: Final = re.compile(r"^[A-Z0-9]{2,12}$")


@dataclass(frozen=True, slots=True)
class Config:
    """Resolved settings. ``explicit`` names the settings a user gave (file, env or flag).

    ``decimal`` is None for ``auto``; ``limits`` holds the three size limits;
    ``money_decimals`` maps a currency code (or ``*``, every currency) to the decimals money
    is shown with.
    """

    store: str
    timezone: str
    capital: Decimal
    currency: str
    explicit: frozenset[str]
    decimal: str | None = None
    limits: Limits = field(default_factory=Limits)
    money_decimals: Mapping[str, int] = field(default_factory=dict)
    sessions: tuple[Session, ...] = ()
    day_start: dt.time | None = None
    calendar: TradingCalendar = EVERY_DAY


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    section = data.get("tradeperf", data)
    # [targets] and [alerts] are the alerts' tables (tradeperf.alerts.targets, .settings),
    # [tracker] the tracker's (tradeperf.tracker.settings), [retention] the store's
    # (tradeperf.store.retention)
    tables = ("targets", "alerts", "tracker", "retention")
    section = {k: v for k, v in section.items() if k not in tables}
    unknown = set(section) - set(_BY_NAME)
    if unknown:
        raise ConfigError(f"{path}: unknown settings {', '.join(sorted(unknown))}")
    return {k: str(v) for k, v in section.items()}


def config_table(path: Path, name: str, keys: frozenset[str], doc: str) -> dict[str, Any]:
    """Return the ``[name]`` table of the config file ``path`` ({} when it has none).

    The table may stand at top level or under ``[tradeperf]``; ``doc`` names the page that
    documents it (for the error).

    Raises
    ------
    ConfigError
        If the file is unreadable or not TOML, the entry is not a table, or it has a key not
        in ``keys`` (naming the file, the table and the keys).
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    table = data.get("tradeperf", data).get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {name}: a table of settings ({doc})")
    unknown = sorted(set(table) - keys)
    if unknown:
        raise ConfigError(f"{path}: {name}: unknown settings {', '.join(unknown)}")
    return table


#: A trading bot's names of settings, read when tradeperf's own variable is not set.
ENV_ALIASES: Final = {"PERFORMANCE_SUMMARY_TIMEZONE": "timezone"}


def environment() -> dict[str, str]:
    """Give the environment the settings read: a ``.env`` file, then the real environment.

    A bot's ``.env`` in the working folder (python-dotenv's format) is read when present,
    below the real environment: a variable set in both is the real one's.

    Examples
    --------
    >>> environment()["PATH"] == os.environ["PATH"]
    True
    """
    merged: dict[str, str] = {}
    dot = Path(".env")
    if dot.is_file():
        from dotenv import dotenv_values

        try:
            read = dotenv_values(dot, encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read .env: {exc}") from None
        merged.update({k: v for k, v in read.items() if v is not None})
    merged.update(os.environ)
    return merged


def find_config_file(
    config_file: Path | None = None, env: Mapping[str, str] | None = None
) -> Path | None:
    """Give the config file: ``config_file``, else ``TRADEPERF_CONFIG``, else ``./tradeperf.toml``.

    ``env`` is the environment to read (None: `environment`); None when there is none.
    """
    env = environment() if env is None else env
    path = config_file or (Path(env["TRADEPERF_CONFIG"]) if env.get("TRADEPERF_CONFIG") else None)
    if path is None and Path("tradeperf.toml").is_file():
        path = Path("tradeperf.toml")
    return path


def load_config(flags: dict[str, Any] | None = None, *, config_file: Path | None = None) -> Config:
    """Resolve the settings from defaults, the config file, the environment and ``flags``.

    The environment is `environment` (a ``.env`` file below the real environment); a bot's
    names of `ENV_ALIASES` count where tradeperf's own variable is not set.

    Parameters
    ----------
    flags
        Values given on the command line, by setting name (None values are ignored).
    config_file
        An explicit config file; else ``TRADEPERF_CONFIG`` or ``./tradeperf.toml``.

    Raises
    ------
    ConfigError
        If the file is unreadable or has unknown keys, or a setting has a bad value: an
        unknown timezone or day start, a capital that is not a positive number, a currency that
        is not a code, a decimal mark other than ``.``, ``,`` and ``auto``, a limit that is not a
        whole number at or above its minimum.
    """
    values = {s.name: s.default for s in SETTINGS}
    explicit: set[str] = set()
    env = environment()
    path = find_config_file(config_file, env)
    if path is not None:
        file_values = _read_file(path)
        values.update(file_values)
        explicit.update(file_values)
    for alias, name in ENV_ALIASES.items():
        if env.get(alias) and not env.get(_BY_NAME[name].env):
            values[name] = env[alias]
            explicit.add(name)
    for s in SETTINGS:
        if env.get(s.env):
            values[s.name] = env[s.env]
            explicit.add(s.name)
    for name, value in (flags or {}).items():
        if value is not None:
            values[name] = str(value)
            explicit.add(name)
    return Config(
        store=values["store"],
        timezone=_timezone(values["timezone"]),
        capital=_capital(values["capital"]),
        currency=_currency(values["currency"]),
        explicit=frozenset(explicit),
        decimal=_decimal(values["decimal"]),
        limits=Limits(**{name: _whole(name, values[name]) for name in _LIMITS}),
        money_decimals=_money_decimals(values["money_decimals"]),
        sessions=parse_sessions(values["sessions"]),
        day_start=_day_start(values["day_start"], values["timezone"]),
        calendar=parse_calendar(values["trading_days"], values["holidays"]),
    )


def _money_decimals(text: str) -> dict[str, int]:
    """``"4"`` -> ``{"*": 4}``; ``"BTC=6, jpy=0"`` -> ``{"BTC": 6, "JPY": 0}``; ``""`` -> {}."""
    out: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        code, sep, number = part.rpartition("=")
        code = code.strip().upper() if sep else "*"
        if (sep and not _CURRENCY.match(code)) or not number.strip().isdigit():
            raise ConfigError(f"money_decimals: use N or CUR=N,... (BTC=6,JPY=0), not {text!r}")
        places = int(number)
        if places > 18:
            raise ConfigError(f"money_decimals: at most 18 decimals are stored, not {places}")
        out[code] = places
    return out


_LIMITS: Final = ("max_line_bytes", "max_depth", "max_field_chars")


def _timezone(text: str) -> str:
    return resolve_timezone(text).key


def _day_start(text: str, timezone: str) -> dt.time | None:
    cut = parse_day_start(text)
    if cut == dt.time(0):
        return None
    resolve_timezone(day_key(timezone, cut))  # a zone too far east for the cut is refused
    return cut


def _capital(text: str) -> Decimal:
    try:
        from tradeperf.records import to_decimal  # Arrow loads with the records: when used

        capital = to_decimal(text)
    except ValueError as exc:
        raise ConfigError(f"capital: {exc}") from None
    if capital <= 0:
        raise ConfigError(f"capital: must be positive, got {text!r}")
    return capital


def _currency(text: str) -> str:
    code = text.strip().upper()  # "usdt" in a bot's config means USDT
    if not _CURRENCY.match(code):
        raise ConfigError(
            f"currency: use a code of 2 to 12 letters or digits (USD, USDT), not {text!r}"
        )
    return code


def _decimal(text: str) -> str | None:
    if text == "auto":
        return None
    if text not in DECIMAL_MARKS:
        raise ConfigError(f"decimal: use '.', ',' or 'auto', not {text!r}")
    return text


def _whole(name: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number, got {text!r}") from None
