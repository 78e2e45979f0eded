"""The registry and docs/metrics.md describe the same figures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tradeperf.metrics import FIGURES, get_figure

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
SUMMARY_KEYS = [
    "trades",
    "wins",
    "losses",
    "breakevens",
    "win_rate",
    "average_win",
    "average_loss",
    "payoff_ratio",
    "profit_factor",
    "expectancy",
    "gross_pnl",
    "net_pnl",
    "fees",
    "largest_win",
    "largest_loss",
    "longest_win_streak",
    "longest_loss_streak",
    "average_holding_seconds",
    "max_drawdown",
    "max_drawdown_abs",
    "sharpe_ratio",
    "sortino_ratio",
    "return_pct",
    "realized_pnl",
    "unrealized_pnl",
    "open_positions",
]


def documented() -> set[str]:
    return set(re.findall(r"^### (\w+)\s*$", DOC.read_text(encoding="utf-8"), re.MULTILINE))


def test_every_registry_figure_has_a_docs_section_and_vice_versa():
    assert documented() == set(FIGURES)


def test_registry_holds_every_key_the_summaries_emit():
    assert set(SUMMARY_KEYS) <= set(FIGURES)


def test_units_are_from_the_known_list_and_names_match_keys():
    units = {"count", "currency", "fraction", "ratio", "seconds", "periods", "probability"}
    for key, fig in FIGURES.items():
        assert fig.name == key
        assert fig.unit in units
        assert fig.description


def test_unknown_figure_names_the_known_ones():
    with pytest.raises(KeyError, match="sharpe_ratio"):
        get_figure("sharp")
