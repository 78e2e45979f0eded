"""The tear sheet's charts as Plotly figure specifications (plain ``{"data", "layout"}`` dicts).

Each function takes parts of the summary document (`tradeperf.reports.json_report`) or
arrays already computed, and gives one figure that Plotly.js draws; nothing here computes a
figure of the registry. Money arrives as exact Decimals and is drawn as float64, rounded to
the cent-free precision a chart can show. What a chart cannot show is aggregated before it
is embedded, so the file stays small however many trades there are: a histogram of the
trades' P&L and of their holding times (bins, not trades), at most `MAX_GROUP_LINES`
strategies or symbols (the largest by absolute P&L), the daily rows as they are (one point
a day).

References: Plotly's figure reference (https://plotly.com/javascript/reference/).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np

Figure = dict[str, Any]

#: At most this many strategies or symbols get a cumulative P&L line (the rest: "others").
MAX_GROUP_LINES: Final = 10
#: At most this many bins in a histogram.
MAX_BINS: Final = 60
#: How many of the deepest drawdown periods the underwater chart shades.
SHADED_DRAWDOWNS: Final = 5

GREEN: Final = "#1a7f37"
RED: Final = "#cf222e"
BLUE: Final = "#0b5cad"
GREY: Final = "#6e7781"
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip


def _layout(title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    """Give the common layout: white, compact, the title above, a legend below."""
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        "margin": {"l": 56, "r": 16, "t": 40, "b": 40},
        "height": 320,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        "xaxis": {"gridcolor": "#eaeef2", "zeroline": False, "automargin": True},
        # plain numbers on the value axis: 0.0002 BTC, not 200µ
        "yaxis": {
            "title": {"text": y_title},
            "gridcolor": "#eaeef2",
            "automargin": True,
            "exponentformat": "none",
            "separatethousands": True,
        },
        "legend": {"orientation": "h", "y": -0.18},
        "hovermode": "x unified",
        **extra,
    }


def _num(value: Any) -> float | None:
    """Give a JSON value as a float of 10 significant digits (more than a chart can show).

    Significant digits, not decimals: an account in BTC moves by 1e-8.
    """
    if value is None:
        return None
    x = float(value)
    return float(f"{x:.10g}") if math.isfinite(x) else None


#: Up to this many days a line chart marks each day's point (one day alone shows as a dot).
FEW_DAYS: Final = 60


def _by_day(figure: Figure) -> Figure:
    """Make a chart of days readable however few of them there are.

    A date axis; each point marked when there are at most `FEW_DAYS`; a day either side when
    there are under a week of them (one day alone otherwise zooms the axis to milliseconds).
    """
    days = sorted({x for trace in figure["data"] for x in trace.get("x") or ()})
    axis = figure["layout"]["xaxis"]
    axis["type"] = "date"
    if days and len(days) <= FEW_DAYS:
        for trace in figure["data"]:
            if trace.get("mode") == "lines":
                trace["mode"] = "lines+markers"
    if days and len(days) < 7:
        first = dt.date.fromisoformat(str(days[0])[:10]) - dt.timedelta(days=1)
        last = dt.date.fromisoformat(str(days[-1])[:10]) + dt.timedelta(days=1)
        axis.update(range=[first.isoformat(), last.isoformat()], dtick=86_400_000,
                    tickformat="%Y-%m-%d")  # fmt: skip
    return figure


def equity_chart(
    daily: Sequence[Mapping[str, Any]],
    currency: str,
    benchmark: Mapping[str, Any] | None = None,
) -> Figure:
    """Chart the end-of-day equity curve, and the benchmark's compounded from the same equity.

    Parameters
    ----------
    daily
        The document's daily rows (``series.daily``: ``day``, ``equity``).
    currency
        The account currency (the axis title).
    benchmark
        The document's ``benchmark`` block (its ``series`` rows: ``day``,
        ``benchmark_equity``), or None.
    """
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "equity",
            "x": [r["day"] for r in daily],
            "y": [_num(r["equity"]) for r in daily],
            "line": {"color": BLUE, "width": 2},
        }
    ]
    if benchmark and benchmark.get("series"):
        rows = benchmark["series"]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"benchmark: {benchmark['name']}",
                "x": [r["day"] for r in rows],
                "y": [_num(r["benchmark_equity"]) for r in rows],
                "line": {"color": GREY, "width": 1.5, "dash": "dot"},
            }
        )
    return _by_day({"data": data, "layout": _layout("Equity (end of day)", currency)})


def underwater_chart(
    daily: Sequence[Mapping[str, Any]], drawdowns: Sequence[Mapping[str, Any]]
) -> Figure:
    """Chart the drawdown from the running peak each day, with the deepest periods shaded.

    Parameters
    ----------
    daily
        The document's daily rows (``day``, ``drawdown`` a fraction ≤ 0).
    drawdowns
        The deepest drawdown periods (`tradeperf.reports.csv_report.top_drawdowns`); the
        first `SHADED_DRAWDOWNS` are shaded from peak to recovery (or the last day).
    """
    days = [r["day"] for r in daily]
    shapes = []
    for p in list(drawdowns)[:SHADED_DRAWDOWNS]:
        start = p["peak"] or (days[0] if days else None)
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": start,
                "x1": p["recovery"] or (days[-1] if days else None),
                "y0": 0,
                "y1": 1,
                "fillcolor": RED,
                "opacity": 0.08,
                "line": {"width": 0},
                "layer": "below",
            }
        )
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "drawdown",
            "x": days,
            "y": [_num(None if r["drawdown"] is None else 100 * r["drawdown"]) for r in daily],
            "fill": "tozeroy",
            "line": {"color": RED, "width": 1},
            "hovertemplate": "%{y:.2f} %<extra></extra>",
        }
    ]
    title = f"Underwater (drawdown from peak; the {SHADED_DRAWDOWNS} deepest shaded)"
    return _by_day({"data": data, "layout": _layout(title, "%", shapes=shapes)})


def daily_pnl_chart(daily: Sequence[Mapping[str, Any]], currency: str) -> Figure:
    """Chart the net P&L of each day as bars, green above zero and red below."""
    pnl = [_num(r["net_pnl"]) for r in daily]
    colors = [GREEN if (v or 0) >= 0 else RED for v in pnl]
    data = [
        {
            "type": "bar",
            "name": "net P&L",
            "x": [r["day"] for r in daily],
            "y": pnl,
            "width": 0.8 * 86_400_000,  # milliseconds of the date axis: a bar a day, however few
            "marker": {"color": colors},
        }
    ]
    return _by_day({"data": data, "layout": _layout("Daily net P&L", currency, bargap=0.1)})


def monthly_heatmap(monthly: Sequence[Mapping[str, Any]]) -> Figure:
    """Chart the return of each month, years down and months across, in percent.

    Parameters
    ----------
    monthly
        The document's monthly windows (``window`` ``YYYY-MM`` in the reporting timezone,
        ``figures.return_pct`` a fraction).
    """
    cells: dict[tuple[int, int], float | None] = {}
    for w in monthly:
        year, month = (int(x) for x in str(w["window"]).split("-")[:2])
        value = w["figures"].get("return_pct")
        cells[(year, month)] = None if value is None else _num(100 * float(value))
    years = sorted({y for y, _ in cells}, reverse=True)
    z = [[cells.get((y, m)) for m in range(1, 13)] for y in years]
    text = [["" if v is None else f"{v:.1f}" for v in row] for row in z]
    finite = [abs(v) for row in z for v in row if v is not None]
    bound = max(finite, default=1.0) or 1.0
    data = [
        {
            "type": "heatmap",
            "x": list(_MONTHS),
            "y": [str(y) for y in years],
            "z": z,
            "text": text,
            "texttemplate": "%{text}",
            "hovertemplate": "%{y} %{x}: %{z:.2f} %<extra></extra>",
            "colorscale": [[0, RED], [0.5, "#ffffff"], [1, GREEN]],
            "zmin": -bound,
            "zmax": bound,
            "colorbar": {"title": {"text": "%"}, "thickness": 12},
        }
    ]
    layout = _layout("Monthly returns (%)", "", height=max(160, 60 + 36 * len(years)))
    layout["yaxis"] = {"type": "category", "automargin": True}
    layout["hovermode"] = "closest"
    return {"data": data, "layout": layout}


def _bins(values: np.ndarray) -> np.ndarray:
    """Give the histogram edges of ``values``: numpy's 'auto' rule, at most `MAX_BINS` bins."""
    edges = np.histogram_bin_edges(values, bins="auto")
    if edges.size - 1 > MAX_BINS:
        edges = np.linspace(values.min(), values.max(), MAX_BINS + 1)
    return edges


def pnl_histogram(net_pnl: np.ndarray, currency: str) -> Figure:
    """Chart the distribution of the trades' net P&L, as counts per bin (losses red, wins green).

    The bins span the 0.5th to the 99.5th percentile; the trades beyond fall in the end bins
    (the title says so when there are any), so a few outliers do not squeeze the rest.

    Parameters
    ----------
    net_pnl
        Net P&L per closed trade, float64, shape (n,).
    currency
        The account currency (the axis title).
    """
    x = net_pnl[np.isfinite(net_pnl)]
    title = "Trade P&L distribution"
    if x.size == 0:
        return {"data": [], "layout": _layout(title, "trades")}
    lo, hi = np.percentile(x, [0.5, 99.5])
    if hi > lo and (x.min() < lo or x.max() > hi):
        title += " (tails beyond the 0.5th and 99.5th percentiles in the end bins)"
        x = np.clip(x, lo, hi)
    edges = _bins(x)
    counts, _ = np.histogram(x, bins=edges)
    mids = (edges[:-1] + edges[1:]) / 2
    data = [
        {
            "type": "bar",
            "name": "trades",
            "x": [_num(m) for m in mids],
            "y": counts.tolist(),
            "width": float(edges[1] - edges[0]) if edges.size > 1 else None,
            "marker": {"color": [GREEN if m > 0 else RED for m in mids]},
            "hovertemplate": "%{x:,.2f}: %{y} trades<extra></extra>",
        }
    ]
    layout = _layout(title, "trades", bargap=0.02, hovermode="closest")
    layout["xaxis"]["title"] = {"text": f"net P&L per trade ({currency})"}
    return {"data": data, "layout": layout}


def _duration(seconds: float) -> str:
    """Give a short duration label: 45s, 12m, 3.5h, 2.0d."""
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    if seconds < 86400:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def holding_histogram(holding_seconds: np.ndarray) -> Figure:
    """Chart the distribution of holding times on log-spaced bins (from a second up).

    Parameters
    ----------
    holding_seconds
        Exit minus entry per closed trade, in seconds, float64 (NaN: no entry time).
    """
    x = holding_seconds[np.isfinite(holding_seconds)]
    x = np.maximum(x, 1.0)
    if x.size == 0:
        return {"data": [], "layout": _layout("Holding time", "trades")}
    lo, hi = math.log10(x.min()), math.log10(x.max())
    edges = np.logspace(lo, hi if hi > lo else lo + 1, min(40, MAX_BINS) + 1)
    counts, _ = np.histogram(x, bins=edges)
    labels = [f"{_duration(a)}–{_duration(b)}" for a, b in itertools.pairwise(edges)]
    data = [
        {
            "type": "bar",
            "name": "trades",
            "x": labels,
            "y": counts.tolist(),
            "marker": {"color": BLUE},
            "hovertemplate": "%{x}: %{y} trades<extra></extra>",
        }
    ]
    layout = _layout("Holding time (log-spaced bins)", "trades", bargap=0.05, hovermode="closest")
    layout["xaxis"]["type"] = "category"
    return {"data": data, "layout": layout}


def rolling_chart(
    rolling: Mapping[str, Sequence[Mapping[str, Any]]], spec: str, label: str, *, percent: bool
) -> Figure:
    """Chart one rolling figure of the document (``rolling[spec]``: ``at``, ``value``) as a line.

    ``percent`` draws a fraction (a volatility) in percent.
    """
    rows = rolling.get(spec) or []
    scale = 100.0 if percent else 1.0
    layout = _layout(label, "%" if percent else "")
    if not any(r["value"] is not None for r in rows):
        layout["annotations"] = [
            {"text": "not enough days for this window yet", "showarrow": False,
             "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}
        ]  # fmt: skip
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": spec,
            "x": [r["at"] for r in rows],
            "y": [_num(None if r["value"] is None else scale * r["value"]) for r in rows],
            "line": {"color": BLUE, "width": 1.5},
        }
    ]
    return _by_day({"data": data, "layout": layout})


def group_lines(
    groups: Mapping[str, Sequence[Mapping[str, Any]]], title: str, currency: str
) -> Figure:
    """Chart the cumulative net P&L of each strategy or symbol, day by day.

    Parameters
    ----------
    groups
        Label -> daily rows (``day``, ``cumulative_pnl``): the document's
        ``series.by_strategy`` or ``series.by_symbol``.
    title
        The chart's title.
    currency
        The account currency (the axis title).

    At most `MAX_GROUP_LINES` lines: the groups of the largest absolute final P&L; the rest
    are added up into one line "others (N)" (sums of their exact cumulative P&L).
    """

    def final(rows: Sequence[Mapping[str, Any]]) -> float:
        return abs(float(rows[-1]["cumulative_pnl"])) if rows else 0.0

    ranked = sorted(groups, key=lambda g: (-final(groups[g]), g))
    shown, rest = ranked[:MAX_GROUP_LINES], ranked[MAX_GROUP_LINES:]
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": name,
            "x": [r["day"] for r in groups[name]],
            "y": [_num(r["cumulative_pnl"]) for r in groups[name]],
        }
        for name in shown
    ]
    if rest:
        total: dict[str, Any] = {}
        for name in rest:
            for r in groups[name]:
                total[r["day"]] = total.get(r["day"], 0) + r["cumulative_pnl"]
        days = sorted(total)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"others ({len(rest)})",
                "x": days,
                "y": [_num(total[d]) for d in days],
                "line": {"dash": "dot", "color": GREY},
            }
        )
    return _by_day({"data": data, "layout": _layout(title, currency)})


def breakdown_bars(breakdown: Mapping[str, Any] | None, title: str, currency: str) -> Figure:
    """Chart the net P&L of each group of a one-key breakdown document, as bars in its order."""
    groups = (breakdown or {}).get("groups") or []
    key = (breakdown or {}).get("by", [""])[0]
    x = [str(g["key"][key]) for g in groups]
    y = [_num(g["figures"].get("net_pnl")) for g in groups]
    trades = [g["figures"].get("trades") for g in groups]
    data = [
        {
            "type": "bar",
            "name": "net P&L",
            "x": x,
            "y": y,
            "customdata": trades,
            "marker": {"color": [GREEN if (v or 0) >= 0 else RED for v in y]},
            "hovertemplate": "%{x}: %{y:,.2f} (%{customdata} trades)<extra></extra>",
        }
    ]
    layout = _layout(title, currency, hovermode="closest")
    layout["xaxis"]["type"] = "category"
    return {"data": data, "layout": layout}
