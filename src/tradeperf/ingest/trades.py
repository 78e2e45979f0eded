"""The TRADES record kind: round-trip trades as bots log them, validated into `TRADE_SCHEMA` rows.

`TRADES_SPEC` is listed in `tradeperf.ingest.catalog.KINDS`; its aliases are in
`tradeperf.ingest.aliases.TRADE_ALIASES`.

Layouts read
------------
- The canonical layout: the column names of `TRADE_SCHEMA` (``sentiment`` and ``metadata``
  are accepted for ``sentiment_json`` and ``metadata_json``).
- The layout news-driven bots write: ``trade_id, signal_id, asset, entry_time, exit_time,
  entry_price, exit_price, position_size, pnl, pnl_percentage, status, news_events,
  sentiment_scores, fees, metadata``. ``asset`` is the symbol, ``position_size`` the quantity,
  ``pnl`` the NET P&L in the account currency, ``pnl_percentage`` a percent (``2.5`` means a
  return of 0.025). Such logs have no side column: the side is taken from ``metadata``
  (key ``side``, ``direction`` or ``position_side``) and is LONG when absent there too.
- Common aliases, matched case-insensitively (see `TRADE_ALIASES`): ``pair``/``ticker``/
  ``instrument`` for the symbol, ``qty``/``size``/``amount`` for the quantity, ``profit``/
  ``net_profit``/``realized_pnl`` for net P&L, ``fee``/``commission`` for fees,
  ``open_time``/``close_time`` and ``entry_ts``/``exit_ts`` for times, ``strategy_name``,
  ``direction`` for the side, ``account_id``/``portfolio`` for the account and
  ``exchange``/``broker`` for the venue.

Rules
-----
- Money (prices, quantity, fees, P&L) is read exactly from JSON numbers or decimal strings.
- Times: see `tradeperf.ingest.rows.parse_timestamp` (ISO-8601 with ``Z``/offset, naive = UTC,
  epoch seconds/ms/µs/ns told apart by magnitude).
- ``status`` defaults to CLOSED when the row has exit data (an exit time or exit price), OPEN
  otherwise. A CLOSED row needs an exit time and its P&L: ``net_pnl``, or ``gross_pnl``, or
  entry and exit price with quantity (and side). The missing one of gross/net is derived with
  ``net = gross - fees`` and ``gross = sign * (exit_price - entry_price) * quantity`` (sign +1
  long, -1 short). When both are given they must agree with the fees exactly.
- ``fees`` default to 0; negative fees (rebates) are allowed. A negative quantity or price, or
  an exit before the entry, rejects the row naming the field.
- A row without ``trade_id`` gets a deterministic one, ``row-`` and the first 20 hex digits of
  SHA-256 of ``"<source>:<line>"``, so that re-reading the same file yields the same ids.
- OPEN, CANCELLED and FAILED rows are kept (counted and shown; only CLOSED rows count in
  performance).
- Columns the layout does not know are ignored.
"""

from __future__ import annotations

import decimal
import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.ingest import columns as col
from tradeperf.ingest.kinds import ColumnBatch, KindSpec, RowError
from tradeperf.ingest.rows import (
    LINE_KEY,
    SOURCE_KEY,
    is_missing,
    parse_float,
    parse_json_field,
    parse_money,
    parse_text,
    parse_text_list,
    parse_timestamp,
    resolve_row,
)
from tradeperf.records import TRADE_SCHEMA, ZERO, PositionSide, RecordKind, TradeStatus, to_decimal

_CANONICAL: Final = frozenset(f.name for f in TRADE_SCHEMA) | {"return_percent", "is_short"}

#: Column groups that mark a source as holding trades (after alias resolution).
TRADE_SIGNATURE: Final = (
    frozenset({"symbol", "net_pnl"}),
    frozenset({"symbol", "gross_pnl"}),
    frozenset({"symbol", "entry_price", "exit_price"}),
    frozenset({"symbol", "entry_time", "exit_time"}),
    frozenset({"trade_id", "symbol", "status"}),
)

#: Enough digits for sums and products of stored amounts (38 digits, 18 fractional) to be exact.
_EXACT: Final = decimal.Context(prec=80)

_SIDES: Final = {
    "long": PositionSide.LONG,
    "buy": PositionSide.LONG,
    "b": PositionSide.LONG,
    "l": PositionSide.LONG,
    "bull": PositionSide.LONG,
    "1": PositionSide.LONG,
    "short": PositionSide.SHORT,
    "sell": PositionSide.SHORT,
    "s": PositionSide.SHORT,
    "bear": PositionSide.SHORT,
    "-1": PositionSide.SHORT,
}

_STATUSES: Final = {
    "open": TradeStatus.OPEN,
    "opened": TradeStatus.OPEN,
    "active": TradeStatus.OPEN,
    "closed": TradeStatus.CLOSED,
    "close": TradeStatus.CLOSED,
    "cancelled": TradeStatus.CANCELLED,
    "canceled": TradeStatus.CANCELLED,
    "cancel": TradeStatus.CANCELLED,
    "failed": TradeStatus.FAILED,
    "fail": TradeStatus.FAILED,
    "error": TradeStatus.FAILED,
    "rejected": TradeStatus.FAILED,
}


def derived_trade_id(source: object, line: object) -> str:
    """Derive the deterministic id of a row that has none.

    The id is ``row-`` and the first 20 hex digits of the SHA-256 of ``source:line``.

    Parameters
    ----------
    source
        The file the row came from (as the reader names it).
    line
        Its 1-based line or row number.

    Examples
    --------
    >>> derived_trade_id("/logs/a.jsonl", 3) == derived_trade_id("/logs/a.jsonl", 3)
    True
    """
    digest = hashlib.sha256(f"{source}:{line}".encode()).hexdigest()
    return f"row-{digest[:20]}"


def _parse_side(value: object, metadata: object) -> PositionSide:
    if is_missing(value) and isinstance(metadata, dict):
        for key in ("side", "direction", "position_side"):
            if not is_missing(metadata.get(key)):
                value = metadata[key]
                break
    if is_missing(value):
        return PositionSide.LONG
    text = str(value).strip().lower()
    if text not in _SIDES:
        raise RowError(f"unknown side {value!r} (expected long/short or buy/sell)", field="side")
    return _SIDES[text]


def _parse_status(value: object, *, has_exit: bool) -> TradeStatus:
    if is_missing(value):
        return TradeStatus.CLOSED if has_exit else TradeStatus.OPEN
    text = str(value).strip().lower()
    if text not in _STATUSES:
        raise RowError(
            f"unknown status {value!r} (expected OPEN, CLOSED, CANCELLED or FAILED)",
            field="status",
        )
    return _STATUSES[text]


def _non_negative(value: Decimal | None, field: str) -> Decimal | None:
    if value is not None and value < 0:
        raise RowError(f"must not be negative: {value}", field=field)
    return value


def _derived(value: Decimal, field: str) -> Decimal:
    """Make a derived amount money; raise a `RowError` (not a crash) when it is out of range."""
    try:
        return to_decimal(value)
    except ValueError:
        raise RowError(f"derived {field} out of range: {value}", field=field) from None


def validate_trade(row: Mapping[str, object]) -> dict[str, object]:
    """Validate one raw trade row into a `TRADE_SCHEMA` row.

    Parameters
    ----------
    row
        Raw column name -> value, in any layout the module docstring lists; may carry the
        reserved keys `SOURCE_KEY` and `LINE_KEY` (used for ``source``, ``source_line`` and a
        derived ``trade_id``).

    Returns
    -------
    dict with every `TRADE_SCHEMA` column: money as Decimal, times as UTC datetimes, lists as
    lists of str, ``side``/``status`` as their enum values.

    Raises
    ------
    RowError
        Naming the field, when a value is invalid or a CLOSED trade lacks its exit time or P&L.

    Examples
    --------
    >>> r = validate_trade({"asset": "BTC-USD", "exit_time": "2024-01-02T00:00:00Z",
    ...                     "pnl": "0.1", "fees": 0.2})
    >>> r["status"], r["side"], str(r["net_pnl"]), str(r["gross_pnl"])
    ('CLOSED', 'long', '0.100000000000000000', '0.300000000000000000')
    """
    r = resolve_row(RecordKind.TRADES, row, canonical=_CANONICAL)
    source = r.get(SOURCE_KEY)
    line = r.get(LINE_KEY)

    metadata_json, metadata = parse_json_field(r.get("metadata_json"), "metadata_json")
    sentiment_json, _ = parse_json_field(r.get("sentiment_json"), "sentiment_json")

    symbol = parse_text(r.get("symbol"), "symbol")
    if not symbol:
        raise RowError("missing symbol", field="symbol")
    trade_id = parse_text(r.get("trade_id"), "trade_id") or derived_trade_id(source, line)
    strategy = parse_text(r.get("strategy"), "strategy")
    if strategy is None and isinstance(metadata, dict):
        strategy = parse_text(metadata.get("strategy"), "strategy")

    is_short = r.get("is_short")
    side_value = r.get("side")
    if is_missing(side_value) and isinstance(is_short, bool):
        side_value = "short" if is_short else "long"
    side = _parse_side(side_value, metadata)

    entry_time = parse_timestamp(r.get("entry_time"), "entry_time")
    exit_time = parse_timestamp(r.get("exit_time"), "exit_time")
    if entry_time is not None and exit_time is not None and exit_time < entry_time:
        raise RowError(
            f"exit_time {exit_time} is before entry_time {entry_time}", field="exit_time"
        )

    quantity = _non_negative(parse_money(r.get("quantity"), "quantity"), "quantity")
    entry_price = _non_negative(parse_money(r.get("entry_price"), "entry_price"), "entry_price")
    exit_price = _non_negative(parse_money(r.get("exit_price"), "exit_price"), "exit_price")
    fees = parse_money(r.get("fees"), "fees")
    fees = ZERO if fees is None else fees
    gross = parse_money(r.get("gross_pnl"), "gross_pnl")
    net = parse_money(r.get("net_pnl"), "net_pnl")

    status = _parse_status(
        r.get("status"), has_exit=exit_time is not None or exit_price is not None
    )

    with decimal.localcontext(_EXACT):
        if (
            gross is None
            and net is None
            and entry_price is not None
            and exit_price is not None
            and quantity is not None
        ):
            sign = 1 if side is PositionSide.LONG else -1
            gross = _derived(sign * (exit_price - entry_price) * quantity, "gross_pnl")
        if net is None and gross is not None:
            net = _derived(gross - fees, "net_pnl")
        elif gross is None and net is not None:
            gross = _derived(net + fees, "gross_pnl")
        elif gross is not None and net is not None and gross - fees != net:
            raise RowError(
                f"net_pnl {net} differs from gross_pnl {gross} minus fees {fees}",
                field="net_pnl",
            )

    if status is TradeStatus.CLOSED:
        if exit_time is None:
            raise RowError("a CLOSED trade needs its exit time", field="exit_time")
        if net is None:
            raise RowError(
                "a CLOSED trade needs net_pnl, gross_pnl, or entry/exit price and quantity",
                field="net_pnl",
            )

    return_pct = parse_float(r.get("return_pct"), "return_pct")
    if return_pct is None:
        percent = parse_float(r.get("return_percent"), "return_percent")
        return_pct = None if percent is None else percent / 100.0

    return {
        "trade_id": trade_id,
        "strategy": strategy or "default",
        "symbol": symbol,
        "side": side.value,
        "status": status.value,
        "entry_time": entry_time,
        "exit_time": exit_time,
        "quantity": quantity,
        "entry_price": entry_price,
        "exit_price": exit_price,
        "fees": fees,
        "gross_pnl": gross,
        "net_pnl": net,
        "return_pct": return_pct,
        "risk_reward": parse_float(r.get("risk_reward"), "risk_reward"),
        "signal_id": parse_text(r.get("signal_id"), "signal_id"),
        "exit_reason": parse_text(r.get("exit_reason"), "exit_reason"),
        "currency": parse_text(r.get("currency"), "currency"),
        "tags": parse_text_list(r.get("tags"), "tags"),
        "news_event_ids": parse_text_list(r.get("news_event_ids"), "news_event_ids"),
        "sentiment_json": sentiment_json,
        "metadata_json": metadata_json,
        "source": None if source is None else str(source),
        "source_line": line if isinstance(line, int) else None,
        "account": parse_text(r.get("account"), "account"),
        "venue": parse_text(r.get("venue"), "venue"),
    }


_SIDE_VALUES: Final = {k: v.value for k, v in _SIDES.items()}
_STATUS_VALUES: Final = {k: v.value for k, v in _STATUSES.items()}


def fast_validate_trade(batch: ColumnBatch) -> tuple[pa.Table, np.ndarray]:
    """Vectorised `validate_trade` (see `tradeperf.ingest.columns` for the contract).

    Sure rows: no metadata, sentiment, tags or news ids (JSON and lists go by row), no
    boolean ``is_short``, ISO-8601 or typed times, plain decimals, a known side and status,
    and a P&L that is given (gross and/or net) rather than derived from prices.
    """
    n = batch.num_rows
    c = col.resolve_columns(batch, RecordKind.TRADES, _CANONICAL)
    unsure = col.none_mask(n)
    for name in ("metadata_json", "sentiment_json", "tags", "news_event_ids"):
        unsure |= col.list_present(c.get(name), n)
    is_short = c.get("is_short")
    if is_short is not None and pa.types.is_boolean(is_short.type):
        unsure |= col.to_mask(pc.is_valid(is_short))
    texts = {}
    for name in ("symbol", "trade_id", "strategy", "side", "status", "signal_id"):
        texts[name], u = col.text_values(c.get(name), n)
        unsure |= u
    for name in ("exit_reason", "currency", "account", "venue"):
        texts[name], u = col.text_values(c.get(name), n)
        unsure |= u
    unsure |= col.to_mask(pc.is_null(texts["symbol"]))
    side, u = col.lookup(texts["side"], _SIDE_VALUES)
    unsure |= u
    side = side.fill_null(PositionSide.LONG.value)
    entry_time, u = col.timestamp_values(c.get("entry_time"), n)
    unsure |= u
    exit_time, u = col.timestamp_values(c.get("exit_time"), n)
    unsure |= u
    unsure |= col.to_mask(pc.less(exit_time, entry_time))
    money = {}
    for name in ("quantity", "entry_price", "exit_price", "fees", "gross_pnl", "net_pnl"):
        money[name], u = col.money_values(c.get(name), n)
        unsure |= u
    for name in ("quantity", "entry_price", "exit_price"):
        unsure |= col.is_negative(money[name])
    fees = money["fees"].fill_null(col.money_constant(0, 1)[0])
    gross, net = money["gross_pnl"], money["net_pnl"]
    has_gross, has_net = col.to_mask(pc.is_valid(gross)), col.to_mask(pc.is_valid(net))
    priced = col.to_mask(
        pc.and_(
            pc.and_(pc.is_valid(money["entry_price"]), pc.is_valid(money["exit_price"])),
            pc.is_valid(money["quantity"]),
        )
    )
    unsure |= ~has_gross & ~has_net & priced  # gross from prices: by row
    derived_net, u = col.money_sum(gross, fees, subtract=True)
    unsure |= has_gross & u
    derived_gross, u = col.money_sum(net, fees, subtract=False)
    unsure |= has_net & u
    unsure |= has_gross & has_net & ~col.to_mask(pc.equal(derived_net, net))
    gross = pc.if_else(pa.array(has_gross), gross, derived_gross)
    net = pc.if_else(pa.array(has_net), net, derived_net)
    status, u = col.lookup(texts["status"], _STATUS_VALUES)
    unsure |= u
    has_exit = pc.or_(pc.is_valid(exit_time), pc.is_valid(money["exit_price"]))
    default = pc.if_else(has_exit, TradeStatus.CLOSED.value, TradeStatus.OPEN.value)
    status = pc.coalesce(status, default)
    closed = col.to_mask(pc.equal(status, TradeStatus.CLOSED.value))
    unsure |= closed & (col.to_mask(pc.is_null(exit_time)) | col.to_mask(pc.is_null(net)))
    return_pct, u = col.float_values(c.get("return_pct"), n)
    unsure |= u
    percent, u = col.float_values(c.get("return_percent"), n)
    no_ratio = col.to_mask(pc.is_null(return_pct))
    unsure |= no_ratio & u
    return_pct = pc.coalesce(return_pct, pc.divide(percent, 100.0))
    risk_reward, u = col.float_values(c.get("risk_reward"), n)
    unsure |= u
    ok = ~unsure
    keep = pa.array(ok)
    m = int(ok.sum())
    table = pa.table(
        {
            "trade_id": col.fill_ids(texts["trade_id"], batch, ok, derived_trade_id),
            "strategy": texts["strategy"].filter(keep).fill_null("default"),
            "symbol": texts["symbol"].filter(keep),
            "side": side.filter(keep),
            "status": status.filter(keep),
            "entry_time": entry_time.filter(keep),
            "exit_time": exit_time.filter(keep),
            "quantity": money["quantity"].filter(keep),
            "entry_price": money["entry_price"].filter(keep),
            "exit_price": money["exit_price"].filter(keep),
            "fees": fees.filter(keep),
            "gross_pnl": gross.filter(keep),
            "net_pnl": net.filter(keep),
            "return_pct": return_pct.filter(keep),
            "risk_reward": risk_reward.filter(keep),
            "signal_id": texts["signal_id"].filter(keep),
            "exit_reason": texts["exit_reason"].filter(keep),
            "currency": texts["currency"].filter(keep),
            "tags": pa.array([[]] * m, pa.list_(pa.string())),
            "news_event_ids": pa.array([[]] * m, pa.list_(pa.string())),
            "sentiment_json": pa.nulls(m, pa.string()),
            "metadata_json": pa.nulls(m, pa.string()),
            **col.origin_columns(batch, ok),
            "account": texts["account"].filter(keep),
            "venue": texts["venue"].filter(keep),
        },
        schema=TRADE_SCHEMA,
    )
    return table, ok


TRADES_SPEC: Final = KindSpec(
    kind=RecordKind.TRADES,
    schema=TRADE_SCHEMA,
    signature=TRADE_SIGNATURE,
    validate=validate_trade,
    fast_validate=fast_validate_trade,
)
