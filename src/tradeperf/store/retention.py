"""Retention of raw records per kind, from the config file's ``[retention]`` table.

::

    [retention]
    quotes = "7d"            # raw quotes: a week (markouts keep their hourly partials)
    public_trades = "30d"
    marks = "forever"        # the default of every kind

Each kind of `tradeperf.store.sql.PRUNABLE` may have an age (``12h``, ``7d``, ``2w``) or
``"forever"``. ``tradeperf store prune`` without ``--older-than`` applies it, and so does every
``tradeperf ingest`` after its write. Aggregates (daily and markout partials, the books, trades)
are kept for ever: no figure changes when raw rows go (`tradeperf.store.base.Store.prune`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tradeperf.errors import ConfigError

FOREVER = "forever"


def load_retention(config_file: Path | None = None) -> dict[str, dt.timedelta]:
    r"""Read the config file's ``[retention]`` table: kind -> age (kinds kept for ever left out).

    Raises
    ------
    ConfigError
        Naming the file and key of an unknown kind or a value that is not an age or
        ``"forever"``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tradeperf.toml"
    >>> _ = path.write_text('[retention]\nquotes = "7d"\nmarks = "forever"\n')
    >>> load_retention(path)
    {'quotes': datetime.timedelta(days=7)}
    """
    from tradeperf.config import config_table, find_config_file
    from tradeperf.store import parse_age
    from tradeperf.store.sql import PRUNABLE

    path = find_config_file(config_file)
    if path is None or not path.is_file():
        return {}
    table: dict[str, Any] = config_table(path, "retention", frozenset(PRUNABLE), "docs/store.md")
    ages: dict[str, dt.timedelta] = {}
    for kind, value in table.items():
        if str(value).strip().lower() == FOREVER:
            continue
        try:
            ages[kind] = parse_age(str(value).strip())
        except ConfigError:
            raise ConfigError(
                f"{path}: retention.{kind}: {value!r} is not an age like 7d, 12h or 2w, "
                f"nor {FOREVER!r}"
            ) from None
    return ages


def apply_retention(
    store: Any, ages: dict[str, dt.timedelta], *, now: dt.datetime | None = None
) -> dict[str, tuple[int, int]]:
    """Prune each kind of ``ages`` by its age; return kind -> (deleted, older rows kept).

    Kinds of the same age are pruned together (one pass over the books).
    """
    done: dict[str, tuple[int, int]] = {}
    by_age: dict[dt.timedelta, list[str]] = {}
    for kind, age in ages.items():
        by_age.setdefault(age, []).append(kind)
    for age, kinds in sorted(by_age.items()):
        deleted = store.prune(kinds, older_than=age, now=now)
        kept = dict(store.pruned_kept)
        for kind in kinds:
            done[kind] = (deleted.get(kind, 0), kept.get(kind, 0))
    return done
