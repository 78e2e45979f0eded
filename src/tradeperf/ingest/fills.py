"""The FILLS, MARKS, FUNDING and CASH_FLOWS record kinds: validators and column signatures.

The four specs are listed in `tradeperf.ingest.catalog.KINDS` (aliases in
`tradeperf.ingest.aliases`), so the generic JSONL/CSV/Parquet readers read them with the same
validation and quarantine rules as trades.

Canonical columns
-----------------
- fills: ``fill_id, timestamp, symbol, side, quantity, price, fee``; optional ``account,
  venue, strategy, fee_currency, liquidity, order_id, multiplier, currency, tags,
  reference_price``. A missing ``fill_id`` is derived from the source and line (``row-`` +
  SHA-256). ``side`` is BUY/SELL (also b/s, buy/sell, long/short in any case); quantity must
  be > 0 (a zero-size fill is rejected naming ``quantity``); a negative quantity with no side
  is read as a SELL. ``reference_price`` (aliases ``decision_price``, ``intended_price``,
  ``arrival_price``, ``expected_price``) is the price the bot intended, > 0 when given.
- marks: ``timestamp, symbol, price``.
- funding: ``timestamp, symbol, amount`` (optional ``account, currency``).
- cash flows: ``timestamp, amount`` (+ deposit, − withdrawal; optional ``account, currency``,
  or a ``type`` column DEPOSIT/WITHDRAWAL giving the sign of an unsigned amount).

Detection: fills need a side and a quantity and a price with a timestamp; marks are
``timestamp, symbol, price`` with a lower priority, so that a fills file is never taken for
marks.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.ingest import columns as col
from tradeperf.ingest.kinds import ColumnBatch, KindSpec, RowError
from tradeperf.ingest.rows import (
    is_missing,
    parse_money,
    parse_text,
    parse_text_list,
    required_time,
    resolve_row,
    row_origin,
)
from tradeperf.ingest.trades import derived_trade_id
from tradeperf.records import (
    CASH_FLOW_SCHEMA,
    FILL_SCHEMA,
    FUNDING_SCHEMA,
    MARK_SCHEMA,
    RecordKind,
)

_FILL_CANON: Final = frozenset(f.name for f in FILL_SCHEMA)
_MARK_CANON: Final = frozenset(f.name for f in MARK_SCHEMA)
_FUNDING_CANON: Final = frozenset(f.name for f in FUNDING_SCHEMA) | {"funding_rate"}
_CASH_CANON: Final = frozenset(f.name for f in CASH_FLOW_SCHEMA) | {"type"}

_SIDES: Final = {
    "buy": "BUY",
    "b": "BUY",
    "bot": "BUY",
    "long": "BUY",
    "bid": "BUY",
    "1": "BUY",
    "sell": "SELL",
    "s": "SELL",
    "sld": "SELL",
    "short": "SELL",
    "ask": "SELL",
    "-1": "SELL",
}
_LIQUIDITY: Final = {
    "maker": "MAKER",
    "m": "MAKER",
    "add": "MAKER",
    "taker": "TAKER",
    "t": "TAKER",
    "remove": "TAKER",
}


def _required_text(r: Mapping[str, object], name: str) -> str:
    value = parse_text(r.get(name), name)
    if not value:
        raise RowError(f"missing {name}", field=name)
    return value


def _required_money(r: Mapping[str, object], name: str) -> Decimal:
    value = parse_money(r.get(name), name)
    if value is None:
        raise RowError(f"missing {name}", field=name)
    return value


def validate_fill(row: Mapping[str, object]) -> dict[str, object]:
    """Validate one raw fill row into a `FILL_SCHEMA` row.

    Parameters
    ----------
    row
        Raw column name -> value (canonical names or aliases), with optional reserved
        keys `SOURCE_KEY` / `LINE_KEY`.

    Returns
    -------
    dict of every `FILL_SCHEMA` column (money as Decimal, timestamp as UTC datetime).

    Raises
    ------
    RowError
        Naming the field: missing/invalid timestamp, symbol, side, price; a quantity that is
        zero or negative (with an explicit side); a multiplier or reference price ≤ 0; an
        unknown liquidity.

    Examples
    --------
    >>> r = validate_fill({"fill_id": "7", "timestamp": "2024-01-02T00:00:00Z",
    ...                    "symbol": "ES", "side": "b", "qty": "2", "price": "4800.25"})
    >>> r["side"], str(r["quantity"]), str(r["fee"])
    ('BUY', '2.000000000000000000', '0')
    """
    r = resolve_row(RecordKind.FILLS, row, canonical=_FILL_CANON)
    source, line = row_origin(r)
    ts = required_time(r)
    symbol = _required_text(r, "symbol")
    qty = _required_money(r, "quantity")
    side_raw = r.get("side")
    if is_missing(side_raw):
        if qty == 0:
            raise RowError("zero-size fill", field="quantity")
        side = "BUY" if qty > 0 else "SELL"
        qty = abs(qty)
    else:
        text = str(side_raw).strip().lower()
        if text not in _SIDES:
            raise RowError(f"unknown side {side_raw!r} (expected BUY or SELL)", field="side")
        side = _SIDES[text]
        if qty == 0:
            raise RowError("zero-size fill", field="quantity")
        if qty < 0:
            raise RowError(
                f"quantity must be > 0 when a side is given, got {qty}", field="quantity"
            )
    price = _required_money(r, "price")
    fee = parse_money(r.get("fee"), "fee")
    mult = parse_money(r.get("multiplier"), "multiplier")
    if mult is not None and mult <= 0:
        raise RowError(f"multiplier must be > 0, got {mult}", field="multiplier")
    reference = parse_money(r.get("reference_price"), "reference_price")
    if reference is not None and reference <= 0:
        raise RowError(f"reference_price must be > 0, got {reference}", field="reference_price")
    liq_raw = r.get("liquidity")
    liquidity = None
    if not is_missing(liq_raw):
        key = str(liq_raw).strip().lower()
        if key not in _LIQUIDITY:
            raise RowError(f"unknown liquidity {liq_raw!r} (MAKER/TAKER)", field="liquidity")
        liquidity = _LIQUIDITY[key]
    fill_id = parse_text(r.get("fill_id"), "fill_id") or derived_trade_id(source, line)
    return {
        "fill_id": fill_id,
        "timestamp": ts,
        "account": parse_text(r.get("account"), "account") or "default",
        "venue": parse_text(r.get("venue"), "venue"),
        "strategy": parse_text(r.get("strategy"), "strategy") or "default",
        "symbol": symbol,
        "side": side,
        "quantity": qty,
        "price": price,
        "fee": Decimal(0) if fee is None else fee,
        "fee_currency": parse_text(r.get("fee_currency"), "fee_currency"),
        "liquidity": liquidity,
        "order_id": parse_text(r.get("order_id"), "order_id"),
        "multiplier": Decimal(1) if mult is None else mult,
        "currency": parse_text(r.get("currency"), "currency"),
        "tags": parse_text_list(r.get("tags"), "tags"),
        "source": source,
        "source_line": line,
        "reference_price": reference,
    }


def validate_mark(row: Mapping[str, object]) -> dict[str, object]:
    """Validate one raw mark row into a `MARK_SCHEMA` row.

    Raises
    ------
    RowError
        Naming the field when the timestamp, symbol or price is missing or invalid.
    """
    r = resolve_row(RecordKind.MARKS, row, canonical=_MARK_CANON)
    source, line = row_origin(r)
    return {
        "timestamp": required_time(r),
        "symbol": _required_text(r, "symbol"),
        "price": _required_money(r, "price"),
        "source": source,
        "source_line": line,
    }


def validate_funding(row: Mapping[str, object]) -> dict[str, object]:
    """Validate one raw funding row into a `FUNDING_SCHEMA` row (amount + received).

    Raises
    ------
    RowError
        Naming the field when the timestamp, symbol or amount is missing or invalid.
    """
    r = resolve_row(RecordKind.FUNDING, row, canonical=_FUNDING_CANON)
    source, line = row_origin(r)
    return {
        "timestamp": required_time(r),
        "account": parse_text(r.get("account"), "account") or "default",
        "symbol": _required_text(r, "symbol"),
        "amount": _required_money(r, "amount"),
        "currency": parse_text(r.get("currency"), "currency"),
        "source": source,
        "source_line": line,
    }


def validate_cash_flow(row: Mapping[str, object]) -> dict[str, object]:
    """Validate one raw cash-flow row into a `CASH_FLOW_SCHEMA` row.

    A ``type`` of DEPOSIT/WITHDRAWAL (DEP/WITH) sets the sign of an unsigned amount.

    Raises
    ------
    RowError
        Naming the field when the timestamp or amount is missing or invalid, or the type is
        unknown.
    """
    r = resolve_row(RecordKind.CASH_FLOWS, row, canonical=_CASH_CANON)
    source, line = row_origin(r)
    amount = _required_money(r, "amount")
    kind = parse_text(r.get("type"), "type")
    if kind is not None:
        k = kind.lower()
        if k in ("deposit", "dep", "in"):
            amount = abs(amount)
        elif k in ("withdrawal", "with", "withdraw", "out"):
            amount = -abs(amount)
        else:
            raise RowError(f"unknown cash flow type {kind!r}", field="type")
    return {
        "timestamp": required_time(r),
        "account": parse_text(r.get("account"), "account") or "default",
        "amount": amount,
        "currency": parse_text(r.get("currency"), "currency"),
        "source": source,
        "source_line": line,
    }


def fast_validate_fill(batch: ColumnBatch) -> tuple[pa.Table, np.ndarray]:
    """Vectorised `validate_fill` (see `tradeperf.ingest.columns` for the contract).

    Sure rows: ISO-8601 or typed timestamps, plain decimals, a known side (or none, then the
    sign of the quantity), a known liquidity, no tags. Everything else is left to
    `validate_fill`.
    """
    n = batch.num_rows
    c = col.resolve_columns(batch, RecordKind.FILLS, _FILL_CANON)
    ts, unsure = col.timestamp_values(c.get("timestamp"), n)
    symbol, u = col.text_values(c.get("symbol"), n)
    unsure |= u
    qty, u = col.money_values(c.get("quantity"), n)
    unsure |= u
    side_text, u = col.text_values(c.get("side"), n)
    unsure |= u
    side, u = col.lookup(side_text, _SIDES)
    unsure |= u
    price, u = col.money_values(c.get("price"), n)
    unsure |= u
    fee, u = col.money_values(c.get("fee"), n)
    unsure |= u
    mult, u = col.money_values(c.get("multiplier"), n)
    unsure |= u
    reference, u = col.money_values(c.get("reference_price"), n)
    unsure |= u
    liq_text, u = col.text_values(c.get("liquidity"), n)
    unsure |= u
    liquidity, u = col.lookup(liq_text, _LIQUIDITY)
    unsure |= u
    tags_unsure = col.list_present(c.get("tags"), n)
    texts = {}
    for name in ("fill_id", "account", "venue", "strategy", "fee_currency", "order_id", "currency"):
        texts[name], u = col.text_values(c.get(name), n)
        unsure |= u
    positive, negative = col.is_positive(qty), col.is_negative(qty)
    no_side = col.to_mask(pc.is_null(side))
    unsure |= tags_unsure
    unsure |= col.to_mask(pc.is_null(ts)) | col.to_mask(pc.is_null(symbol))
    unsure |= col.to_mask(pc.is_null(price)) | ~(positive | (no_side & negative))
    unsure |= col.to_mask(pc.is_valid(mult)) & ~col.is_positive(mult)
    unsure |= col.to_mask(pc.is_valid(reference)) & ~col.is_positive(reference)
    ok = ~unsure
    keep = pa.array(ok)
    qty = pc.if_else(pa.array(negative), pc.negate(qty), qty)
    side = pc.if_else(pa.array(no_side), pc.if_else(pa.array(negative), "SELL", "BUY"), side)
    m = int(ok.sum())
    table = pa.table(
        {
            "fill_id": col.fill_ids(texts["fill_id"], batch, ok, derived_trade_id),
            "timestamp": ts.filter(keep),
            "account": texts["account"].filter(keep).fill_null("default"),
            "venue": texts["venue"].filter(keep),
            "strategy": texts["strategy"].filter(keep).fill_null("default"),
            "symbol": symbol.filter(keep),
            "side": side.filter(keep),
            "quantity": qty.filter(keep),
            "price": price.filter(keep),
            "fee": fee.filter(keep).fill_null(col.money_constant(0, 1)[0]),
            "fee_currency": texts["fee_currency"].filter(keep),
            "liquidity": liquidity.filter(keep),
            "order_id": texts["order_id"].filter(keep),
            "multiplier": mult.filter(keep).fill_null(col.money_constant(1, 1)[0]),
            "currency": texts["currency"].filter(keep),
            "tags": pa.array([[]] * m, pa.list_(pa.string())),
            **col.origin_columns(batch, ok),
            "reference_price": reference.filter(keep),
        },
        schema=FILL_SCHEMA,
    )
    return table, ok


def fast_validate_mark(batch: ColumnBatch) -> tuple[pa.Table, np.ndarray]:
    """Vectorised `validate_mark` (see `tradeperf.ingest.columns` for the contract)."""
    n = batch.num_rows
    c = col.resolve_columns(batch, RecordKind.MARKS, _MARK_CANON)
    ts, unsure = col.timestamp_values(c.get("timestamp"), n)
    symbol, u = col.text_values(c.get("symbol"), n)
    unsure |= u
    price, u = col.money_values(c.get("price"), n)
    unsure |= u
    unsure |= col.to_mask(pc.is_null(ts)) | col.to_mask(pc.is_null(symbol))
    unsure |= col.to_mask(pc.is_null(price))
    ok = ~unsure
    keep = pa.array(ok)
    table = pa.table(
        {
            "timestamp": ts.filter(keep),
            "symbol": symbol.filter(keep),
            "price": price.filter(keep),
            **col.origin_columns(batch, ok),
        },
        schema=MARK_SCHEMA,
    )
    return table, ok


FILLS_SPEC: Final = KindSpec(
    kind=RecordKind.FILLS,
    schema=FILL_SCHEMA,
    signature=(
        frozenset({"fill_id", "side", "quantity", "price", "timestamp"}),
        frozenset({"symbol", "side", "quantity", "price", "timestamp"}),
    ),
    validate=validate_fill,
    priority=20,
    fast_validate=fast_validate_fill,
)
MARKS_SPEC: Final = KindSpec(
    kind=RecordKind.MARKS,
    schema=MARK_SCHEMA,
    signature=(frozenset({"timestamp", "symbol", "price"}),),
    validate=validate_mark,
    priority=-10,
    fast_validate=fast_validate_mark,
)
FUNDING_SPEC: Final = KindSpec(
    kind=RecordKind.FUNDING,
    schema=FUNDING_SCHEMA,
    signature=(
        frozenset({"timestamp", "symbol", "funding_rate", "amount"}),
        frozenset({"timestamp", "symbol", "amount"}),
    ),
    validate=validate_funding,
    priority=5,
)
CASH_FLOWS_SPEC: Final = KindSpec(
    kind=RecordKind.CASH_FLOWS,
    schema=CASH_FLOW_SCHEMA,
    signature=(frozenset({"timestamp", "amount", "type"}),),
    validate=validate_cash_flow,
    priority=0,
)
