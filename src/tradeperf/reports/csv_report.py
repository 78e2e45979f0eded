"""CSV exports of a summary: its windows, groups, breakdown, daily series and drawdown periods.

Every file is made from the summary document (`tradeperf.reports.json_report.summary_to_json`),
so a CSV holds the very figures the JSON does: money as the exact decimal text, fractions as
floats, a missing value as an empty cell. One row per window, group or day, one column per
figure (in the JSON's order). A spreadsheet or ``pandas.read_csv`` reads them as they are.

Files (those with no rows are not written):

- ``daily.csv``, ``weekly.csv``, ``monthly.csv``: ``window``, ``start``, ``end`` (local, with
  offset), then the figures;
- ``strategies.csv``, ``symbols.csv``: ``strategy`` / ``symbol``, then the figures;
- ``breakdown.csv``: one column per key of ``--by``, then the figures;
- ``series.csv``: the daily rows (``day``, ``trades``, ``net_pnl``, ``cumulative_pnl``,
  ``equity``, ``return``, ``drawdown``);
- ``drawdowns.csv``: the deepest drawdown periods of the daily series
  (`tradeperf.metrics.drawdown.drawdown_periods` on its daily returns): ``rank``, ``peak``
  (the last day at the peak, empty when the peak is the starting equity), ``valley``,
  ``recovery`` (the first day back at the peak, empty while underwater), ``depth`` (a
  fraction below 0) and ``days`` (from the peak to the recovery, or to the last day).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import numpy as np

from tradeperf.metrics.drawdown import drawdown_periods
from tradeperf.reports.json_report import decimal_text

#: How many drawdown periods ``drawdowns.csv`` lists, deepest first.
TOP_DRAWDOWNS: Final = 10

_SERIES_COLUMNS: Final = (
    "day", "trades", "net_pnl", "cumulative_pnl", "equity", "return", "drawdown",
)  # fmt: skip


def cell(value: object) -> str:
    """Give a JSON value as CSV text: exact decimals, floats in full, empty for null.

    Examples
    --------
    >>> cell(Decimal("12.500000000000000000")), cell(0.1), cell(None), cell(True)
    ('12.5', '0.1', '', 'true')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value) if value.is_finite() else ""  # as the JSON writes it
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return str(value)


def figure_columns(groups: Iterable[Mapping[str, Any]]) -> list[str]:
    """Give the figure names of ``groups`` (figure dicts), in the order the first one has."""
    out: dict[str, None] = {}
    for figures in groups:
        out.update(dict.fromkeys(figures))
    return list(out)


def csv_tables(doc: Mapping[str, Any]) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Give the CSV files of a summary document: name -> (header, rows).

    Parameters
    ----------
    doc
        The summary document (`summary_to_json`), with Decimal money.
    """
    out: dict[str, tuple[list[str], list[list[str]]]] = {}
    for kind, windows in (doc.get("windows") or {}).items():
        out[f"{kind}.csv"] = _figure_table(
            ["window", "start", "end"],
            [([w["window"], w["start"], w["end"]], w["figures"]) for w in windows],
        )
    for block, label, name in (
        ("by_strategy", "strategy", "strategies.csv"),
        ("by_symbol", "symbol", "symbols.csv"),
    ):
        groups = (doc.get(block) or {}).items()
        out[name] = _figure_table([label], [([g], f) for g, f in groups])
    breakdown = doc.get("breakdown")
    if breakdown:
        by = list(breakdown["by"])
        out["breakdown.csv"] = _figure_table(
            by, [([g["key"][k] for k in by], g["figures"]) for g in breakdown["groups"]]
        )
    series = (doc.get("series") or {}).get("daily") or []
    out["series.csv"] = (
        list(_SERIES_COLUMNS),
        [[cell(r.get(c)) for c in _SERIES_COLUMNS] for r in series],
    )
    out["drawdowns.csv"] = _drawdowns(series)
    return {name: table for name, table in out.items() if table[1]}


def _figure_table(
    labels: list[str], items: Sequence[tuple[list[str], Mapping[str, Any]]]
) -> tuple[list[str], list[list[str]]]:
    """Give a table of (labels, figures) items: the label columns, then one per figure."""
    names = figure_columns(figures for _, figures in items)
    rows = [[*values, *(cell(figures.get(n)) for n in names)] for values, figures in items]
    return [*labels, *names], rows


def top_drawdowns(
    series: Sequence[Mapping[str, Any]], top: int = TOP_DRAWDOWNS
) -> list[dict[str, Any]]:
    """Give the ``top`` deepest drawdown periods of a document's daily rows, deepest first.

    Each is ``{"rank", "peak", "valley", "recovery", "depth", "days"}``: the days as ISO text
    (``peak`` None when the peak is the starting equity, ``recovery`` None while underwater),
    ``depth`` a fraction below 0, ``days`` from the peak to the recovery or the last day
    (`tradeperf.metrics.drawdown.drawdown_periods` on the rows' daily returns; positions on
    the path W_0..W_n, W_i the end of day i).

    Parameters
    ----------
    series
        The daily rows of a summary document (``doc["series"]["daily"]``).
    top
        How many periods at most.
    """
    if not series:
        return []
    returns = np.array([np.nan if r.get("return") is None else float(r["return"]) for r in series])
    days = [str(r["day"]) for r in series]

    def day(position: int) -> str | None:  # W_i is the end of day i (W_0: the start)
        return days[position - 1] if position >= 1 else None

    return [
        {"rank": rank, "peak": day(p.peak), "valley": day(p.valley),
         "recovery": day(p.recovery) if p.recovery >= 0 else None,
         "depth": float(p.depth), "days": int(p.duration)}
        for rank, p in enumerate(drawdown_periods(returns, top=top), start=1)
    ]  # fmt: skip


def _drawdowns(series: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Give the table of the deepest drawdown periods of the daily rows (`top_drawdowns`)."""
    header = ["rank", "peak", "valley", "recovery", "depth", "days"]
    return header, [[cell(p[c]) for c in header] for p in top_drawdowns(series)]


def write_csvs(doc: Mapping[str, Any], out_dir: Path) -> list[Path]:
    """Write the CSV files of a summary document into ``out_dir``; return their paths.

    Parameters
    ----------
    doc
        The summary document (`summary_to_json`).
    out_dir
        An existing folder.

    Raises
    ------
    OSError
        If a file cannot be written.
    """
    paths = []
    for name, (header, rows) in csv_tables(doc).items():
        path = out_dir / name
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
        paths.append(path)
    return paths
