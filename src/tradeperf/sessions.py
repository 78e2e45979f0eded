"""Named sessions of the trading day: asia 00:00-08:00, europe 08:00-16:00, in local time.

A session is a span of local clock time in the reporting timezone, ``HH:MM-HH:MM``, start
inclusive, end exclusive; one whose end is before its start runs over midnight (``22:00-02:00``).
Sessions may overlap (europe and us in the afternoon): a trade exiting in both is in both
(a breakdown by session then overlaps, as one by tag). The clock is the local one, so a
session keeps its local hours across a DST change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from tradeperf.errors import ConfigError

if TYPE_CHECKING:  # NumPy loads where sessions are applied, not where the config is read
    import numpy as np

_ONE: Final = re.compile(r"([a-z][a-z0-9_-]*)=(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")


@dataclass(frozen=True, slots=True)
class Session:
    """A named span of local clock time: ``start``..``end`` in minutes after midnight."""

    name: str
    start: int
    end: int

    def contains(self, minutes: np.ndarray) -> np.ndarray:
        """Tell for each local minute of the day whether it falls in the session.

        Parameters
        ----------
        minutes
            Minutes after local midnight, 0..1439.
        """
        import numpy as np

        if self.start < self.end:
            return np.asarray((minutes >= self.start) & (minutes < self.end))
        return np.asarray((minutes >= self.start) | (minutes < self.end))

    def sql_on(self, column: str, tz: str, *, dialect: str) -> str:
        """Build the SQL condition that the local time of ``column`` falls in the session.

        Parameters
        ----------
        column
            A TIMESTAMPTZ column.
        tz
            The IANA timezone of the local clock (validated).
        dialect
            ``duckdb`` or ``postgres``.
        """
        return self.sql(local_minute_sql(column, tz, dialect=dialect))

    def sql(self, minute: str) -> str:
        """Build the SQL condition of the session on the local minute expression ``minute``.

        Parameters
        ----------
        minute
            A SQL expression of minutes after local midnight.
        """
        op = "AND" if self.start < self.end else "OR"
        return f"({minute} >= {self.start} {op} {minute} < {self.end})"


def parse_sessions(text: str) -> tuple[Session, ...]:
    """Read ``name=HH:MM-HH:MM,...`` (the ``sessions`` setting).

    Parameters
    ----------
    text
        Comma-separated sessions; empty gives none.

    Raises
    ------
    ConfigError
        On a malformed session, a time beyond 23:59, a session of zero length or a name
        given twice.

    Examples
    --------
    >>> parse_sessions("asia=00:00-08:00, late=22:00-02:00")
    (Session(name='asia', start=0, end=480), Session(name='late', start=1320, end=120))
    """
    out: list[Session] = []
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        m = _ONE.fullmatch(part)
        if m is None:
            raise ConfigError(f"sessions: expected name=HH:MM-HH:MM, not {part!r}")
        name, h1, m1, h2, m2 = m.groups()
        start, end = int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)
        if max(int(h1), int(h2)) > 23 or max(int(m1), int(m2)) > 59:
            raise ConfigError(f"sessions: {part!r}: a time of day is 00:00 to 23:59")
        if start == end:
            raise ConfigError(f"sessions: {part!r} has no length")
        if any(s.name == name for s in out):
            raise ConfigError(f"sessions: {name!r} is given twice")
        out.append(Session(name, start, end))
    return tuple(out)


def local_minute_sql(column: str, tz: str, *, dialect: str) -> str:
    """Build SQL for the minutes after local midnight of the TIMESTAMPTZ ``column`` in ``tz``.

    Parameters
    ----------
    column
        A TIMESTAMPTZ column.
    tz
        The IANA timezone (validated; quoted here).
    dialect
        ``duckdb`` or ``postgres``.
    """
    zone = "'" + tz.replace("'", "''") + "'"
    if dialect == "postgres":
        local = f"({column} AT TIME ZONE {zone})"
        hour = f"CAST(extract(hour FROM {local}) AS INTEGER)"
        return f"({hour} * 60 + CAST(extract(minute FROM {local}) AS INTEGER))"
    local = f"timezone({zone}, {column})"
    return f"(hour({local}) * 60 + minute({local}))"
