"""Execution quality: slippage of fills against the price the bot intended, in basis points.

One definition, called by the summaries (through the store's sums, `Store.slippage`), the live
tracker and any later measure of execution quality. Sign: POSITIVE is a cost (bought above or
sold below the reference), negative an improvement. Definitions and edge cases: docs/metrics.md,
``slippage_bps``.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Final

import numpy as np

from tradeperf.metrics._input import ArrayLike, FloatArray, _to_numpy, as_float_array

__all__ = ["BPS", "fill_slippage_bps", "mean_slippage_bps", "slippage_bps", "slippage_from_sums"]

#: Basis points per unit of a fraction (1 bp = 0.01 % = 1e-4).
BPS: Final = 10_000.0
_SIGN_OF: Final = {"BUY": 1.0, "SELL": -1.0}


def _sign(side: Any) -> float:
    """Give +1.0 for a buy, −1.0 for a sell: ``BUY``/``SELL`` (any case, or `Side`) or ±1."""
    if isinstance(side, str):  # Side is a StrEnum
        sign = _SIGN_OF.get(side.upper())
        if sign is None:
            raise ValueError(f"side must be BUY or SELL, got {side!r}")
        return sign
    numeric = isinstance(side, int | float | np.integer | np.floating) and not isinstance(
        side, bool
    )
    if numeric and float(side) in (1.0, -1.0):
        return float(side)
    raise ValueError(f"side must be BUY, SELL, +1 or -1, got {side!r}")


def _signs(side: ArrayLike) -> FloatArray:
    raw = _to_numpy(side, dtype=None)
    if raw.ndim != 1:
        raise ValueError(f"side must be 1-D, got shape {raw.shape}")
    if raw.dtype.kind in "iuf":
        signs = raw.astype(np.float64)
        if not np.all((signs == 1.0) | (signs == -1.0)):
            raise ValueError("side must be BUY, SELL, +1 or -1 for every fill")
        return signs
    return np.fromiter((_sign(s) for s in raw.tolist()), np.float64, count=raw.size)


def _scalar(value: Any) -> bool:
    return isinstance(value, str | Decimal | int | float | np.generic) or value is None


def _price(value: Any) -> float:
    return math.nan if value is None else float(value)


def slippage_bps(side: Any, price: Any, reference: Any) -> Any:
    """Slippage of each fill against its reference price, in basis points (positive = cost).

    Parameters
    ----------
    side
        The side of each fill: ``"BUY"``/``"SELL"`` (any case, or `Side`) or +1/−1. A
        scalar with scalar prices (one fill), else 1-D array-like (list, NumPy, pandas,
        Polars, PyArrow).
    price
        The execution price of each fill.
    reference
        The price the fill was intended or decided at (decision or arrival price),
        in the currency of ``price``; missing (None, NaN) where a fill has none.

    Returns
    -------
    float for one fill (`fill_slippage_bps`), else a float64 array of one value per fill.
    NaN where the reference is missing or not > 0, or the price is NaN.

    Raises
    ------
    ValueError
        If a side is not BUY, SELL, +1 or −1, or the arrays are not 1-D of one length.

    Notes
    -----
    b = s·(p − r)/r·10⁴, s = +1 for a buy and −1 for a sell: a buy above its reference or a sell
    below it costs (b > 0). Computed in float64 as ``s * ((p - r) / r) * 1e4``, the same
    operations in the same order for one fill and for an array (the two agree to the last
    bit); the store sums the same expression in SQL (`Store.slippage`). A fill at a price
    of 18 digits loses only the float64 rounding of p − r, relative ≈ 1e-16·|p|/|p − r|.

    References
    ----------
    Perold, A. F. (1988). The implementation shortfall: paper versus reality. Journal of
    Portfolio Management 14(3), 4-9 (the shortfall against the decision price).
    Kissell, R. (2013). The Science of Algorithmic Trading and Portfolio Management, and
    Kissell, R. (2020). Algorithmic Trading Methods, 2nd ed., Academic Press: cost in basis
    points, side-signed so that a positive cost is an adverse price.

    Examples
    --------
    >>> round(slippage_bps("BUY", 100.05, 100.0), 9)  # bought 5 bps above the decision price
    5.0
    >>> round(slippage_bps("SELL", 100.05, 100.0), 9)  # sold above it: an improvement
    -5.0
    >>> slippage_bps(["BUY", "SELL", "BUY"], [101.0, 99.0, 50.0], [100.0, 100.0, None])
    array([100., 100.,  nan])
    """
    if _scalar(side) and _scalar(price) and _scalar(reference):
        return fill_slippage_bps(side, price, reference)
    signs = _signs(side)
    p_arr = as_float_array(price, name="price")
    r_arr = as_float_array(reference, name="reference")
    if not signs.size == p_arr.size == r_arr.size:
        raise ValueError(
            f"side, price and reference must have one length, got "
            f"{signs.size}, {p_arr.size} and {r_arr.size}"
        )
    valid = r_arr > 0
    safe = np.where(valid, r_arr, 1.0)
    out: FloatArray = signs * ((p_arr - safe) / safe) * BPS
    out[~valid] = np.nan
    return out


def fill_slippage_bps(side: Any, price: Any, reference: Any) -> float:
    """Slippage of one fill against its reference price, in basis points (positive = cost).

    The scalar form of `slippage_bps` (which calls it for scalar arguments): the same
    operations in float64, so it equals the array form's value for that fill to the last bit.

    Parameters
    ----------
    side
        ``"BUY"``/``"SELL"`` (any case), a `tradeperf.records.Side`, or +1/−1.
    price
        The execution price (Decimal, int or float).
    reference
        The price intended or decided at (a `Fill`'s ``reference_price``), or None.

    Returns
    -------
    float. NaN when the reference is None, NaN or not > 0, or the price is NaN.

    Raises
    ------
    ValueError
        If the side is not BUY, SELL, +1 or −1.

    Examples
    --------
    >>> import datetime as dt
    >>> from decimal import Decimal
    >>> from tradeperf.records import Fill
    >>> f = Fill("1", dt.datetime(2024, 1, 2, tzinfo=dt.UTC), "ES", "SELL", Decimal(1),
    ...          Decimal("4799.5"), reference_price=Decimal("4800"))
    >>> round(fill_slippage_bps(f.side, f.price, f.reference_price), 6)  # sold 0.5 below
    1.041667
    >>> fill_slippage_bps(-1, 4799.5, None)
    nan
    """
    s, p, r = _sign(side), _price(price), _price(reference)
    if not r > 0:  # missing (NaN) or not positive
        return math.nan
    return s * ((p - r) / r) * BPS


def slippage_from_sums(weighted_bps: float, notional: float) -> float:
    """Give the notional-weighted mean slippage from its sums, Σ w·b / Σ w (NaN when Σ w = 0).

    Parameters
    ----------
    weighted_bps
        Σ w·b over the fills with a reference (b = `slippage_bps`).
    notional
        Σ w, w = |quantity × price × multiplier|.

    Examples
    --------
    >>> slippage_from_sums(20_000.0, 200.0), slippage_from_sums(0.0, 0.0)
    (100.0, nan)
    """
    if not notional > 0:
        return math.nan
    return weighted_bps / notional


def mean_slippage_bps(
    side: ArrayLike, price: ArrayLike, reference: ArrayLike, notional: ArrayLike
) -> float:
    """Notional-weighted mean slippage of fills, in basis points (positive = cost).

    Parameters
    ----------
    side
        1-D array-like of ``"BUY"``/``"SELL"`` (or `Side`, or +1/−1), one per fill.
    price
        1-D array-like of execution prices.
    reference
        1-D array-like of reference (decision or arrival) prices; None or NaN for a
        fill without one.
    notional
        1-D array-like of each fill's notional, quantity × price × multiplier, in the
        currency of its price; its absolute value weighs the fill.

    Returns
    -------
    float. Σ wᵢ·bᵢ / Σ wᵢ over the fills that have a reference, with bᵢ = `slippage_bps` and
    wᵢ = |notionalᵢ|. NaN when no fill has a reference, or their notional sums to 0; NaN
    when a fill with a reference has a NaN price or notional (never filled with 0).

    Raises
    ------
    ValueError
        As `slippage_bps`, or if ``notional`` has another length.

    Notes
    -----
    Weighting by notional makes the mean the cost of the whole traded amount relative to
    its value at the reference prices (Kissell 2020, cost of an order as the value-weighted
    average of its fills' costs). The weights are in each fill's own currency: fills in
    several currencies are not converted.

    Examples
    --------
    >>> mean_slippage_bps(["BUY", "SELL"], [101.0, 99.0], [100.0, 100.0], [101.0, 99.0])
    100.0
    >>> mean_slippage_bps(["BUY"], [101.0], [None], [101.0])
    nan
    """
    bps = slippage_bps(side, price, reference)
    r = as_float_array(reference, name="reference")
    w = as_float_array(notional, name="notional")
    if w.size != r.size:
        raise ValueError(f"notional must have one value per fill, got {w.size} for {r.size}")
    has = ~np.isnan(r)
    if not has.any():
        return math.nan
    weights = np.abs(w[has])
    return slippage_from_sums(float(np.sum(weights * bps[has])), float(np.sum(weights)))
