"""The in-memory generators of `tradeperf.sample`: trades, and a bot's fills, marks and funding.

Timing of the event stream (not a test: the machine is shared):
``python -c "import time; from tradeperf.sample import generate_events as g;
t = time.perf_counter(); n = sum(1 for _ in g(1_000_000)); print(n, time.perf_counter() - t)"``
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import pairwise
from pathlib import Path

import pytest

from tradeperf.ledger import Ledger, run_ledger
from tradeperf.records import (
    Fill,
    FundingPayment,
    Liquidity,
    Mark,
    PositionSide,
    Side,
    TradeStatus,
    fills_to_table,
    funding_to_table,
    marks_to_table,
    trades_to_table,
)
from tradeperf.sample import (
    DEFAULT_START,
    DEFAULT_STRATEGIES,
    DEFAULT_SYMBOLS,
    generate_events,
    generate_fills,
    generate_trades,
    write_sample,
)

CENT = Decimal("0.01")
TICK = {"BTC-USD": Decimal("0.01"), "ETH-USD": Decimal("0.01"), "SOL-USD": Decimal("0.001")}
LOT = {"BTC-USD": Decimal("0.0001"), "ETH-USD": Decimal("0.001"), "SOL-USD": Decimal("0.01")}

#: SHA-256 over the files `write_sample` wrote (name, NUL, bytes, NUL each, in date order),
#: computed with the code of commit 6c4e347 (before the trade model was shared with
#: `generate_trades`): the refactor must not change a byte.
WRITE_SAMPLE_DIGESTS = [
    ({}, "d4e7974a14a6f2fb8994c11f3d6b39ab0b464476774c39db4394dddf3b10968e"),
    ({"seed": 8, "days": 30}, "08e07b0c4e1d948f6977eaeb8a88c1d9ff9ec962f8f5148bc22097f55b798963"),
    (
        {"seed": 1, "days": 3, "start": date(2023, 6, 30)},
        "3c5740a2330214a9f3dbfbaeb9d315ff17c10c34bb341a258d28782ab05259e7",
    ),
]


@pytest.fixture(scope="module")
def events() -> list[Fill | Mark | FundingPayment]:
    return list(generate_events(30_000, seed=11))


def _fills(events):
    return [e for e in events if isinstance(e, Fill)]


# -- write_sample --------------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "digest"), WRITE_SAMPLE_DIGESTS)
def test_write_sample_writes_the_same_bytes_as_before_the_shared_model(
    tmp_path: Path, kwargs: dict, digest: str
) -> None:
    h = hashlib.sha256()
    for path in write_sample(tmp_path, **kwargs):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    assert h.hexdigest() == digest


# -- generate_trades -----------------------------------------------------------------------
def test_trades_are_deterministic_for_a_seed_and_differ_across_seeds() -> None:
    a = generate_trades(300, seed=5)
    assert generate_trades(300, seed=5) == a
    assert generate_trades(300, seed=6) != a
    assert generate_trades(120, seed=5) == a[:120]  # a longer history starts the same
    assert generate_trades(0) == []


def test_trades_are_closed_in_exit_order_with_net_equal_gross_minus_fees() -> None:
    trades = generate_trades(2000)
    assert len(trades) == 2000
    assert len({t.trade_id for t in trades}) == 2000
    keys = [(t.exit_time, t.entry_time, t.trade_id) for t in trades]
    assert keys == sorted(keys)
    for t in trades:
        assert t.status is TradeStatus.CLOSED
        assert t.net_pnl == t.gross_pnl - t.fees
        assert t.fees > 0
        assert t.fees == t.fees.quantize(CENT)
        assert t.net_pnl == t.net_pnl.quantize(CENT)
        for stamp in (t.entry_time, t.exit_time):
            assert stamp.utcoffset() == timedelta(0)
        assert DEFAULT_START <= t.entry_time <= t.exit_time
        assert t.currency == "USD"
        # the gross in cents is the price move times the quantity, to the cent
        sign = 1 if t.side is PositionSide.LONG else -1
        move = sign * (t.exit_price - t.entry_price) * t.quantity
        assert abs(t.gross_pnl - move) <= CENT
        ret = float(t.net_pnl / (t.entry_price * t.quantity))
        assert t.return_pct == pytest.approx(ret, abs=5e-7)  # to 6 places, as logged
        if t.symbol in TICK:
            assert t.entry_price % TICK[t.symbol] == 0
            assert t.exit_price % TICK[t.symbol] == 0
            assert t.quantity % LOT[t.symbol] == 0


def test_trades_look_like_the_samples_bot() -> None:
    trades = generate_trades(3000, seed=3)
    assert {t.strategy for t in trades} == {"news_momentum", "mean_reversion", "breakout"}
    assert {"BTC-USD", "AAPL", "SPY"} <= {t.symbol for t in trades}
    wins = sum(t.net_pnl > 0 for t in trades)
    assert 0.3 < wins / len(trades) < 0.8
    assert {t.side for t in trades} == {PositionSide.LONG, PositionSide.SHORT}
    # stocks only on weekdays, within US market hours (UTC)
    stocks = [t for t in trades if t.symbol in ("AAPL", "TSLA", "SPY")]
    assert stocks
    assert all(t.entry_time.weekday() < 5 for t in stocks)
    assert all(14 <= t.entry_time.hour <= 21 for t in stocks)
    news = [t for t in trades if t.strategy == "news_momentum"]
    assert all(t.news_event_ids and t.sentiment_json for t in news)
    # about 25 a day, as the logs have them
    days = (trades[-1].exit_time - trades[0].entry_time).total_seconds() / 86400
    assert 18 < len(trades) / days < 30


def test_trades_start_where_asked() -> None:
    start = datetime(2025, 3, 14, 15, 30, tzinfo=UTC)
    trades = generate_trades(200, start=start)
    assert min(t.entry_time for t in trades) >= start
    assert trades[0].entry_time.date() == start.date()
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_trades(5, start=datetime(2025, 3, 14))
    with pytest.raises(ValueError, match="count"):
        generate_trades(-1)


# -- generate_events -----------------------------------------------------------------------
def test_events_are_deterministic_for_a_seed_and_differ_across_seeds(events) -> None:
    assert list(generate_events(5000, seed=11)) == events[:5000]
    assert list(generate_events(5000, seed=12)) != events[:5000]


def test_a_longer_stream_begins_with_the_shorter_one_across_blocks_of_draws() -> None:
    n = 65_536 + 20  # past the first block of draws
    assert (
        list(generate_events(n, seed=2))[-40:] == list(generate_events(n + 500, seed=2))[n - 40 : n]
    )


def test_events_are_55_percent_fills_43_marks_2_funding(events) -> None:
    kinds = Counter(type(e) for e in events)
    n = len(events)
    assert sum(kinds.values()) == n == 30_000
    assert kinds[Fill] / n == pytest.approx(0.55, abs=0.015)
    assert kinds[Mark] / n == pytest.approx(0.43, abs=0.015)
    assert kinds[FundingPayment] / n == pytest.approx(0.02, abs=0.005)
    quiet = Counter(type(e) for e in generate_events(5000, seed=11, funding=False))
    assert quiet[FundingPayment] == 0
    assert quiet[Mark] / 5000 == pytest.approx(0.45, abs=0.03)


def test_timestamps_are_aware_utc_and_increasing(events) -> None:
    assert all(e.timestamp.utcoffset() == timedelta(0) for e in events)
    assert all(a.timestamp < b.timestamp for a, b in pairwise(events))
    assert events[0].timestamp > DEFAULT_START
    start = datetime(2024, 6, 1, 9, 0, 0, 123456, tzinfo=UTC)
    later = list(generate_events(100, start=start))
    assert later[0].timestamp > start
    assert all(e.timestamp.microsecond % 1000 == 0 for e in later)  # whole milliseconds


def test_fills_have_unique_ids_strategies_ticks_lots_and_venue_fees(events) -> None:
    fills = _fills(events)
    assert len({f.fill_id for f in fills}) == len(fills)
    assert len({f.order_id for f in fills}) == len(fills)
    assert {f.strategy for f in fills} == set(DEFAULT_STRATEGIES)
    assert {f.symbol for f in fills} == set(DEFAULT_SYMBOLS)
    assert Counter(f.liquidity for f in fills)[Liquidity.MAKER] / len(fills) == pytest.approx(
        0.4, abs=0.02
    )
    rebates = 0
    for f in fills:
        assert f.price % TICK[f.symbol] == 0
        assert f.quantity % LOT[f.symbol] == 0
        assert f.quantity > 0
        notional = f.price * f.quantity
        if f.liquidity is Liquidity.TAKER:
            rates = {Decimal("0.0005")}
        else:
            rates = {Decimal("0.0001"), Decimal("-0.00005")}
        expected = {(notional * r).quantize(Decimal("1e-8"), ROUND_HALF_EVEN) for r in rates}
        assert f.fee in expected
        rebates += f.fee < 0
        assert f.currency == "USD"
        assert f.account == "default"
    assert 0 < rebates < len(fills) * 0.4


def test_reference_price_is_the_last_mark_before_the_fill(events) -> None:
    last: dict[str, Decimal] = {}
    checked = reacting = 0
    previous = None
    for e in events:
        if isinstance(e, Mark):
            last[e.symbol] = e.price
        elif isinstance(e, Fill) and e.symbol in last:
            assert e.reference_price == last[e.symbol]
            checked += 1
            if (
                isinstance(previous, Mark)
                and previous.symbol == e.symbol
                and e.timestamp - previous.timestamp < timedelta(seconds=2)
            ):
                # a fill that reacts to a mark trades near it: a few basis points away
                assert abs(e.price / e.reference_price - 1) < Decimal("0.001")
                reacting += 1
        previous = e
    assert checked > 15_000
    # about 80 % of the fills right after a mark (43 % of fills) react to it
    assert 0.3 < reacting / checked < 0.45


def test_positions_open_add_partly_close_close_and_flip(events) -> None:
    held: dict[str, Decimal] = {}
    seen = Counter()
    owner: dict[str, str] = {}
    for f in _fills(events):
        before = held.get(f.symbol, Decimal(0))
        after = before + f.signed_quantity
        if before == 0:
            seen["open"] += 1
            owner[f.symbol] = f.strategy
        elif (before > 0) == (f.side is Side.BUY):
            seen["add"] += 1
        elif after == 0:
            seen["close"] += 1
        elif (after > 0) == (before > 0):
            seen["partial"] += 1
        else:
            seen["flip"] += 1
        # one strategy runs a position from flat to flat
        assert f.strategy == owner[f.symbol]
        held[f.symbol] = after
    assert min(seen[k] for k in ("open", "add", "partial", "close", "flip")) > 500


def test_funding_is_paid_on_held_crypto_positions_by_the_sign_of_the_position(events) -> None:
    held: dict[str, Decimal] = {}
    payments = 0
    paid_by_longs = received_by_longs = 0
    for e in events:
        if isinstance(e, Fill):
            held[e.symbol] = held.get(e.symbol, Decimal(0)) + e.signed_quantity
        elif isinstance(e, FundingPayment):
            payments += 1
            assert held.get(e.symbol, 0) != 0
            assert e.currency == "USD"
            if held[e.symbol] > 0:
                paid_by_longs += e.amount < 0
                received_by_longs += e.amount > 0
    assert payments > 400
    assert paid_by_longs > received_by_longs > 0  # a positive rate on average: longs pay


def test_records_are_those_their_constructors_make(events) -> None:
    kinds = set()
    for e in events[:5000]:
        again = type(e)(**{f.name: getattr(e, f.name) for f in dataclasses.fields(e)})
        assert again == e
        assert repr(again) == repr(e)  # also the exponents of the Decimals
        kinds.add(type(e))
    assert kinds == {Fill, Mark, FundingPayment}
    with pytest.raises(dataclasses.FrozenInstanceError):
        events[0].price = Decimal(1)  # type: ignore[misc]


def test_the_ledger_books_the_stream_with_wins_and_losses(events) -> None:
    ledger = Ledger()
    trades = ledger.apply_all(events)
    snap = ledger.snapshot()
    assert len(trades) > 3000
    wins = sum(t.net_pnl > 0 for t in trades)
    losses = sum(t.net_pnl < 0 for t in trades)
    assert wins > 0.15 * len(trades)
    assert losses > 0.15 * len(trades)
    assert snap.realized_pnl != 0
    assert snap.fees > 0
    assert snap.funding != 0
    assert {t.strategy for t in trades} == set(DEFAULT_STRATEGIES)


def test_batch_and_incremental_ledgers_agree_on_the_stream(events) -> None:
    ledger = Ledger()
    ledger.apply_all(events)
    fills = [e for e in events if isinstance(e, Fill)]
    marks = [e for e in events if isinstance(e, Mark)]
    funding = [e for e in events if isinstance(e, FundingPayment)]
    res = run_ledger(
        fills_to_table(fills), marks_to_table(marks), funding=funding_to_table(funding)
    )
    assert res.realized_pnl == ledger.realized_pnl
    assert res.fees == ledger.fees
    assert res.funding == ledger.funding
    assert res.trades.num_rows == len(ledger.trades)
    assert res.trades.equals(trades_to_table(ledger.trades))


def test_other_symbols_and_strategies() -> None:
    evs = list(generate_events(4000, seed=1, symbols=["AAPL", "XYZ-PERP"], strategies=["a"]))
    fills = _fills(evs)
    assert {f.strategy for f in fills} == {"a"}
    aapl = [f for f in fills if f.symbol == "AAPL"]
    xyz = [f for f in fills if f.symbol == "XYZ-PERP"]
    assert aapl
    assert xyz
    assert all(f.quantity % 1 == 0 and f.fee >= 1 and f.fee % CENT == 0 for f in aapl)
    assert all(f.venue == "sim" and f.price % CENT == 0 for f in xyz)
    assert {e.symbol for e in evs if isinstance(e, FundingPayment)} == {"XYZ-PERP"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"count": -1},
        {"count": 5, "symbols": []},
        {"count": 5, "symbols": ["BTC-USD", "BTC-USD"]},
        {"count": 5, "strategies": []},
        {"count": 5, "start": datetime(2024, 1, 1)},
    ],
)
def test_bad_arguments_raise_at_the_call(kwargs: dict) -> None:
    with pytest.raises(ValueError):  # noqa: PT011  (each case has its own message)
        generate_events(**kwargs)  # not iterated: the check runs at the call


def test_generate_fills_are_the_fills_of_the_stream() -> None:
    fills = generate_fills(3000, seed=4)
    assert len(fills) == 3000
    assert fills == _fills(generate_events(6000, seed=4))[:3000]
    assert generate_fills(0) == []
