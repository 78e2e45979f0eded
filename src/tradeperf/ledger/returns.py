"""Time-weighted returns of an equity series with external cash flows."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np


def time_weighted_returns(
    equity: Sequence[Decimal], flows: Sequence[Decimal], *, start_equity: Decimal
) -> np.ndarray:
    """Period returns that do not count deposits and withdrawals as profit.

    Parameters
    ----------
    equity
        Equity at the end of each period, in the account currency.
    flows
        Net external cash flow (deposits +, withdrawals −) during each period, in the
        same currency; taken to happen at the end of the period.
    start_equity
        Equity at the start of the first period.

    Returns
    -------
    float64 array of simple returns per period (0.01 = 1 %); NaN where the previous equity
    is not positive.

    Notes
    -----
    r_t = (E_t − F_t) / E_{t−1} − 1, the chain-linked time-weighted return (GIPS, flows at
    period end); the cumulative return is Π(1 + r_t) − 1.

    References
    ----------
    CFA Institute (2020). Global Investment Performance Standards, provision 2.A.

    Examples
    --------
    >>> time_weighted_returns([Decimal(110), Decimal(160)], [Decimal(0), Decimal(50)],
    ...                       start_equity=Decimal(100)).round(4).tolist()
    [0.1, 0.0]
    """
    if len(equity) != len(flows):
        raise ValueError("equity and flows differ in length")
    out = np.empty(len(equity))
    prev = start_equity
    for i, (e, f) in enumerate(zip(equity, flows, strict=True)):
        out[i] = float((e - f) / prev) - 1.0 if prev > 0 else np.nan
        prev = e
    return out
