"""Markdown rendering of the summary documents (formatting only: it never computes a figure).

Renders from the JSON documents of `tradeperf.reports.json_report`, so the Markdown and the
JSON always show the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from tradeperf.metrics.registry import get_figure

#: Decimals money is shown with in Markdown and the terminal, by currency code: the minor unit
#: of ISO 4217 for fiat money, the exchanges' usual precision for crypto (a satoshi is 1e-8 BTC).
#: A currency not listed gets `DEFAULT_MONEY_DECIMALS`; the ``money_decimals`` setting
#: overrides the table (`money_decimals`). JSON always carries every digit.
CURRENCY_DECIMALS: Final = {
    **dict.fromkeys(
        (
            "USD", "EUR", "GBP", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "HKD", "SGD",
            "CNY", "INR", "BRL", "MXN", "ZAR", "PLN", "CZK", "HUF", "USDT", "USDC", "DAI",
            "BUSD", "TUSD", "FDUSD",
        ),
        2,
    ),
    **dict.fromkeys(("JPY", "KRW", "ISK", "CLP", "VND"), 0),
    **dict.fromkeys(("KWD", "BHD", "OMR", "JOD", "TND"), 3),
    **dict.fromkeys(("BTC", "ETH", "BNB", "LTC", "BCH", "SOL", "XRP", "ADA", "DOGE"), 8),
}  # fmt: skip
#: Decimals of a currency the table does not list.
DEFAULT_MONEY_DECIMALS: Final = 2


def money_decimals(currency: str, overrides: Mapping[str, int] | None = None) -> int:
    """Return the number of decimals money in ``currency`` is shown with.

    The decimals are those of ``overrides`` (by currency code, or ``*`` for every currency:
    the ``money_decimals`` setting), else those of `CURRENCY_DECIMALS`, else 2.

    Parameters
    ----------
    currency
        The currency code (any case: ``"btc"`` is ``"BTC"``).
    overrides
        Decimals by upper-case currency code, or by ``*`` for every currency; None for none.

    Examples
    --------
    >>> money_decimals("btc"), money_decimals("JPY"), money_decimals("XYZ")
    (8, 0, 2)
    >>> money_decimals("BTC", {"BTC": 6}), money_decimals("USD", {"*": 4, "BTC": 6})
    (6, 4)
    """
    code = currency.upper()
    if overrides:
        if code in overrides:
            return overrides[code]
        if "*" in overrides:
            return overrides["*"]
    return CURRENCY_DECIMALS.get(code, DEFAULT_MONEY_DECIMALS)


#: (figure, column title) shown in tables, in order; formats follow the registry's units.
COLUMNS: Final = (
    ("trades", "Trades"),
    ("win_rate", "Win rate"),
    ("net_pnl", "Net P&L"),
    ("fees", "Fees"),
    ("profit_factor", "Profit factor"),
    ("expectancy", "Expectancy"),
    ("max_drawdown", "Max DD (EOD)"),
    ("sharpe_ratio", "Sharpe"),
)

#: Rows of the overall figures table: (figure, label).
OVERALL_ROWS: Final = (
    ("trades", "Closed trades"),
    ("wins", "Wins"),
    ("losses", "Losses"),
    ("breakevens", "Breakevens"),
    ("win_rate", "Win rate"),
    ("average_win", "Average win"),
    ("average_loss", "Average loss"),
    ("payoff_ratio", "Payoff ratio"),
    ("profit_factor", "Profit factor"),
    ("expectancy", "Expectancy per trade"),
    ("gross_pnl", "Gross P&L"),
    ("fees", "Fees"),
    ("net_pnl", "Net P&L"),
    ("return_pct", "Return (time-weighted)"),
    ("largest_win", "Largest win"),
    ("largest_loss", "Largest loss"),
    ("longest_win_streak", "Longest winning streak (trades)"),
    ("longest_loss_streak", "Longest losing streak (trades)"),
    ("average_holding_seconds", "Average holding time"),
    ("max_drawdown", "Maximum drawdown (end-of-day equity, of its peak)"),
    ("max_drawdown_abs", "Maximum drawdown (trade by trade)"),
    ("sharpe_ratio", "Sharpe ratio (daily, annualised)"),
    ("sortino_ratio", "Sortino ratio (daily, annualised)"),
    ("trading_days", "Days with closed trades"),
    ("winning_days", "Winning days"),
    ("losing_days", "Losing days"),
    ("equity_start", "Equity at start"),
    ("cash_flows", "Deposits − withdrawals"),
    ("equity_end", "Equity at end"),
    ("realized_pnl", "Realized P&L (ledger)"),
    ("unrealized_pnl", "Unrealized P&L (at last mark)"),
    ("open_positions", "Open positions"),
    ("slippage_bps", "Slippage against reference prices (notional-weighted)"),
)

#: Rows of the benchmark table: (figure, label); shown only for a summary with a benchmark.
BENCHMARK_ROWS: Final = (
    ("benchmark_return", "Benchmark return"),
    ("excess_return", "Excess return (ours − benchmark's)"),
    ("alpha", "Alpha (annualised)"),
    ("beta", "Beta"),
    ("correlation", "Correlation"),
    ("tracking_error", "Tracking error (annualised)"),
    ("information_ratio", "Information ratio (per day)"),
)


#: How each registry unit is shown.
_FORMAT_OF_UNIT: Final = {
    "count": "int",
    "currency": "money",
    "fraction": "pct",
    "ratio": "ratio",
    "seconds": "duration",
    "periods": "int",
    "probability": "pct",
    "bps": "bps",
}


def format_of(name: str) -> str:
    """Return the display format of figure ``name``, from its unit in the metrics registry.

    Parameters
    ----------
    name
        The name of a figure of the metrics registry (``net_pnl``, ``win_rate``...).
    """
    return _FORMAT_OF_UNIT[get_figure(name).unit]


def fmt(
    value: Any, kind: str, currency: str, reason: str | None = None, *, decimals: int | None = None
) -> str:
    """Format one figure for people: money in the currency's decimals, fractions as percent.

    Parameters
    ----------
    value
        The figure (a Decimal, float or int), or None for a null figure.
    kind
        Its display format (`format_of`): ``int``, ``money``, ``pct``, ``duration``, ``ratio``,
        ``bps`` (basis points).
    currency
        The account currency, which sets the decimals of money (`money_decimals`).
    reason
        Why the figure is null, when it is (``infinite...`` shows as ∞, anything else –).
    decimals
        Decimals of money instead of the currency's.

    Money is rounded half-even from its exact Decimal, never through a float.

    Examples
    --------
    >>> fmt(1234.5, "money", "USD")
    '1,234.50'
    >>> fmt(Decimal("0.000012345"), "money", "BTC"), fmt(Decimal("1234.5"), "money", "JPY")
    ('0.00001234', '1,234')
    >>> fmt(0.1234, "pct", "USD")
    '12.34 %'
    >>> fmt(None, "ratio", "USD", "infinite: no losing trades")
    '∞'
    >>> fmt(12.3456, "bps", "USD")
    '12.35 bps'
    """
    if value is None:
        return "∞" if reason and reason.startswith("infinite") else "–"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "money":
        places = money_decimals(currency) if decimals is None else decimals
        amount = value if isinstance(value, Decimal) else Decimal(repr(value))
        return f"{amount:,.{places}f}"
    if kind == "pct":
        return f"{100 * value:.2f} %"
    if kind == "bps":
        return f"{value:.2f} bps"
    if kind == "duration":
        seconds = round(value)
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes = rest // 60
        return f"{days}d {hours:02d}h{minutes:02d}m" if days else f"{hours}h{minutes:02d}m"
    return f"{value:.2f}"


def cell(figures: dict[str, Any], name: str, currency: str, *, decimals: int | None = None) -> str:
    """Format one figure of a JSON figures object by its unit (∞ or – for null).

    Parameters
    ----------
    figures
        A figures object of a JSON document, with its ``null_reasons``.
    name
        The name of the figure to show.
    currency
        The account currency, which sets the decimals of money (`money_decimals`).
    decimals
        Decimals of money instead of the currency's.
    """
    reason = figures.get("null_reasons", {}).get(name)
    return fmt(figures.get(name), format_of(name), currency, reason, decimals=decimals)


def _table(
    rows: list[tuple[str, dict[str, Any]]], first: str, currency: str, decimals: int
) -> list[str]:
    head = "| " + " | ".join([first, *(title for _, title in COLUMNS)]) + " |"
    sep = "|" + "---|" + "|".join("---:" for _ in COLUMNS) + "|"
    lines = [head, sep]
    for label, figures in rows:
        cells = [cell(figures, name, currency, decimals=decimals) for name, _ in COLUMNS]
        lines.append("| " + " | ".join([label, *cells]) + " |")
    return lines


def _value_table(
    figures: dict[str, Any], rows: Sequence[tuple[str, str]], cur: str, decimals: int | None
) -> list[str]:
    """Give a two-column table (figure, value) of the ``rows`` that ``figures`` has."""
    lines = ["| Figure | Value |", "|---|---:|"]
    for name, label in rows:
        if name in figures:
            lines.append(f"| {label} | {cell(figures, name, cur, decimals=decimals)} |")
    return lines


def _partial_note(doc: dict[str, Any]) -> list[str]:
    if not doc["partial"]:
        return []
    return [
        f"> **Partial:** {doc['rejected_rows']} input rows were rejected and "
        f"{doc['unreadable_files']} files could not be read; see `tradeperf quarantine`.",
        "",
    ]


def _currency_note(doc: dict[str, Any]) -> list[str]:
    """Lines naming the records in other currencies: converted, or left out of the figures."""
    lines = []
    converted = doc.get("converted_currencies") or {}
    if converted:
        listed = ", ".join(f"{n:,} in {cur}" for cur, n in converted.items())
        lines += [
            f"> Converted to {doc['currency']} with the exchange rate of each booking day: "
            f"{listed} trades and fills.",
            "",
        ]
    others = doc.get("other_currencies") or {}
    if others:
        listed = ", ".join(f"{n:,} in {cur}" for cur, n in others.items())
        why = f" ({doc['conversion_missing']})" if doc.get("conversion_missing") else ""
        lines += [
            f"> Not in these {doc['currency']} figures (amounts of two currencies are never "
            f"added){why}: {listed} trades and fills; summarise them with `--currency`, or "
            "ingest exchange rates (date, currency, base, rate) to convert them.",
            "",
        ]
    return lines


def breakdown_rows(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Give the groups of the document's breakdown as (label, figures), labels joined by `` · ``.

    Parameters
    ----------
    doc
        The summary document; no rows when it has no breakdown.
    """
    b = doc.get("breakdown")
    if not b:
        return []
    return [(" · ".join(g["key"][k] for k in b["by"]), g["figures"]) for g in b["groups"]]


def _breakdown_lines(doc: dict[str, Any], cur: str, places: int) -> list[str]:
    b = doc.get("breakdown")
    if not b:
        return []
    title = " and ".join(k.replace("_", " ") for k in b["by"])
    lines = [f"## By {title}", ""]
    if b.get("last"):
        lines += [f"The last {b['last']} closed trades of each group.", ""]
    if b["overlapping"]:
        lines += ["A trade with several tags counts in each: the groups do not add up.", ""]
    heading = " · ".join(k.replace("_", " ").capitalize() for k in b["by"])
    return [*lines, *_table(breakdown_rows(doc), heading, cur, places), ""]


def _benchmark_lines(doc: dict[str, Any], cur: str) -> list[str]:
    b = doc.get("benchmark")
    if not b:
        return []
    rejected = b["rejected_rows"]
    note = f"; {rejected:,} of its rows rejected" if rejected else ""
    lines = [
        "## Benchmark",
        "",
        f"Beside {b['name']} ({b['kind']}) over {b['days']:,} days{note}.",
        "",
        *_value_table(b["figures"], BENCHMARK_ROWS, cur, None),
    ]
    return [*lines, ""]


def render_summary(doc: dict[str, Any], *, overrides: Mapping[str, int] | None = None) -> str:
    """Render ``summary.md`` from the ``summary.json`` document.

    Parameters
    ----------
    doc
        The summary document (`tradeperf.reports.json_report.summary_to_json`).
    overrides
        Decimals of money by currency code or ``*``, as for `money_decimals`.
    """
    cur = doc["currency"]
    places = money_decimals(cur, overrides)
    period = doc["period"]
    lines = [
        "# Trading performance summary",
        "",
        f"Period: {period['first_exit'] or '–'} to {period['last_exit'] or '–'} (exits)  ",
        f"Timezone: {doc['timezone']}{_day_start(doc)} · Currency: {cur} · Starting capital: "
        f"{fmt(doc['capital'], 'money', cur, decimals=places)}"
        + (
            " (the default: none given or stated by a source)" if doc.get("capital_assumed") else ""
        ),
        "",
        *_partial_note(doc),
        *_currency_note(doc),
        "## Overall",
        "",
        *_value_table(doc["overall"], OVERALL_ROWS, cur, places),
    ]
    counts = doc["status_counts"]
    lines += [
        "",
        "Trades by status: " + ", ".join(f"{k} {v}" for k, v in counts.items()),
        "",
        *_benchmark_lines(doc, cur),
        "## By strategy",
        "",
        *_table(sorted(doc["by_strategy"].items()), "Strategy", cur, places),
        "",
        "## By symbol",
        "",
        *_table(sorted(doc["by_symbol"].items()), "Symbol", cur, places),
        "",
    ]
    lines += _breakdown_lines(doc, cur, places)
    for kind in ("monthly", "weekly"):
        windows = doc["windows"].get(kind)
        if windows:
            lines += [f"## {kind.capitalize()}", ""]
            lines += _table([(w["window"], w["figures"]) for w in windows], "Window", cur, places)
            lines.append("")
    lines.append("Figures are defined in docs/metrics.md of tradeperf.")
    return "\n".join(lines) + "\n"


def render_windows(doc: dict[str, Any], *, overrides: Mapping[str, int] | None = None) -> str:
    """Render ``daily.md`` / ``weekly.md`` / ``monthly.md`` from a window document.

    Parameters
    ----------
    doc
        The document of one window kind (`tradeperf.reports.json_report.windows_to_json`).
    overrides
        Decimals of money by currency code or ``*``, as for `money_decimals`.
    """
    cur = doc["currency"]
    places = money_decimals(cur, overrides)
    lines = [
        f"# {doc['kind'].capitalize()} performance",
        "",
        f"Timezone: {doc['timezone']}{_day_start(doc)} · Currency: {cur}",
        "",
        *_partial_note(doc),
        *_table([(w["window"], w["figures"]) for w in doc["windows"]], "Window", cur, places),
        "",
    ]
    return "\n".join(lines)


def _day_start(doc: dict[str, Any]) -> str:
    """Say when the days start, unless at midnight."""
    start = doc.get("day_start", "00:00")
    return "" if start == "00:00" else f" (days start at {start})"
