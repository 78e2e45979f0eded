"""The QUOTES and PUBLIC_TRADES record kinds: validators and column signatures.

Both specs are listed in `tradeperf.ingest.catalog.KINDS` (aliases in
`tradeperf.ingest.aliases`), so the generic JSONL/CSV/Parquet readers read them with the same
validation and quarantine rules as fills.

Canonical columns
-----------------
- quotes: ``timestamp, symbol, bid, ask``; optional ``bid_size, ask_size, venue``. A row may
  carry one side only (the other missing, or 0 as in tick files: a zero price is no quote);
  a row with neither side is rejected naming ``bid``. Prices must be > 0, sizes ≥ 0.
- public trades: ``timestamp, symbol, price, quantity``; optional ``trade_id`` (derived from
  the source and line when missing, as a fill's id is), ``aggressor`` (BUY/SELL, or
  ``buyer_maker``/``is_buyer_maker``: true means the seller was the aggressor), ``venue``.

Detection: quotes need a bid and an ask; public trades an aggressor or buyer-maker column
beside price and quantity, so that a fills file (which has a side) is never taken for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.ingest import columns as col
from tradeperf.ingest.kinds import ColumnBatch, KindSpec, RowError
from tradeperf.ingest.rows import (
    is_missing,
    parse_float,
    parse_text,
    required_time,
    resolve_row,
    row_origin,
)
from tradeperf.ingest.trades import derived_trade_id
from tradeperf.records import PUBLIC_TRADE_SCHEMA, QUOTE_SCHEMA, RecordKind

_QUOTE_CANON: Final = frozenset(f.name for f in QUOTE_SCHEMA)
_TRADE_CANON: Final = frozenset(f.name for f in PUBLIC_TRADE_SCHEMA) | {"buyer_maker"}

_AGGRESSOR: Final = {
    "buy": "BUY",
    "b": "BUY",
    "buyer": "BUY",
    "sell": "SELL",
    "s": "SELL",
    "seller": "SELL",
}
_TRUE: Final = frozenset({"true", "t", "1", "yes", "y"})
_FALSE: Final = frozenset({"false", "f", "0", "no", "n"})


def _symbol(r: Mapping[str, object]) -> str:
    value = parse_text(r.get("symbol"), "symbol")
    if not value:
        raise RowError("missing symbol", field="symbol")
    return value


def _price(r: Mapping[str, object], name: str) -> float | None:
    """Read a quote price: None when missing or 0 (no quote on that side); > 0 otherwise."""
    value = parse_float(r.get(name), name)
    if value is None or value == 0:
        return None
    if value < 0:
        raise RowError(f"{name} must be > 0, got {value!r}", field=name)
    return value


def _size(r: Mapping[str, object], name: str) -> float | None:
    value = parse_float(r.get(name), name)
    if value is not None and value < 0:
        raise RowError(f"{name} must be >= 0, got {value!r}", field=name)
    return value


def validate_quote(row: Mapping[str, object]) -> dict[str, object]:
    """Validate one raw quote row into a `QUOTE_SCHEMA` row.

    Raises
    ------
    RowError
        Naming the field when the timestamp or symbol is missing or invalid, a price is
        negative or not a number, a size is negative, or the row has neither a bid nor an ask.

    Examples
    --------
    >>> row = validate_quote({"timestamp": "2021-01-08T00:00:01Z", "symbol": "BTCUSDT",
    ...                       "bid": "40000.5", "ask": 0})
    >>> row["bid"], row["ask"]
    (40000.5, None)
    """
    r = resolve_row(RecordKind.QUOTES, row, canonical=_QUOTE_CANON)
    source, line = row_origin(r)
    bid, ask = _price(r, "bid"), _price(r, "ask")
    if bid is None and ask is None:
        raise RowError("a quote needs a bid or an ask (> 0)", field="bid")
    return {
        "timestamp": required_time(r),
        "symbol": _symbol(r),
        "bid": bid,
        "ask": ask,
        "bid_size": _size(r, "bid_size"),
        "ask_size": _size(r, "ask_size"),
        "venue": parse_text(r.get("venue"), "venue"),
        "source": source,
        "source_line": line,
    }


def _aggressor(r: Mapping[str, object]) -> str | None:
    raw = r.get("aggressor")
    if not is_missing(raw):
        text = str(raw).strip().lower()
        if text not in _AGGRESSOR:
            raise RowError(f"unknown aggressor {raw!r} (expected BUY or SELL)", field="aggressor")
        return _AGGRESSOR[text]
    maker = r.get("buyer_maker")
    if is_missing(maker):
        return None
    text = str(maker).strip().lower()
    if text in _TRUE:
        return "SELL"  # the buyer rested: the seller took liquidity
    if text in _FALSE:
        return "BUY"
    raise RowError(f"buyer_maker must be true or false, got {maker!r}", field="buyer_maker")


def validate_public_trade(row: Mapping[str, object]) -> dict[str, object]:
    """Validate one raw public trade into a `PUBLIC_TRADE_SCHEMA` row.

    Raises
    ------
    RowError
        Naming the field when the timestamp, symbol, price or quantity is missing or invalid
        (price and quantity must be > 0) or the aggressor is not a side.

    Examples
    --------
    >>> row = validate_public_trade({"timestamp": "2021-01-08T00:00:01Z", "symbol": "BTCUSDT",
    ...     "trade_id": 7, "price": "40000", "quantity": "0.5", "buyer_maker": "True"})
    >>> row["trade_id"], row["aggressor"]
    ('7', 'SELL')
    """
    r = resolve_row(RecordKind.PUBLIC_TRADES, row, canonical=_TRADE_CANON)
    source, line = row_origin(r)
    values: dict[str, float] = {}
    for name in ("price", "quantity"):
        value = parse_float(r.get(name), name)
        if value is None:
            raise RowError(f"missing {name}", field=name)
        if value <= 0:
            raise RowError(f"{name} must be > 0, got {value!r}", field=name)
        values[name] = value
    trade_id = parse_text(r.get("trade_id"), "trade_id") or derived_trade_id(source, line)
    return {
        "trade_id": trade_id,
        "timestamp": required_time(r),
        "symbol": _symbol(r),
        "price": values["price"],
        "quantity": values["quantity"],
        "aggressor": _aggressor(r),
        "venue": parse_text(r.get("venue"), "venue"),
        "source": source,
        "source_line": line,
    }


def _positive_or_none(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Prices: 0 and missing are no quote (null); negative ones are left to the row path."""
    zero = pc.equal(values, 0.0)
    kept = pc.if_else(pc.fill_null(zero, False), pa.scalar(None, pa.float64()), values)
    return kept, col.to_mask(pc.less(values, 0.0))


def fast_validate_quote(batch: ColumnBatch) -> tuple[pa.Table, np.ndarray]:
    """Vectorised `validate_quote` (see `tradeperf.ingest.columns` for the contract)."""
    n = batch.num_rows
    c = col.resolve_columns(batch, RecordKind.QUOTES, _QUOTE_CANON)
    ts, unsure = col.timestamp_values(c.get("timestamp"), n)
    symbol, u = col.text_values(c.get("symbol"), n)
    unsure |= u | col.to_mask(pc.is_null(ts)) | col.to_mask(pc.is_null(symbol))
    prices = {}
    for name in ("bid", "ask"):
        raw, u = col.float_values(c.get(name), n)
        prices[name], negative = _positive_or_none(raw)
        unsure |= u | negative
    unsure |= col.to_mask(pc.and_(pc.is_null(prices["bid"]), pc.is_null(prices["ask"])))
    sizes = {}
    for name in ("bid_size", "ask_size"):
        sizes[name], u = col.float_values(c.get(name), n)
        unsure |= u | col.to_mask(pc.less(sizes[name], 0.0))
    venue, u = col.text_values(c.get("venue"), n)
    unsure |= u
    ok = ~unsure
    keep = pa.array(ok)
    table = pa.table(
        {
            "timestamp": ts.filter(keep),
            "symbol": symbol.filter(keep),
            "bid": prices["bid"].filter(keep),
            "ask": prices["ask"].filter(keep),
            "bid_size": sizes["bid_size"].filter(keep),
            "ask_size": sizes["ask_size"].filter(keep),
            "venue": venue.filter(keep),
            **col.origin_columns(batch, ok),
        },
        schema=QUOTE_SCHEMA,
    )
    return table, ok


QUOTES_SPEC: Final = KindSpec(
    kind=RecordKind.QUOTES,
    schema=QUOTE_SCHEMA,
    signature=(frozenset({"timestamp", "symbol", "bid", "ask"}),),
    validate=validate_quote,
    priority=15,
    fast_validate=fast_validate_quote,
)
PUBLIC_TRADES_SPEC: Final = KindSpec(
    kind=RecordKind.PUBLIC_TRADES,
    schema=PUBLIC_TRADE_SCHEMA,
    signature=(
        frozenset({"timestamp", "symbol", "price", "quantity", "aggressor"}),
        frozenset({"timestamp", "symbol", "price", "quantity", "buyer_maker"}),
        # without a symbol column (a venue's export of one market): read, so that each row
        # is quarantined naming the missing field rather than the file refused
        frozenset({"timestamp", "price", "quantity", "buyer_maker"}),
        frozenset({"timestamp", "price", "quantity", "aggressor"}),
    ),
    validate=validate_public_trade,
    priority=18,
)
