"""Hostile quote and public-trade files: every good row kept, every bad line rejected once."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeperf.ingest import read_source
from tradeperf.records import RecordKind

START = datetime(2026, 3, 1, tzinfo=UTC)

#: Damaged lines, each invalid as a record on its own.
QUOTE_DAMAGE = {
    "nul": lambda i: '{"timestamp": "2026-03-01T00:00:00Z", "sym\x00bol": "X", "bid": 1}',
    "truncated": lambda i: '{"timestamp": "2026-03-01T00:00:00Z", "symbol": "X", "bi',
    "negative bid": lambda i: json.dumps(
        {"timestamp": "2026-03-01T00:00:00Z", "symbol": "X", "bid": -1, "ask": 2}
    ),
    "no side": lambda i: json.dumps(
        {"timestamp": "2026-03-01T00:00:00Z", "symbol": "X", "bid": 0, "ask": None}
    ),
    "bad time": lambda i: json.dumps({"timestamp": "yesterday", "symbol": "X", "bid": 1, "ask": 2}),
    "text price": lambda i: json.dumps(
        {"timestamp": "2026-03-01T00:00:00Z", "symbol": "X", "bid": "cheap", "ask": 2}
    ),
    "negative size": lambda i: json.dumps(
        {"timestamp": "2026-03-01T00:00:00Z", "symbol": "X", "bid": 1, "ask": 2, "bid_size": -3}
    ),
    "no symbol": lambda i: json.dumps({"timestamp": "2026-03-01T00:00:00Z", "bid": 1, "ask": 2}),
}


@st.composite
def corpora(draw: st.DrawFn) -> tuple[list[str], dict[int, dict], dict[int, str]]:
    seed = draw(st.integers(0, 2**32 - 1))
    n_good = draw(st.integers(1, 300))
    kinds = draw(st.lists(st.sampled_from(sorted(QUOTE_DAMAGE)), max_size=8))
    rng = random.Random(seed)
    lines: list[tuple[str, dict | None, str | None]] = []
    for i in range(n_good):
        bid = rng.randint(1, 10**6) / 100
        row = {
            "timestamp": (START + timedelta(microseconds=i * 137)).isoformat(),
            "symbol": rng.choice(["BTC", "ETH"]),
            "bid": bid if rng.random() > 0.1 else 0,  # one-sided rows too
            "ask": bid + rng.randint(1, 100) / 100,
            "bid_size": rng.randint(0, 10**4) / 10,
        }
        lines.append((json.dumps(row), row, None))
    for kind in kinds:
        for _ in range(rng.randint(1, 4)):
            lines.insert(rng.randrange(len(lines) + 1), (QUOTE_DAMAGE[kind](0), None, kind))
    text = [t for t, _, _ in lines]
    good = {i + 1: row for i, (_, row, _) in enumerate(lines) if row is not None}
    bad = {i + 1: kind for i, (_, _, kind) in enumerate(lines) if kind is not None}
    return text, good, bad


@given(corpora(), st.booleans())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_quote_corpus_keeps_good_rows_and_rejects_each_bad_line(
    corpus: tuple[list[str], dict[int, dict], dict[int, str]], truncate_last: bool
) -> None:
    import tempfile

    text, good, bad = corpus
    body = "\n".join(text) + ("" if truncate_last else "\n")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "quotes.jsonl"
        path.write_text(body, encoding="utf-8")
        read = read_source(path)
    assert read.kind is RecordKind.QUOTES
    rejected = {r.line: r for r in read.rejected}
    assert set(rejected) == set(bad), (sorted(rejected), sorted(bad))
    rows = read.table.to_pylist()
    assert [r["source_line"] for r in rows] == sorted(good)
    for row in rows:
        want = good[row["source_line"]]
        assert row["bid"] == (want["bid"] or None)
        assert row["ask"] == want["ask"]
        assert row["bid_size"] == want["bid_size"]
        assert row["timestamp"] == datetime.fromisoformat(want["timestamp"])


@given(st.integers(0, 2**32 - 1), st.integers(1, 200))
@settings(max_examples=40, deadline=None)
def test_public_trade_csv_with_damage(seed: int, n: int) -> None:
    import tempfile

    rng = random.Random(seed)
    out = ["timestamp,symbol,trade_id,price,quantity,is_buyer_maker"]
    good: dict[int, tuple[str, float, str]] = {}
    bad: set[int] = set()
    for i in range(n):
        if rng.random() < 0.15:
            out.append(
                rng.choice(
                    [
                        "2026-03-01T00:00:00Z,X,,0,1,true",  # price 0
                        "2026-03-01T00:00:00Z,X,,1,-2,true",  # negative quantity
                        "2026-03-01T00:00:00Z,X,,1,2,maybe",  # not a flag
                        "not a time,X,,1,2,true",
                        "2026-03-01T00:00:00Z,X,,1",  # too few cells
                    ]
                )
            )
            bad.add(len(out))
            continue
        price = rng.randint(1, 10**7) / 100
        maker = rng.choice(["true", "false", "True", "False"])
        out.append(f"{(START + timedelta(seconds=i)).isoformat()},X,t{i},{price},1.5,{maker}")
        good[len(out)] = (f"t{i}", price, "SELL" if maker.lower() == "true" else "BUY")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trades.csv"
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
        read = read_source(path)
    assert read.kind is RecordKind.PUBLIC_TRADES
    assert {r.line for r in read.rejected} == bad
    rows = read.table.to_pylist()
    assert [(r["trade_id"], r["price"], r["aggressor"]) for r in rows] == [
        good[k] for k in sorted(good)
    ]
