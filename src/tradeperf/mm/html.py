"""``markouts.html``: the markouts document (`tradeperf.mm.report`) as one self-contained page.

The page looks like the performance tear sheet (`tradeperf.reports.html_report`): the same
styles (read from the tear sheet's template, so the two never drift apart), the same
Content-Security-Policy that forbids every request, and the same vendored Plotly.js bundle
(`tradeperf.reports.html_report.plotly_js`) inline; it works offline, opened from disk.

What it shows, from the document alone:

- the reference price, the fee setting, the horizons, the inputs (rows and rejected rows
  per input kind, the rejected examples) and the document's notes; a banner when the run
  was partial;
- the markout curves of all symbols and strategies: the mean in bps at each horizon (the
  horizons on a categorical axis in order of their length, so 100ms, 1s and 5min are evenly
  spaced), one line per (side, liquidity) group, gross solid and net of fees dashed, with
  the 5th–95th percentile band of all fills (gross); hovering shows the fills with a value
  and the missing ones;
- the curves per symbol (all sides, liquidities and strategies, gross) when there are
  several symbols;
- per horizon, a table of every (symbol, side, liquidity) group over all strategies, gross
  (net of fees folded below it), figures to 3 decimals and "–" where there is none;
- the document's definitions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any, Final

from tradeperf.mm.stats import ALL
from tradeperf.reports import charts
from tradeperf.reports.charts import _layout
from tradeperf.reports.html_report import _script_json, plotly_js

#: The table's figure columns: (row key, header, definition key of the document).
COLUMNS: Final = (
    ("mean_bps", "mean", "markout"),
    ("median_bps", "median", "quantiles"),
    ("p5_bps", "p5", "quantiles"),
    ("p95_bps", "p95", "quantiles"),
    ("std_bps", "std", "std"),
    ("notional_weighted_mean_bps", "NW mean", "notional_weighted_mean"),
    ("spread_capture_bps", "capture", "spread_capture"),
    ("adverse_selection_bps", "adverse", "adverse_selection"),
)
#: Shown where a figure is null.
NONE: Final = "–"
#: The order of the dimensions' values in the tables and the legend ("*" first).
_SIDES: Final = (ALL, "BUY", "SELL")
_LIQUIDITIES: Final = (ALL, "MAKER", "TAKER", "unknown")
#: Line colours of the (side, liquidity) groups (the rest: `_PALETTE` in turn).
_COLOURS: Final = {
    (ALL, ALL): charts.BLUE,
    ("BUY", ALL): "#116329",
    ("SELL", ALL): "#82071e",
    (ALL, "MAKER"): "#8250df",
    (ALL, "TAKER"): "#bf8700",
    ("BUY", "MAKER"): charts.GREEN,
    ("BUY", "TAKER"): "#4ac26b",
    ("SELL", "MAKER"): charts.RED,
    ("SELL", "TAKER"): "#fa4549",
}
_PALETTE: Final = ("#0969da", "#9a6700", "#bc4c00", "#1b7c83", "#6639ba", "#bf3989", charts.GREY)
_BAND: Final = "rgba(11, 92, 173, 0.12)"
_CHART_HEIGHT: Final = 400


@cache
def _template() -> Any:
    import jinja2

    text = (resources.files("tradeperf.reports") / "templates" / "markouts.html.j2").read_text(
        encoding="utf-8"
    )
    env = jinja2.Environment(autoescape=True, trim_blocks=False, lstrip_blocks=False)
    return env.from_string(text)


@cache
def tear_sheet_styles() -> str:
    """Give the tear sheet's style sheet (the ``<style>`` block of ``tearsheet.html.j2``).

    Raises
    ------
    RuntimeError
        If the tear sheet's template has no ``<style>`` block.
    """
    text = (resources.files("tradeperf.reports") / "templates" / "tearsheet.html.j2").read_text(
        encoding="utf-8"
    )
    found = re.search(r"<style>\n?(.*?)</style>", text, re.DOTALL)
    if found is None:
        raise RuntimeError("tearsheet.html.j2 has no <style> block to share")
    return found.group(1)


def _bps(value: Any) -> str:
    """Give a bps figure to 3 decimals (``–`` for null; never ``-0.000``)."""
    if value is None:
        return NONE
    text = f"{float(value):.3f}"
    return "0.000" if text == "-0.000" else text


def _rank(value: str, order: Sequence[str]) -> tuple[int, str]:
    return (order.index(value), "") if value in order else (len(order), value)


def _group_key(group: tuple[str, str, str]) -> tuple[tuple[int, str], ...]:
    """Sort (symbol, side, liquidity): "*" first, then sides and liquidities in their order."""
    symbol, side, liquidity = group
    return (_rank(symbol, (ALL,)), _rank(side, _SIDES), _rank(liquidity, _LIQUIDITIES))


def _group(row: Mapping[str, Any]) -> tuple[str, str, str]:
    return (row["symbol"], row["side"], row["liquidity"])


def _horizons(doc: Mapping[str, Any]) -> list[str]:
    """Give the horizon labels in order of their length (``horizon_ns``)."""
    ns: dict[str, int] = {}
    for r in doc.get("markouts") or ():
        ns.setdefault(r["horizon"], int(r["horizon_ns"]))
    labels = list(dict.fromkeys([*(doc.get("horizons") or ()), *ns]))
    position = {h: i for i, h in enumerate(labels)}
    return sorted(labels, key=lambda h: (ns.get(h, -1), position[h]))


def _curves(
    rows: Iterable[Mapping[str, Any]], horizons: Sequence[str], **want: Any
) -> dict[tuple[str, str, str], list[Mapping[str, Any] | None]]:
    """Give the rows matching ``want``, per (symbol, side, liquidity), one per horizon."""
    at = {h: i for i, h in enumerate(horizons)}
    out: dict[tuple[str, str, str], list[Mapping[str, Any] | None]] = {}
    for r in rows:
        if any(r[k] != v for k, v in want.items()) or r["horizon"] not in at:
            continue
        out.setdefault(_group(r), [None] * len(horizons))[at[r["horizon"]]] = r
    return {key: out[key] for key in sorted(out, key=_group_key)}


def _values(curve: Sequence[Mapping[str, Any] | None], name: str) -> list[Any]:
    return [None if r is None else r[name] for r in curve]


def _counts(curve: Sequence[Mapping[str, Any] | None]) -> list[list[int]]:
    return [[0, 0] if r is None else [int(r["count"]), int(r["missing"])] for r in curve]


def _group_name(side: str, liquidity: str) -> str:
    if side == ALL and liquidity == ALL:
        return "all fills"
    return " ".join(v for v in (side, liquidity) if v != ALL)


def _colour(key: tuple[str, str], index: int) -> str:
    return _COLOURS.get(key) or _PALETTE[index % len(_PALETTE)]


_HOVER: Final = (
    "%{fullData.name}: %{y:.3f} bps (n %{customdata[0]:,}, missing %{customdata[1]:,})"
    "<extra></extra>"
)


def _line(
    name: str, horizons: Sequence[str], curve: Sequence[Mapping[str, Any] | None], **extra: Any
) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": name,
        "x": list(horizons),
        "y": _values(curve, "mean_bps"),
        "customdata": _counts(curve),
        "hovertemplate": _HOVER,
        "connectgaps": False,
        **extra,
    }


def _curve_layout(title: str, horizons: Sequence[str]) -> dict[str, Any]:
    layout = _layout(title, "mean markout (bps)", height=_CHART_HEIGHT)
    layout["xaxis"].update(
        type="category",
        categoryorder="array",
        categoryarray=list(horizons),
        title={"text": "horizon (0s = spread capture)"},
    )
    layout["yaxis"]["zeroline"] = True
    layout["yaxis"]["zerolinecolor"] = "#8c959f"
    # "normal": a band (fill "tonexty") would otherwise turn the legend upside down
    layout["legend"].update(y=-0.25, traceorder="normal")
    return layout


def curve_chart(doc: Mapping[str, Any]) -> charts.Figure:
    """Chart the markout curves of all symbols and strategies, per (side, liquidity).

    The mean at each horizon; gross solid, net of fees dashed; the 5th to 95th percentile
    band of all fills, gross. The margins of one dimension (a side over every liquidity, a
    liquidity over both sides) start hidden (a click on the legend shows them).
    """
    horizons = _horizons(doc)
    rows = doc.get("markouts") or ()
    gross = _curves(rows, horizons, symbol=ALL, strategy=ALL, net_of_fee=False)
    net = _curves(rows, horizons, symbol=ALL, strategy=ALL, net_of_fee=True)
    data: list[dict[str, Any]] = []
    everything = gross.get((ALL, ALL, ALL))
    if everything is not None:
        data += [
            {
                "type": "scatter",
                "mode": "lines",
                "name": "all fills p95 (gross)",
                "x": list(horizons),
                "y": _values(everything, "p95_bps"),
                "line": {"width": 0, "color": _BAND},
                "showlegend": False,
                "hoverinfo": "skip",
                "connectgaps": False,
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "all fills p5–p95 (gross)",
                "x": list(horizons),
                "y": _values(everything, "p5_bps"),
                "customdata": _values(everything, "p95_bps"),
                "fill": "tonexty",
                "fillcolor": _BAND,
                "line": {"width": 0, "color": _BAND},
                "hovertemplate": "p5–p95: %{y:.3f} to %{customdata:.3f} bps<extra></extra>",
                "connectgaps": False,
            },
        ]

    def margin(key: tuple[str, str, str]) -> bool:
        return (key[1] == ALL) != (key[2] == ALL)

    # the legend: all fills, the (side, liquidity) leaves, then the hidden margins
    ordered = sorted(gross.items(), key=lambda kv: margin(kv[0]))
    for index, ((_, side, liquidity), curve) in enumerate(ordered):
        colour = _colour((side, liquidity), index)
        shown: dict[str, Any] = {"visible": "legendonly"} if margin((ALL, side, liquidity)) else {}
        name = _group_name(side, liquidity)
        width = 2.5 if side == liquidity == ALL else 1.5
        data.append(
            _line(f"{name} (gross)", horizons, curve,
                  line={"color": colour, "width": width}, **shown)
        )  # fmt: skip
        net_curve = net.get((ALL, side, liquidity))
        if net_curve is not None:
            data.append(
                _line(f"{name} (net)", horizons, net_curve,
                      line={"color": colour, "width": width, "dash": "dash"}, **shown)
            )  # fmt: skip
    title = "Markout curves, all symbols and strategies (gross solid, net of fees dashed)"
    return {"data": data, "layout": _curve_layout(title, horizons)}


def symbol_chart(doc: Mapping[str, Any]) -> charts.Figure | None:
    """Chart the gross markout curve of each symbol (all sides, liquidities, strategies).

    None when there is one symbol only. At most `charts.MAX_GROUP_LINES` symbols: those of
    the most fills; the title counts the rest.
    """
    horizons = _horizons(doc)
    rows = doc.get("markouts") or ()
    curves = _curves(rows, horizons, side=ALL, liquidity=ALL, strategy=ALL, net_of_fee=False)
    symbols = [key for key in curves if key[0] != ALL]
    if len(symbols) < 2:
        return None

    def fills(key: tuple[str, str, str]) -> int:
        """Count the symbol's fills: with a value and without (the same at every h)."""
        return max((int(r["count"]) + int(r["missing"]) for r in curves[key] if r), default=0)

    ranked = sorted(symbols, key=lambda k: (-fills(k), k[0]))
    shown, rest = ranked[: charts.MAX_GROUP_LINES], ranked[charts.MAX_GROUP_LINES :]
    data = []
    everything = curves.get((ALL, ALL, ALL))
    if everything is not None:
        data.append(
            _line("all symbols", horizons, everything,
                  line={"color": charts.GREY, "width": 1.5, "dash": "dot"})
        )  # fmt: skip
    for key in sorted(shown):
        data.append(_line(key[0], horizons, curves[key]))
    title = "Markout curve per symbol (gross, all sides, liquidities and strategies)"
    if rest:
        title += f"; {len(rest)} more symbols with fewer fills are in the tables"
    return {"data": data, "layout": _curve_layout(title, horizons)}


def _table_rows(
    rows: Iterable[Mapping[str, Any]], horizon: str, *, net: bool
) -> list[dict[str, Any]]:
    chosen = [
        r
        for r in rows
        if r["strategy"] == ALL and r["horizon"] == horizon and r["net_of_fee"] is net
    ]
    return [
        {
            "text": [r["symbol"], r["side"], r["liquidity"]],
            "counts": [f"{int(r['count']):,}", f"{int(r['missing']):,}"],
            "figures": [
                {"value": _bps(r[name]), "tone": _tone(name, r[name])} for name, _, _ in COLUMNS
            ],
        }
        for r in sorted(chosen, key=lambda r: _group_key(_group(r)))
    ]


def _tone(name: str, value: Any) -> str:
    """Colour the mean, the capture and the adverse selection by whether they favour the desk."""
    if value is None or name not in ("mean_bps", "spread_capture_bps", "adverse_selection_bps"):
        return ""
    good = -value if name == "adverse_selection_bps" else value
    return "pos" if good > 0 else "neg" if good < 0 else ""


def _tables(doc: Mapping[str, Any], horizons: Sequence[str]) -> list[dict[str, Any]]:
    rows = doc.get("markouts") or ()
    out = []
    for h in horizons:
        out.append(
            {
                "horizon": h,
                "title": f"{h} (spread capture)" if h == "0s" else h,
                "gross": _table_rows(rows, h, net=False),
                "net": _table_rows(rows, h, net=True),
            }
        )
    return out


def _header(definitions: Mapping[str, str]) -> list[dict[str, Any]]:
    text = [("Symbol", ""), ("Side", definitions.get("sign", "")), ("Liquidity", "")]
    counts = [
        ("n", "fills with a value at this horizon"),
        ("missing", definitions.get("missing", "")),
    ]
    figures = [(label, definitions.get(key, "")) for _, label, key in COLUMNS]
    return (
        [{"label": label, "text": True, "definition": d} for label, d in text]
        + [{"label": label, "text": False, "definition": d} for label, d in counts]
        + [{"label": f"{label} (bps)", "text": False, "definition": d} for label, d in figures]
    )


def _fee(fee_bps: Any) -> str:
    if fee_bps is None:
        return "the fees recorded on the fills (no default fee)"
    return (
        f"{float(fee_bps):g} bps of notional for fills recorded with a fee of 0 "
        "(a negative fee is a rebate); other fills: their recorded fee"
    )


def _inputs(doc: Mapping[str, Any]) -> tuple[list[list[str]], list[list[str]]]:
    """Give the inputs' rows (kind, rows, rejected, classified) and the rejected examples."""
    inputs: Mapping[str, Mapping[str, Any]] = doc.get("inputs") or {}
    summary, examples = [], []
    for kind, part in inputs.items():
        classified = part.get("classified_by") or {}
        summary.append(
            [
                kind.replace("_", " "),
                f"{int(part.get('rows', 0)):,}",
                f"{int(part.get('rejected', 0)):,}",
                ", ".join(f"{k}: {int(v):,}" for k, v in classified.items()),
            ]
        )
        for e in part.get("examples") or ():
            line = e.get("line")
            examples.append(
                [
                    kind.replace("_", " "),
                    str(e.get("source", "")),
                    "unreadable file" if line is None else str(line),
                    str(e.get("field") or ""),
                    str(e.get("reason", "")),
                ]
            )
    return summary, examples


def markouts_html(doc: Mapping[str, Any]) -> str:
    """Give the markouts document (``markouts.json``) as one self-contained HTML page.

    Parameters
    ----------
    doc
        The markouts document (`tradeperf.mm.report.markouts_document`, schema
        ``tradeperf schema markouts``).

    Returns
    -------
    str
        The page: styles, Plotly.js and the chart figures inline; nothing is fetched.
    """
    from tradeperf import __version__

    # the page shows the first window (``all`` for a report); daily windows stay in the JSON
    rows = list(doc.get("markouts") or ())
    first = rows[0]["window"] if rows else "all"
    doc = {**doc, "markouts": [r for r in rows if r.get("window", first) == first]}
    horizons = _horizons(doc)
    definitions: Mapping[str, str] = doc.get("definitions") or {}
    figure_list = [
        {
            "id": "markout-curve",
            "title": "Markout curves by side and liquidity",
            "figure": curve_chart(doc),
        }
    ]
    per_symbol = symbol_chart(doc)
    if per_symbol is not None:
        figure_list.append(
            {"id": "symbol-curves", "title": "Markout curve per symbol", "figure": per_symbol}
        )
    summary, examples = _inputs(doc)
    rejected = sum(int(p.get("rejected", 0)) for p in (doc.get("inputs") or {}).values())
    banners = []
    if doc.get("partial"):
        banners.append(
            f"Partial: {rejected:,} input rows were rejected and are left out of the markouts "
            "(the examples are listed under Inputs; all of them in markouts.json)."
        )
    page = _template().render(
        title="Markouts",
        version=__version__,
        styles=tear_sheet_styles(),
        reference=doc.get("reference", ""),
        reference_definition=definitions.get("reference_price", ""),
        fee=_fee(doc.get("fee_bps")),
        fee_definition=definitions.get("net_of_fee", ""),
        horizons=horizons,
        banners=banners,
        notes=list(doc.get("notes") or ()),
        inputs=summary,
        examples=examples,
        charts=[{"id": c["id"], "title": c["title"]} for c in figure_list],
        charts_json=_script_json([{"id": c["id"], "figure": c["figure"]} for c in figure_list]),
        header=_header(definitions),
        tables=_tables(doc, horizons),
        definitions=sorted(definitions.items()),
        plotly_js=plotly_js(),
    )
    return str(page)
