"""Markouts of the IBM tape's maker side (LEAN ticks, Lee–Ready) against pandas on the raw files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import shared_file
from tests.mm.test_lean import _reference_lee_ready
from tradeperf.mm.job import MarkoutRequest, compute_markouts
from tradeperf.mm.lean import read_lean_ticks

LABELS = {"0s": 0, "1s": 1_000_000_000, "10s": 10_000_000_000, "1min": 60_000_000_000}


@pytest.mark.shared_data
def test_ibm_maker_markouts_equal_pandas(shared_data: Path) -> None:
    trade_zip = shared_file(shared_data, "lean-ibm-ticks/20131007_trade.zip")
    quote_zip = shared_file(shared_data, "lean-ibm-ticks/20131007_quote.zip")
    doc = compute_markouts(
        MarkoutRequest(
            quotes=[quote_zip],
            public_trades=[trade_zip],
            public_trades_as="maker",
            horizons="1s,10s,1min",
        )
    )
    assert doc["inputs"]["quotes"]["rejected"] == 1  # the suspicious row
    assert any("Lee-Ready" in note for note in doc["notes"])
    classified = doc["inputs"]["public_trades"]["classified_by"]
    assert sum(classified.values()) == 24_293

    # independent: the book by carrying each side forward (pandas), the last row per instant
    quotes = read_lean_ticks(quote_zip).table.to_pandas()
    quotes = quotes.sort_values(["timestamp", "source_line"], kind="stable")
    quotes[["bid", "ask"]] = quotes[["bid", "ask"]].ffill()
    book = quotes.groupby("timestamp", sort=True)[["bid", "ask"]].last().reset_index()
    book["symbol"] = "IBM"
    trades = read_lean_ticks(trade_zip).table.to_pandas()
    sides = _reference_lee_ready(trades, book)
    trades["aggressor"] = trades["trade_id"].map(
        lambda t: None if sides[t] is None else sides[t].split(":")[1]
    )
    trades = trades[trades["aggressor"].notna()].reset_index(drop=True)
    sign = np.where(trades["aggressor"] == "BUY", -1.0, 1.0)  # the maker took the other side
    book = book.dropna(subset=["bid", "ask"])
    mid = book.assign(mid=(book["bid"] + book["ask"]) / 2)[["timestamp", "mid"]]
    mid["timestamp"] = mid["timestamp"].astype("datetime64[us, UTC]")
    first, last = mid["timestamp"].min(), quotes["timestamp"].max()
    for label, ns in LABELS.items():
        later = trades["timestamp"].astype("datetime64[us, UTC]") + pd.Timedelta(ns, "ns")
        probe = pd.DataFrame({"t": later.astype("datetime64[us, UTC]")})
        probe["i"] = probe.index
        m = pd.merge_asof(probe.sort_values("t"), mid, left_on="t", right_on="timestamp")
        m = m.set_index("i").sort_index()
        ok = (trades["timestamp"] >= first) & (probe["t"] <= last)
        x = pd.Series(sign * (m["mid"] - trades["price"]) / trades["price"] * 1e4).where(ok)
        rows = [
            r
            for r in doc["markouts"]
            if r["horizon"] == label
            and not r["net_of_fee"]
            and r["symbol"] == r["side"] == r["liquidity"] == r["strategy"] == "*"
        ]
        got = rows[0]
        v = x.dropna()
        assert (got["count"], got["missing"]) == (len(v), x.isna().sum())
        assert got["mean_bps"] == pytest.approx(v.mean(), abs=1e-9)
        assert got["median_bps"] == pytest.approx(v.median(), abs=1e-9)
        assert got["p95_bps"] == pytest.approx(v.quantile(0.95), abs=1e-9)
        assert got["std_bps"] == pytest.approx(v.std(), abs=1e-9)
