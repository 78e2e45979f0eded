"""The alerts' settings: suppression, sinks, the digest and maintenance windows.

They come from the ``[alerts]`` table of the config file (``tradeperf.toml``) and from the
environment (a ``.env`` below the real one), the environment winning:

| config key | variable | default |
| --- | --- | --- |
| ``repeat_interval`` | ``TRADEPERF_ALERT_REPEAT_INTERVAL`` | ``4h`` |
| ``cooldown`` | ``TRADEPERF_ALERT_COOLDOWN`` | ``30min`` |
| ``hysteresis`` | ``TRADEPERF_ALERT_HYSTERESIS`` | ``0.05`` (of the threshold) |
| ``log`` | ``TRADEPERF_ALERT_LOG`` | ``logs/performance-alerts.jsonl`` (``none``) |
| ``webhook`` | ``TRADEPERF_ALERT_WEBHOOK`` | none; a URL or a list |
| ``apprise`` | ``TRADEPERF_ALERT_APPRISE`` | none; Apprise URLs (space-separated) |
| ``digest_at`` | ``TRADEPERF_ALERT_DIGEST_AT`` | none; when ``watch`` sends it, ``HH:MM`` |
| ``digest_period`` | ``TRADEPERF_ALERT_DIGEST_PERIOD`` | ``day`` (or ``week``) |
| ``[[alerts.maintenance]]`` | | none |

A maintenance window silences the alerts it matches while it lasts: recurring (``start``
and ``end`` local ``HH:MM``, on ``weekdays``, every day by default; an ``end`` before the
``start`` ends the next day) or once (``starts`` and ``ends``, ISO 8601, local when they
have no offset), for ``rule`` (a pattern, ``*`` by default), ``strategy`` and ``symbol``,
with a ``reason``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from tradeperf.alerts.lifecycle import Policy, Silence
from tradeperf.alerts.sinks import DEFAULT_JSONL
from tradeperf.errors import ConfigError

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_KEYS: Final = frozenset(
    ("repeat_interval", "cooldown", "hysteresis", "log", "webhook", "apprise", "digest_at",
     "digest_period", "maintenance")
)  # fmt: skip
_WINDOW_KEYS: Final = frozenset(
    ("rule", "reason", "strategy", "symbol", "weekdays", "start", "end", "starts", "ends")
)


@dataclass(frozen=True, slots=True)
class Maintenance:
    """A maintenance window: the alerts of ``rule`` (and scope) are silenced while it lasts.

    Recurring when ``start`` and ``end`` (local times) are set, on ``weekdays`` (0 Monday;
    empty: every day), ending the next day when ``end`` <= ``start``; once when ``starts``
    and ``ends`` (instants) are.

    Examples
    --------
    >>> w = Maintenance("*", "deploy", start=dt.time(22), end=dt.time(1), weekdays=(4,))
    >>> tz = ZoneInfo("Europe/Berlin")
    >>> s = w.silence_at(dt.datetime(2024, 5, 4, 0, 30, tzinfo=tz), tz)  # Friday's, on Saturday
    >>> s.starts.isoformat(), s.ends.isoformat()
    ('2024-05-03T22:00:00+02:00', '2024-05-04T01:00:00+02:00')
    """

    rule: str
    reason: str
    strategy: str | None = None
    symbol: str | None = None
    weekdays: tuple[int, ...] = ()
    start: dt.time | None = None
    end: dt.time | None = None
    starts: dt.datetime | None = None
    ends: dt.datetime | None = None

    def silence_at(self, now: dt.datetime, tz: ZoneInfo) -> Silence | None:
        """Give the silence this window makes at ``now`` (local days of ``tz``), or None."""
        reason = f"maintenance: {self.reason}"
        if self.starts is not None and self.ends is not None:
            starts, ends = (
                t if t.tzinfo else t.replace(tzinfo=tz) for t in (self.starts, self.ends)
            )
            if starts <= now < ends:
                return Silence(self.rule, starts, ends, reason, self.strategy, self.symbol)
            return None
        assert self.start is not None
        assert self.end is not None
        today = now.astimezone(tz).date()
        for day in (today, today - dt.timedelta(days=1)):
            if self.weekdays and day.weekday() not in self.weekdays:
                continue
            begins = dt.datetime.combine(day, self.start, tzinfo=tz)
            last = day if self.end > self.start else day + dt.timedelta(days=1)
            ends = dt.datetime.combine(last, self.end, tzinfo=tz)
            if begins <= now < ends:
                return Silence(self.rule, begins, ends, reason, self.strategy, self.symbol)
        return None


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """The alerts' settings (the module's table), resolved."""

    policy: Policy = field(default_factory=Policy)
    log: Path | None = DEFAULT_JSONL
    webhooks: tuple[str, ...] = ()
    apprise: tuple[str, ...] = ()
    digest_at: dt.time | None = None
    digest_period: Literal["day", "week"] = "day"
    maintenance: tuple[Maintenance, ...] = ()

    def silences_at(self, now: dt.datetime, tz: ZoneInfo) -> list[Silence]:
        """Give the silences of the maintenance windows active at ``now``."""
        found = (w.silence_at(now, tz) for w in self.maintenance)
        return [s for s in found if s is not None]


def load_alert_settings(
    config_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> AlertSettings:
    """Resolve the alerts' settings from the config file's ``[alerts]`` and the environment.

    The config file is found as `tradeperf.config.find_config_file` finds it.

    Raises
    ------
    ConfigError
        Naming the file and key, or the variable, of a value that is not valid.

    Examples
    --------
    >>> load_alert_settings(environ={"TRADEPERF_ALERT_DIGEST_AT": "08:30"}).digest_at
    datetime.time(8, 30)
    """
    from tradeperf.config import environment, find_config_file

    env = environment() if environ is None else environ
    table: dict[str, Any] = {}
    source = ""
    path = find_config_file(config_file, env)
    if path is not None and path.is_file():
        table, source = _table(path), f"{path}: alerts"
    values: dict[str, tuple[Any, str]] = {k: (v, f"{source}.{k}") for k, v in table.items()}
    for key in _KEYS - {"maintenance"}:
        name = f"TRADEPERF_ALERT_{key.upper()}"
        if env.get(name, "").strip():
            text = env[name].strip()
            values[key] = (text.split() if key in ("webhook", "apprise") else text, name)
    return _resolve(values)


def _table(path: Path) -> dict[str, Any]:
    from tradeperf.config import config_table

    return config_table(path, "alerts", _KEYS, "docs/alerts.md")


def _resolve(values: Mapping[str, tuple[Any, str]]) -> AlertSettings:
    from tradeperf.durations import parse_duration

    out: dict[str, Any] = {}
    policy: dict[str, Any] = {}
    for key in ("repeat_interval", "cooldown"):
        if key in values:
            value, where = values[key]
            try:
                policy[key] = parse_duration(str(value))
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from None
    if "hysteresis" in values:
        value, where = values["hysteresis"]
        try:
            margin = Decimal(str(value))
        except InvalidOperation:
            margin = Decimal(-1)
        if not Decimal(0) <= margin <= Decimal(1):
            raise ConfigError(f"{where}: a fraction from 0 to 1, not {value!r}")
        policy["hysteresis"] = margin
    out["policy"] = dataclasses.replace(Policy(), **policy)
    if "log" in values:
        value, where = values["log"]
        text = _text(value, where)
        out["log"] = None if text.lower() == "none" else Path(text)
    for key, field_ in (("webhook", "webhooks"), ("apprise", "apprise")):
        if key in values:
            value, where = values[key]
            urls = [value] if isinstance(value, str) else value
            if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
                raise ConfigError(f"{where}: a URL or a list of URLs")
            out[field_] = tuple(u.strip() for u in urls if u.strip())
            if key == "webhook":
                for url in out[field_]:
                    if not url.startswith(("http://", "https://")):
                        raise ConfigError(f"{where}: an http(s) URL, not one of {_scheme(url)}")
            else:
                _check_apprise(out[field_], where)
    if "digest_at" in values:
        value, where = values["digest_at"]
        out["digest_at"] = clock_time(value, where)
    if "digest_period" in values:
        value, where = values["digest_period"]
        if value not in ("day", "week"):
            raise ConfigError(f"{where}: day or week, not {value!r}")
        out["digest_period"] = value
    if "maintenance" in values:
        value, where = values["maintenance"]
        if not isinstance(value, list):
            raise ConfigError(f"{where}: a list of windows ([[alerts.maintenance]])")
        out["maintenance"] = tuple(_window(w, f"{where}[{i}]") for i, w in enumerate(value))
    return AlertSettings(**out)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: a text, not {value!r}")
    return value.strip()


def _scheme(url: str) -> str:
    """Name a URL's scheme only: the rest may hold a secret."""
    return repr(url.split("://", 1)[0] + "://…") if "://" in url else "no scheme"


def _check_apprise(urls: Sequence[str], where: str) -> None:
    import apprise

    for url in urls:
        if not apprise.Apprise().add(url):
            raise ConfigError(f"{where}: not a URL Apprise knows: {_scheme(url)}")


def clock_time(value: Any, where: str) -> dt.time:
    """Read a local time ``HH:MM`` (or a TOML time); ``where`` names it in the error.

    Raises
    ------
    ConfigError
        If it is not a time of day.
    """
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"{where}: a local time HH:MM, not {value!r}") from None


def _window(doc: Any, where: str) -> Maintenance:
    if not isinstance(doc, dict):
        raise ConfigError(f"{where}: a table with start and end, or starts and ends")
    unknown = sorted(set(doc) - _WINDOW_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {', '.join(unknown)}")
    reason = _text(doc.get("reason", "maintenance window"), f"{where}.reason")
    rule = _text(doc.get("rule", "*"), f"{where}.rule")
    strategy = _text(doc["strategy"], f"{where}.strategy") if "strategy" in doc else None
    symbol = _text(doc["symbol"], f"{where}.symbol") if "symbol" in doc else None
    scope: dict[str, Any] = {"strategy": strategy, "symbol": symbol}
    recurring, once = ("start" in doc or "end" in doc), ("starts" in doc or "ends" in doc)
    if recurring == once:
        raise ConfigError(f"{where}: either start and end (every day or on weekdays) or "
                          "starts and ends (once)")  # fmt: skip
    if recurring:
        if "start" not in doc or "end" not in doc:
            raise ConfigError(f"{where}: start and end, both")
        days = doc.get("weekdays", [])
        if isinstance(days, str):
            days = [days]
        if not isinstance(days, list) or any(str(d).lower()[:3] not in WEEKDAYS for d in days):
            raise ConfigError(f"{where}.weekdays: a list of mon, tue, ... sun, not {days!r}")
        start = clock_time(doc["start"], f"{where}.start")
        end = clock_time(doc["end"], f"{where}.end")
        if start == end:
            raise ConfigError(f"{where}: end equals start; a window needs a length")
        weekdays = tuple(sorted({WEEKDAYS.index(str(d).lower()[:3]) for d in days}))
        return Maintenance(rule, reason, weekdays=weekdays, start=start, end=end, **scope)
    if "weekdays" in doc:
        raise ConfigError(f"{where}.weekdays: only with start and end")
    if "starts" not in doc or "ends" not in doc:
        raise ConfigError(f"{where}: starts and ends, both")
    starts = _instant(doc["starts"], f"{where}.starts")
    ends = _instant(doc["ends"], f"{where}.ends")
    if (starts.tzinfo is None) != (ends.tzinfo is None):
        raise ConfigError(f"{where}: starts and ends both with an offset, or both without")
    if ends <= starts:
        raise ConfigError(f"{where}: ends must come after starts")
    return Maintenance(rule, reason, starts=starts, ends=ends, **scope)


def _instant(value: Any, where: str) -> dt.datetime:
    """Read an ISO instant; one without offset is local, of the reporting zone (`silence_at`)."""
    if isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"{where}: an ISO 8601 time, not {value!r}") from None
