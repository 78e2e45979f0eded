"""The tracker's public API: inputs, books, events, log lines, periods, errors."""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
from decimal import Decimal

import pytest

import tradeperf
from tradeperf.errors import ConfigError
from tradeperf.ledger import run_ledger
from tradeperf.records import Fill, Mark, fills_to_table, marks_to_table
from tradeperf.tracker import PerformanceTracker, Tracker, TrackerInputError

T0 = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture
def tracker():
    with Tracker(capital=1000, currency="USD", timezone="UTC", flush_interval=0) as t:
        yield t


def test_import_is_lazy_and_the_names_are_exported() -> None:
    code = "import sys, tradeperf; print('tradeperf.tracker' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert tradeperf.Tracker is Tracker
    assert tradeperf.PerformanceTracker is PerformanceTracker
    assert issubclass(Tracker, PerformanceTracker)


def test_an_incomplete_subclass_cannot_be_made() -> None:
    class Partial(PerformanceTracker):
        def record_trade(self, trade):
            return trade

        def calculate_metrics(self, period="all"):
            return {}

    with pytest.raises(TypeError, match="abstract"):
        Partial()  # type: ignore[abstract]


def test_a_round_trip_books_exactly(tracker: Tracker) -> None:
    tracker.record_fill(symbol="BTC-USD", side="buy", quantity="0.5", price="60000",
                        fee="1.5", timestamp=at(0), fill_id="a")  # fmt: skip
    tracker.mark("BTC-USD", "60400", at(1))
    snap = tracker.snapshot(now=at(2))
    assert snap["unrealized_pnl"] == Decimal(200)
    assert snap["equity"] == Decimal("1198.5")
    assert snap["positions"][0]["quantity"] == Decimal("0.5")
    tracker.record_fill(symbol="BTC-USD", side="sell", quantity="0.5", price="60100",
                        fee="1.5", timestamp=at(3), fill_id="b")  # fmt: skip
    snap = tracker.snapshot(now=at(4))
    assert snap["realized_pnl"] == Decimal(50)
    assert snap["unrealized_pnl"] == 0
    assert snap["net_pnl"] == Decimal(47)
    assert snap["peak_equity"] == Decimal("1198.5")
    assert snap["drawdown"] == Decimal("151.5")
    assert snap["drawdown_pct"] == pytest.approx(151.5 / 1198.5)
    assert snap["positions"] == []
    figures = tracker.metrics()
    assert figures["net_pnl"] == Decimal(47)
    assert figures["trades"] == 1
    assert figures["win_rate"] == 1.0


def test_the_snapshot_equals_the_batch_ledger(tracker: Tracker) -> None:
    """An independent implementation: the Numba batch kernel over the same records."""
    fills = [
        Fill("1", at(0), "X", "BUY", Decimal(3), Decimal("10.5"), fee=Decimal("0.03")),
        Fill("2", at(1), "Y", "SELL", Decimal(2), Decimal(200), fee=Decimal("0.2"), strategy="s"),
        Fill("3", at(2), "X", "SELL", Decimal(1), Decimal("11.25"), fee=Decimal("0.01")),
        Fill("4", at(3), "X", "SELL", Decimal(4), Decimal(12), fee=Decimal("0.04")),
        Fill("5", at(4), "Y", "BUY", Decimal(1), Decimal(190), strategy="s"),
    ]
    marks = [Mark(at(2.5), "Y", Decimal(205)), Mark(at(5), "X", Decimal("11.5"))]
    for e in sorted([*fills, *marks], key=lambda e: (e.timestamp, isinstance(e, Fill))):
        (tracker.record_fill if isinstance(e, Fill) else tracker.mark)(e)
    batch = run_ledger(fills_to_table(fills), marks_to_table(marks), capital=Decimal(1000))
    snap = tracker.snapshot(now=at(6))
    assert snap["realized_pnl"] == batch.realized_pnl
    assert snap["unrealized_pnl"] == batch.unrealized_pnl
    assert snap["equity"] == batch.equity
    assert snap["fees"] == batch.fees
    rows = batch.positions.to_pylist()
    assert {p["symbol"]: p["quantity"] for p in snap["positions"]} == {
        p["symbol"]: p["quantity"] for p in rows
    }


@pytest.mark.parametrize(
    "given",
    [
        lambda: {"symbol": "X", "side": "BUY", "qty": "2", "price": 10, "time": T0, "id": "d"},
        lambda: __import__("pandas").Series(
            {
                "symbol": "X",
                "side": "buy",
                "quantity": 2,
                "price": 10.0,
                "timestamp": __import__("pandas").Timestamp(T0),
                "fill_id": "p",
            }
        ),
        lambda: __import__("polars").DataFrame(
            {
                "symbol": ["X"],
                "side": ["buy"],
                "quantity": [2],
                "price": [10.0],
                "timestamp": [T0],
                "fill_id": ["pl"],
            }
        ),
        lambda: Fill("r", T0, "X", "BUY", Decimal(2), Decimal(10)),
    ],
    ids=["dict", "pandas", "polars", "record"],
)
def test_fills_in_every_shape(tracker: Tracker, given) -> None:
    f = tracker.record_fill(given())
    assert (f.symbol, f.side.value, f.quantity, f.price) == ("X", "BUY", 2, 10)
    assert f.timestamp == T0
    assert tracker.snapshot(now=T0)["positions"][0]["quantity"] == 2


def test_keywords_and_a_trade_in_the_news_bot_layout(tracker: Tracker) -> None:
    t = tracker.record_trade(
        {"trade_id": "n1", "asset": "ETH-USD", "pnl": 12.5, "exit_time": "2024-05-01T12:00:00Z",
         "news_events": ["e1"], "sentiment_scores": [0.8]}
    )  # fmt: skip
    assert t.net_pnl == Decimal("12.5")
    assert t.news_event_ids == ("e1",)
    assert tracker.snapshot(now=T0)["equity"] == Decimal("1012.5")
    history = tracker.get_trade_history()
    assert [h["trade_id"] for h in history] == ["n1"]
    assert tracker.calculate_metrics("all")["net_pnl"] == Decimal("12.5")


@pytest.mark.parametrize(
    "value",
    ["2024-05-01T12:00:00", dt.datetime(2024, 5, 1, 12), dt.date(2024, 5, 1)],
    ids=["iso-text", "datetime", "date"],
)
def test_a_naive_time_is_refused_naming_the_field(tracker: Tracker, value) -> None:
    with pytest.raises(TrackerInputError, match=r"timestamp .* has no timezone") as err:
        tracker.record_fill(symbol="X", side="buy", quantity=1, price=1, timestamp=value)
    assert err.value.field == "timestamp"
    with pytest.raises(TrackerInputError, match="exit_time"):
        tracker.record_trade(asset="X", pnl=1, exit_time=value)
    assert tracker.snapshot(now=T0)["positions"] == []


def test_a_bad_field_is_named_and_nothing_is_applied(tracker: Tracker) -> None:
    with pytest.raises(TrackerInputError, match="side") as err:
        tracker.record_fill(symbol="X", side="hold", quantity=1, price=1, timestamp=T0)
    assert err.value.field == "side"
    with pytest.raises(TrackerInputError, match="price"):
        tracker.record_fill(symbol="X", side="buy", quantity=1, price="abc", timestamp=T0)
    assert tracker.snapshot(now=T0)["equity"] == 1000


def test_fills_and_trades_of_one_strategy_and_symbol_would_count_twice(tracker: Tracker) -> None:
    tracker.record_fill(symbol="X", side="buy", quantity=1, price=1, timestamp=T0, fill_id="1")
    with pytest.raises(TrackerInputError, match="fed by fills"):
        tracker.record_trade(asset="X", pnl=1, exit_time=T0)
    tracker.record_trade(asset="X", pnl=1, exit_time=T0, strategy="other")  # its own feed
    tracker.record_trade(asset="Y", pnl=2, exit_time=T0, trade_id="y")
    with pytest.raises(TrackerInputError, match="fed by trades"):
        tracker.record_fill(symbol="Y", side="buy", quantity=1, price=1, timestamp=T0)


def test_a_repeated_fill_is_idempotent_and_a_conflict_is_refused(tracker: Tracker) -> None:
    f = tracker.record_fill(symbol="X", side="buy", quantity=1, price=10, timestamp=T0,
                            fill_id="same")  # fmt: skip
    again = tracker.record_fill(symbol="X", side="buy", quantity=1, price=10, timestamp=T0,
                                fill_id="same")  # fmt: skip
    assert again == f
    assert tracker.snapshot(now=T0)["positions"][0]["quantity"] == 1
    with pytest.raises(TrackerInputError, match="'same' is known with other content"):
        tracker.record_fill(symbol="X", side="buy", quantity=2, price=10, timestamp=T0,
                            fill_id="same")  # fmt: skip
    assert tracker.snapshot(now=T0)["positions"][0]["quantity"] == 1


def test_listeners_get_every_event_in_order_and_one_that_raises_breaks_nothing(
    tracker: Tracker, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[tuple[str, object]] = []
    for name in ("fill", "trade_opened", "trade_closed", "equity"):
        tracker.on(name, lambda e: seen.append((e.name, e.timestamp)))
    tracker.on("fill", lambda e: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="tradeperf"):
        tracker.record_fill(symbol="X", side="buy", quantity=1, price=10, fee="0.1",
                            timestamp=at(0), fill_id="1")  # fmt: skip
        tracker.mark("X", 11, at(1))
        tracker.record_fill(symbol="X", side="sell", quantity=1, price=12, timestamp=at(2),
                            fill_id="2")  # fmt: skip
    assert [n for n, _ in seen] == [
        "fill", "trade_opened", "equity", "equity", "fill", "trade_closed", "equity",
    ]  # fmt: skip
    assert "a fill listener raised" in caplog.text
    assert "ZeroDivisionError" in caplog.text
    assert tracker.snapshot(now=at(3))["net_pnl"] == Decimal("1.9")
    with pytest.raises(ConfigError, match="unknown event"):
        tracker.on("tick", print)


def test_an_unsubscribed_listener_is_not_called(tracker: Tracker) -> None:
    calls: list[str] = []
    off = tracker.on("fill", lambda e: calls.append(e.name))
    tracker.record_fill(symbol="X", side="buy", quantity=1, price=1, timestamp=T0, fill_id="1")
    off()
    tracker.record_fill(symbol="X", side="buy", quantity=1, price=1, timestamp=T0, fill_id="2")
    assert calls == ["fill"]


def test_events_are_structured_json_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("my.bot")
    with (
        Tracker(flush_interval=0, logger=logger, capital=100) as tracker,
        caplog.at_level(logging.INFO, logger="my.bot"),
    ):
        tracker.record_fill(symbol="X", side="buy", quantity=1, price=10, timestamp=at(0),
                                fill_id="1")  # fmt: skip
        tracker.record_fill(symbol="X", side="sell", quantity=1, price=13, timestamp=at(1),
                                fill_id="2")  # fmt: skip
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "my.bot"]
    assert [line["event"] for line in lines] == ["trade_opened", "trade_closed"]  # fills: DEBUG
    closed = lines[1]
    assert closed["trade"]["net_pnl"] == "3.000000000000000000"
    assert closed["at"] == at(1).isoformat()
    assert caplog.records[-1].tradeperf["event"] == "trade_closed"  # type: ignore[attr-defined]


def test_period_pnl_follows_the_reporting_timezone() -> None:
    """New York: the local day of 2024-05-01 runs 04:00–04:00 UTC the next day."""
    start = dt.datetime(2024, 5, 1, 3, 0, tzinfo=dt.UTC)  # 23:00 on April 30 in New York
    with Tracker(timezone="America/New_York", capital=100, flush_interval=0) as tracker:
        tracker.record_fill(symbol="X", side="buy", quantity=1, price=10, timestamp=start,
                            fill_id="1")  # fmt: skip
        tracker.mark("X", 12, start + dt.timedelta(minutes=30))  # +2 on April 30
        tracker.mark("X", 15, start + dt.timedelta(hours=2))  # +3 on May 1 (local)
        snap = tracker.snapshot(now=start + dt.timedelta(hours=3))
        assert snap["today"]["pnl"] == Decimal(3)
        assert snap["today"]["start"] == dt.datetime(2024, 5, 1, 4, tzinfo=dt.UTC)
        assert snap["month"]["pnl"] == Decimal(3)  # May began at 04:00 UTC
        assert snap["week"]["pnl"] == Decimal(5)  # the week began on Monday April 29
        assert snap["periods"]["today"]["symbols"] == {"X": Decimal(3)}
        later = tracker.snapshot(now=start + dt.timedelta(days=1, hours=2))
        assert later["today"]["pnl"] == 0  # nothing happened on May 2 yet
        assert tracker.metrics("today")["trades"] == 0


def test_per_strategy_books_are_each_strategys_own(tracker: Tracker) -> None:
    """Strategy a buys 2, b sells 1 of the same symbol: the account nets; each keeps its own."""
    tracker.record_fill(symbol="X", side="buy", quantity=2, price=10, timestamp=at(0),
                        fill_id="1", strategy="a")  # fmt: skip
    tracker.record_fill(symbol="X", side="sell", quantity=1, price=11, timestamp=at(1),
                        fill_id="2", strategy="b")  # fmt: skip
    tracker.mark("X", 12, at(2))
    snap = tracker.snapshot(now=at(3))
    a, b = snap["by_strategy"]["a"], snap["by_strategy"]["b"]
    assert a["unrealized_pnl"] == 4
    assert a["realized_pnl"] == 0
    assert b["unrealized_pnl"] == -1
    assert b["realized_pnl"] == 0
    assert snap["realized_pnl"] == 1
    assert snap["unrealized_pnl"] == 2
    assert a["net_pnl"] + b["net_pnl"] == snap["net_pnl"]
    by = tracker.metrics(by="strategy")
    assert set(by) == {"a", "b"}


def test_slippage_per_fill_trade_and_strategy(tracker: Tracker) -> None:
    got: list[object] = []
    tracker.on("fill", lambda e: got.append(e.data["slippage_bps"]))
    tracker.on("trade_closed", lambda e: got.append(("trade", e.data["slippage_bps"])))
    tracker.record_fill(symbol="X", side="buy", quantity=1, price="100.1", timestamp=at(0),
                        fill_id="1", reference_price=100)  # fmt: skip
    tracker.record_fill(symbol="X", side="sell", quantity=3, price="99.8", timestamp=at(1),
                        fill_id="2", reference_price=100)  # fmt: skip
    tracker.record_fill(symbol="X", side="buy", quantity=2, price="99", timestamp=at(2),
                        fill_id="3")  # fmt: skip
    buy, sell = 0.1 / 100 * 1e4, 0.2 / 100 * 1e4  # paid 10 bps above, sold 20 bps below
    weighted = (buy * 100.1 + sell * 3 * 99.8) / (100.1 + 3 * 99.8)
    assert got[0] == pytest.approx(buy)
    assert got[1] == pytest.approx(sell)
    assert got[2] == ("trade", pytest.approx(weighted))  # the first round trip closed
    assert got[3] is None  # no reference price
    strategy = tracker.snapshot(now=at(3))["by_strategy"]["default"]
    assert strategy["slippage_bps"] == pytest.approx(weighted)


def test_a_closed_tracker_refuses_records() -> None:
    tracker = Tracker(flush_interval=0)
    tracker.close()
    tracker.close()  # idempotent
    with pytest.raises(tradeperf.errors.StoreError, match="closed"):
        tracker.mark("X", 1, T0)


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="cost_basis"):
        Tracker(cost_basis="hifo")
    with pytest.raises(ConfigError, match="retention"):
        Tracker(retention={"second": "1h"})
    with pytest.raises(ConfigError, match="batch_size"):
        Tracker(batch_size=0)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("flush_interval = -1", r"tracker\.flush_interval: a number of seconds of at least 0"),
        ('flush_interval = "soon"', r"tracker\.flush_interval"),
        ("batch_size = 2.5", r"tracker\.batch_size: a whole number"),
        ('dedup_window = "a while"', r"tracker\.dedup_window"),
        ("retention = 3", r"tracker\.retention: a table"),
        ('retention = {second = "1h"}', r"unknown resolution 'second'"),
        ('retention = {minute = "soon"}', r"tracker\.retention\.minute"),
        ("speed = 1", r"tracker: unknown settings speed"),
    ],
)
def test_a_bad_tracker_table_names_the_file_and_key(tmp_path, table: str, message: str) -> None:
    config = tmp_path / "tradeperf.toml"
    config.write_text(f"[tracker]\n{table}\n")
    with pytest.raises(ConfigError, match=message) as err:
        Tracker(config_file=config)
    assert str(config) in str(err.value)


def test_an_argument_wins_over_the_tracker_table(tmp_path) -> None:
    config = tmp_path / "tradeperf.toml"
    config.write_text('[tracker]\nflush_interval = 0\nbatch_size = 7\ndedup_window = "1h"\n')
    with Tracker(config_file=config, batch_size=9) as tracker:
        assert (tracker._thread, tracker._batch_size) == (None, 9)
        assert tracker._dedup == dt.timedelta(hours=1)
    with Tracker(flush_interval=0) as tracker, pytest.raises(ConfigError, match="period"):
        tracker.metrics("fortnight")


def test_reports_in_three_formats(tracker: Tracker) -> None:
    tracker.record_trade(asset="X", pnl=5, exit_time=at(0), trade_id="1")
    tracker.record_trade(asset="X", pnl=-2, exit_time=at(60 * 24), trade_id="2")
    from tradeperf.reports.json_report import dumps

    doc = tracker.generate_report("json")
    assert doc["overall"]["net_pnl"] == Decimal(3)
    from tradeperf.reports.schema import validate

    validate(json.loads(dumps(doc)), "summary")
    assert "Net P&L" in tracker.report("md")
    html = tracker.report("html")
    assert html.startswith("<!DOCTYPE html>")
    assert "http://" not in html.split("<body")[0]
    with pytest.raises(ConfigError):
        tracker.report("pdf")


def test_a_fill_older_than_its_positions_last_is_refused(tracker: Tracker) -> None:
    tracker.record_fill(symbol="X", side="buy", quantity=1, price=10, timestamp=at(5),
                        fill_id="1")  # fmt: skip
    with pytest.raises(TrackerInputError, match="booked in time order") as err:
        tracker.record_fill(symbol="X", side="sell", quantity=1, price=11, timestamp=at(4),
                            fill_id="2")  # fmt: skip
    assert err.value.field == "timestamp"
    tracker.record_fill(
        symbol="Y", side="buy", quantity=1, price=10, timestamp=at(4), fill_id="3"
    )  # another position: its own order
    assert tracker.snapshot(now=at(6))["positions"][0]["quantity"] == 1


def test_the_readme_integration_runs_as_written(tmp_path, monkeypatch, capsys) -> None:
    """The README's ten-line bot integration, executed as it stands (in a fresh folder)."""
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The live tracker a bot embeds", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) <= 12
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert Decimal(out[0].split()[0]) == Decimal("10046.8")  # 10000 + 50 unrealized − 3.2
    assert out[1] == "closed 73.560000000000000000"  # (64800 − 64000) × 0.1 − 3.2 − 3.24
    assert Decimal(out[2].split()[0]) == Decimal("73.56")
    assert out[2].split()[1] == "1.0"
    assert (tmp_path / "bot.duckdb").exists()


def test_the_rule_engine_runs_on_the_trackers_figures(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # the alerts' JSONL sink writes under ./logs
    targets = tmp_path / "targets.yaml"
    targets.write_text("win_rate: 0.6\nmin_trades: 2\n", encoding="utf-8")
    alerts: list[dict[str, object]] = []
    with Tracker(
        capital=1000, flush_interval=0, targets=targets, check_every=0, clock=lambda: at(60)
    ) as tracker:
        tracker.on("alert", lambda e: alerts.append(e.data))
        for i, pnl in enumerate([5, -3, -2, -4]):
            tracker.record_trade(asset="X", pnl=pnl, exit_time=at(i), trade_id=f"t{i}")
        tracker.flush()
    assert [a["kind"] for a in alerts] == ["fired"]
    assert alerts[0]["rule"] == "win_rate"
    assert (tmp_path / "logs" / "performance-alerts.jsonl").exists()


@pytest.mark.parametrize("field", ["trade_id", "symbol", "strategy", "account"])
def test_a_trade_record_with_a_control_character_cannot_be_made(field: str) -> None:
    from tradeperf.records import PositionSide, Trade, TradeStatus

    good = {
        "trade_id": "t1", "symbol": "X", "side": PositionSide.LONG,
        "status": TradeStatus.CLOSED, "entry_time": T0, "exit_time": at(1),
        "quantity": Decimal(1), "net_pnl": Decimal(1), "strategy": "s", "account": "a",
    }  # fmt: skip
    assert Trade(**good).symbol == "X"
    with pytest.raises(ValueError, match=f"{field} holds a control character"):
        Trade(**{**good, field: "X\x00Y"})


@pytest.mark.parametrize("field", ["fill_id", "symbol", "strategy", "account"])
def test_a_fill_record_with_a_control_character_cannot_be_made(field: str) -> None:
    good = {"fill_id": "f", "timestamp": T0, "symbol": "X", "side": "BUY",
            "quantity": Decimal(1), "price": Decimal(1)}  # fmt: skip
    assert Fill(**good).symbol == "X"
    assert Fill(**{**good, field: "X\tY"}).symbol  # a tab inside is text, as in the readers
    with pytest.raises(ValueError, match=f"{field} holds a control character"):
        Fill(**{**good, field: "X\x1fY"})
