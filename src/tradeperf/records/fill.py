"""Executions and the events that value them: Fill, Mark, FundingPayment, CashFlow.

A `Fill` is one execution as a venue reports it; the ledger turns fills into positions,
round-trip trades and P&L. A `Mark` values open positions (a mark, mid or last price). A
`FundingPayment` is money received (+) or paid (−) for holding a position (perpetual funding,
financing, borrow fees). A `CashFlow` is a deposit (+) or withdrawal (−): it changes equity but
is not P&L. Each has one Arrow schema; money is exact (`MONEY_TYPE`, ``decimal128(38, 18)``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final

import pyarrow as pa

from tradeperf.records._table import records_to_table
from tradeperf.records.money import MONEY_TYPE, to_decimal
from tradeperf.records.text import require_clean_text
from tradeperf.records.trade import TIMESTAMP_TYPE

ONE: Final = Decimal(1)


class Side(enum.StrEnum):
    """Side of an execution: BUY adds to a long (or covers a short), SELL the reverse."""

    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        """+1 for BUY, −1 for SELL (the sign of the position change)."""
        return 1 if self is Side.BUY else -1


class Liquidity(enum.StrEnum):
    """Whether the fill added liquidity (MAKER, resting order) or took it (TAKER)."""

    MAKER = "MAKER"
    TAKER = "TAKER"


def _require_aware(name: str, value: datetime) -> None:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _require_text(name: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be non-empty text, got {value!r}")
    require_clean_text(name, value)


def _exact(name: str, value: object) -> Decimal:
    try:
        d = to_decimal(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    if isinstance(value, Decimal) and d != value:
        raise ValueError(f"{name} has more than 18 fractional digits: {value}")
    return d


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution.

    Attributes
    ----------
    fill_id : unique id of the execution at its venue.
    timestamp : time of the execution, timezone-aware (any zone; compared as instants).
    symbol : the instrument.
    side : BUY or SELL.
    quantity : executed quantity in units or contracts, > 0.
    price : execution price per unit, in the P&L currency, ≥ 0 (may be negative only for
        instruments that trade below zero; allowed).
    fee : fee paid in ``fee_currency`` (negative = rebate received). Default 0.
    account : the account (positions are kept per account and symbol). Default ``"default"``.
    venue, order_id : where and by which order it executed (optional).
    strategy : the strategy that sent the order. Default ``"default"``.
    fee_currency : currency of ``fee``; None means the P&L currency of the fill.
    liquidity : MAKER or TAKER (optional).
    multiplier : contract multiplier (P&L per unit of price per contract), > 0. Default 1.
    currency : the P&L (quote) currency of ``price`` (optional).
    tags : free labels.
    reference_price : the price the bot intended or decided at (its decision or arrival
        price), in the currency of ``price``, > 0; None when it gave none. Slippage in basis
        points is measured against it (`tradeperf.metrics.execution.slippage_bps`).

    Raises
    ------
    ValueError
        If the timestamp is naive, a text field is empty, the quantity, multiplier or
        reference price is not > 0, or an amount is not a finite decimal with at most 18
        fractional digits.
    """

    fill_id: str
    timestamp: datetime
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    fee: Decimal = Decimal(0)
    account: str = "default"
    venue: str | None = None
    strategy: str = "default"
    fee_currency: str | None = None
    liquidity: Liquidity | None = None
    order_id: str | None = None
    multiplier: Decimal = ONE
    currency: str | None = None
    tags: tuple[str, ...] = ()
    reference_price: Decimal | None = None

    def __post_init__(self) -> None:
        """Check the fields; make side and liquidity enums and the amounts exact Decimals."""
        _require_text("fill_id", self.fill_id)
        _require_text("symbol", self.symbol)
        _require_text("account", self.account)
        _require_text("strategy", self.strategy)
        _require_aware("timestamp", self.timestamp)
        if not isinstance(self.side, Side):
            object.__setattr__(self, "side", Side(str(self.side).upper()))
        if self.liquidity is not None and not isinstance(self.liquidity, Liquidity):
            object.__setattr__(self, "liquidity", Liquidity(str(self.liquidity).upper()))
        for name in ("quantity", "price", "fee", "multiplier"):
            object.__setattr__(self, name, _exact(name, getattr(self, name)))
        if self.quantity <= 0:
            raise ValueError(f"quantity must be > 0, got {self.quantity}")
        if self.multiplier <= 0:
            raise ValueError(f"multiplier must be > 0, got {self.multiplier}")
        if self.reference_price is not None:
            reference = _exact("reference_price", self.reference_price)
            if reference <= 0:
                raise ValueError(f"reference_price must be > 0, got {reference}")
            object.__setattr__(self, "reference_price", reference)

    @property
    def signed_quantity(self) -> Decimal:
        """Quantity with the sign of the position change (+ BUY, − SELL)."""
        return self.quantity if self.side is Side.BUY else -self.quantity


@dataclass(frozen=True, slots=True)
class Mark:
    """A price that values open positions in ``symbol`` from ``timestamp`` on.

    A mark whose symbol is a currency code (``"BNB"``) also converts fees paid in that
    currency into the P&L currency.

    Raises
    ------
    ValueError
        If the timestamp is naive, the symbol empty or the price not a finite decimal.
    """

    timestamp: datetime
    symbol: str
    price: Decimal

    def __post_init__(self) -> None:
        """Check the timestamp and the symbol, and make the price an exact Decimal."""
        _require_aware("timestamp", self.timestamp)
        _require_text("symbol", self.symbol)
        object.__setattr__(self, "price", _exact("price", self.price))


@dataclass(frozen=True, slots=True)
class FundingPayment:
    """Funding received (+) or paid (−) on a position in ``symbol``, in ``currency``.

    Raises
    ------
    ValueError
        If the timestamp is naive, a text field empty or the amount not a finite decimal.
    """

    timestamp: datetime
    symbol: str
    amount: Decimal
    account: str = "default"
    currency: str | None = None

    def __post_init__(self) -> None:
        """Check the timestamp, symbol and account, and make the amount an exact Decimal."""
        _require_aware("timestamp", self.timestamp)
        _require_text("symbol", self.symbol)
        _require_text("account", self.account)
        object.__setattr__(self, "amount", _exact("amount", self.amount))


@dataclass(frozen=True, slots=True)
class CashFlow:
    """A deposit (amount > 0) or withdrawal (amount < 0): changes equity, not P&L.

    Raises
    ------
    ValueError
        If the timestamp is naive, the account empty or the amount not a finite decimal.
    """

    timestamp: datetime
    amount: Decimal
    account: str = "default"
    currency: str | None = None

    def __post_init__(self) -> None:
        """Check the timestamp and the account, and make the amount an exact Decimal."""
        _require_aware("timestamp", self.timestamp)
        _require_text("account", self.account)
        object.__setattr__(self, "amount", _exact("amount", self.amount))


#: Arrow schema of fills (``side`` BUY/SELL, ``liquidity`` MAKER/TAKER or null). Columns added
#: after the first version come last, in the order their migrations added them to the table.
FILL_SCHEMA: Final = pa.schema(
    [
        pa.field("fill_id", pa.string(), nullable=False),
        pa.field("timestamp", TIMESTAMP_TYPE, nullable=False),
        pa.field("account", pa.string(), nullable=False),
        pa.field("venue", pa.string()),
        pa.field("strategy", pa.string(), nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("side", pa.string(), nullable=False),
        pa.field("quantity", MONEY_TYPE, nullable=False),
        pa.field("price", MONEY_TYPE, nullable=False),
        pa.field("fee", MONEY_TYPE, nullable=False),
        pa.field("fee_currency", pa.string()),
        pa.field("liquidity", pa.string()),
        pa.field("order_id", pa.string()),
        pa.field("multiplier", MONEY_TYPE, nullable=False),
        pa.field("currency", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("source", pa.string()),
        pa.field("source_line", pa.int64()),
        pa.field("reference_price", MONEY_TYPE),
    ]
)

#: Arrow schema of marks.
MARK_SCHEMA: Final = pa.schema(
    [
        pa.field("timestamp", TIMESTAMP_TYPE, nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("price", MONEY_TYPE, nullable=False),
        pa.field("source", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)

#: Arrow schema of funding payments (``amount`` + received, − paid).
FUNDING_SCHEMA: Final = pa.schema(
    [
        pa.field("timestamp", TIMESTAMP_TYPE, nullable=False),
        pa.field("account", pa.string(), nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("amount", MONEY_TYPE, nullable=False),
        pa.field("currency", pa.string()),
        pa.field("source", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)

#: Arrow schema of cash flows (``amount`` + deposit, − withdrawal).
CASH_FLOW_SCHEMA: Final = pa.schema(
    [
        pa.field("timestamp", TIMESTAMP_TYPE, nullable=False),
        pa.field("account", pa.string(), nullable=False),
        pa.field("amount", MONEY_TYPE, nullable=False),
        pa.field("currency", pa.string()),
        pa.field("source", pa.string()),
        pa.field("source_line", pa.int64()),
    ]
)


def fills_to_table(fills: list[Fill]) -> pa.Table:
    """Convert fills to a `FILL_SCHEMA` table (input order kept, money exact)."""
    return records_to_table(fills, FILL_SCHEMA)


def marks_to_table(marks: list[Mark]) -> pa.Table:
    """Convert marks to a `MARK_SCHEMA` table."""
    return records_to_table(marks, MARK_SCHEMA)


def funding_to_table(payments: list[FundingPayment]) -> pa.Table:
    """Convert funding payments to a `FUNDING_SCHEMA` table."""
    return records_to_table(payments, FUNDING_SCHEMA)


def cash_flows_to_table(flows: list[CashFlow]) -> pa.Table:
    """Convert cash flows to a `CASH_FLOW_SCHEMA` table."""
    return records_to_table(flows, CASH_FLOW_SCHEMA)
