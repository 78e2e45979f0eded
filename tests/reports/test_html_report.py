"""The tear sheet opened in headless Debian Chromium: no console error, no request of any kind,
every chart drawn with the figures an independent computation (pandas on ``trades.csv`` and
``series.csv``) gives, a trade list that sorts, filters and pages, a phone layout without
sideways scrolling; screenshots are kept under ``.artifacts/``."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from tests.cli.conftest import Tradeperf
from tests.reports.conftest import keep_screenshot, open_page
from tradeperf.reports.html_report import BEST_WORST_TRADES, LATEST_TRADES, TRADE_LIST_LIMIT

pytestmark = pytest.mark.slow

CHART_IDS = {
    "equity", "underwater", "daily-pnl", "monthly", "sharpe-ratio", "annual-volatility",
    "pnl-distribution", "holding", "by-strategy", "by-symbol", "by-hour", "by-weekday",
}  # fmt: skip


def _trades(report: Path) -> pd.DataFrame:
    frame = pd.read_csv(report / "trades.csv", dtype=str, keep_default_na=False)
    frame["net"] = frame["net_pnl"].map(Decimal)
    frame["exit"] = pd.to_datetime(frame["exit_time"], utc=True)
    return frame


def _charts(page) -> dict[str, dict]:
    specs = page.evaluate("CHARTS")
    return {c["id"]: c["figure"] for c in specs}


def test_tear_sheet_opens_offline_with_every_chart_drawn(browser, sample_report: Path) -> None:
    opened = open_page(browser, sample_report / "report.html")
    page = opened.page
    assert opened.errors == []
    assert opened.requests == []  # nothing asked for the network
    ids = page.eval_on_selector_all(".chart", "els => els.map(e => e.id)")
    assert set(ids) == CHART_IDS
    every_id = page.eval_on_selector_all("[id]", "els => els.map(e => e.id)")
    assert len(every_id) == len(set(every_id))  # no id twice
    for chart_id in ids:  # drawn by Plotly: an SVG with at least one trace in it
        drawn = page.evaluate(
            "id => { const gd = document.getElementById(id);"
            " return [gd.querySelectorAll('.main-svg').length, (gd.data || []).length,"
            " gd.querySelectorAll('.trace, .hm, image').length]; }",
            chart_id,
        )
        assert min(drawn) >= 1, (chart_id, drawn)
    assert page.evaluate("document.querySelector('meta[http-equiv=Content-Security-Policy]')"
                         ".content").startswith("default-src 'none'")  # fmt: skip
    html = (sample_report / "report.html").read_text(encoding="utf-8")
    assert "<script src" not in html
    assert "<link" not in html
    assert keep_screenshot(opened, "report-desktop.png").stat().st_size > 50_000


def test_charts_show_what_pandas_computes_from_the_csv_files(browser, sample_report) -> None:
    trades = _trades(sample_report)
    series = pd.read_csv(sample_report / "series.csv")
    summary = json.loads((sample_report / "summary.json").read_text(), parse_float=Decimal)
    charts = _charts(open_page(browser, sample_report / "report.html").page)
    berlin = trades["exit"].dt.tz_convert("Europe/Berlin")

    # daily P&L: the trades' net P&L summed per local exit day (days without trades: 0)
    per_day = trades.groupby(berlin.dt.date.astype(str))["net"].sum()
    bars = charts["daily-pnl"]["data"][0]
    assert len(bars["x"]) == len(series)
    for day, y in zip(bars["x"], bars["y"], strict=True):
        assert y == pytest.approx(float(per_day.get(day, Decimal(0))), abs=0.005)

    # equity: the capital plus the cumulative P&L; underwater: below the running peak
    capital = float(summary["capital"])
    equity = capital + series["net_pnl"].cumsum()
    assert charts["equity"]["data"][0]["y"] == pytest.approx(equity.tolist(), abs=0.01)
    peak = equity.cummax().clip(lower=capital)
    under = (100 * (equity / peak - 1)).tolist()
    assert charts["underwater"]["data"][0]["y"] == pytest.approx(under, abs=1e-3)
    assert len(charts["underwater"]["layout"]["shapes"]) == 5

    # monthly returns: the daily returns compounded per month, in percent
    monthly = (1 + series["return"]).groupby(series["day"].str[:7]).prod() - 1
    heat = charts["monthly"]["data"][0]
    for y, row in zip(heat["y"], heat["z"], strict=True):
        for month, z in enumerate(row, start=1):
            key = f"{y}-{month:02d}"
            if key in monthly:
                assert z == pytest.approx(100 * monthly[key], abs=2e-3), key
            else:
                assert z is None

    # P&L by exit hour and weekday, Europe/Berlin wall clock
    by_hour = trades.groupby(berlin.dt.hour)["net"].sum()
    hour = charts["by-hour"]["data"][0]
    assert [int(h) for h in hour["x"]] == sorted(by_hour.index)
    assert hour["y"] == pytest.approx([float(by_hour[int(h)]) for h in hour["x"]], abs=0.005)
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    by_weekday = trades.groupby(berlin.dt.day_of_week)["net"].sum()
    weekday = charts["by-weekday"]["data"][0]
    assert weekday["y"] == pytest.approx(
        [float(by_weekday[names.index(d)]) for d in weekday["x"]], abs=0.005
    )

    # the P&L histogram counts every trade once; the holding one every trade with an entry
    assert sum(charts["pnl-distribution"]["data"][0]["y"]) == len(trades)
    held = (trades["holding_seconds"] != "").sum()
    assert sum(charts["holding"]["data"][0]["y"]) == held

    # cumulative P&L per strategy ends at the strategy's net P&L
    for line in charts["by-strategy"]["data"]:
        total = trades.loc[trades["strategy"] == line["name"], "net"].sum()
        assert line["y"][-1] == pytest.approx(float(total), abs=0.005)


def test_headline_figures_and_glossary_come_from_the_summary_and_registry(
    browser, sample_report: Path
) -> None:
    from tradeperf.metrics.registry import FIGURES

    trades = _trades(sample_report)
    page = open_page(browser, sample_report / "report.html").page
    kpis = dict(
        zip(
            page.eval_on_selector_all(".kpi .label", "els => els.map(e => e.textContent)"),
            page.eval_on_selector_all(".kpi .value", "els => els.map(e => e.textContent)"),
            strict=True,
        )
    )
    assert kpis["Net P&L"] == f"{trades['net'].sum():,.2f}"
    assert kpis["Closed trades"] == f"{len(trades):,}"
    wins = (trades["net"] > 0).sum()
    assert kpis["Win rate"] == f"{100 * wins / len(trades):.2f} %"
    hover = page.get_attribute(".kpi .label[title]", "title")
    assert hover == FIGURES["net_pnl"].description
    glossary = page.eval_on_selector_all("dl.glossary dt", "els => els.map(e => e.textContent)")
    assert {"net_pnl", "sharpe_ratio", "max_drawdown", "win_rate"} <= set(glossary)
    assert all(name in FIGURES for name in glossary)


def test_trade_list_sorts_filters_and_pages(browser, sample_report: Path) -> None:
    trades = _trades(sample_report)
    page = open_page(browser, sample_report / "report.html").page
    header = page.locator("#trade-table thead th")
    names = header.all_text_contents()
    net = names.index("net P&L")

    def first_column(index: int) -> list[str]:
        return page.eval_on_selector_all(
            f"#trade-table tbody tr td:nth-child({index + 1})", "els => els.map(e => e.textContent)"
        )

    assert len(first_column(net)) == 50
    assert page.text_content("#trade-page") == (
        f"page 1 of {math.ceil(len(trades) / 50)} ({len(trades):,} trades)"
    )
    header.nth(net).click()  # numbers sort largest first
    assert Decimal(first_column(net)[0]) == trades["net"].max()
    header.nth(net).click()
    assert Decimal(first_column(net)[0]) == trades["net"].min()
    page.click("#trade-next")
    assert page.text_content("#trade-page").startswith("page 2 of")
    ranked = sorted(trades["net"])
    assert [Decimal(v) for v in first_column(net)] == ranked[50:100]
    page.fill("#trade-filter", "eth-usd")
    symbols = first_column(names.index("symbol"))
    assert symbols
    assert set(symbols) == {"ETH-USD"}
    eth = (trades["symbol"] == "ETH-USD").sum()
    assert page.text_content("#trade-page").endswith(f"({eth:,} trades)")


def test_phone_layout_scrolls_only_inside_tables(browser, sample_report: Path) -> None:
    opened = open_page(browser, sample_report / "report.html", width=390, height=844)
    width = opened.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 392
    chart = opened.page.evaluate("document.getElementById('equity').getBoundingClientRect().width")
    assert 300 < chart <= 390
    keep_screenshot(opened, "report-phone.png")


def test_rejected_rows_are_listed_when_the_run_was_partial(browser, sample_report: Path) -> None:
    summary = json.loads((sample_report / "summary.json").read_text())
    assert summary["partial"]
    assert summary["rejected_rows"] > 0
    page = open_page(browser, sample_report / "report.html").page
    banner = page.text_content(".banner")
    assert f"{summary['rejected_rows']} rejected rows" in banner
    listed = page.evaluate(
        "() => { const h = document.getElementById('rejected');"
        " let n = h.nextElementSibling;"
        " while (n && !n.querySelector('table')) n = n.nextElementSibling;"
        " return Array.from(n.querySelectorAll('tbody tr')).map(r => r.cells[1].textContent); }"
    )
    assert len(listed) == summary["rejected_rows"] + summary["unreadable_files"]
    assert summary["unreadable_files"] == 1
    assert listed.count("unreadable file") == 1
    assert all(v.isdigit() for v in listed if v != "unreadable file")


def test_every_chart_is_a_valid_plotly_figure(sample_report: Path) -> None:
    html = (sample_report / "report.html").read_text(encoding="utf-8")
    specs = json.loads(re.search(r"const CHARTS = (.*?);\n", html).group(1))
    assert {c["id"] for c in specs} == CHART_IDS
    for chart in specs:  # plotly's own validator: unknown properties or bad values raise
        go.Figure(chart["figure"])


def _write_trades(path: Path, n: int) -> None:
    rows = []
    for i in range(n):
        exit_s = 1_700_000_000 + 600 * i
        pnl = Decimal((i * 7919) % 2001 - 1000) / 10 + Decimal(i) / 10**6  # unique values
        rows.append(
            {
                "trade_id": f"t{i}",
                "strategy": f"s{i % 3}",
                "symbol": f"SYM{i % 25}",
                "side": "long",
                "status": "CLOSED",
                "entry_time": pd.Timestamp(exit_s - 300, unit="s", tz="UTC").isoformat(),
                "exit_time": pd.Timestamp(exit_s, unit="s", tz="UTC").isoformat(),
                "net_pnl": str(pnl),
                "fees": "0",
            }
        )
    pd.DataFrame(rows).to_csv(path, index=False)


def test_many_trades_embed_the_latest_best_and_worst(tradeperf: Tradeperf, tmp_path) -> None:
    n = TRADE_LIST_LIMIT + 7_000
    _write_trades(tmp_path / "trades.csv", n)
    ran = tradeperf(
        "report", "trades.csv", "--out", "rep", "--outputs", "html,csv", "--capital", "100000"
    )
    assert ran.code == 0, ran.err
    html = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    embedded = json.loads(re.search(r"const TRADES = (.*?);\n", html).group(1))
    ids = {row[embedded["columns"].index("trade id")] for row in embedded["rows"]}
    frame = _trades(tmp_path / "rep")
    assert len(frame) == n
    ranked = frame.sort_values("net", ascending=False, kind="stable")["trade_id"].tolist()
    expected = set(frame["trade_id"].iloc[-LATEST_TRADES:])
    expected |= set(ranked[:BEST_WORST_TRADES]) | set(ranked[-BEST_WORST_TRADES:])
    assert ids == expected
    assert f"{n:,} closed trades" in html
    assert "trades.csv" in html
    shown = [r[embedded["columns"].index("trade id")] for r in embedded["rows"]]
    order = {t: i for i, t in enumerate(frame["trade_id"])}
    assert shown == sorted(shown, key=order.__getitem__)  # in exit order


def test_freqtrade_export_makes_a_tear_sheet_with_freqtrade_s_totals(
    browser, tradeperf: Tradeperf, freqtrade_backtest: Path, tmp_path: Path
) -> None:
    ran = tradeperf("report", str(freqtrade_backtest), "--out", "ft", "--outputs", "html,csv")
    assert ran.code == 0, ran.err
    source = json.loads(freqtrade_backtest.read_text())
    strategy = next(iter(source["strategy"].values()))
    opened = open_page(browser, tmp_path / "ft" / "report.html")
    assert opened.errors == []
    assert opened.requests == []
    kpis = dict(
        zip(
            opened.page.eval_on_selector_all(".kpi .label", "els => els.map(e => e.textContent)"),
            opened.page.eval_on_selector_all(".kpi .value", "els => els.map(e => e.textContent)"),
            strict=True,
        )
    )
    assert kpis["Closed trades"] == f"{strategy['total_trades']:,}"
    total = Decimal(str(strategy["profit_total_abs"])).quantize(Decimal("1E-8"))  # BTC: 8 decimals
    assert kpis["Net P&L"] == f"{total:,}"
    keep_screenshot(opened, "report-freqtrade.png")


def test_benchmark_curve_and_figures_beside_ours(browser, tradeperf: Tradeperf, tmp_path) -> None:
    from tradeperf.sample import write_sample

    write_sample(tmp_path / "bot", days=45, seed=8)
    days = pd.bdate_range("2023-12-29", "2024-02-20")  # an index: weekdays only
    prices = [400 * (1.001**i) * (1 + 0.01 * ((i * 37) % 7 - 3)) for i in range(len(days))]
    pd.DataFrame({"Date": days.strftime("%Y-%m-%d"), "Adj Close": prices}).to_csv(
        tmp_path / "spy.csv", index=False
    )
    ran = tradeperf(
        "report", "bot/logs", "--out", "rep", "--outputs", "html,json,csv",
        "--capital", "20000", "--benchmark", "spy.csv",
    )  # fmt: skip
    assert ran.code == 0, ran.err
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text())
    block = summary["benchmark"]
    opened = open_page(browser, tmp_path / "rep" / "report.html")
    assert opened.errors == []
    assert opened.requests == []
    equity = _charts(opened.page)["equity"]["data"]
    assert [t["name"] for t in equity] == ["equity", "benchmark: spy"]
    # the benchmark's curve: our starting equity grown as its price (weekends unchanged)
    px = pd.Series(prices, index=days.strftime("%Y-%m-%d")).reindex(equity[1]["x"]).ffill()
    before = pd.Timestamp(equity[1]["x"][0]) - pd.Timedelta(days=1)
    start = pd.Series(prices, index=days).asof(before)
    expected = float(summary["capital"]) * px / start
    assert equity[1]["y"] == pytest.approx(expected.tolist(), rel=1e-8)
    table = opened.page.eval_on_selector_all(
        "h2:has-text('Against the benchmark') + div table tbody tr",
        "rows => rows.map(r => [r.cells[0].textContent, r.cells[1].textContent])",
    )
    shown = dict(table)
    assert shown["Beta"] == f"{block['figures']['beta']:.2f}"
    assert shown["Alpha (annualised)"] == f"{100 * block['figures']['alpha']:.2f} %"
    assert {"Tracking error (annualised)", "Information ratio (per day)"} <= set(shown)
    assert "Excess return (ours − benchmark's)" in shown


def test_hostile_names_are_shown_as_text_never_run(browser, tradeperf: Tradeperf, tmp_path) -> None:
    strategy = '<img src="https://example.com/x.png" onerror="window.pwned=1">'
    symbol = "</script><script>window.pwned=2</script>"
    reason = "stop\u2028\"'&<b>"  # a JavaScript line break inside
    rows = [
        {"trade_id": f"t{i}", "strategy": strategy, "symbol": symbol, "side": "long",
         "status": "CLOSED", "exit_time": f"2024-05-0{i + 1}T12:00:00Z",
         "entry_time": f"2024-05-0{i + 1}T10:00:00Z", "net_pnl": str(10 - 7 * i), "fees": "1",
         "exit_reason": reason}
        for i in range(3)
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(tmp_path / "t.csv", index=False)
    ran = tradeperf("report", "t.csv", "--out", "rep", "--outputs", "html")
    assert ran.code == 0, ran.err
    opened = open_page(browser, tmp_path / "rep" / "report.html")
    assert opened.errors == []
    assert opened.requests == []
    assert opened.page.evaluate("window.pwned") is None
    assert opened.page.locator("img").count() == 0
    cells = opened.page.eval_on_selector_all(
        "#trade-table tbody td", "els => els.map(e => e.textContent)"
    )
    assert strategy in cells
    assert symbol in cells
    assert reason in cells
    assert strategy in opened.page.text_content("section:has(#strategies)")


def test_a_single_day_still_draws_its_point_and_bar(
    browser, tradeperf: Tradeperf, tmp_path: Path
) -> None:
    _write_trades(tmp_path / "day.csv", 5)  # five trades, ten minutes apart, one day
    ran = tradeperf("report", "day.csv", "--out", "rep", "--outputs", "html")
    assert ran.code == 0, ran.err
    page = open_page(browser, tmp_path / "rep" / "report.html").page
    charts = _charts(page)
    equity = charts["equity"]
    assert equity["data"][0]["mode"] == "lines+markers"
    day = equity["data"][0]["x"][0]
    first, last = (pd.Timestamp(x) for x in equity["layout"]["xaxis"]["range"])
    assert first < pd.Timestamp(day) < last  # not zoomed to milliseconds around the day
    bar = page.evaluate(
        "document.querySelector('#daily-pnl .bars path').getBoundingClientRect().width"
    )
    assert bar > 50  # a bar a day, even for one day
