"""Markout horizons: ``0s`` (spread capture), ``100ms``, ``1s``, ``1min`` ... as nanoseconds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from tradeperf.durations import parse_duration
from tradeperf.errors import ConfigError

#: The horizons of a report when none are given (spread capture ``0s`` is always added).
DEFAULT_HORIZONS: Final = ("100ms", "1s", "5s", "10s", "1min", "5min")
_NS: Final = {"ms": 1_000_000, "s": 1_000_000_000, "min": 60_000_000_000, "h": 3_600_000_000_000}


@dataclass(frozen=True, slots=True, order=True)
class Horizon:
    """One markout horizon.

    Attributes
    ----------
    ns : the horizon in nanoseconds, ≥ 0 and a whole number of microseconds (the resolution
        of stored times).
    label : how output names it: ``0s``, ``100ms``, ``1s``, ``1min``, ``5min``, ``1h``.
    """

    ns: int
    label: str


def label(ns: int) -> str:
    """Name a horizon in the largest unit that divides it.

    Examples
    --------
    >>> [label(n) for n in (0, 100_000_000, 5_000_000_000, 60_000_000_000, 90_000_000_000)]
    ['0s', '100ms', '5s', '1min', '90s']
    """
    if ns == 0:
        return "0s"
    for unit in ("h", "min", "s", "ms"):
        if ns % _NS[unit] == 0:
            return f"{ns // _NS[unit]}{unit}"
    return f"{ns // 1000}us"


def parse_horizons(spec: str | Sequence[str] | None) -> tuple[Horizon, ...]:
    """Read horizons from ``"0,100ms,1s"`` (or a list); ``0s`` is always included.

    Durations use the CLI's grammar (`tradeperf.durations.parse_duration`: ms, s, min, h);
    ``0`` or ``0s`` is spread capture. Sorted, duplicates merged.

    Raises
    ------
    ConfigError
        If a horizon is not a duration, or is finer than a microsecond.

    Examples
    --------
    >>> [h.label for h in parse_horizons("1s,100ms,1s")]
    ['0s', '100ms', '1s']
    >>> [h.label for h in parse_horizons(None)]
    ['0s', '100ms', '1s', '5s', '10s', '1min', '5min']
    """
    if spec is None:
        parts: list[str] = list(DEFAULT_HORIZONS)
    elif isinstance(spec, str):
        parts = [p.strip() for p in spec.split(",") if p.strip()]
    else:
        parts = [str(p).strip() for p in spec]
    found = {0}
    for part in parts:
        if part in ("0", "0s", "0ms"):
            continue
        try:
            delta = parse_duration(part)
        except ConfigError as exc:
            raise ConfigError(f"horizon {part!r}: {exc}") from None
        found.add(delta // dt.timedelta(microseconds=1) * 1000)
    return tuple(Horizon(ns, label(ns)) for ns in sorted(found))
