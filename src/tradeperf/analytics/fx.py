"""Conversion of money to the account's base currency with the rate of the booking day.

Amounts of two currencies are never added as they are. When the records a summary covers are
in several currencies and exchange rates are stored (`tradeperf.records.FX_RATE_SCHEMA`: a
rates file, or an IBKR statement's ``fxRateToBase``), every amount is converted to the base
currency with the rate of the local day it was booked on, in the reporting timezone:

- a closed trade's P&L and fees: the day of its exit;
- a fill's realized P&L and fee: the day of the fill; a funding payment or a cash flow: its day;
- the unrealized P&L of an open position at an instant: the day just before the instant (the
  last day the instant closes), so that a day's marked-to-market P&L in base is its realized
  P&L at that day's rate plus the change of the open positions' value at the day's rate (the
  translation of open positions is part of it, as a broker's base-currency MTM has it).

The rate of a day is the latest stored rate dated on or before it, at most
`MAX_RATE_AGE_DAYS` earlier (a Friday's rate serves the weekend). A day without one raises
`MissingRate`: the summary then gives the base currency's figures alone and names what could
not be converted (`tradeperf.analytics.summary.summarize`).

A converted amount is the exact product rounded half-even to the stored scale (18 decimal
places): ``-470 × 0.88221 = -414.6387`` exactly; only products of more than 18 decimals round.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.records import MONEY_TYPE

#: The oldest a rate may be for the day it converts (days): a weekend or a holiday between.
MAX_RATE_AGE_DAYS: Final = 7

_QUANTUM: Final = Decimal(1).scaleb(-18)
_CONTEXT: Final = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_EVEN)
_TRADE_MONEY: Final = ("fees", "gross_pnl", "net_pnl")


class MissingRate(LookupError):
    """No stored rate converts ``currency`` to ``base`` on ``day``.

    Attributes
    ----------
    currency, base : the currencies.
    day : the local booking day that has no rate (None: no rate of the pair at all).
    """

    def __init__(self, currency: str, base: str, day: dt.date | None) -> None:
        self.currency, self.base, self.day = currency, base, day
        when = f" on or up to {MAX_RATE_AGE_DAYS} days before {day}" if day else ""
        super().__init__(f"no exchange rate of {currency} to {base}{when}")


def convert(amount: Decimal, rate: Decimal) -> Decimal:
    """``amount × rate`` rounded half-even to the stored scale (18 decimal places).

    Examples
    --------
    >>> convert(Decimal("-470"), Decimal("0.88221"))
    Decimal('-414.638700000000000000')
    """
    return _CONTEXT.multiply(amount, rate).quantize(_QUANTUM, context=_CONTEXT)


@dataclass(frozen=True, slots=True)
class FxRates:
    """Stored exchange rates, per (currency, base), by day.

    Attributes
    ----------
    series : (currency, base) -> (days as ``datetime64[D]``, ascending; the rate of each day:
        units of base per unit of currency).
    """

    series: dict[tuple[str, str], tuple[np.ndarray, list[Decimal]]]

    @classmethod
    def from_table(cls, table: pa.Table) -> FxRates:
        """From an `FX_RATE_SCHEMA` table (any order; no rows: no rates)."""
        if table.num_rows == 0:
            return cls({})
        keys = [("currency", "ascending"), ("base", "ascending"), ("date", "ascending")]
        order = pc.sort_indices(table, sort_keys=keys)
        t = table.take(order)
        days = t.column("date").to_numpy(zero_copy_only=False).astype("datetime64[D]")
        currency, base = t.column("currency").to_pylist(), t.column("base").to_pylist()
        pairs = list(zip(currency, base, strict=True))
        rates = t.column("rate").to_pylist()
        series: dict[tuple[str, str], tuple[np.ndarray, list[Decimal]]] = {}
        start = 0
        for i in range(1, len(pairs) + 1):
            if i == len(pairs) or pairs[i] != pairs[start]:
                series[pairs[start]] = (days[start:i], rates[start:i])
                start = i
        return cls(series)

    def pairs(self) -> set[tuple[str, str]]:
        """Return the (currency, base) pairs that have rates."""
        return set(self.series)

    def rates(self, currency: str, base: str, days: np.ndarray) -> list[Decimal]:
        """Return the rate of each of ``days`` (``datetime64[D]``, any order).

        The rate of the base itself (``currency == base``) is 1 on every day.

        Raises
        ------
        MissingRate
            Naming the first day with no rate at most `MAX_RATE_AGE_DAYS` old.
        """
        days = np.asarray(days, dtype="datetime64[D]")
        if currency == base or days.size == 0:
            return [Decimal(1)] * days.size
        found = self.series.get((currency, base))
        if found is None:
            raise MissingRate(currency, base, _first(days))
        rate_days, values = found
        at = np.searchsorted(rate_days, days, side="right") - 1
        ok = at >= 0
        age = np.where(ok, (days - rate_days[np.maximum(at, 0)]).astype(np.int64), -1)
        bad = ~ok | (age > MAX_RATE_AGE_DAYS)
        if bad.any():
            raise MissingRate(currency, base, _first(days[bad]))
        return [values[i] for i in at.tolist()]

    def convert_all(
        self, currency: str, base: str, days: np.ndarray, amounts: Sequence[Decimal | None]
    ) -> list[Decimal | None]:
        """Each amount converted with the rate of its day (None stays None)."""
        if currency == base:
            return list(amounts)
        rates = self.rates(currency, base, days)
        return [None if a is None else convert(a, r) for a, r in zip(amounts, rates, strict=True)]


def _first(days: np.ndarray) -> dt.date:
    return cast(dt.date, days.min().astype("datetime64[D]").item())


def convert_trades(
    table: pa.Table, days: np.ndarray, rates: FxRates, base: str, unlabelled: str
) -> pa.Table:
    """Return trades (`TRADE_SCHEMA`) with their fees and P&L converted to ``base``.

    Each trade is converted with the rate of its local exit day ``days`` (``datetime64[D]``,
    one per row; a trade without an exit keeps its amounts). A trade without a currency is in
    ``unlabelled``. The currency column becomes ``base``.

    Raises
    ------
    MissingRate
        If a trade's exit day has no rate of its currency.
    """
    if table.num_rows == 0:
        return table
    currency = pc.fill_null(table.column("currency"), unlabelled).to_pylist()
    exited = np.asarray(table.column("exit_time").is_valid().to_numpy(zero_copy_only=False))
    columns = {name: table.column(name).to_pylist() for name in _TRADE_MONEY}
    for ccy in sorted(set(currency) - {base}):
        idx = np.flatnonzero((np.array(currency, dtype=object) == ccy) & exited)
        if idx.size == 0:
            continue
        rate = rates.rates(ccy, base, days[idx])
        for values in columns.values():
            for i, r in zip(idx.tolist(), rate, strict=True):
                if values[i] is not None:
                    values[i] = convert(values[i], r)
    out = table
    for name, values in columns.items():
        position = out.column_names.index(name)
        out = out.set_column(position, name, pa.array(values, MONEY_TYPE))
    position = out.column_names.index("currency")
    out = out.set_column(position, "currency", pa.array([base] * out.num_rows, pa.string()))
    return out.cast(table.schema)
