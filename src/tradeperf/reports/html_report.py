"""The HTML tear sheet: one self-contained file with the headline figures, charts and tables.

Made from the summary document (`tradeperf.reports.json_report.summary_to_json`) and the
`ReportExtras` the report job gathered beside it (the closed trades as `trade_rows`, the P&L
by hour and by weekday, the rejected rows); it never reads the store. The file works offline
and opened from disk: Plotly.js (the cartesian bundle, MIT, vendored in ``assets/`` with its
licence) and the styles are inline, a Content-Security-Policy forbids every request, and no
font, image or script is fetched.

What it shows:

- the headline figures (`HEADLINE`), each with its registry definition on hover, and a
  glossary of every figure the page shows, from the registry;
- charts (`tradeperf.reports.charts`): equity (and a benchmark's), underwater drawdown with
  the deepest periods shaded, daily P&L, monthly returns (years × months, reporting
  timezone), trade P&L and holding-time distributions, rolling Sharpe and volatility,
  cumulative P&L per strategy and per symbol, P&L by hour and by weekday;
- tables: the windows, strategies, symbols, deepest drawdowns, best and worst trades, the
  trade list (sortable, filtered, paginated; beyond `TRADE_LIST_LIMIT` trades it embeds the
  latest, best and worst and points to ``trades.csv``), and the rejected rows and unreadable
  files when the run was partial;
- a print style (A4), used by `tradeperf.reports.pdf_report`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.reports import charts
from tradeperf.reports.csv_report import top_drawdowns
from tradeperf.reports.markdown import (
    BENCHMARK_ROWS,
    COLUMNS,
    OVERALL_ROWS,
    cell,
    fmt,
    money_decimals,
)

#: The headline figures, in order.
HEADLINE: Final = (
    "net_pnl",
    "return_pct",
    "cagr",
    "sharpe_ratio",
    "sortino_ratio",
    "max_drawdown",
    "win_rate",
    "profit_factor",
    "trades",
)
#: Up to this many trades the trade list embeds them all.
TRADE_LIST_LIMIT: Final = 5_000
#: Beyond `TRADE_LIST_LIMIT`: the latest, best and worst trades embedded.
LATEST_TRADES: Final = 3_000
BEST_WORST_TRADES: Final = 1_000
#: The rolling figures the tear sheet charts (rolling specs, `tradeperf.analytics.rolling`).
ROLLING: Final = ("sharpe_ratio:30d", "annual_volatility:30d")
#: The daily windows listed at most (the latest; every day is in ``daily.csv``).
DAILY_ROWS: Final = 62
#: Best and worst trades listed in their own tables.
TOP_TRADES: Final = 10
#: Rejected rows listed at most (the rest are counted).
REJECTED_LISTED: Final = 200

#: The trade list's columns (of `tradeperf.reports.trade_rows.COLUMNS`), numeric ones marked.
#: (column, how the page shows it: text, num, pct or duration)
_TRADE_LIST: Final = (
    ("exit_time", "text"),
    ("strategy", "text"),
    ("symbol", "text"),
    ("side", "text"),
    ("quantity", "num"),
    ("entry_price", "num"),
    ("exit_price", "num"),
    ("net_pnl", "num"),
    ("fees", "num"),
    ("return_pct", "pct"),
    ("holding_seconds", "duration"),
    ("exit_reason", "text"),
    ("account", "text"),
    ("venue", "text"),
    ("trade_id", "text"),
)
_SIGNED: Final = {"net_pnl", "return_pct"}
#: The headline figures coloured by their sign.
_TONED: Final = frozenset({"net_pnl", "return_pct", "cagr"})
_LOCAL: Final = "%Y-%m-%d %H:%M:%S"
_TRADE_HEADERS: Final = {
    "entry_price": "entry price", "exit_price": "exit price", "net_pnl": "net P&L",
    "return_pct": "return", "holding_seconds": "holding", "exit_reason": "exit reason",
    "trade_id": "trade id",
}  # fmt: skip
_LABELS: Final = dict(OVERALL_ROWS)


@dataclass(frozen=True, slots=True)
class ReportExtras:
    """What the tear sheet shows beside the summary document.

    Attributes
    ----------
    trades
        The closed trades as text rows (`tradeperf.reports.trade_rows.trade_rows`), or None.
    by_hour, by_weekday
        The breakdowns by exit hour and weekday (`breakdown_to_json`), or None.
    rejected
        Rejected rows and unreadable files of the sources: dicts with ``source``, ``line``
        (None for an unreadable file), ``field`` and ``reason``, at most `REJECTED_LISTED`.
    """

    trades: pa.Table | None = None
    by_hour: Mapping[str, Any] | None = None
    by_weekday: Mapping[str, Any] | None = None
    rejected: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


@cache
def plotly_js() -> str:
    """Give the vendored Plotly.js cartesian bundle (scatter, bar, heatmap, histogram)."""
    return (resources.files("tradeperf.reports") / "assets" / "plotly-cartesian.min.js").read_text(
        encoding="utf-8"
    )


@cache
def _template() -> Any:
    import jinja2

    text = (resources.files("tradeperf.reports") / "templates" / "tearsheet.html.j2").read_text(
        encoding="utf-8"
    )
    env = jinja2.Environment(autoescape=True, trim_blocks=False, lstrip_blocks=False)
    return env.from_string(text)


def _script_json(value: Any) -> str:
    """JSON for a ``<script>`` block: compact, Decimals as numbers, ``</`` escaped."""
    text = json.dumps(value, separators=(",", ":"), default=float, allow_nan=False)
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _unit(name: str) -> str:
    from tradeperf.metrics.registry import FIGURES

    f = FIGURES.get(name)
    return f.unit if f else ""


#: Labels of figures the Markdown's overall table does not name.
_MORE_LABELS: Final = {
    "cagr": "CAGR",
    "annual_volatility": "Annual volatility",
    "calmar_ratio": "Calmar ratio",
    "value_at_risk": "Value at risk (daily)",
    "conditional_value_at_risk": "Conditional value at risk (daily)",
    "tail_ratio": "Tail ratio",
    "probabilistic_sharpe_ratio": "Probabilistic Sharpe ratio",
    "current_streak": "Current streak",
}


def _label(name: str) -> str:
    """Give a figure's label for people (the Markdown's, else from its name)."""
    return _LABELS.get(name) or _MORE_LABELS.get(name) or name.replace("_", " ").capitalize()


def _definition(name: str) -> str:
    from tradeperf.metrics.registry import FIGURES

    f = FIGURES.get(name)
    return f.description if f else ""


def _tone(name: str, value: Any) -> str:
    """Give the colour class of a headline figure: gains green, losses red (P&L and returns)."""
    if value is None or name not in _TONED:
        return ""
    return "pos" if value > 0 else "neg" if value < 0 else ""


def _kpis(overall: Mapping[str, Any], currency: str, places: int) -> list[dict[str, str]]:
    return [
        {
            "label": _label(name).split(" (")[0],
            "definition": _definition(name),
            "value": cell(dict(overall), name, currency, decimals=places),
            "tone": _tone(name, overall.get(name)),
        }
        for name in HEADLINE
        if name in overall
    ]


def _table(
    table_id: str,
    title: str,
    header: Sequence[tuple[str, bool] | tuple[str, bool, str]],
    rows: list[list[Any]],
    *,
    note: str | None = None,
    folded: str | None = None,
) -> dict[str, Any]:
    """Give a table for the template.

    ``header`` is (label, text, definition) per column (text columns align left; the
    definition, optional, shows on hover); ``folded`` is the summary line of a table shown
    on demand.
    """
    columns = [
        {"label": h[0], "text": h[1], "definition": h[2] if len(h) > 2 else ""} for h in header
    ]
    return {"id": table_id, "title": title, "header": columns, "rows": rows, "note": note,
            "folded": folded}  # fmt: skip


def _figure_table(
    table_id: str,
    title: str,
    label: str,
    items: Sequence[tuple[str, Mapping[str, Any]]],
    currency: str,
    places: int,
    *,
    extra: Sequence[str] = (),
    note: str | None = None,
    folded: str | None = None,
) -> dict[str, Any]:
    names = [n for n, _ in COLUMNS] + list(extra)
    header = [(label, True)] + [
        (dict(COLUMNS).get(n, _label(n)), False, _definition(n)) for n in names
    ]
    rows = [
        [key] + [cell(dict(figures), n, currency, decimals=places) for n in names]
        for key, figures in items
    ]
    return _table(table_id, title, header, rows, note=note, folded=folded)


def _trade_selection(trades: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Give the trades embedded, every trade's net P&L, and their ranking.

    The positions of the embedded trades are in exit order; the ranking runs from the best
    trade to the worst, ties in exit order.
    """
    net = pc.cast(trades.column("net_pnl"), pa.float64()).to_numpy(zero_copy_only=False)
    n = trades.num_rows
    order = np.lexsort((np.arange(n), -net))
    if n <= TRADE_LIST_LIMIT:
        return np.arange(n), net, order
    keep = np.concatenate(
        (np.arange(n - LATEST_TRADES, n), order[:BEST_WORST_TRADES], order[-BEST_WORST_TRADES:])
    )
    return np.unique(keep), net, order


def _trade_tables(
    trades: pa.Table, order: np.ndarray, currency: str, places: int, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """Give the tables of the best and the worst trades (``order``: best to worst)."""
    columns = ("exit_time", "strategy", "symbol", "side", "net_pnl", "return_pct", "exit_reason")
    header = [(f"Exit ({tz.key})", True), ("Strategy", True), ("Symbol", True), ("Side", True),
              ("Net P&L", False), ("Return", False), ("Exit reason", True)]  # fmt: skip

    def rows(positions: np.ndarray) -> list[list[Any]]:
        part = trades.take(pa.array(positions, pa.int64())).select(list(columns)).to_pylist()
        times = _local_times([r["exit_time"] for r in part], tz)
        return [
            [when, r["strategy"], r["symbol"], r["side"],
             fmt(Decimal(r["net_pnl"]), "money", currency, decimals=places),
             "" if r["return_pct"] is None else fmt(float(r["return_pct"]), "pct", currency),
             r["exit_reason"] or ""]
            for when, r in zip(times, part, strict=True)
        ]  # fmt: skip

    best, worst = order[:TOP_TRADES], order[::-1][:TOP_TRADES]
    return [
        _table("best-trades", f"Best {len(best)} trades", header, rows(best)),
        _table("worst-trades", f"Worst {len(worst)} trades", header, rows(worst)),
    ]


def _local_times(texts: Sequence[str | None], tz: ZoneInfo) -> list[str | None]:
    """Give ISO UTC times as local wall-clock text to the second (``2024-01-02 16:30:00``)."""
    return [
        None if t is None else dt.datetime.fromisoformat(t).astimezone(tz).strftime(_LOCAL)
        for t in texts
    ]


def _trade_list(trades: pa.Table | None, positions: np.ndarray, tz: ZoneInfo) -> dict[str, Any]:
    names = [c for c, _ in _TRADE_LIST]
    kinds = [k for _, k in _TRADE_LIST]
    out: dict[str, Any] = {
        "columns": names,
        "kinds": kinds,
        "signed": [c in _SIGNED for c in names],
    }
    if trades is None:
        return out | {"rows": []}
    part = trades.take(pa.array(positions, pa.int64())).select(names)
    columns = [part.column(c).to_pylist() for c in names]
    columns[0] = _local_times(columns[0], tz)
    out["columns"] = [_TRADE_HEADERS.get(c, c) for c in names]
    out["columns"][0] = f"exit ({tz.key})"
    return out | {"rows": [list(r) for r in zip(*columns, strict=True)]}


def _charts(
    doc: Mapping[str, Any], extras: ReportExtras, net: np.ndarray | None
) -> list[dict[str, Any]]:
    cur = doc["currency"]
    series = doc.get("series") or {}
    daily = series.get("daily") or []
    drawdowns = top_drawdowns(daily)
    rolling = doc.get("rolling") or {}
    out: list[dict[str, Any]] = [
        {
            "id": "equity",
            "title": "Equity",
            "wide": True,
            "figure": charts.equity_chart(daily, cur, doc.get("benchmark")),
        },
        {
            "id": "underwater",
            "title": "Underwater drawdown",
            "wide": True,
            "figure": charts.underwater_chart(daily, drawdowns),
        },
        {
            "id": "daily-pnl",
            "title": "Daily net P&L",
            "wide": True,
            "figure": charts.daily_pnl_chart(daily, cur),
            "section_after": "Returns",
        },
    ]
    monthly = (doc.get("windows") or {}).get("monthly")
    if monthly:
        out.append(
            {
                "id": "monthly",
                "title": "Monthly returns",
                "wide": True,
                "figure": charts.monthly_heatmap(monthly),
            }
        )
    for spec, label in zip(
        ROLLING,
        ("Rolling Sharpe ratio (30 days)", "Rolling annualised volatility (30 days)"),
        strict=True,
    ):
        if spec in rolling:
            figure = charts.rolling_chart(
                rolling, spec, label, percent=_unit(spec.split(":")[0]) == "fraction"
            )
            out.append(
                {"id": spec.split(":")[0].replace("_", "-"), "title": label, "figure": figure}
            )
    if net is not None and extras.trades is not None:
        holding = pc.cast(extras.trades.column("holding_seconds"), pa.float64())
        hold = holding.to_numpy(zero_copy_only=False)
        out += [
            {
                "id": "pnl-distribution",
                "title": "Trade P&L distribution",
                "figure": charts.pnl_histogram(net, cur),
            },
            {
                "id": "holding",
                "title": "Holding time",
                "figure": charts.holding_histogram(np.asarray(hold, dtype=np.float64)),
            },
        ]
    out[-1]["section_after"] = "Strategies, symbols and time of day"
    out += [
        {
            "id": "by-strategy",
            "title": "Cumulative P&L per strategy",
            "figure": charts.group_lines(
                series.get("by_strategy") or {}, "Cumulative net P&L per strategy", cur
            ),
        },
        {
            "id": "by-symbol",
            "title": "Cumulative P&L per symbol",
            "figure": charts.group_lines(
                series.get("by_symbol") or {}, "Cumulative net P&L per symbol", cur
            ),
        },
    ]
    tz = doc["timezone"]
    for key, breakdown in (("hour", extras.by_hour), ("weekday", extras.by_weekday)):
        if breakdown:
            title = f"Net P&L by exit {key} ({tz})"
            figure = charts.breakdown_bars(breakdown, title, cur)
            out.append({"id": f"by-{key}", "title": f"P&L by {key}", "figure": figure})
    return out


def _overall_table(overall: Mapping[str, Any], currency: str, places: int) -> dict[str, Any]:
    names = [n for n in overall if n != "null_reasons" and _definition(n)]
    half = (len(names) + 1) // 2
    rows = []
    for left, right in zip(names[:half], [*names[half:], None], strict=False):
        row = [_label(left), cell(dict(overall), left, currency, decimals=places)]
        if right is not None:
            row += [_label(right), cell(dict(overall), right, currency, decimals=places)]
        rows.append(row)
    note = "Definitions: the glossary at the end (and on hover of the headline figures)."
    header = [("Figure", True), ("Value", False)] * 2
    return _table("figures", "All figures of the period", header, rows, note=note)


def _drawdown_table(daily: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    rows = [
        [
            str(p["rank"]),
            p["peak"] or "start",
            p["valley"],
            p["recovery"] or "not recovered",
            f"{100 * p['depth']:.2f} %",
            str(p["days"]),
        ]
        for p in top_drawdowns(daily)
    ]
    header = [("Rank", False), ("Peak", True), ("Valley", True), ("Recovery", True),
              ("Depth", False), ("Days", False)]  # fmt: skip
    note = (
        "From the last day at the peak to the first day back at it; days include the recovery day."
    )
    return _table("drawdowns", "Deepest drawdowns (end-of-day equity)", header, rows, note=note)


def _rejected_table(doc: Mapping[str, Any], extras: ReportExtras) -> dict[str, Any] | None:
    if not doc.get("partial"):
        return None
    rows = [
        [
            str(r["source"]),
            "unreadable file" if r.get("line") is None else str(r["line"]),
            str(r.get("field") or ""),
            str(r["reason"]),
        ]
        for r in extras.rejected
    ]
    total = int(doc.get("rejected_rows") or 0) + int(doc.get("unreadable_files") or 0)
    note = (
        f"{doc.get('rejected_rows', 0):,} rejected rows and {doc.get('unreadable_files', 0):,} "
        "unreadable files are left out of the figures"
        + (f"; the first {len(rows)} are listed" if len(rows) < total else "")
        + " (all: `tradeperf quarantine`)."
    )
    header = [(h, True) for h in ("Source", "Line", "Field", "Reason")]
    return _table("rejected", "Rejected rows and unreadable files", header, rows, note=note)


def _benchmark(doc: Mapping[str, Any]) -> dict[str, Any] | None:
    block = doc.get("benchmark")
    if not block:
        return None
    figures = block.get("figures") or {}
    rows = [
        {
            "label": label,
            "value": cell(figures, name, doc["currency"]),
            "definition": _definition(name),
        }
        for name, label in BENCHMARK_ROWS
        if name in figures
    ]
    note = (
        f"{block.get('days', 0)} days in common; a day of ours the benchmark has no row for "
        "(a weekend of an index) counts as an unchanged benchmark."
    )
    return {"name": block.get("name", "benchmark"), "rows": rows, "note": note}


def _glossary(names: Sequence[str]) -> list[dict[str, str]]:
    from tradeperf.metrics.registry import FIGURES

    out = []
    for name in dict.fromkeys(names):
        f = FIGURES.get(name)
        if f is not None:
            out.append(
                {
                    "name": name,
                    "label": _label(name),
                    "description": f.description,
                    "unit": f.unit,
                }
            )
    return out


def _period(doc: Mapping[str, Any]) -> str:
    period = doc.get("period") or {}
    daily = (doc.get("series") or {}).get("daily") or []
    if daily:
        return f"{daily[0]['day']} to {daily[-1]['day']}"
    first, last = period.get("first_exit"), period.get("last_exit")
    return f"{first} to {last}" if first else "no closed trades"


def render_html(
    doc: Mapping[str, Any],
    extras: ReportExtras = ReportExtras(),
    *,
    overrides: Mapping[str, int] | None = None,
    title: str | None = None,
) -> str:
    """Give the tear sheet of a summary document as one self-contained HTML page.

    Parameters
    ----------
    doc
        The summary document (`summary_to_json`), with Decimal money.
    extras
        The trades, hour and weekday breakdowns and rejected rows (`ReportExtras`).
    overrides
        Decimals of money per currency (the ``money_decimals`` setting); None: the
        currency's own.
    title
        The page's title; None: "Performance report".

    Examples
    --------
    >>> import tempfile
    >>> from tradeperf.analytics.summary import SummaryRequest, summarize
    >>> from tradeperf.reports.json_report import summary_to_json
    >>> from tradeperf.store import open_store
    >>> with tempfile.TemporaryDirectory() as tmp, open_store(f"duckdb://{tmp}/s.duckdb") as st:
    ...     page = render_html(summary_to_json(summarize(st, SummaryRequest())))
    >>> page.startswith("<!DOCTYPE html>"), "<script src" in page, "Plotly.newPlot" in page
    (True, False, True)
    """
    from tradeperf import __version__

    cur = doc["currency"]
    tz = ZoneInfo(doc["timezone"])
    places = money_decimals(cur, overrides)
    trades = extras.trades
    positions, net, order = (
        _trade_selection(trades) if trades is not None else (np.empty(0, np.int64), None, None)
    )
    overall = doc.get("overall") or {}
    tables: list[dict[str, Any]] = [_overall_table(overall, cur, places)]
    windows = doc.get("windows") or {}
    for kind, label, folded in (
        ("monthly", "Monthly windows", None),
        ("weekly", "Weekly windows", "show the weekly windows"),
        ("daily", "Daily windows", "show the daily windows"),
    ):
        rows = windows.get(kind) or []
        note = None
        if kind == "daily" and len(rows) > DAILY_ROWS:
            note = f"The last {DAILY_ROWS} of {len(rows):,} days; every day is in daily.csv."
            rows = rows[-DAILY_ROWS:]
        if rows:
            tables.append(
                _figure_table(
                    f"{kind}-windows",
                    label,
                    "Window",
                    [(w["window"], w["figures"]) for w in rows],
                    cur,
                    places,
                    note=note,
                    extra=("return_pct",),
                    folded=folded,
                )
            )
    for block, title_, label in (
        ("by_strategy", "Strategies", "Strategy"),
        ("by_symbol", "Symbols", "Symbol"),
    ):
        groups = doc.get(block) or {}
        if groups:
            tables.append(
                _figure_table(
                    title_.lower(),  # "strategies", "symbols" (the charts are by-...)
                    title_,
                    label,
                    sorted(groups.items()),
                    cur,
                    places,
                    extra=("return_pct",),
                )
            )
    tables.append(_drawdown_table((doc.get("series") or {}).get("daily") or []))
    if trades is not None and trades.num_rows and order is not None:
        tables += _trade_tables(trades, order, cur, places, tz)
    rejected = _rejected_table(doc, extras)
    if rejected:
        tables.append(rejected)
    total = trades.num_rows if trades is not None else int(overall.get("trades") or 0)
    embedded = len(positions)
    if trades is None:
        trade_note = "The trade list was not computed for this report."
    elif embedded < total:
        trade_note = (
            f"{total:,} closed trades: this page holds {embedded:,} of them (the latest "
            f"{LATEST_TRADES:,}, the best {BEST_WORST_TRADES:,} and the worst "
            f"{BEST_WORST_TRADES:,}); every trade is in trades.csv beside this file."
        )
    else:
        trade_note = f"All {total:,} closed trades; click a column to sort, type to filter."
    chart_list = _charts(doc, extras, net)
    banners = []
    if doc.get("partial"):
        banners.append(
            f"Partial: {doc.get('rejected_rows', 0):,} rejected rows and "
            f"{doc.get('unreadable_files', 0):,} unreadable files are left out of the figures "
            "(listed below)."
        )
    if doc.get("other_currencies"):
        left = ", ".join(f"{c} ({n:,})" for c, n in doc["other_currencies"].items())
        banners.append(
            f"Records in other currencies are left out: {left}. {doc.get('conversion_missing')}"
        )
    sources = (doc.get("filters") or {}).get("sources") or []
    names = list(HEADLINE) + [n for n, _ in COLUMNS] + ["return_pct"] + list(overall)
    page = _template().render(
        title=title or "Performance report",
        version=__version__,
        doc=doc,
        period=_period(doc),
        capital=fmt(Decimal(str(doc["capital"])), "money", cur, decimals=places),
        sources=(
            f"{len(sources):,} source file{'s' if len(sources) != 1 else ''}"
            if sources
            else "the whole store"
        ),
        banners=banners,
        kpis=_kpis(overall, cur, places),
        charts=[
            {k: c.get(k) for k in ("id", "title", "wide", "section_after")} for c in chart_list
        ],
        charts_json=_script_json([{"id": c["id"], "figure": c["figure"]} for c in chart_list]),
        trades_json=_script_json(_trade_list(trades, positions, tz)),
        trade_note=trade_note,
        tables=tables,
        benchmark=_benchmark(doc),
        glossary=_glossary(names),
        plotly_js=plotly_js(),
    )
    return str(page)


def write_html(
    path: Path,
    doc: Mapping[str, Any],
    extras: ReportExtras = ReportExtras(),
    *,
    overrides: Mapping[str, int] | None = None,
) -> Path:
    """Write `render_html` of ``doc`` to ``path`` (UTF-8); return ``path``.

    Raises
    ------
    OSError
        If the file cannot be written.
    """
    path.write_text(render_html(doc, extras, overrides=overrides), encoding="utf-8")
    return path
