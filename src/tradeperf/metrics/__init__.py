"""Performance metrics: pure functions on 1-D arrays (list, NumPy, pandas, Polars, PyArrow).

Families: `returns` (returns and risk-adjusted ratios), `drawdown`, `tail`, `trades`,
`confidence` (PSR, DSR, MinTRL, bootstrap), `rolling`, `execution` (slippage of fills);
`registry` names every figure.
Definitions and edge cases: docs/metrics.md.

Names load on first use (PEP 562): a module that needs `trades` or `returns` does not compile
the Numba kernels of `confidence` and `rolling` with them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradeperf.metrics.confidence import (
        Interval,
        bootstrap_mean_ci,
        bootstrap_sharpe_ci,
        deflated_sharpe_ratio,
        expected_max_sharpe,
        min_trl_from_moments,
        minimum_track_record_length,
        probabilistic_sharpe_ratio,
        psr_from_moments,
    )
    from tradeperf.metrics.drawdown import (
        DrawdownPeriod,
        EquityDrawdown,
        drawdown_periods,
        equity_drawdown,
        max_drawdown,
        time_to_recovery,
        ulcer_index,
        underwater,
    )
    from tradeperf.metrics.execution import mean_slippage_bps, slippage_bps
    from tradeperf.metrics.registry import FIGURES, Figure, get_figure
    from tradeperf.metrics.returns import (
        alpha_beta,
        annual_return,
        annual_volatility,
        cagr,
        calmar_ratio,
        cumulative_return,
        downside_deviation,
        downside_risk,
        excess_sharpe,
        information_ratio,
        log_returns,
        omega_ratio,
        sharpe_ratio,
        simple_returns,
        sortino_ratio,
        stability,
        tail_ratio,
        tracking_error,
    )
    from tradeperf.metrics.rolling import (
        rolling_max_drawdown,
        rolling_mean,
        rolling_sharpe,
        rolling_sortino,
        rolling_volatility,
    )
    from tradeperf.metrics.tail import (
        conditional_value_at_risk,
        excess_kurtosis,
        skewness,
        value_at_risk,
    )
    from tradeperf.metrics.trades import (
        average_holding_time,
        average_loss,
        average_win,
        expectancy,
        kelly_fraction,
        longest_streaks,
        payoff_ratio,
        profit_factor,
        sqn,
        trade_outcomes,
        win_rate,
    )

#: Public name -> the submodule that defines it.
_HOMES = {
    "Interval": "confidence",
    "bootstrap_mean_ci": "confidence",
    "bootstrap_sharpe_ci": "confidence",
    "deflated_sharpe_ratio": "confidence",
    "expected_max_sharpe": "confidence",
    "min_trl_from_moments": "confidence",
    "minimum_track_record_length": "confidence",
    "probabilistic_sharpe_ratio": "confidence",
    "psr_from_moments": "confidence",
    "DrawdownPeriod": "drawdown",
    "EquityDrawdown": "drawdown",
    "drawdown_periods": "drawdown",
    "equity_drawdown": "drawdown",
    "max_drawdown": "drawdown",
    "time_to_recovery": "drawdown",
    "ulcer_index": "drawdown",
    "underwater": "drawdown",
    "mean_slippage_bps": "execution",
    "slippage_bps": "execution",
    "FIGURES": "registry",
    "Figure": "registry",
    "get_figure": "registry",
    "alpha_beta": "returns",
    "annual_return": "returns",
    "annual_volatility": "returns",
    "cagr": "returns",
    "calmar_ratio": "returns",
    "cumulative_return": "returns",
    "downside_deviation": "returns",
    "downside_risk": "returns",
    "excess_sharpe": "returns",
    "information_ratio": "returns",
    "log_returns": "returns",
    "omega_ratio": "returns",
    "sharpe_ratio": "returns",
    "simple_returns": "returns",
    "sortino_ratio": "returns",
    "stability": "returns",
    "tail_ratio": "returns",
    "tracking_error": "returns",
    "rolling_max_drawdown": "rolling",
    "rolling_mean": "rolling",
    "rolling_sharpe": "rolling",
    "rolling_sortino": "rolling",
    "rolling_volatility": "rolling",
    "conditional_value_at_risk": "tail",
    "excess_kurtosis": "tail",
    "skewness": "tail",
    "value_at_risk": "tail",
    "average_holding_time": "trades",
    "average_loss": "trades",
    "average_win": "trades",
    "expectancy": "trades",
    "kelly_fraction": "trades",
    "longest_streaks": "trades",
    "payoff_ratio": "trades",
    "profit_factor": "trades",
    "sqn": "trades",
    "trade_outcomes": "trades",
    "win_rate": "trades",
}

__all__ = [
    "FIGURES",
    "DrawdownPeriod",
    "EquityDrawdown",
    "Figure",
    "Interval",
    "alpha_beta",
    "annual_return",
    "annual_volatility",
    "average_holding_time",
    "average_loss",
    "average_win",
    "bootstrap_mean_ci",
    "bootstrap_sharpe_ci",
    "cagr",
    "calmar_ratio",
    "conditional_value_at_risk",
    "cumulative_return",
    "deflated_sharpe_ratio",
    "downside_deviation",
    "downside_risk",
    "drawdown_periods",
    "equity_drawdown",
    "excess_kurtosis",
    "excess_sharpe",
    "expectancy",
    "expected_max_sharpe",
    "get_figure",
    "information_ratio",
    "kelly_fraction",
    "log_returns",
    "longest_streaks",
    "max_drawdown",
    "mean_slippage_bps",
    "min_trl_from_moments",
    "minimum_track_record_length",
    "omega_ratio",
    "payoff_ratio",
    "probabilistic_sharpe_ratio",
    "profit_factor",
    "psr_from_moments",
    "rolling_max_drawdown",
    "rolling_mean",
    "rolling_sharpe",
    "rolling_sortino",
    "rolling_volatility",
    "sharpe_ratio",
    "simple_returns",
    "skewness",
    "slippage_bps",
    "sortino_ratio",
    "sqn",
    "stability",
    "tail_ratio",
    "time_to_recovery",
    "tracking_error",
    "trade_outcomes",
    "ulcer_index",
    "underwater",
    "value_at_risk",
    "win_rate",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tradeperf.metrics' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tradeperf.metrics.{home}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
