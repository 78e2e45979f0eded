"""Time-weighted returns of an account with external cash flows: one convention everywhere.

A deposit or withdrawal is taken to arrive at the **start** of its period, so it earns (or
stops earning) that period's P&L: r_t = P_t / (E_{t−1} + F_t), with P_t the period's P&L
(equity change less the flow). The summaries' daily returns, their drawdown's wealth index
and the daily series all take their returns from `period_returns`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np


def period_returns(pnl: np.ndarray, flows: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Compute the time-weighted return of each period from its P&L, flow and starting equity.

    Parameters
    ----------
    pnl
        float64, shape (..., n): the P&L of each period (not counting flows), currency.
    flows
        float64, same shape: the net external cash flow of each period (deposits +,
        withdrawals −), taken to arrive at the start of the period.
    start
        float64, shape (..., 1): the equity before the first period.

    Returns
    -------
    numpy.ndarray
        float64, shape of ``pnl``: r_t = P_t / (E_{t−1} + F_t) with E_t = E_{t−1} + F_t + P_t
        (0.01 = 1 %); NaN where E_{t−1} + F_t is not positive.

    Notes
    -----
    The chain-linked time-weighted return (GIPS, provision 2.A; flows at the start of their
    period); the cumulative return is Π(1 + r_t) − 1, and a deposit is not a return.

    Examples
    --------
    >>> period_returns(np.array([[10.0, 0.0]]), np.array([[0.0, 50.0]]), np.array([[100.0]]))
    array([[0.1, 0. ]])
    """
    end = start + np.cumsum(pnl + flows, axis=-1)
    start_of_period = np.concatenate((start, end[..., :-1]), axis=-1) + flows
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(start_of_period > 0, pnl / start_of_period, np.nan))


def time_weighted_returns(
    equity: Sequence[Decimal], flows: Sequence[Decimal], *, start_equity: Decimal
) -> np.ndarray:
    """Period returns of an equity series that do not count deposits and withdrawals as profit.

    Parameters
    ----------
    equity
        Equity at the end of each period, in the account currency.
    flows
        Net external cash flow (deposits +, withdrawals −) during each period, in the
        same currency; taken to arrive at the start of the period (`period_returns`).
    start_equity
        Equity at the start of the first period.

    Returns
    -------
    numpy.ndarray
        float64 simple returns per period (0.01 = 1 %); NaN where the equity at the start of
        a period (its flow included) is not positive.

    Raises
    ------
    ValueError
        If ``equity`` and ``flows`` differ in length.

    Examples
    --------
    >>> time_weighted_returns([Decimal(110), Decimal(160)], [Decimal(0), Decimal(50)],
    ...                       start_equity=Decimal(100)).round(4).tolist()
    [0.1, 0.0]
    """
    if len(equity) != len(flows):
        raise ValueError("equity and flows differ in length")
    levels = [start_equity, *equity]
    pnl = np.array(
        [float(b - a - f) for a, b, f in zip(levels[:-1], levels[1:], flows, strict=True)],
        dtype=np.float64,
    )
    flow = np.array([float(f) for f in flows], dtype=np.float64)
    return period_returns(pnl, flow, np.array([float(start_equity)]))
