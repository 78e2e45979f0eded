"""Persistence behind one small interface: DuckDB by default, PostgreSQL by URL."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from tradeperf.errors import ConfigError, StoreError

if TYPE_CHECKING:
    from tradeperf.store.base import (
        Grouping,
        SourceEntry,
        SourceWrite,
        Store,
        StoreInfo,
        TradeQuery,
    )

#: Names defined in `tradeperf.store.base`, loaded on first use (PEP 562): masking a URL
#: (`redact_url`, for every error message) needs no Arrow.
_FROM_BASE = frozenset(
    {"Grouping", "SourceEntry", "SourceWrite", "Store", "StoreInfo", "TradeQuery"}
)


def __getattr__(name: str) -> Any:
    if name in _FROM_BASE:
        return getattr(importlib.import_module("tradeperf.store.base"), name)
    raise AttributeError(f"module 'tradeperf.store' has no attribute {name!r}")


__all__ = [
    "Grouping",
    "SourceEntry",
    "SourceWrite",
    "Store",
    "StoreInfo",
    "TradeQuery",
    "open_store",
    "parse_age",
    "parse_kinds",
    "redact_message",
    "redact_url",
]

_AGE = re.compile(r"^\s*(\d+)\s*([dhw])\s*$")
_UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}

#: What stands in for a password wherever a store URL is shown (as SQLAlchemy shows it).
MASK = "***"
# The password of ``scheme://user:password@host``: up to the last ``@`` before a blank or a
# quote, so that an unencoded ``@``, ``/`` or ``?`` in it is masked too, never shown. A
# user name holds no ``/``, so a DuckDB path with ``:`` and ``@`` in it is left as it is.
_USERINFO = re.compile(r"(?P<keep>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:\"']*:)[^\s\"']*(?=@)")
# ``password=`` (and libpq's ``sslpassword=``, a client key's passphrase) in a URL's query
_QUERY = re.compile(r"(?P<keep>[?&](?:ssl)?password=)[^&#\s\"']*", re.IGNORECASE)
# the same keys in a keyword conninfo (``host=db password='s e c'``)
_KEYWORD = re.compile(
    r"(?P<keep>(?:^|(?<=\s))(?:ssl)?password\s*=\s*)(?:'(?:[^'\\]|\\.)*'|\S+)",
    re.IGNORECASE,
)


def redact_url(url: str) -> str:
    """Return ``url`` with every password in it shown as ``***``.

    Masks the password of the user info, a ``password=`` (or ``sslpassword=``) key of the
    query string or of a keyword conninfo. Also masks the URLs inside a longer text.

    Keep a password out of the URL altogether with libpq's own means: ``PGPASSWORD``, a
    password file (``~/.pgpass`` or ``PGPASSFILE``) or a service file (``PGSERVICEFILE``,
    then ``postgresql:///?service=NAME``).

    Examples
    --------
    >>> redact_url("postgresql://bot:s3cret@db.example:5432/perf")
    'postgresql://bot:***@db.example:5432/perf'
    >>> redact_url("postgresql://bot@db/perf?sslmode=require&password=s3cret")
    'postgresql://bot@db/perf?sslmode=require&password=***'
    >>> redact_url("host=db user=bot password='s3 cret' dbname=perf")
    'host=db user=bot password=*** dbname=perf'
    >>> redact_url("duckdb:///var/lib/tradeperf.duckdb")
    'duckdb:///var/lib/tradeperf.duckdb'
    """
    text = _USERINFO.sub(lambda m: m["keep"] + MASK, url)
    text = _QUERY.sub(lambda m: m["keep"] + MASK, text)
    return _KEYWORD.sub(lambda m: m["keep"] + MASK, text)


def _secrets(url: str) -> set[str]:
    """Return the passwords written in ``url``, as written and percent-decoded."""
    found: set[str] = set()
    for m in _USERINFO.finditer(url):
        found.add(m[0][len(m["keep"]) :])
    for pattern in (_QUERY, _KEYWORD):
        for m in pattern.finditer(url):
            value = m[0][len(m["keep"]) :]
            found.update((value, value.strip("'")))
    found |= {unquote(s) for s in found}
    return {s for s in found if s}


def redact_message(message: str, url: str) -> str:
    """Make a driver's error ``message`` about ``url`` fit to show, on one line.

    Every password of ``url`` (the driver may echo a token of the URL it could not parse)
    and every URL in the text is masked (`redact_url`).

    Examples
    --------
    >>> redact_message('invalid percent-encoded token: "s3%zz"', "postgresql://bot:s3%zz@db/p")
    'invalid percent-encoded token: "***"'
    """
    for secret in sorted(_secrets(url), key=len, reverse=True):
        message = message.replace(secret, MASK)
    lines = (" ".join(line.split()) for line in redact_url(message).splitlines())
    return "; ".join(line for line in lines if line)


def parse_age(text: str) -> dt.timedelta:
    """Parse an age such as ``90d``, ``12h`` or ``2w`` as a timedelta.

    Raises
    ------
    ConfigError
        If ``text`` is not a positive whole number followed by h, d or w.

    Examples
    --------
    >>> parse_age("90d")
    datetime.timedelta(days=90)
    """
    m = _AGE.match(text)
    if not m or int(m.group(1)) <= 0:
        raise ConfigError(f"--older-than: {text!r} is not an age like 90d, 12h or 2w")
    return int(m.group(1)) * _UNITS[m.group(2)]


def parse_kinds(text: str) -> tuple[str, ...]:
    """Parse the comma-separated record kinds of ``text`` that `Store.prune` may delete.

    Raises
    ------
    ConfigError
        If ``text`` names no kind or a kind that is not pruned (trades feed the daily
        partials and are kept).

    Examples
    --------
    >>> parse_kinds("marks, quotes")
    ('marks', 'quotes')
    """
    from tradeperf.store.sql import PRUNABLE

    kinds = tuple(dict.fromkeys(k.strip() for k in text.split(",") if k.strip()))
    unknown = [k for k in kinds if k not in PRUNABLE]
    if unknown or not kinds:
        raise ConfigError(
            f"--kinds: cannot prune {', '.join(unknown) or 'nothing'}: choose from "
            f"{', '.join(PRUNABLE)} (trades feed the daily partials and are kept)"
        )
    return kinds


def open_store(url: str) -> Store:
    """Open the store named by ``url``.

    Parameters
    ----------
    url
        ``duckdb:///abs/path.duckdb``, ``duckdb://rel/path.duckdb``, a plain file path
        (DuckDB), or a libpq URL ``postgresql://user@host:port/db`` (with any of libpq's
        parameters, such as ``postgresql:///?service=NAME`` for an entry of the service
        file).

    Raises
    ------
    StoreError
        If the URL's scheme is unknown or the store cannot be opened; its message shows the
        URL with its password masked (`redact_url`).
    """
    # backends are imported on use: a DuckDB user never loads psycopg, and the reverse
    if url.startswith(("postgresql://", "postgres://")):
        from tradeperf.store.postgres_store import PostgresStore

        return PostgresStore(url)
    if "://" in url and not url.startswith("duckdb://"):
        raise StoreError(
            f"unknown store URL scheme in {redact_url(url)!r} (use duckdb:// or postgresql://)"
        )
    from tradeperf.store.duckdb_store import DuckDBStore

    return DuckDBStore(url)
