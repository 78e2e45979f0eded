"""Settings, layered: defaults < config file < environment < command-line flags.

`SETTINGS` is the one list of settings; docs/configuration.md is checked against it by a test.
The config file is TOML: ``./tradeperf.toml`` if present, or the file named by
``TRADEPERF_CONFIG`` or ``--config``; keys are the setting names below.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from tradeperf.errors import ConfigError
from tradeperf.records import to_decimal


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
        "capital",
        "TRADEPERF_CAPITAL",
        "10000",
        "Starting capital of the account, in the account currency.",
    ),
    Setting(
        "currency",
        "TRADEPERF_CURRENCY",
        "USD",
        "Account currency the P&L is in (a freqtrade export brings its own).",
    ),
)

_BY_NAME: Final = {s.name: s for s in SETTINGS}


@dataclass(frozen=True, slots=True)
class Config:
    """Resolved settings. ``explicit`` names the settings a user gave (file, env or flag)."""

    store: str
    timezone: str
    capital: Decimal
    currency: str
    explicit: frozenset[str]


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    section = data.get("tradeperf", data)
    unknown = set(section) - set(_BY_NAME)
    if unknown:
        raise ConfigError(f"{path}: unknown settings {', '.join(sorted(unknown))}")
    return {k: str(v) for k, v in section.items()}


def load_config(flags: dict[str, Any] | None = None, *, config_file: Path | None = None) -> Config:
    """Resolve the settings from defaults, the config file, the environment and ``flags``.

    Parameters
    ----------
    flags : values given on the command line (None values are ignored).
    config_file : an explicit config file; else ``TRADEPERF_CONFIG`` or ``./tradeperf.toml``.

    Raises
    ------
    ConfigError
        If the file is unreadable or has unknown keys, or the capital is not a number.
    """
    values = {s.name: s.default for s in SETTINGS}
    explicit: set[str] = set()
    path = config_file or (
        Path(os.environ["TRADEPERF_CONFIG"]) if os.environ.get("TRADEPERF_CONFIG") else None
    )
    if path is None and Path("tradeperf.toml").is_file():
        path = Path("tradeperf.toml")
    if path is not None:
        file_values = _read_file(path)
        values.update(file_values)
        explicit.update(file_values)
    for s in SETTINGS:
        if os.environ.get(s.env):
            values[s.name] = os.environ[s.env]
            explicit.add(s.name)
    for name, value in (flags or {}).items():
        if value is not None:
            values[name] = str(value)
            explicit.add(name)
    try:
        capital = to_decimal(values["capital"])
    except ValueError as exc:
        raise ConfigError(f"capital: {exc}") from None
    return Config(
        store=values["store"],
        timezone=values["timezone"],
        capital=capital,
        currency=values["currency"],
        explicit=frozenset(explicit),
    )
