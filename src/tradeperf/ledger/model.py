"""Options and result records shared by the incremental ledger and the batch kernel."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from json.encoder import encode_basestring_ascii as _json_text
from typing import Final, NamedTuple

import pyarrow as pa

from tradeperf.ledger._exact import EXACT, fmt, ratio_float, round18, round_ratio
from tradeperf.records import MONEY_TYPE, TIMESTAMP_TYPE, PositionSide, Trade, TradeStatus
from tradeperf.records._table import records_to_table


class RoundTrip(enum.StrEnum):
    """What one round-trip trade is: a flat-to-flat episode, or one matched lot."""

    FLAT_TO_FLAT = "flat"
    PER_LOT = "lot"


#: Order of events with equal timestamps, before input order: a mark first (so a fill at the
#: same instant can use it), then fills, then funding, then cash flows.
EVENT_RANK: Final = {"mark": 0, "fill": 1, "funding": 2, "cash_flow": 3}


@dataclass(frozen=True, slots=True)
class PositionView:
    """An open position in one (account, symbol).

    ``quantity`` is signed (+ long, − short) in units or contracts; ``avg_cost`` is the
    average open price per unit (cost of the open lots / |quantity|, rounded to 18 digits);
    ``unrealized_pnl`` = sign × multiplier × (last_mark × |quantity| − cost), None without a mark.
    """

    account: str
    symbol: str
    quantity: Decimal
    avg_cost: Decimal
    last_mark: Decimal | None
    unrealized_pnl: Decimal | None
    multiplier: Decimal
    currency: str | None


class RealizedEvent(NamedTuple):
    """P&L booked by one fill at its time: realized P&L of the part it closed, and its fee.

    ``fees`` is the fee in the P&L currency (converted when it was paid in another currency
    with a mark of that currency, 0 when it could not be converted: see ``fees_other``).
    A named tuple (immutable) rather than a frozen dataclass: the live ledger makes one per
    fill, and a tuple is built in a third of the time.
    """

    timestamp: datetime
    fill_id: str
    account: str
    strategy: str
    symbol: str
    currency: str | None
    realized_pnl: Decimal
    fees: Decimal


#: Arrow schema of `RealizedEvent` rows.
REALIZED_EVENT_SCHEMA: Final = pa.schema(
    [
        pa.field("timestamp", TIMESTAMP_TYPE, nullable=False),
        pa.field("fill_id", pa.string(), nullable=False),
        pa.field("account", pa.string(), nullable=False),
        pa.field("strategy", pa.string(), nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("currency", pa.string()),
        pa.field("realized_pnl", MONEY_TYPE, nullable=False),
        pa.field("fees", MONEY_TYPE, nullable=False),
    ]
)

#: Arrow schema of open positions.
POSITION_SCHEMA: Final = pa.schema(
    [
        pa.field("account", pa.string(), nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("quantity", MONEY_TYPE, nullable=False),
        pa.field("avg_cost", MONEY_TYPE, nullable=False),
        pa.field("last_mark", MONEY_TYPE),
        pa.field("unrealized_pnl", MONEY_TYPE),
        pa.field("multiplier", MONEY_TYPE, nullable=False),
        pa.field("currency", pa.string()),
    ]
)


def realized_events_to_table(events: list[RealizedEvent]) -> pa.Table:
    """Realized events as a `REALIZED_EVENT_SCHEMA` table (money rounded to 18 digits)."""
    return records_to_table(events, REALIZED_EVENT_SCHEMA, decimals=round18)


def positions_to_table(positions: list[PositionView]) -> pa.Table:
    """Open positions as a `POSITION_SCHEMA` table (money rounded to 18 digits)."""
    return records_to_table(positions, POSITION_SCHEMA, decimals=round18)


@dataclass(slots=True)
class TradeParts:
    """Exact pieces of one round trip, before rounding into a `Trade`.

    ``entry_notional``/``exit_notional`` are Σ price × quantity (without multiplier) of the
    opening and closing parts; ``gross`` is exact; ``price_min``/``price_max`` are the extreme
    marks seen while the trade was open (None without marks).
    """

    trade_id: str
    account: str
    symbol: str
    strategy: str
    currency: str | None
    sign: int
    multiplier: Decimal
    entry_time: datetime
    exit_time: datetime
    quantity: Decimal
    entry_notional: Decimal
    exit_notional: Decimal
    gross: Decimal
    entry_fees: Decimal
    exit_fees: Decimal
    funding: Decimal
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    venue: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


def excursions(parts: TradeParts) -> tuple[Decimal | None, Decimal | None]:
    """MAE and MFE of a trade, from the extreme marks seen while it was open.

    Notes
    -----
    Excursion at mark m = sign × multiplier × (m × Q − N), Q the trade quantity, N the entry
    notional (so it is (m − entry VWAP) × Q × multiplier for a long). MAE = min(0, worst),
    MFE = max(0, best) over the highest and lowest mark in (entry_time, exit_time].
    """
    if parts.price_min is None or parts.price_max is None:
        return None, None
    vals = [
        parts.sign * parts.multiplier * (p * parts.quantity - parts.entry_notional)
        for p in (parts.price_min, parts.price_max)
    ]
    return min(Decimal(0), *vals), max(Decimal(0), *vals)


def trade_metadata(parts: TradeParts) -> str:
    """Return the JSON kept in ``metadata_json`` of a ledger trade (compact, sorted keys).

    Keys: ``account``, ``entry_fees``, ``exit_fees``, ``funding``, ``holding_time_us``,
    ``mae``, ``mfe``, ``multiplier`` (money as decimal text with 18 fractional digits).
    """
    mae, mfe = excursions(parts)
    held = parts.exit_time - parts.entry_time
    held_us = (held.days * 86_400 + held.seconds) * 1_000_000 + held.microseconds
    # the text json.dumps(..., sort_keys=True, separators=(",", ":")) gives, written out:
    # one per round trip, it is on the ledger's hot path (tests/ledger compare the two)
    return (
        f'{{"account":{_json_text(parts.account)},"entry_fees":"{fmt(parts.entry_fees)}",'
        f'"exit_fees":"{fmt(parts.exit_fees)}","funding":"{fmt(parts.funding)}",'
        f'"holding_time_us":{held_us},"mae":{_json_money(mae)},"mfe":{_json_money(mfe)},'
        f'"multiplier":"{fmt(parts.multiplier)}"}}'
    )


def _json_money(d: Decimal | None) -> str:
    """``d`` as the JSON text of `fmt` (a quoted decimal), or ``null``."""
    return "null" if d is None else f'"{fmt(d)}"'


def make_trade(parts: TradeParts) -> Trade:
    """Round the exact parts of a round trip into a CLOSED `Trade`.

    Notes
    -----
    entry_price = entry_notional / Q, exit_price = exit_notional / Q (VWAPs), fees = entry +
    exit fee shares, gross = exact gross rounded, net = gross − fees (funding is kept in
    ``metadata_json``, so that ``net_pnl = gross_pnl - fees`` holds as for every trade),
    return_pct = net / (entry_notional × multiplier), the return on cost, correctly rounded.
    Each money value is rounded once, half-even to 18 fractional digits.
    """
    fees = parts.entry_fees + parts.exit_fees
    gross = round18(parts.gross)
    net = gross - fees
    return Trade(
        trade_id=parts.trade_id,
        symbol=parts.symbol,
        side=PositionSide.LONG if parts.sign > 0 else PositionSide.SHORT,
        status=TradeStatus.CLOSED,
        entry_time=parts.entry_time,
        exit_time=parts.exit_time,
        quantity=round18(parts.quantity),
        entry_price=round_ratio(parts.entry_notional, Decimal(1), parts.quantity),
        exit_price=round_ratio(parts.exit_notional, Decimal(1), parts.quantity),
        fees=round18(fees),
        gross_pnl=gross,
        net_pnl=round18(net),
        strategy=parts.strategy,
        return_pct=ratio_float(net, parts.entry_notional * parts.multiplier),
        currency=parts.currency,
        metadata_json=trade_metadata(parts),
        source="ledger",
        account=parts.account,
        venue=parts.venue,
    )


def canonical(v: Decimal) -> str:
    """Return ``v`` as the shortest exact decimal string, without exponent or trailing zeros.

    ``Decimal("1.50")`` and ``Decimal("1.5")`` both give ``"1.5"``; 100 gives ``"100"``.
    """
    text = format(v.normalize(EXACT), "f")
    return "0" if text in ("-0", "0") else text


@dataclass(frozen=True, slots=True)
class OpenEpisode:
    """What a flat-to-flat round trip still open has gathered so far, to book on from.

    A batch ledger run that resumes a position (`tradeperf.ledger.batch.run_ledger`,
    ``carry``) re-books the lots left open as fills at the resume instant and adds these
    amounts to the round trip they open, so that the trade that closes later is the one a
    single run over every fill gives.

    Attributes
    ----------
    entry_us : the round trip's first fill, microseconds since the epoch (UTC).
    strategy : the strategy of that fill (the trade's strategy).
    long : True when the position is long.
    quantity : quantity closed so far (units).
    entry_notional, exit_notional : Σ open price × quantity and Σ close price × quantity
        of the pieces matched so far (price currency, before the multiplier).
    gross_pnl : realized P&L of those pieces (P&L currency).
    entry_fees : the opening parts' fees so far, less those of the lots re-booked as fills
        (they bring them again); exit_fees : the closing parts' fees (P&L currency).
    funding : funding received while open (P&L currency).
    low, high : lowest and highest mark after entry so far (None: no mark yet).
    venue : the venue of the first fill (None: not stated; a checkpoint written before
        venues were kept has none).
    """

    entry_us: int
    strategy: str
    long: bool
    quantity: Decimal
    entry_notional: Decimal
    exit_notional: Decimal
    gross_pnl: Decimal
    entry_fees: Decimal
    exit_fees: Decimal
    funding: Decimal
    low: Decimal | None = None
    high: Decimal | None = None
    venue: str | None = None

    def to_json(self) -> str:
        """Return a JSON object of the fields, amounts as exact decimal strings."""
        out: dict[str, object] = {}
        for name in self.__slots__:
            v = getattr(self, name)
            out[name] = canonical(v) if isinstance(v, Decimal) else v
        return json.dumps(out, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> OpenEpisode:
        """Return the episode `to_json` wrote.

        Raises
        ------
        ValueError
            If ``text`` is not such an object.
        """
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("an open round trip is a JSON object")
        money = ("quantity", "entry_notional", "exit_notional", "gross_pnl", "entry_fees")
        kw: dict[str, object] = {}
        for name in cls.__slots__:
            if name == "venue":  # optional: older checkpoints lack it
                kw[name] = raw.get(name)
                continue
            v = raw[name]
            if name in (*money, "exit_fees", "funding", "low", "high"):
                kw[name] = None if v is None else Decimal(v)
            else:
                kw[name] = v
        return cls(**kw)  # type: ignore[arg-type]  # each value converted to its field's type
