"""Markouts against an independent computation: pandas ``merge_asof`` on the raw files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tests.conftest import shared_file
from tradeperf.cli.app import app
from tradeperf.mm.job import MarkoutRequest, compute_markouts
from tradeperf.reports.schema import validate

HORIZONS_NS = [0, 100_000_000, 1_000_000_000, 5_000_000_000, 10_000_000_000]
LABELS = ["0s", "100ms", "1s", "5s", "10s"]


def _reference_markouts(
    fills: pd.DataFrame, quotes: pd.DataFrame, fee_bps: pd.Series | None = None
) -> pd.DataFrame:
    """Naive markouts: merge_asof of each fill's t + h onto the quote mids (last row wins)."""
    q = quotes[["timestamp", "mid"]].reset_index(drop=True)
    q["timestamp"] = q["timestamp"].astype("datetime64[ns, UTC]")
    fills = fills.assign(timestamp=fills["timestamp"].astype("datetime64[ns, UTC]"))
    q = q.groupby("timestamp", sort=True).last().reset_index()  # ties: the last row in input order
    first, last = q["timestamp"].min(), q["timestamp"].max()
    out = {}
    f = fills.reset_index(drop=True)
    for h, label in zip(HORIZONS_NS, LABELS, strict=True):
        probe = pd.DataFrame({"i": f.index, "t": f["timestamp"] + pd.Timedelta(h, "ns")})
        probe = probe.sort_values("t")
        m = pd.merge_asof(probe, q, left_on="t", right_on="timestamp", direction="backward")
        m = m.set_index("i").sort_index()
        mid = m["mid"].where((f["timestamp"] >= first) & (probe.sort_index()["t"] <= last))
        out[label] = f["sign"] * (mid - f["price"]) / f["price"] * 1e4
    frame = pd.DataFrame(out)
    if fee_bps is not None:
        frame = frame.sub(fee_bps.values, axis=0)
    return frame


@pytest.fixture
def binance(shared_data: Path) -> tuple[Path, Path]:
    root = "nautilus-binance-btcusdt"
    return (
        shared_file(shared_data, f"{root}/btcusdt-quotes.parquet"),
        shared_file(shared_data, f"{root}/btcusdt-trades.parquet"),
    )


def _row(doc: dict, *, horizon: str, net: bool = False, **dims: str) -> dict:
    want = {"symbol": "*", "side": "*", "liquidity": "*", "strategy": "*", **dims}
    rows = [
        r
        for r in doc["markouts"]
        if r["horizon"] == horizon
        and r["net_of_fee"] is net
        and all(r[k] == v for k, v in want.items())
    ]
    assert len(rows) == 1, (horizon, dims, len(rows))
    return rows[0]


def test_binance_maker_flow_equals_merge_asof(binance: tuple[Path, Path]) -> None:
    quotes_path, trades_path = binance
    doc = compute_markouts(
        MarkoutRequest(
            quotes=[quotes_path],
            public_trades=[trades_path],
            public_trades_as="maker",
            symbol="BTC/USDT",
            horizons="100ms,1s,5s,10s",
            fee_bps=-1.0,
        )
    )
    validate(doc, "markouts")
    quotes = pd.read_parquet(quotes_path)
    quotes["mid"] = (quotes["bid"] + quotes["ask"]) / 2
    trades = pd.read_parquet(trades_path)
    # buyer_maker "True": the buyer rested, so the maker fill is a BUY
    trades["sign"] = np.where(trades["buyer_maker"] == "True", 1, -1)
    ref = _reference_markouts(trades, quotes)
    assert doc["inputs"]["public_trades"]["rows"] == 2001
    for label in LABELS:
        for side, sign in (("*", None), ("BUY", 1), ("SELL", -1)):
            x = ref[label] if sign is None else ref[label][trades["sign"] == sign]
            got = _row(doc, horizon=label, side=side)
            values = x.dropna()
            assert got["count"] == len(values)
            assert got["missing"] == x.isna().sum()
            assert got["mean_bps"] == pytest.approx(values.mean(), abs=1e-9)
            assert got["median_bps"] == pytest.approx(values.median(), abs=1e-9)
            assert got["p5_bps"] == pytest.approx(values.quantile(0.05), abs=1e-9)
            assert got["p95_bps"] == pytest.approx(values.quantile(0.95), abs=1e-9)
            assert got["std_bps"] == pytest.approx(values.std(), abs=1e-9)
            w = (trades["quantity"] * trades["price"])[values.index]
            assert got["notional_weighted_mean_bps"] == pytest.approx(
                (w * values).sum() / w.sum(), abs=1e-9
            )
            net = _row(doc, horizon=label, side=side, net=True)
            assert net["mean_bps"] == pytest.approx(values.mean() + 1.0, abs=1e-9)
    # the first trades come before the first quote: missing at every horizon, never zero
    before = (trades["timestamp"] < quotes["timestamp"].min()).sum()
    assert before > 0
    assert _row(doc, horizon="0s")["missing"] == before


def test_identity_capture_minus_adverse_is_markout_per_fill(binance: tuple[Path, Path]) -> None:
    import duckdb

    from tradeperf.mm.horizons import parse_horizons
    from tradeperf.mm.job import _maker_fills_sql
    from tradeperf.mm.markouts import duckdb_markouts
    from tradeperf.mm.sources import register
    from tradeperf.records import RecordKind

    quotes_path, trades_path = binance
    con = duckdb.connect()
    register(con, "q", RecordKind.QUOTES, [quotes_path])
    register(con, "t", RecordKind.PUBLIC_TRADES, [trades_path], symbol="BTC/USDT")
    con.execute(f"CREATE VIEW f AS {_maker_fills_sql('t')}")
    m = duckdb_markouts(con, "f", "q", parse_horizons("1s,5s"))
    ok = ~np.isnan(m.markout)
    assert ok.sum() > 1000
    assert np.array_equal(m.markout[ok], (m.capture[:, None] - m.adverse)[ok])
    assert np.array_equal(m.markout[:, 0][ok[:, 0]], m.capture[ok[:, 0]])
    assert np.array_equal(np.isnan(m.markout[:, 0]), np.isnan(m.capture))


def _write(path: Path, table: pa.Table) -> Path:
    pq.write_table(table, path)
    return path


def test_fees_rebates_and_default_fee(tmp_path: Path) -> None:
    ts = pa.array(pd.to_datetime(["2026-01-01T00:00:00Z", "2026-01-01T00:00:10Z"]))
    quotes = _write(
        tmp_path / "q.parquet",
        pa.table(
            {"timestamp": ts, "symbol": ["X", "X"], "bid": [99.0, 100.0], "ask": [101.0, 102.0]}
        ),
    )
    fills = _write(
        tmp_path / "f.parquet",
        pa.table(
            {
                "fill_id": ["a", "b", "c"],
                "timestamp": pa.array(pd.to_datetime(["2026-01-01T00:00:01Z"] * 3)),
                "symbol": ["X", "X", "X"],
                "side": ["BUY", "SELL", "BUY"],
                "quantity": [2.0, 1.0, 1.0],
                "price": [99.5, 100.5, 100.0],
                "fee": [0.0, -0.01005, 0.02],  # none (default applies), a rebate, a fee
                "liquidity": ["MAKER", "MAKER", "TAKER"],
            }
        ),
    )
    doc = compute_markouts(
        MarkoutRequest(quotes=[quotes], fills=[fills], horizons="5s", fee_bps=2.0)
    )
    # capture: a (100 - 99.5)/99.5; b -(100 - 100.5)/100.5; c 0
    cap = {"a": 0.5 / 99.5 * 1e4, "b": 0.5 / 100.5 * 1e4, "c": 0.0}
    fee = {"a": 2.0, "b": -0.01005 / 100.5 * 1e4, "c": 0.02 / 100.0 * 1e4}
    got = _row(doc, horizon="0s", net=True, side="SELL")
    assert got["mean_bps"] == pytest.approx(cap["b"] - fee["b"], abs=1e-9)
    got = _row(doc, horizon="0s", net=True, liquidity="TAKER")
    assert got["mean_bps"] == pytest.approx(cap["c"] - fee["c"], abs=1e-9)
    got = _row(doc, horizon="0s", net=True, side="BUY", liquidity="MAKER")
    assert got["mean_bps"] == pytest.approx(cap["a"] - fee["a"], abs=1e-9)
    # 5 s later is before the last quote (10 s): present; the mid is still 100
    assert _row(doc, horizon="5s")["count"] == 3


def test_one_sided_rows_rebuild_the_book_and_ties_take_the_last_row(tmp_path: Path) -> None:
    t = pd.to_datetime(
        [
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:01Z",
            "2026-01-01T00:00:01Z",
            "2026-01-01T00:00:05Z",
        ]
    )
    quotes = _write(
        tmp_path / "q.parquet",
        pa.table(
            {
                "timestamp": pa.array(t),
                "symbol": ["X"] * 5,
                "bid": [10.0, None, 11.0, 12.0, None],
                "ask": [None, 14.0, None, None, 13.0],
            }
        ),
    )
    fills = _write(
        tmp_path / "f.parquet",
        pa.table(
            {
                "fill_id": ["a"],
                "timestamp": pa.array(pd.to_datetime(["2026-01-01T00:00:01Z"])),
                "symbol": ["X"],
                "side": ["BUY"],
                "quantity": [1.0],
                "price": [12.5],
                "fee": [0.0],
            }
        ),
    )
    doc = compute_markouts(MarkoutRequest(quotes=[quotes], fills=[fills], horizons="4s,5s"))
    # at 1 s the book is bid 12 (the last of the two rows at 1 s), ask 14 carried: mid 13
    assert _row(doc, horizon="0s")["mean_bps"] == pytest.approx(0.5 / 12.5 * 1e4, abs=1e-9)
    # at 5 s ask 13: mid 12.5; at 6 s past the last quote: missing
    assert _row(doc, horizon="4s")["mean_bps"] == pytest.approx(0.0, abs=1e-9)
    five = _row(doc, horizon="5s")
    assert (five["count"], five["missing"]) == (0, 1)


def test_rejected_rows_are_counted_and_named(tmp_path: Path) -> None:
    ts = pa.array(pd.to_datetime(["2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", None]))
    quotes = _write(
        tmp_path / "q.parquet",
        pa.table(
            {
                "timestamp": ts,
                "symbol": ["X", "X", "X"],
                "bid": [1.0, -1.0, 1.0],
                "ask": [2.0, 2.0, 2.0],
            }
        ),
    )
    fills = _write(
        tmp_path / "f.parquet",
        pa.table(
            {
                "timestamp": ts.slice(0, 1),
                "symbol": ["X"],
                "side": ["BUY"],
                "quantity": [1.0],
                "price": [1.5],
                "fee": [0.0],
            }
        ),
    )
    doc = compute_markouts(MarkoutRequest(quotes=[quotes], fills=[fills], horizons="1s"))
    part = doc["inputs"]["quotes"]
    assert (part["rows"], part["rejected"]) == (1, 2)
    assert [(e["line"], e["field"]) for e in part["examples"]] == [(2, "bid"), (3, "timestamp")]
    assert doc["partial"] is True


def test_cli_report_writes_json_and_markdown(binance: tuple[Path, Path], tmp_path: Path) -> None:
    quotes_path, trades_path = binance
    result = CliRunner().invoke(
        app,
        [
            "mm",
            "report",
            "--quotes",
            str(quotes_path),
            "--public-trades",
            str(trades_path),
            "--public-trades-as",
            "maker",
            "--symbol",
            "BTC/USDT",
            "--horizons",
            "1s",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "markouts.json").read_text())
    validate(doc, "markouts")
    assert doc["horizons"] == ["0s", "1s"]
    assert "| BTC/USDT | BUY | MAKER |" in (tmp_path / "markouts.md").read_text()


def test_cli_refuses_without_fills(binance: tuple[Path, Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["mm", "report", "--quotes", str(binance[0]), "--out", str(tmp_path)]
    )
    assert result.exit_code != 0
    assert "--fills" in str(result.exception) or "--fills" in result.output


def test_cli_demo_writes_a_day_whose_makers_are_adversely_selected(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["mm", "demo", "--out", str(tmp_path), "--hours", "1", "--horizons", "1s,10s"]
    )
    assert result.exit_code == 0, result.output
    for name in ("quotes", "fills", "public_trades", "orders", "funding"):
        assert (tmp_path / f"{name}.parquet").is_file()
    doc = json.loads((tmp_path / "report" / "markouts.json").read_text())
    validate(doc, "markouts")
    capture = _row(doc, horizon="0s", liquidity="MAKER")
    later = _row(doc, horizon="10s", liquidity="MAKER")
    # informed flow moves the mid against the maker: positive capture, negative 10 s markout
    assert capture["mean_bps"] > 0 > later["mean_bps"]
    assert later["adverse_selection_bps"] > 0
    assert (tmp_path / "report" / "markouts.html").is_file()


@pytest.mark.parametrize(
    ("reference", "bps"),
    [("mid", 100.0), ("weighted_mid", 150.0), ("micro_price", 50.0)],
)
def test_reference_prices(tmp_path: Path, reference: str, bps: float) -> None:
    ts = pa.array(pd.to_datetime(["2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"]))
    quotes = _write(
        tmp_path / "q.parquet",
        pa.table(
            {
                "timestamp": ts,
                "symbol": ["X", "X"],
                "bid": [100.0, 100.0],
                "ask": [102.0, 102.0],
                "bid_size": [1.0, 1.0],
                "ask_size": [3.0, 3.0],
            }
        ),
    )
    fills = _write(
        tmp_path / "f.parquet",
        pa.table(
            {
                "timestamp": ts.slice(0, 1),
                "symbol": ["X"],
                "side": ["BUY"],
                "quantity": [1.0],
                "price": [100.0],
                "fee": [0.0],
            }
        ),
    )
    doc = compute_markouts(
        MarkoutRequest(quotes=[quotes], fills=[fills], horizons="1s", reference=reference)
    )
    # mid 101; size-weighted (100*1 + 102*3)/4 = 101.5; micro-price (100*3 + 102*1)/4 = 100.5
    assert _row(doc, horizon="0s")["mean_bps"] == pytest.approx(bps, abs=1e-9)
    assert doc["reference"] == reference


def test_cli_horizons_past_the_end_of_data_are_missing_not_an_error(
    binance: tuple[Path, Path], tmp_path: Path
) -> None:
    quotes_path, trades_path = binance
    # the default horizons reach 5 min; the Binance data lasts 46 s
    result = CliRunner().invoke(
        app,
        [
            "mm",
            "report",
            "--quotes",
            str(quotes_path),
            "--public-trades",
            str(trades_path),
            "--public-trades-as",
            "maker",
            "--symbol",
            "BTC/USDT",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "markout at 10s" in result.output
    doc = json.loads((tmp_path / "markouts.json").read_text())
    five = _row(doc, horizon="5min")
    assert (five["count"], five["mean_bps"]) == (0, None)
    assert five["missing"] == 2001


def _fills_file(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_a_fill_twice_counts_once_and_a_conflict_is_named(tmp_path: Path) -> None:
    ts = pa.array(pd.to_datetime(["2026-01-01T00:00:00Z", "2026-01-01T00:00:10Z"]))
    quotes = _write(
        tmp_path / "q.parquet",
        pa.table(
            {"timestamp": ts, "symbol": ["X", "X"], "bid": [99.0, 99.0], "ask": [101.0, 101.0]}
        ),
    )
    a = {
        "fill_id": "a",
        "timestamp": "2026-01-01T00:00:01Z",
        "symbol": "X",
        "side": "buy",
        "quantity": "1",
        "price": "99.5",
    }
    b = {**a, "fill_id": "b", "price": "99.8"}
    first = _fills_file(tmp_path / "one.jsonl", [a, b, a])  # a rotated log repeats a
    doc = compute_markouts(MarkoutRequest(quotes=[quotes], fills=[first], horizons="1s"))
    assert doc["inputs"]["fills"]["rows"] == 2
    assert _row(doc, horizon="0s")["count"] == 2
    other = _fills_file(tmp_path / "two.jsonl", [{**a, "price": "99.6"}])
    forward = compute_markouts(MarkoutRequest(quotes=[quotes], fills=[first, other], horizons="1s"))
    backward = compute_markouts(
        MarkoutRequest(quotes=[quotes], fills=[other, first], horizons="1s")
    )
    fills = forward["inputs"]["fills"]
    assert (fills["rows"], fills["rejected"]) == (1, 3)  # every version of a is left out
    assert {e["reason"] for e in fills["examples"]} == {
        "conflicting records: a appears with other content"
    }
    assert forward["markouts"] == backward["markouts"]  # the order of the files does not matter
    assert _row(forward, horizon="0s")["mean_bps"] == pytest.approx(0.2 / 99.8 * 1e4, abs=1e-9)


def test_daily_windows_split_the_fills_by_local_day(tmp_path: Path) -> None:
    times = ["2026-01-01T22:00:00Z", "2026-01-02T01:00:00Z", "2026-01-02T06:00:00Z"]
    quotes = _write(
        tmp_path / "q.parquet",
        pa.table(
            {
                "timestamp": pa.array(pd.to_datetime([*times, "2026-01-03T00:00:00Z"])),
                "symbol": ["X"] * 4,
                "bid": [99.0] * 4,
                "ask": [101.0] * 4,
            }
        ),
    )
    fills = _write(
        tmp_path / "f.parquet",
        pa.table(
            {
                "timestamp": pa.array(pd.to_datetime(times)),
                "symbol": ["X"] * 3,
                "side": ["BUY", "BUY", "SELL"],
                "quantity": [1.0] * 3,
                "price": [99.0, 99.5, 100.5],
                "fee": [0.0] * 3,
            }
        ),
    )
    doc = compute_markouts(
        MarkoutRequest(quotes=[quotes], fills=[fills], horizons="1s", daily_tz="America/New_York")
    )
    validate(doc, "markouts")
    top = {
        r["window"]: r
        for r in doc["markouts"]
        if r["horizon"] == "0s"
        and not r["net_of_fee"]
        and r["symbol"] == r["side"] == r["liquidity"] == r["strategy"] == "*"
    }
    # New York: 17:00 and 20:00 on Jan 1 (EST, UTC-5), 01:00 on Jan 2
    assert sorted(top) == ["2026-01-01", "2026-01-02", "all"]
    assert (top["2026-01-01"]["count"], top["2026-01-02"]["count"], top["all"]["count"]) == (
        2,
        1,
        3,
    )
    first_day = (1.0 / 99.0 + 0.5 / 99.5) / 2 * 1e4
    assert top["2026-01-01"]["mean_bps"] == pytest.approx(first_day, abs=1e-9)
    assert top["2026-01-02"]["mean_bps"] == pytest.approx(0.5 / 100.5 * 1e4, abs=1e-9)
    from tradeperf.mm.html import markouts_html

    assert "2026-01-02" not in markouts_html(doc)  # the page shows the whole input
