"""The record kinds readers know, listed explicitly, and how a source's columns pick one.

`KINDS` is the one list of kinds (trades, fills, marks, funding, cash flows, FX rates,
quotes, public trades): a new
kind is a `tradeperf.ingest.kinds.KindSpec` added here, with its aliases in
`tradeperf.ingest.aliases`.
The record kind of a source is the kind whose signature its columns (after the column mapping
and the kind's aliases) contain; the highest priority wins, then the largest signature group
matched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from tradeperf.ingest.assemble import mapped_columns
from tradeperf.ingest.fills import CASH_FLOWS_SPEC, FILLS_SPEC, FUNDING_SPEC, MARKS_SPEC
from tradeperf.ingest.fx import FX_RATES_SPEC
from tradeperf.ingest.kinds import KindSpec
from tradeperf.ingest.market import PUBLIC_TRADES_SPEC, QUOTES_SPEC
from tradeperf.ingest.rows import canonical_columns
from tradeperf.ingest.trades import TRADES_SPEC
from tradeperf.records import RecordKind

#: Every record kind a reader can produce, highest detection priority first.
KINDS: Final[tuple[KindSpec, ...]] = tuple(
    sorted(
        (
            TRADES_SPEC,
            FILLS_SPEC,
            MARKS_SPEC,
            FUNDING_SPEC,
            CASH_FLOWS_SPEC,
            FX_RATES_SPEC,
            QUOTES_SPEC,
            PUBLIC_TRADES_SPEC,
        ),
        key=lambda s: -s.priority,
    )
)
_BY_KIND: Final = {spec.kind: spec for spec in KINDS}


def kind_spec(kind: RecordKind) -> KindSpec:
    """Return the spec of ``kind``.

    Parameters
    ----------
    kind
        The record kind.

    Raises
    ------
    KeyError
        If no reader produces ``kind``.
    """
    return _BY_KIND[kind]


def detect_kind(
    columns: Iterable[str], *, mapping: Mapping[str, str] | None = None
) -> KindSpec | None:
    """Return the spec of the record kind whose signature the columns match, or None.

    Parameters
    ----------
    columns
        Source column names (any case).
    mapping
        The column mapping the reader will apply (canonical -> source column).

    Examples
    --------
    >>> detect_kind(["timestamp", "symbol", "side", "quantity", "price"]).kind.value
    'fills'
    >>> detect_kind(["foo", "bar"]) is None
    True
    """
    names = list(columns)
    best: tuple[int, int] | None = None
    chosen: KindSpec | None = None
    for spec in KINDS:
        resolved = canonical_columns(spec.kind, mapped_columns(names, mapping or {}, spec.kind))
        sizes = [len(group) for group in spec.signature if group <= resolved]
        if not sizes:
            continue
        score = (spec.priority, max(sizes))
        if best is None or score > best:
            best, chosen = score, spec
    return chosen


def describe_signatures() -> str:
    """Describe in a short text the column groups each kind needs (for error messages)."""
    parts = []
    for spec in KINDS:
        groups = " or ".join("+".join(sorted(g)) for g in spec.signature[:3])
        parts.append(f"{spec.kind}: {groups}")
    return "; ".join(parts)
