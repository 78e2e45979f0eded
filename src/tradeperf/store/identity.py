"""Record identity: one natural key, one content; a conflict is never silent.

Records of the kinds in `CONFLICT_KINDS` carry a natural key that does not include where they
were read (`tradeperf.store.base.NATURAL_KEYS`: a trade id, a fill id, a mark's symbol and
time, a rate's day and currencies), so the same record can arrive from two files.

- The same key with the same content (every column but ``source`` and ``source_line``) is
  one record: a rotated log that repeats a trade counts it once.
- The same key with other content is a **conflict**: every version is moved to the kind's
  conflict table (``conflicts_<kind>``, the kind's columns), each is quarantined at its own
  source and line, and none counts in any figure, whichever file came first. A later record
  with a conflicted key joins the conflict.
- When a write or `Store.forget` removes versions (a file read again in full, or taken out),
  a key whose remaining versions all agree is restored: one version goes back into the
  kind's table and its quarantine rows go.

So the figures do not depend on the order in which files are read or named.

This module builds the SQL; `tradeperf.store.sql.SQLStore` runs it in its write transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from tradeperf.records import RecordKind

#: Kinds whose natural key can repeat across sources.
CONFLICT_KINDS: Final = (
    RecordKind.TRADES,
    RecordKind.FILLS,
    RecordKind.MARKS,
    RecordKind.FX_RATES,
    RecordKind.PUBLIC_TRADES,
)
#: Columns that say where a record was read, not what it is.
ORIGIN_COLUMNS: Final = frozenset({"source", "source_line"})
#: Start of the reason of a conflict's quarantine rows (to find them again on restore).
CONFLICT_REASON: Final = "conflicting records"


def conflict_table(kind: RecordKind) -> str:
    """Return the conflict table of ``kind`` (``conflicts_trades``, ...)."""
    return f"conflicts_{kind.value}"


def content_sql(alias: str, columns: Sequence[str], *, dialect: str) -> str:
    """Build an SQL expression of a row's content (every column but the origin).

    It is equal for equal content and different otherwise (nulls and text told apart: JSON
    of the values).
    """
    values = [c for c in columns if c not in ORIGIN_COLUMNS]
    if dialect == "postgres":
        return "md5(json_build_array(" + ", ".join(f'{alias}."{c}"' for c in values) + ")::text)"
    fields = ", ".join(f'"{c}" := {alias}."{c}"' for c in values)
    return f"md5(CAST(to_json(struct_pack({fields})) AS VARCHAR))"


def match_sql(left: str, right: str, keys: Sequence[str]) -> str:
    """``left`` and ``right`` have the same natural key."""
    return " AND ".join(f'{left}."{k}" = {right}."{k}"' for k in keys)


def key_text_sql(alias: str, keys: Sequence[str]) -> str:
    """Build SQL giving the natural key as text for a reason.

    For example ``trade_id 'T1'`` or ``symbol 'X' timestamp '…'``.
    """
    parts = [f"'{k} ''' || CAST({alias}.\"{k}\" AS VARCHAR) || ''''" for k in keys]
    return " || ' ' || ".join(parts)


def quarantine_sql(kind: RecordKind, table: str, keys: Sequence[str], cond: str) -> str:
    """Quarantine the rows of ``table`` (alias ``r``) matching ``cond`` as conflicts."""
    reason = (
        f"'{CONFLICT_REASON} of {kind.value} with ' || {key_text_sql('r', keys)} || "
        "': another place holds the same key with other content; every version is left out "
        "until the others are removed (tradeperf store forget PATH)'"
    )
    return (
        "INSERT INTO quarantine (source, line, field, reason, raw, ingested_at) "
        f"SELECT r.source, r.source_line, '{keys[0]}', {reason}, NULL, ? "
        f"FROM {table} r WHERE {cond}"
    )
