"""The market-making day generator: determinism, schemas, book and fill invariants, markouts."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tradeperf.mm.generator import (
    DEFAULT_INSTRUMENTS,
    KINDS,
    ORDER_SCHEMA,
    MMDay,
    MMDayConfig,
    generate_mm_day,
    replay,
    write_mm_day,
)
from tradeperf.records.fill import FILL_SCHEMA, FUNDING_SCHEMA
from tradeperf.records.market import PUBLIC_TRADE_SCHEMA, QUOTE_SCHEMA

TICKS = {i.symbol: i.tick for i in DEFAULT_INSTRUMENTS}
LOTS = {i.symbol: i.lot for i in DEFAULT_INSTRUMENTS}
# two hours with a stress window from 00:30 to 01:00
STRESS = (0.5, 1.0)
MAIN = MMDayConfig(seed=11, hours=2.0, stress_start=STRESS[0], stress_hours=STRESS[1] - STRESS[0])


@pytest.fixture(scope="module")
def day() -> MMDay:
    return generate_mm_day(MAIN)


@pytest.fixture(scope="module")
def tiny() -> MMDay:
    return generate_mm_day(MMDayConfig(seed=5, hours=0.1))


def _quotes(day: MMDay) -> pd.DataFrame:
    q = day.quotes.to_pandas()
    q["mid"] = (q["bid"] + q["ask"]) / 2
    return q


def _fills(day: MMDay) -> pd.DataFrame:
    f = day.fills.to_pandas()
    f["px"] = f["price"].astype(float)
    f["sign"] = np.where(f["side"] == "BUY", 1, -1)
    return f


def _asof(left: pd.DataFrame, on: pd.Series, right: pd.DataFrame) -> pd.DataFrame:
    """For each row of ``left``, the last ``right`` row of its symbol at or before ``on``."""
    left = left.reset_index(drop=True)
    probe = left.assign(_at=on.reset_index(drop=True), _row=np.arange(len(left)))
    probe = probe.sort_values("_at")
    r = right.rename(columns={"timestamp": "_at"}).sort_values("_at")
    merged = pd.merge_asof(probe, r, on="_at", by="symbol", suffixes=("", "_q"))
    return merged.sort_values("_row").reset_index(drop=True)


# -- determinism ------------------------------------------------------------------------------


def test_same_seed_gives_identical_tables(tiny: MMDay) -> None:
    again = generate_mm_day(MMDayConfig(seed=5, hours=0.1))
    for kind in KINDS:
        assert again.tables()[kind].equals(tiny.tables()[kind]), kind


def test_different_seed_gives_different_tables(tiny: MMDay) -> None:
    other = generate_mm_day(MMDayConfig(seed=6, hours=0.1))
    for kind in ("quotes", "fills", "public_trades", "orders", "funding"):
        assert not other.tables()[kind].equals(tiny.tables()[kind]), kind


# -- schemas and labels -------------------------------------------------------------------------


def test_tables_have_exactly_the_record_schemas(day: MMDay) -> None:
    assert day.quotes.schema.equals(QUOTE_SCHEMA)
    assert day.public_trades.schema.equals(PUBLIC_TRADE_SCHEMA)
    assert day.fills.schema.equals(FILL_SCHEMA)
    assert day.funding.schema.equals(FUNDING_SCHEMA)
    assert day.orders.schema.equals(ORDER_SCHEMA)
    for table in day.tables().values():
        assert table.num_rows > 0
        ts = table.column("timestamp").to_numpy()
        assert (np.diff(ts.astype("int64")) >= 0).all()  # each table in time order


def test_fill_labels(day: MMDay) -> None:
    f = _fills(day)
    assert f["fill_id"].is_unique
    labels = {c: set(f[c]) for c in ("account", "strategy", "fee_currency", "currency")}
    assert labels == {
        "account": {"mm"},
        "strategy": {"mm-core"},
        "fee_currency": {"USD"},
        "currency": {"USD"},
    }
    assert set(f["multiplier"]) == {Decimal(1)}
    assert f[["tags", "source", "source_line"]].isna().all().all()
    counts = f["liquidity"].value_counts()
    assert counts["MAKER"] > 1000
    assert 0 < counts["TAKER"] < 0.1 * counts["MAKER"]  # some hedges, mostly maker
    assert set(f["symbol"]) == set(TICKS)


# -- the book ---------------------------------------------------------------------------------


def test_quotes_bid_below_ask_and_on_tick(day: MMDay) -> None:
    q = _quotes(day)
    assert (q["bid"] < q["ask"]).all()
    assert (q[["bid_size", "ask_size"]] > 0).all().all()
    for symbol, g in q.groupby("symbol"):
        tick = float(TICKS[symbol])
        for col in ("bid", "ask"):
            ticks = g[col].to_numpy() / tick
            assert np.abs(ticks - np.rint(ticks)).max() < 1e-6, (symbol, col)
        # exact: the float's shortest repr is a decimal on the tick
        sample = g["bid"].iloc[:: max(1, len(g) // 500)]
        assert all(Decimal(repr(x)) % TICKS[symbol] == 0 for x in sample)


def test_quote_times_are_irregular_microseconds(day: MMDay) -> None:
    q = _quotes(day)
    g = q[q["symbol"] == "BTC-PERP"]["timestamp"]
    gaps = g.diff().dropna().dt.total_seconds().to_numpy()
    assert gaps.min() > 0
    assert gaps.std() > 0.5 * gaps.mean()  # Poisson-like, not a clock
    assert (g.dt.microsecond % 1000 != 0).mean() > 0.9


# -- fills --------------------------------------------------------------------------------------


def test_maker_fills_at_the_desks_quote_inside_the_spread(day: MMDay) -> None:
    f = _fills(day)
    f["t"] = f["timestamp"]
    q = _quotes(day)[["timestamp", "symbol", "bid", "ask", "mid"]]
    book = _asof(f, f["t"], q)
    maker = book["liquidity"] == "MAKER"
    buy = book["side"] == "BUY"
    # the book the fill met (the last update before it): a maker buy is the best bid
    assert (book.loc[maker & buy, "px"] == book.loc[maker & buy, "bid"]).all()
    assert (book.loc[maker & ~buy, "px"] == book.loc[maker & ~buy, "ask"]).all()
    assert (book["bid"] <= book["px"]).all()
    assert (book["px"] <= book["ask"]).all()
    # a taker hedge pays the far touch
    taker = ~maker
    assert (book.loc[taker & buy, "px"] == book.loc[taker & buy, "ask"]).all()
    assert (book.loc[taker & ~buy, "px"] == book.loc[taker & ~buy, "bid"]).all()
    # reference price: the mid at the fill time
    assert np.allclose(book["reference_price"].astype(float), book["mid"], rtol=0, atol=1e-9)

    # the price is the one of the desk's live order (its last new/amend before the fill)
    o = day.orders.to_pandas()
    placed = o[o["event"].isin(["new", "amend"])][["timestamp", "order_id", "price"]]
    placed = placed.rename(columns={"price": "quoted", "timestamp": "_at"}).sort_values("_at")
    probe = f[maker.values].assign(_at=lambda d: d["timestamp"]).sort_values("_at")
    m = pd.merge_asof(probe, placed, on="_at", by="order_id")
    assert m["quoted"].notna().all()
    assert (m["quoted"] == m["px"]).all()
    fills_in_orders = o[o["event"] == "fill"]
    assert len(fills_in_orders) == len(f)
    assert set(fills_in_orders["order_id"]) == set(f["order_id"])


def test_fill_money_is_exact(day: MMDay) -> None:
    rebate, taker_fee = Decimal("-0.5"), Decimal("2.5")
    for row in day.fills.to_pylist():
        tick, lot = TICKS[row["symbol"]], LOTS[row["symbol"]]
        assert row["price"] % tick == 0
        assert row["quantity"] % lot == 0
        assert row["quantity"] > 0
        assert (row["reference_price"] * 2) % tick == 0
        bps = rebate if row["liquidity"] == "MAKER" else taker_fee
        fee = (row["quantity"] * row["price"] * bps / 10_000).quantize(
            Decimal("1e-8"), ROUND_HALF_EVEN
        )
        assert row["fee"] == fee
        assert (row["fee"] < 0) == (row["liquidity"] == "MAKER")


# -- the market's dynamics ------------------------------------------------------------------------


def test_realized_volatility_is_higher_in_the_stress_window(day: MMDay) -> None:
    # the model has 4× the volatility in the window; measured on 10 s mid returns it is 2.3–5×
    # over 30 seeds (GARCH clustering and jumps move it): tolerance, at least 2×
    q = _quotes(day)
    start = q["timestamp"].min().normalize()
    for symbol, g in q.groupby("symbol"):
        mid = g.set_index("timestamp")["mid"].resample("10s").last().dropna()
        r = np.log(mid).diff().dropna()
        hours = (r.index - start).total_seconds() / 3600
        inside = (hours > STRESS[0] + 10 / 3600) & (hours <= STRESS[1])
        ratio = r[inside].std() / r[~inside].std()
        assert ratio > 2.0, (symbol, ratio)


def test_eth_is_correlated_with_btc(day: MMDay) -> None:
    q = _quotes(day)
    minute = pd.Grouper(key="timestamp", freq="1min")
    w = q.pivot_table(index=minute, columns="symbol", values="mid", aggfunc="last")
    r = np.log(w).diff().dropna()
    assert 0.6 < r["BTC-PERP"].corr(r["ETH-PERP"]) < 0.95


def _markouts(day: MMDay, seconds: float) -> pd.Series:
    """Naive markout in bps of each maker fill at t + seconds: sign · (mid − price) / price."""
    f = _fills(day)
    f = f[f["liquidity"] == "MAKER"].reset_index(drop=True)
    q = _quotes(day)[["timestamp", "symbol", "mid"]]
    m = _asof(f, f["timestamp"] + pd.Timedelta(seconds=seconds), q)
    return m["sign"] * (m["mid"] - m["px"]) / m["px"] * 1e4


def test_adverse_selection_shows_in_maker_markouts(day: MMDay) -> None:
    capture = _markouts(day, 0.0)
    after = _markouts(day, 5.0)
    assert capture.notna().all()
    assert after.notna().all()
    assert capture.mean() > 0.1  # the desk earns its half-spread at the fill
    assert (capture >= 0).mean() > 0.95
    # informed flow: 5 s later the mid has moved against the maker, by a margin of 0.4 bp
    assert after.mean() < capture.mean() - 0.4
    assert after.mean() < 0


# -- funding ---------------------------------------------------------------------------------


def test_funding_every_eight_hours() -> None:
    day = generate_mm_day(MMDayConfig(seed=3, hours=24.0, quote_rate=0.2, fill_rate=0.05))
    fu = day.funding.to_pandas()
    assert sorted({t.strftime("%H:%M:%S") for t in fu["timestamp"]}) == [
        "00:00:00",
        "08:00:00",
        "16:00:00",
    ]
    per_time = fu.groupby("timestamp")["symbol"].apply(sorted).tolist()
    assert per_time == [sorted(TICKS)] * 3
    assert set(fu["account"]) == {"mm"}
    assert set(fu["currency"]) == {"USD"}
    assert all(a % Decimal("1e-8") == 0 for a in fu["amount"])
    assert any(a != 0 for a in fu["amount"])
    # |−position × mark × rate| with |position| ≤ limit + a clip and |rate| < 0.1 %
    for inst in DEFAULT_INSTRUMENTS:
        amounts = fu.loc[fu["symbol"] == inst.symbol, "amount"]
        cap = (inst.limit_lots + inst.clip_lots) * inst.lot * Decimal(2 * inst.price) / 1000
        assert all(abs(a) < cap for a in amounts), inst.symbol


# -- writing and replay -------------------------------------------------------------------------


def test_write_parquet_and_jsonl(tiny: MMDay, tmp_path: Path) -> None:
    paths = write_mm_day(tiny, tmp_path / "pq")
    assert sorted(paths) == sorted(KINDS)
    for kind, path in paths.items():
        assert path.name == f"{kind}.parquet"
        assert pq.read_table(path).equals(tiny.tables()[kind])
    lines = write_mm_day(tiny, tmp_path / "js", format="jsonl")
    for kind, path in lines.items():
        assert path.name == f"{kind}.jsonl"
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert len(rows) == tiny.tables()[kind].num_rows
        assert all(r["timestamp"].endswith("Z") for r in rows)
        datetime.fromisoformat(rows[0]["timestamp"].replace("Z", "+00:00"))
    fill = json.loads((tmp_path / "js" / "fills.jsonl").read_text().splitlines()[0])
    assert isinstance(fill["price"], str)
    assert isinstance(fill["fee"], str)
    assert Decimal(fill["price"]) == tiny.fills.column("price")[0].as_py()
    bad: Any = "csv"
    with pytest.raises(ValueError, match="format"):
        write_mm_day(tiny, tmp_path / "x", format=bad)


def _when(record: dict[str, object]) -> datetime:
    text = str(record["timestamp"])
    assert text.endswith("Z")
    return datetime.fromisoformat(text[:-1] + "+00:00")


def test_replay_yields_every_record_once_in_time_order(tiny: MMDay) -> None:
    events = list(replay(tiny, speed=4.0))
    delays = [e[0] for e in events]
    assert delays[0] == 0.0
    assert all(b >= a for a, b in itertools.pairwise(delays))
    for kind in KINDS:
        assert sum(1 for e in events if e[1] == kind) == tiny.tables()[kind].num_rows
    fill_ids = [e[2]["fill_id"] for e in events if e[1] == "fills"]
    assert fill_ids == tiny.fills.column("fill_id").to_pylist()
    json.dumps([e[2] for e in events[:1000]])  # JSON-able
    # the delays are the record times over the speed
    first = _when(events[0][2])
    delay, _, record = events[-1]
    last = _when(record)
    assert delay == pytest.approx((last - first).total_seconds() / 4.0)


def test_replay_from_a_start_skips_earlier_records(tiny: MMDay) -> None:
    start = datetime(2026, 11, 2, tzinfo=UTC) + timedelta(minutes=3)
    events = list(replay(tiny, start=start))
    assert events
    assert events[0][0] >= 0
    assert all(_when(e[2]) >= start for e in events)
    assert not any(e[1] == "funding" for e in events)
    with pytest.raises(ValueError, match="speed"):
        next(iter(replay(tiny, speed=0)))
    with pytest.raises(ValueError, match="aware"):
        replay(tiny, start=datetime(2026, 11, 2))


# -- configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hours": 0}, "hours"),
        ({"hours": 25}, "hours"),
        ({"quote_rate": 0}, "quote_rate"),
        ({"informed_share": 1.5}, "informed_share"),
        ({"garch_alpha": 0.5, "garch_beta": 0.6}, "garch"),
        ({"correlation": ((1.0, 0.9), (0.9, 1.0))}, "correlation"),
    ],
)
def test_bad_config_is_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MMDayConfig(**kwargs)
