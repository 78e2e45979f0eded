"""Exact money: parsing of decimal amounts and the scale they are stored with.

Money (prices, quantities, fees, P&L) is a `decimal.Decimal` in Python and a
``decimal128(38, 18)`` in Arrow and the store: 20 integer digits and 18 fractional digits,
enough for any account currency and for crypto quantities down to 1e-18.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Final

import pyarrow as pa

#: Fractional digits kept for money in Arrow and the store.
MONEY_SCALE: Final = 18
#: Total digits of a stored money value.
MONEY_PRECISION: Final = 38
#: The Arrow type of every money column.
MONEY_TYPE: Final = pa.decimal128(MONEY_PRECISION, MONEY_SCALE)

_QUANTUM: Final = Decimal(1).scaleb(-MONEY_SCALE)
_LIMIT: Final = Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE)
_CONTEXT: Final = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN)

ZERO: Final = Decimal(0)


def to_decimal(value: object) -> Decimal:
    """Read an amount exactly and round it to the stored scale.

    Parameters
    ----------
    value
        A Decimal, int, decimal string (``"12.5"``, ``"1e-3"``) or float. A float is
        read through its shortest repr, so ``0.1`` becomes ``Decimal("0.1")``, the number the
        writer of a JSON or CSV file meant.

    Returns
    -------
    Decimal rounded half-even to `MONEY_SCALE` fractional digits.

    Raises
    ------
    ValueError
        If the value is not a finite number, is a bool, or does not fit in 20 integer digits.

    Examples
    --------
    >>> to_decimal("0.1") + to_decimal(0.2)
    Decimal('0.300000000000000000')
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace("_", "")
        if not text:
            raise ValueError("empty amount")
        try:
            d = Decimal(text)
        except decimal.InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"expected a number, got {type(value).__name__} {value!r}")
    if not d.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    if d and d.adjusted() >= MONEY_PRECISION - MONEY_SCALE:  # before quantize, which would trap
        raise ValueError(f"amount out of range: {value!r}")
    d = d.quantize(_QUANTUM, context=_CONTEXT)
    if abs(d) >= _LIMIT:
        raise ValueError(f"amount out of range: {value!r}")
    return d


def money_array(values: list[Decimal | None]) -> pa.Array:
    """Build an Arrow money array (``decimal128(38, 18)``) from Decimals or None."""
    return pa.array(values, type=MONEY_TYPE)
