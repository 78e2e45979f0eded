"""Figures of one's own: registered in Python or by an installed plugin, shown in summaries."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.cli.conftest import Tradeperf
from tradeperf.metrics import registry
from tradeperf.metrics.registry import Figure, get_figure, register_figure, unregister_figure

LOG = [
    {"trade_id": f"t{i}", "symbol": "X", "strategy": "ab"[i % 2], "status": "CLOSED",
     "entry_time": f"2024-05-{i + 1:02d}T08:00:00Z", "exit_time": f"2024-05-{i + 1:02d}T09:00:00Z",
     "net_pnl": str(p)}
    for i, p in enumerate([120, -80, 45, -10, 300, -150, 20])
]  # fmt: skip


def _best_day(r: np.ndarray) -> float:
    return float(np.max(r)) if r.size else float("nan")


@pytest.fixture
def best_day() -> Iterator[Figure]:
    figure = register_figure(Figure("best_day", "fraction", True, "Best daily return.", _best_day))
    try:
        yield figure
    finally:
        unregister_figure("best_day")


def _summary(tradeperf: Tradeperf, tmp_path: Path, *args: str) -> dict:
    (tmp_path / "log.jsonl").write_text("\n".join(json.dumps(t) for t in LOG) + "\n")
    assert tradeperf("ingest", str(tmp_path / "log.jsonl")).code == 0
    ran = tradeperf("summary", "--format", "json", "--capital", "1000", *args)
    assert ran.code == 0, ran.err
    return json.loads(ran.out)


def test_a_registered_figure_is_in_the_summary_rows(
    tradeperf: Tradeperf, tmp_path: Path, best_day: Figure
) -> None:
    doc = _summary(tradeperf, tmp_path, "--by", "strategy")
    returns = pd.Series([r["return"] for r in doc["series"]["daily"]])
    assert doc["overall"]["best_day"] == pytest.approx(returns.max())
    for strategy, figures in doc["by_strategy"].items():
        own = pd.Series([r["return"] for r in doc["series"]["by_strategy"][strategy]])
        assert figures["best_day"] == pytest.approx(own.max())
    assert all("best_day" in g["figures"] for g in doc["breakdown"]["groups"])
    assert all("best_day" not in w["figures"] for w in doc["windows"]["daily"])
    assert get_figure("best_day").builtin is False


@pytest.mark.parametrize(
    ("figure", "message"),
    [
        (Figure("sharpe_ratio", "ratio", True, "x", _best_day), "already registered"),
        (Figure("Best", "ratio", True, "x", _best_day), "lowercase identifier"),
        (Figure("best2", "percent", True, "x", _best_day), "unit"),  # type: ignore[arg-type]
        (Figure("best3", "ratio", True, "x", None), "a function"),
        (Figure("best4", "ratio", True, "x", _best_day, inputs="trade_pnl"), "daily returns"),
    ],
)
def test_a_bad_figure_is_refused(figure: Figure, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        register_figure(figure)
    with pytest.raises(KeyError):
        unregister_figure("sharpe_ratio")  # a built-in figure stays


def test_a_figure_that_raises_is_one_line_and_exit_code(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    def broken(r: np.ndarray) -> float:
        raise ZeroDivisionError("oops")

    register_figure(Figure("broken", "ratio", True, "Fails.", broken))
    try:
        (tmp_path / "log.jsonl").write_text("\n".join(json.dumps(t) for t in LOG) + "\n")
        assert tradeperf("ingest", str(tmp_path / "log.jsonl")).code == 0
        ran = tradeperf("summary")
    finally:
        unregister_figure("broken")
    assert ran.code == 3
    assert "figure 'broken' failed on the daily returns: oops" in ran.err
    assert "Traceback" not in ran.text


def test_an_installed_plugin_registers_its_figures(
    tradeperf: Tradeperf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "worstday_plugin.py").write_text(
        textwrap.dedent(
            """
            import numpy as np
            from tradeperf.metrics.registry import Figure

            def figures():
                return [Figure("worst_day", "fraction", False, "Worst daily return.",
                               lambda r: float(np.min(r)) if r.size else float("nan"))]
            """
        )
    )
    info = site / "worstday_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: worstday-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[tradeperf.figures]\nworst = worstday_plugin:figures\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(registry, "_LOADED", {})
    monkeypatch.setattr(registry, "_SCANNED", [])  # look for plugins again
    try:
        doc = _summary(tradeperf, tmp_path)
        returns = pd.Series([r["return"] for r in doc["series"]["daily"]])
        assert doc["overall"]["worst_day"] == pytest.approx(returns.min())
        assert Decimal(str(doc["overall"]["worst_day"])) < 0
    finally:
        unregister_figure("worst_day")


def test_a_registered_figure_rolls(tradeperf: Tradeperf, tmp_path: Path, best_day: Figure) -> None:
    doc = _summary(tradeperf, tmp_path, "--rolling", "best_day:3d")
    returns = pd.Series([r["return"] for r in doc["series"]["daily"]])
    expected = returns.rolling(3).max()
    got = [v["value"] for v in doc["rolling"]["best_day:3d"]]
    assert got == [None if pd.isna(x) else pytest.approx(x) for x in expected]
