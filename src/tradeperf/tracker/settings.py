"""The tracker's settings from the ``[tracker]`` table of the config file (``tradeperf.toml``).

| config key | default | `Tracker` argument |
| --- | --- | --- |
| ``flush_interval`` | ``1`` (seconds; ``0``: no background flush) | ``flush_interval`` |
| ``batch_size`` | ``10000`` (records) | ``batch_size`` |
| ``check_every`` | ``10`` (seconds) | ``check_every`` |
| ``dedup_window`` | ``"24h"`` | ``dedup_window`` |
| ``[tracker.retention]`` | minute 24h, hour 30d, day ``"forever"`` | ``retention`` |

An argument given to `Tracker` wins over the file; the file wins over the defaults. A
retention of ``"forever"`` (or ``"none"``) keeps a resolution's snapshots for ever; a
resolution left out of ``[tracker.retention]`` keeps its default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from tradeperf.errors import ConfigError

#: Snapshot resolutions kept in the store, and how long each is kept by default (None: ever).
DEFAULT_RETENTION: Final[dict[str, str | None]] = {"minute": "24h", "hour": "30d", "day": None}
_KEYS: Final = frozenset(
    ("flush_interval", "batch_size", "check_every", "dedup_window", "retention")
)
_FOREVER: Final = frozenset(("forever", "none"))


@dataclass(frozen=True, slots=True)
class TrackerSettings:
    """A tracker's flushing, deduplication and snapshot retention.

    Attributes
    ----------
    flush_interval : seconds between background flushes (0: none).
    batch_size : records that wake the flusher early.
    check_every : seconds between evaluations of the targets, at most.
    dedup_window : how long a fill's or trade's id is remembered (a duration: ``24h``).
    retention : resolution (minute, hour, day) -> how long its snapshots are kept (a
        duration, or None for ever).
    """

    flush_interval: float = 1.0
    batch_size: int = 10_000
    check_every: float = 10.0
    dedup_window: str = "24h"
    retention: dict[str, str | None] = field(default_factory=lambda: dict(DEFAULT_RETENTION))


def load_tracker_settings(
    config_file: Path | None = None, *, given: dict[str, Any] | None = None
) -> TrackerSettings:
    """Resolve the tracker's settings: ``given`` (the arguments passed), the file, defaults.

    The config file is found as `tradeperf.config.find_config_file` finds it. ``given``
    maps a setting to the value the caller passed (None: not passed); a given
    ``retention`` is merged over the file's, resolution by resolution.

    Raises
    ------
    ConfigError
        Naming the file and key of an unknown setting or a value that is not valid.

    Examples
    --------
    >>> s = load_tracker_settings(given={"flush_interval": 5, "retention": {"minute": "2h"}})
    >>> s.flush_interval, s.retention["minute"], s.retention["day"]
    (5.0, '2h', None)
    """
    from tradeperf.config import find_config_file

    path = find_config_file(config_file)
    table: dict[str, Any] = {}
    where = "tracker"
    if path is not None and path.is_file():
        table, where = _table(path), f"{path}: tracker"
    values: dict[str, tuple[Any, str]] = {k: (v, f"{where}.{k}") for k, v in table.items()}
    for key, value in (given or {}).items():
        if value is not None and key != "retention":
            values[key] = (value, key)
    retention: dict[str, str | None] = dict(DEFAULT_RETENTION)
    for source, spec in (
        (f"{where}.retention", table.get("retention")),
        ("retention", (given or {}).get("retention")),
    ):
        if spec is not None:
            retention.update(_retention(spec, source))
    return TrackerSettings(
        flush_interval=_number(values, "flush_interval", 1.0, minimum=0.0),
        batch_size=int(_number(values, "batch_size", 10_000, minimum=1, whole=True)),
        check_every=_number(values, "check_every", 10.0, minimum=0.0),
        dedup_window=_duration(values, "dedup_window", "24h"),
        retention=retention,
    )


def _table(path: Path) -> dict[str, Any]:
    from tradeperf.config import config_table

    return config_table(path, "tracker", _KEYS, "docs/tracker.md")


def _number(
    values: dict[str, tuple[Any, str]],
    key: str,
    default: float,
    *,
    minimum: float,
    whole: bool = False,
) -> float:
    value, source = values.get(key, (default, key))
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok and whole and value != int(value):
        ok = False
    if not ok or value < minimum:
        kind = "a whole number" if whole else "a number of seconds"
        raise ConfigError(f"{source}: {kind} of at least {minimum:g}, not {value!r}")
    return float(value)


def _duration(values: dict[str, tuple[Any, str]], key: str, default: str) -> str:
    from tradeperf.durations import parse_duration

    value, source = values.get(key, (default, key))
    try:
        parse_duration(str(value))
    except (ConfigError, ValueError) as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return str(value)


def _retention(spec: object, source: str) -> dict[str, str | None]:
    from tradeperf.durations import parse_duration

    if not isinstance(spec, dict):
        raise ConfigError(f'{source}: a table of resolution = duration (minute = "24h")')
    out: dict[str, str | None] = {}
    for resolution, value in spec.items():
        if resolution not in DEFAULT_RETENTION:
            raise ConfigError(f"{source}: unknown resolution {resolution!r} (minute, hour or day)")
        if value is None or (isinstance(value, str) and value.strip().lower() in _FOREVER):
            out[resolution] = None
            continue
        try:
            parse_duration(str(value))
        except (ConfigError, ValueError) as exc:
            raise ConfigError(f"{source}.{resolution}: {exc}") from None
        out[resolution] = str(value)
    return out
