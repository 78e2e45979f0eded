"""Markdown rendering of the summary documents (formatting only: it never computes a figure).

Renders from the JSON documents of `tradeperf.reports.json_report`, so the Markdown and the
JSON always show the same numbers.
"""

from __future__ import annotations

from typing import Any, Final

#: Currencies shown with 2 decimals; any other (BTC, ETH, USDT...) gets 8.
FIAT: Final = frozenset(
    {
        "USD",
        "EUR",
        "GBP",
        "JPY",
        "CHF",
        "CAD",
        "AUD",
        "NZD",
        "SEK",
        "NOK",
        "DKK",
        "HKD",
        "SGD",
        "CNY",
        "INR",
        "BRL",
        "MXN",
        "ZAR",
        "PLN",
        "CZK",
        "HUF",
    }
)

#: (figure, column title, format) shown in tables, in order.
COLUMNS: Final = (
    ("trades", "Trades", "int"),
    ("win_rate", "Win rate", "pct"),
    ("net_pnl", "Net P&L", "money"),
    ("fees", "Fees", "money"),
    ("profit_factor", "Profit factor", "ratio"),
    ("expectancy", "Expectancy", "money"),
    ("max_drawdown", "Max DD", "pct"),
    ("sharpe_ratio", "Sharpe", "ratio"),
)

#: Rows of the overall figures table: (figure, label, format).
OVERALL_ROWS: Final = (
    ("trades", "Closed trades", "int"),
    ("wins", "Wins", "int"),
    ("losses", "Losses", "int"),
    ("breakevens", "Breakevens", "int"),
    ("win_rate", "Win rate", "pct"),
    ("average_win", "Average win", "money"),
    ("average_loss", "Average loss", "money"),
    ("payoff_ratio", "Payoff ratio", "ratio"),
    ("profit_factor", "Profit factor", "ratio"),
    ("expectancy", "Expectancy per trade", "money"),
    ("gross_pnl", "Gross P&L", "money"),
    ("fees", "Fees", "money"),
    ("net_pnl", "Net P&L", "money"),
    ("return_pct", "Return on starting equity", "pct"),
    ("largest_win", "Largest win", "money"),
    ("largest_loss", "Largest loss", "money"),
    ("longest_win_streak", "Longest winning streak (trades)", "int"),
    ("longest_loss_streak", "Longest losing streak (trades)", "int"),
    ("average_holding_seconds", "Average holding time", "duration"),
    ("max_drawdown", "Maximum drawdown (of peak equity)", "pct"),
    ("max_drawdown_abs", "Maximum drawdown", "money"),
    ("sharpe_ratio", "Sharpe ratio (daily, annualised)", "ratio"),
    ("sortino_ratio", "Sortino ratio (daily, annualised)", "ratio"),
    ("trading_days", "Days with closed trades", "int"),
    ("winning_days", "Winning days", "int"),
    ("losing_days", "Losing days", "int"),
    ("equity_start", "Equity at start", "money"),
    ("equity_end", "Equity at end", "money"),
    ("realized_pnl", "Realized P&L (ledger)", "money"),
    ("unrealized_pnl", "Unrealized P&L (at last mark)", "money"),
    ("open_positions", "Open positions", "int"),
)


def fmt(value: Any, kind: str, currency: str, reason: str | None = None) -> str:
    """Format one figure for people: money in the currency's decimals, fractions as percent.

    Examples
    --------
    >>> fmt(1234.5, "money", "USD")
    '1,234.50'
    >>> fmt(0.1234, "pct", "USD")
    '12.34 %'
    >>> fmt(None, "ratio", "USD", "infinite: no losing trades")
    '∞'
    """
    if value is None:
        return "∞" if reason and reason.startswith("infinite") else "–"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "money":
        decimals = 2 if currency.upper() in FIAT else 8
        return f"{value:,.{decimals}f}"
    if kind == "pct":
        return f"{100 * value:.2f} %"
    if kind == "duration":
        seconds = round(value)
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes = rest // 60
        return f"{days}d {hours:02d}h{minutes:02d}m" if days else f"{hours}h{minutes:02d}m"
    return f"{value:.2f}"


def cell(figures: dict[str, Any], name: str, kind: str, currency: str) -> str:
    """One figure of a JSON figures object, formatted (∞ or – for null, by its reason)."""
    reason = figures.get("null_reasons", {}).get(name)
    return fmt(figures.get(name), kind, currency, reason)


def _table(rows: list[tuple[str, dict[str, Any]]], first: str, currency: str) -> list[str]:
    head = "| " + " | ".join([first, *(c[1] for c in COLUMNS)]) + " |"
    sep = "|" + "---|" + "|".join("---:" for _ in COLUMNS) + "|"
    lines = [head, sep]
    for label, figures in rows:
        cells = [cell(figures, name, kind, currency) for name, _, kind in COLUMNS]
        lines.append("| " + " | ".join([label, *cells]) + " |")
    return lines


def _partial_note(doc: dict[str, Any]) -> list[str]:
    if not doc["partial"]:
        return []
    return [
        f"> **Partial:** {doc['rejected_rows']} input rows were rejected and "
        f"{doc['unreadable_files']} files could not be read; see `tradeperf quarantine`.",
        "",
    ]


def render_summary(doc: dict[str, Any]) -> str:
    """``summary.md`` from the ``summary.json`` document."""
    cur = doc["currency"]
    period = doc["period"]
    lines = [
        "# Trading performance summary",
        "",
        f"Period: {period['first_exit'] or '–'} to {period['last_exit'] or '–'} (exits)  ",
        f"Timezone: {doc['timezone']} · Currency: {cur} · Starting capital: "
        f"{fmt(doc['capital'], 'money', cur)}",
        "",
        *_partial_note(doc),
        "## Overall",
        "",
        "| Figure | Value |",
        "|---|---:|",
    ]
    overall = doc["overall"]
    for name, label, kind in OVERALL_ROWS:
        if name in overall:
            lines.append(f"| {label} | {cell(overall, name, kind, cur)} |")
    counts = doc["status_counts"]
    lines += [
        "",
        "Trades by status: " + ", ".join(f"{k} {v}" for k, v in counts.items()),
        "",
        "## By strategy",
        "",
        *_table(sorted(doc["by_strategy"].items()), "Strategy", cur),
        "",
        "## By symbol",
        "",
        *_table(sorted(doc["by_symbol"].items()), "Symbol", cur),
        "",
    ]
    for kind in ("monthly", "weekly"):
        windows = doc["windows"].get(kind)
        if windows:
            lines += [f"## {kind.capitalize()}", ""]
            lines += _table([(w["window"], w["figures"]) for w in windows], "Window", cur)
            lines.append("")
    lines.append("Figures are defined in docs/metrics.md of tradeperf.")
    return "\n".join(lines) + "\n"


def render_windows(doc: dict[str, Any]) -> str:
    """``daily.md`` / ``weekly.md`` / ``monthly.md`` from a window document."""
    cur = doc["currency"]
    lines = [
        f"# {doc['kind'].capitalize()} performance",
        "",
        f"Timezone: {doc['timezone']} · Currency: {cur}",
        "",
        *_partial_note(doc),
        *_table([(w["window"], w["figures"]) for w in doc["windows"]], "Window", cur),
        "",
    ]
    return "\n".join(lines)
