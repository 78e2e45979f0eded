"""Exact arithmetic shared by both ledger implementations.

Every sum and product of amounts is exact (a Decimal context with 400 digits that traps on
any rounding). The only roundings are the ones the accounting rules name, each a single
round-half-even to 18 fractional digits (the stored scale) of an exact ratio, done on
integers so that the incremental ledger and the batch kernel round identically.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction
from typing import Final

#: Context for exact ledger arithmetic: raises instead of rounding.
EXACT: Final = decimal.Context(
    prec=400,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.Overflow, decimal.Inexact, decimal.DivisionByZero],
)
_LOOSE: Final = decimal.Context(prec=400, rounding=decimal.ROUND_HALF_EVEN)
SCALE: Final = 18
UNIT: Final = 10**SCALE
Q18: Final = Decimal(1).scaleb(-SCALE)


def div_round(num: int, den: int) -> int:
    """Integer quotient ``num / den`` rounded half to even (``den`` != 0)."""
    if den < 0:
        num, den = -num, -den
    q, r = divmod(num, den)
    twice = 2 * r
    if twice > den or (twice == den and q % 2 == 1):
        q += 1
    return q


def _int_exp(d: Decimal) -> tuple[int, int]:
    """``d`` as (signed coefficient, exponent): ``d == n * 10**exp`` (``d`` finite)."""
    exp = int(d.as_tuple().exponent)
    return int(d.scaleb(-exp, context=EXACT)), exp  # moves the point: exact, no digit lost


def round_ratio(a: Decimal, b: Decimal, c: Decimal) -> Decimal:
    """Return ``a * b / c`` rounded half-even to 18 fractional digits, from exact integers.

    Raises
    ------
    ZeroDivisionError
        If ``c`` is zero.
    """
    ia, ea = _int_exp(a)
    ib, eb = _int_exp(b)
    ic, ec = _int_exp(c)
    if ic == 0:
        raise ZeroDivisionError("round_ratio by zero")
    e = ea + eb - ec + SCALE
    units = div_round(ia * ib * 10**e, ic) if e >= 0 else div_round(ia * ib, ic * 10 ** (-e))
    return from_units(units)


def round18(d: Decimal) -> Decimal:
    """``d`` rounded half-even to 18 fractional digits."""
    return d.quantize(Q18, context=_LOOSE)


def from_units(n: int) -> Decimal:
    """Return the Decimal of ``n`` units of 1e-18, at scale 18."""
    return Decimal(n).scaleb(-SCALE, context=_LOOSE)


def units(d: Decimal) -> int:
    """``d`` in units of 1e-18 (``d`` must have at most 18 fractional digits)."""
    return int(d.scaleb(SCALE, context=EXACT))


def ratio_float(num: Decimal, den: Decimal) -> float | None:
    """Correctly rounded float of the exact ratio ``num / den``; None when ``den`` is 0."""
    if den == 0:
        return None
    return float(Fraction(num) / Fraction(den))


def fmt(d: Decimal | None) -> str | None:
    """Plain (non-scientific) text of ``d`` rounded to 18 fractional digits."""
    return None if d is None else format(round18(d), "f")
