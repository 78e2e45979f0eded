"""``markouts.html``: offline, its curves the document's means, one table row per group."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradeperf.mm.html import COLUMNS, markouts_html
from tradeperf.mm.job import MarkoutRequest, compute_markouts, write_markouts

T0 = pd.Timestamp("2026-01-01T00:00:00Z")
#: (second of the fill, side, liquidity); the last fill's 5 s horizon is past the last quote
FILLS = (
    (1, "BUY", "MAKER"),
    (2, "SELL", "MAKER"),
    (3, "BUY", "TAKER"),
    (4, "SELL", "MAKER"),
    (6, "BUY", "MAKER"),
    (18, "SELL", "TAKER"),
)


def _pair(root: Path, *, bad_quote: bool = False) -> tuple[Path, Path]:
    """Quotes each second for 20 s and six fills per symbol, X and Y."""
    quotes, fills = [], []
    for symbol, base in (("X", 100.0), ("Y", 50.0)):
        for i in range(21):
            mid = base + 0.1 * ((i * 7) % 5 - 2)
            quotes.append((T0 + pd.Timedelta(seconds=i), symbol, mid - 0.05, mid + 0.05))
        for second, side, liquidity in FILLS:
            passive = (side == "BUY") == (liquidity == "MAKER")
            price = base - 0.05 if passive else base + 0.05
            k = len(fills)
            fills.append(
                (f"f{k}", T0 + pd.Timedelta(seconds=second, milliseconds=500), symbol, side,
                 1.0 + k % 3, price, 0.0, liquidity, "a" if k % 2 else "b")
            )  # fmt: skip
    if bad_quote:
        quotes.append((T0, "X", -1.0, 100.0))
    q = pd.DataFrame(quotes, columns=["timestamp", "symbol", "bid", "ask"])
    f = pd.DataFrame(
        fills,
        columns=["fill_id", "timestamp", "symbol", "side", "quantity", "price", "fee",
                 "liquidity", "strategy"],
    )  # fmt: skip
    pq.write_table(pa.Table.from_pandas(q, preserve_index=False), root / "q.parquet")
    pq.write_table(pa.Table.from_pandas(f, preserve_index=False), root / "f.parquet")
    return root / "q.parquet", root / "f.parquet"


def _doc(root: Path, **kw: Any) -> dict[str, Any]:
    quotes, fills = _pair(root, **kw)
    return compute_markouts(
        MarkoutRequest(quotes=[quotes], fills=[fills], horizons="1s,5s", fee_bps=1.0)
    )


class _Page(HTMLParser):
    """The parts of the page the tests look at: sources, scripts, tables' body rows."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.scripts: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.ids: list[str] = []
        self.classes: list[str] = []
        self._script: list[str] | None = None
        self._table: str | None = None
        self._body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
        self.classes += (a.get("class") or "").split()
        for name in ("src", "href"):
            if a.get(name):
                self.sources.append(a[name] or "")
        if tag == "script":
            self._script = []
        elif tag == "table":
            self._table = a.get("id") or ""
            self.tables[self._table] = []
        elif tag == "tbody":
            self._body = True
        elif tag == "tr" and self._body and self._table is not None:
            self.tables[self._table].append([])
        elif tag == "td" and self._body:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None
        elif tag == "td" and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "tbody":
            self._body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _parse(page: str) -> _Page:
    parsed = _Page()
    parsed.feed(page)
    parsed.close()
    return parsed


def _charts(parsed: _Page) -> dict[str, dict[str, Any]]:
    found = [re.search(r"const CHARTS = (.*);\n", s) for s in parsed.scripts]
    specs = json.loads(next(m for m in found if m).group(1))
    return {c["id"]: c["figure"] for c in specs}


def _rows(doc: dict[str, Any], **want: Any) -> list[dict[str, Any]]:
    return [r for r in doc["markouts"] if all(r[k] == v for k, v in want.items())]


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _doc(tmp_path_factory.mktemp("pair"))


@pytest.fixture(scope="module")
def page(doc: dict[str, Any]) -> _Page:
    return _parse(markouts_html(doc))


def test_nothing_is_fetched(doc: dict[str, Any], page: _Page) -> None:
    text = markouts_html(doc)
    assert text.startswith("<!DOCTYPE html>")
    assert not [s for s in page.sources if re.match(r"\s*(https?:)?//", s, re.IGNORECASE)]
    assert page.sources == []  # no src or href at all: Plotly.js and the styles are inline
    assert "Plotly.newPlot" in text
    assert "default-src 'none'" in text
    assert "--fg:" in text  # the tear sheet's style sheet
    assert len(page.ids) == len(set(page.ids))


def test_curve_is_the_documents_mean_for_all_fills(doc: dict[str, Any], page: _Page) -> None:
    charts = _charts(page)
    assert set(charts) == {"markout-curve", "symbol-curves"}
    curve = charts["markout-curve"]
    go.Figure(curve)  # a valid Plotly figure (raises on an unknown property)
    every = sorted(
        _rows(doc, symbol="*", side="*", liquidity="*", strategy="*", net_of_fee=False),
        key=lambda r: r["horizon_ns"],
    )
    assert [r["horizon"] for r in every] == ["0s", "1s", "5s"]
    lines = {t["name"]: t for t in curve["data"]}
    gross = lines["all fills (gross)"]
    assert gross["x"] == ["0s", "1s", "5s"]
    assert gross["y"] == [r["mean_bps"] for r in every]
    assert gross["customdata"] == [[r["count"], r["missing"]] for r in every]
    assert "missing" in gross["hovertemplate"]
    assert curve["layout"]["xaxis"]["type"] == "category"
    assert curve["layout"]["xaxis"]["categoryarray"] == ["0s", "1s", "5s"]
    # the band: p95 then p5 filled to it
    band = lines["all fills p5–p95 (gross)"]
    assert band["fill"] == "tonexty"
    assert band["y"] == [r["p5_bps"] for r in every]
    assert lines["all fills p95 (gross)"]["y"] == [r["p95_bps"] for r in every]
    # net dashed, gross solid; one line each per (side, liquidity) of all symbols
    net = lines["all fills (net)"]
    assert net["line"]["dash"] == "dash"
    assert "dash" not in gross["line"]
    every_net = _rows(doc, symbol="*", side="*", liquidity="*", strategy="*", net_of_fee=True)
    assert net["y"] == [r["mean_bps"] for r in sorted(every_net, key=lambda r: r["horizon_ns"])]
    groups = {(r["side"], r["liquidity"]) for r in _rows(doc, symbol="*", strategy="*")}
    assert len(curve["data"]) == 2 + 2 * len(groups)
    # a group with no value at 5 s: a gap, not zero
    sell_taker = lines["SELL TAKER (gross)"]
    assert sell_taker["y"][2] is None
    assert sell_taker["customdata"][2] == [0, 2]


def test_symbol_curves(doc: dict[str, Any], page: _Page) -> None:
    figure = _charts(page)["symbol-curves"]
    go.Figure(figure)
    lines = {t["name"]: t for t in figure["data"]}
    assert set(lines) == {"all symbols", "X", "Y"}
    for symbol in ("X", "Y"):
        rows = _rows(doc, symbol=symbol, side="*", liquidity="*", strategy="*", net_of_fee=False)
        want = [r["mean_bps"] for r in sorted(rows, key=lambda r: r["horizon_ns"])]
        assert lines[symbol]["y"] == want


def test_one_symbol_has_no_symbol_chart(doc: dict[str, Any]) -> None:
    one = dict(doc, markouts=[r for r in doc["markouts"] if r["symbol"] in ("*", "X")])
    assert set(_charts(_parse(markouts_html(one)))) == {"markout-curve"}


def test_table_has_a_row_per_group_at_each_horizon(doc: dict[str, Any], page: _Page) -> None:
    for horizon in doc["horizons"]:
        for net in (False, True):
            table = page.tables[f"table-{horizon}-{'net' if net else 'gross'}"]
            want = _rows(doc, strategy="*", horizon=horizon, net_of_fee=net)
            groups = [tuple(cells[:3]) for cells in table]
            assert len(groups) == len(set(groups)) == len(want)
            assert set(groups) == {(r["symbol"], r["side"], r["liquidity"]) for r in want}
    at_0s = page.tables["table-0s-gross"]
    # 3 symbol values (X, Y, *) × side (BUY, SELL, *) × liquidity (MAKER, TAKER, *)
    assert len(at_0s) == 27
    first = at_0s[0]
    assert first[:3] == ["*", "*", "*"]
    (row,) = _rows(doc, symbol="*", side="*", liquidity="*", strategy="*", horizon="0s",
                   net_of_fee=False)  # fmt: skip
    names = [n for n, _, _ in COLUMNS]
    assert names == ["mean_bps", "median_bps", "p5_bps", "p95_bps", "std_bps",
                     "notional_weighted_mean_bps", "spread_capture_bps",
                     "adverse_selection_bps"]  # fmt: skip
    assert first[3:5] == [str(row["count"]), str(row["missing"])]
    assert first[5:] == [f"{row[n]:.3f}".replace("-0.000", "0.000") for n in names]
    # one fill: no standard deviation; no value at 5 s: every figure "–"
    x_buy_taker = next(c for c in at_0s if c[:3] == ["X", "BUY", "TAKER"])
    assert x_buy_taker[9] == "–"
    at_5s = page.tables["table-5s-gross"]
    x_sell_taker = next(c for c in at_5s if c[:3] == ["X", "SELL", "TAKER"])
    assert x_sell_taker[3:] == ["0", "1"] + ["–"] * 8


def test_header_inputs_and_partial(tmp_path: Path) -> None:
    doc = _doc(tmp_path, bad_quote=True)
    assert doc["partial"] is True
    doc["notes"] = ["fills are <b>the</b> public trades' passive side"]
    text = markouts_html(doc)
    parsed = _parse(text)
    assert "Partial: 1 input rows were rejected" in text
    assert "banner" in parsed.classes
    assert re.search(r"Reference price: <span[^>]*>mid</span>", text)
    assert "1 bps of notional for fills recorded with a fee of 0" in text
    assert "fills are &lt;b&gt;the&lt;/b&gt; public trades" in text  # shown as text
    inputs = parsed.tables["inputs-table"]
    assert [c[:3] for c in inputs] == [["quotes", "42", "1"], ["fills", "12", "0"]]
    assert parsed.tables["rejected-table"][0][2:4] == ["43", "bid"]
    no_fee = dict(doc, fee_bps=None, partial=False)
    assert "no default fee" in markouts_html(no_fee)
    assert "Partial:" not in markouts_html(no_fee)


def test_write_markouts_writes_the_page(doc: dict[str, Any], tmp_path: Path) -> None:
    paths = write_markouts(doc, tmp_path / "out")
    assert [p.name for p in paths] == ["markouts.json", "markouts.md", "markouts.html"]
    assert paths[2].read_text(encoding="utf-8") == markouts_html(doc)


@pytest.mark.slow
def test_page_draws_in_chromium_offline(browser, doc: dict[str, Any], tmp_path: Path) -> None:
    from tests.reports.conftest import keep_screenshot, open_page

    path = write_markouts(doc, tmp_path)[2]
    opened = open_page(browser, path)
    assert opened.errors == []
    assert opened.requests == []
    for chart_id in ("markout-curve", "symbol-curves"):
        drawn = opened.page.evaluate(
            "id => { const gd = document.getElementById(id);"
            " return [gd.querySelectorAll('svg.main-svg').length, (gd.data || []).length,"
            " gd.querySelectorAll('.trace').length]; }",
            chart_id,
        )
        assert min(drawn) >= 1, (chart_id, drawn)
    keep_screenshot(opened, "markouts-desktop.png")
