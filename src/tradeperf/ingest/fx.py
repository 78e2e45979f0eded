"""The FX_RATES record kind: exchange rates to a base currency, as a rates file holds them.

Columns: ``date`` (a day, or a time whose UTC date is taken), ``currency`` (the currency
converted), ``base`` (the currency it converts to) and ``rate`` (units of ``base`` per unit of
``currency``, > 0). A file of these columns (CSV, JSONL, Parquet) is recognised by them;
aliases such as ``from``/``to``, ``quote`` and ``fx_rate`` are in `tradeperf.ingest.aliases`.

Example (EUR base: one US dollar was worth 0.88221 euros on 9 November 2018)::

    date,currency,base,rate
    2018-11-09,USD,EUR,0.88221
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from tradeperf.ingest.kinds import KindSpec, RowError
from tradeperf.ingest.rows import (
    LINE_KEY,
    SOURCE_KEY,
    parse_money,
    parse_text,
    parse_timestamp,
    resolve_row,
)
from tradeperf.records import FX_RATE_SCHEMA, RecordKind

_FX_CANON: Final = frozenset(f.name for f in FX_RATE_SCHEMA)


def validate_fx_rate(row: Mapping[str, object]) -> dict[str, object]:
    """Validate one raw rate row into an `FX_RATE_SCHEMA` row.

    Raises
    ------
    RowError
        Naming the field when the date, currency, base or rate is missing or invalid, the
        rate is not positive, or the currency is its own base.

    Examples
    --------
    >>> row = validate_fx_rate({"date": "2018-11-09", "from": "USD", "to": "EUR", "rate": "0.88"})
    >>> row["date"], row["currency"], row["base"], row["rate"]
    (datetime.date(2018, 11, 9), 'USD', 'EUR', Decimal('0.880000000000000000'))
    """
    r = resolve_row(RecordKind.FX_RATES, row, canonical=_FX_CANON)
    when = parse_timestamp(r.get("date"), "date")
    if when is None:
        raise RowError("missing date", field="date")
    names = {}
    for name in ("currency", "base"):
        value = parse_text(r.get(name), name)
        if not value:
            raise RowError(f"missing {name}", field=name)
        names[name] = value
    if names["currency"] == names["base"]:
        raise RowError(f"a rate of {names['currency']} to itself", field="base")
    rate = parse_money(r.get("rate"), "rate")
    if rate is None:
        raise RowError("missing rate", field="rate")
    if rate <= 0:
        raise RowError(f"rate must be positive, got {rate}", field="rate")
    source = r.get(SOURCE_KEY)
    line = r.get(LINE_KEY)
    return {
        "date": when.date(),
        "currency": names["currency"],
        "base": names["base"],
        "rate": rate,
        "source": None if source is None else str(source),
        "source_line": line if isinstance(line, int) else None,
    }


FX_RATES_SPEC: Final = KindSpec(
    kind=RecordKind.FX_RATES,
    schema=FX_RATE_SCHEMA,
    signature=(frozenset({"date", "currency", "base", "rate"}),),
    validate=validate_fx_rate,
    priority=10,
)
