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


def test_every_figure_a_summary_emits_is_registered_and_in_the_schema():
    import datetime as dt
    import json
    from decimal import Decimal
    from importlib import resources

    import numpy as np

    from tradeperf.analytics.figures import ClosedTrades, group_figures

    ints = np.empty(0, np.int64)
    labels = np.empty(0, object)
    days = np.empty(0, "datetime64[D]")
    empty = ClosedTrades([], [], [], np.empty(0), ints, ints, days, labels, labels)
    figures = group_figures(
        empty, equity_start=Decimal(1), first_day=dt.date(2024, 1, 1), last_day=dt.date(2024, 1, 2)
    )
    keys = set(figures)
    assert keys <= set(FIGURES)
    schema = json.loads(
        resources.files("tradeperf.reports.schemas").joinpath("figures.schema.json").read_text()
    )
    assert set(schema["required"]) == keys
    assert set(schema["properties"]) - {"null_reasons"} <= set(FIGURES)
