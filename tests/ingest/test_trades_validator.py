"""The TRADES row validator: layouts, aliases, exact money, derivations and bad rows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tradeperf.ingest.kinds import RowError
from tradeperf.ingest.rows import LINE_KEY, SOURCE_KEY
from tradeperf.ingest.trades import derived_trade_id, validate_trade
from tradeperf.records import TRADE_SCHEMA

NEWS_BOT_ROW = {
    "trade_id": "T-1",
    "signal_id": "S-9",
    "asset": "ETH-USD",
    "entry_time": "2024-03-01T14:00:00Z",
    "exit_time": "2024-03-01T14:30:00Z",
    "entry_price": Decimal("2000.50"),
    "exit_price": Decimal("2010.50"),
    "position_size": Decimal("1.5"),
    "pnl": Decimal("13.20"),
    "pnl_percentage": Decimal("0.44"),
    "status": "CLOSED",
    "news_events": ["nev-1", "nev-2"],
    "sentiment_scores": {"compound": Decimal("0.61")},
    "fees": Decimal("1.80"),
    "metadata": {"model": "finbert"},
}


def test_news_bot_layout_is_read_as_written() -> None:
    r = validate_trade(NEWS_BOT_ROW)
    assert r["symbol"] == "ETH-USD"
    assert r["quantity"] == Decimal("1.5")
    assert r["net_pnl"] == Decimal("13.20")
    assert r["gross_pnl"] == Decimal("15.00")  # net + fees
    assert r["return_pct"] == pytest.approx(0.0044)
    assert r["side"] == "long"  # absent: long
    assert r["news_event_ids"] == ["nev-1", "nev-2"]
    assert r["sentiment_json"] == '{"compound":0.61}'
    assert r["metadata_json"] == '{"model":"finbert"}'
    assert set(r) == set(TRADE_SCHEMA.names)


def test_news_bot_side_comes_from_metadata_direction() -> None:
    row = {**NEWS_BOT_ROW, "metadata": '{"direction": "short"}'}
    assert validate_trade(row)["side"] == "short"


@pytest.mark.parametrize(
    ("column", "canonical", "value", "expected"),
    [
        ("pair", "symbol", "BTC/USDT", "BTC/USDT"),
        ("Ticker", "symbol", "AAPL", "AAPL"),
        ("INSTRUMENT", "symbol", "ES", "ES"),
        ("qty", "quantity", "2", Decimal(2)),
        ("size", "quantity", "3", Decimal(3)),
        ("amount", "quantity", "4", Decimal(4)),
        ("fee", "fees", "0.5", Decimal("0.5")),
        ("commission", "fees", "0.7", Decimal("0.7")),
        ("strategy_name", "strategy", "mr", "mr"),
        ("direction", "side", "SELL", "short"),
        ("open_time", "entry_time", "2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=UTC)),
        ("entry_ts", "entry_time", 1704067200, datetime(2024, 1, 1, tzinfo=UTC)),
    ],
)
def test_aliases_are_resolved_case_insensitively(
    column: str, canonical: str, value: object, expected: object
) -> None:
    row: dict[str, object] = {
        "symbol": "X",
        "close_time": "2024-01-02T00:00:00Z",
        "net_profit": "1",
    }
    if canonical == "symbol":
        del row["symbol"]
    row[column] = value
    assert validate_trade(row)[canonical] == expected


@pytest.mark.parametrize("column", ["profit", "net_profit", "realized_pnl", "PnL"])
def test_net_pnl_aliases(column: str) -> None:
    r = validate_trade({"symbol": "X", "exit_ts": "2024-01-02T00:00:00Z", column: "7.25"})
    assert r["net_pnl"] == Decimal("7.25")


def test_canonical_column_wins_over_its_alias() -> None:
    r = validate_trade(
        {"pnl": "1", "net_pnl": "2", "symbol": "X", "exit_time": "2024-01-02T00:00:00Z"}
    )
    assert r["net_pnl"] == Decimal(2)


def test_decimal_strings_are_exact() -> None:
    r = validate_trade({"symbol": "X", "exit_time": "2024-01-02", "net_pnl": "0.1", "fees": "0.2"})
    assert r["gross_pnl"] == Decimal("0.3")
    assert r["gross_pnl"] - r["net_pnl"] == r["fees"]


def test_big_and_tiny_amounts_keep_every_digit() -> None:
    r = validate_trade(
        {
            "symbol": "X",
            "exit_time": "2024-01-02",
            "net_pnl": "12345678901234567.123456789012345678",
            "fees": "0.000000000000000001",
        }
    )
    assert r["gross_pnl"] == Decimal("12345678901234567.123456789012345679")


def test_gross_is_derived_from_prices_for_a_short() -> None:
    r = validate_trade(
        {
            "symbol": "X",
            "side": "short",
            "entry_time": "2024-01-01T00:00:00+02:00",
            "exit_time": "2024-01-01T00:00:00Z",
            "entry_price": "100.1",
            "exit_price": "99.9",
            "quantity": "3",
            "fees": "0.05",
        }
    )
    assert r["gross_pnl"] == Decimal("0.6")
    assert r["net_pnl"] == Decimal("0.55")


def test_gross_only_gives_net_after_fees() -> None:
    r = validate_trade(
        {"symbol": "X", "exit_time": "2024-01-02", "gross_pnl": "10", "fees": "1.25"}
    )
    assert r["net_pnl"] == Decimal("8.75")


def test_inconsistent_gross_net_and_fees_are_rejected() -> None:
    with pytest.raises(RowError) as info:
        validate_trade(
            {"symbol": "X", "exit_time": "2024-01-02", "gross_pnl": "10", "net_pnl": "9"}
        )
    assert info.value.field == "net_pnl"


def test_a_derived_amount_out_of_range_is_a_row_error() -> None:
    with pytest.raises(RowError) as info:
        validate_trade(
            {
                "symbol": "X",
                "exit_time": "2024-01-02",
                "net_pnl": "99999999999999999999.5",
                "fees": "0.5",
            }
        )
    assert info.value.field == "gross_pnl"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-10T12:00:00Z", datetime(2024, 3, 10, 12, tzinfo=UTC)),
        ("2024-03-10T13:00:00+01:00", datetime(2024, 3, 10, 12, tzinfo=UTC)),
        ("2024-03-10 12:00:00", datetime(2024, 3, 10, 12, tzinfo=UTC)),  # naive = UTC
        (1710072000, datetime(2024, 3, 10, 12, tzinfo=UTC)),  # seconds
        (1710072000000, datetime(2024, 3, 10, 12, tzinfo=UTC)),  # milliseconds
        ("1710072000123", datetime(2024, 3, 10, 12, 0, 0, 123000, tzinfo=UTC)),
        (Decimal("1710072000.5"), datetime(2024, 3, 10, 12, 0, 0, 500000, tzinfo=UTC)),
    ],
)
def test_timestamps(value: object, expected: datetime) -> None:
    r = validate_trade({"symbol": "X", "exit_time": value, "net_pnl": 1})
    assert r["exit_time"] == expected


def test_status_defaults_to_closed_with_exit_data_and_open_without() -> None:
    assert validate_trade({"symbol": "X", "exit_time": "2024-01-02", "pnl": 1})["status"] == (
        "CLOSED"
    )
    assert validate_trade({"symbol": "X", "entry_time": "2024-01-02"})["status"] == "OPEN"


@pytest.mark.parametrize("status", ["OPEN", "cancelled", "Canceled", "FAILED"])
def test_rows_that_did_not_close_are_kept(status: str) -> None:
    r = validate_trade({"symbol": "X", "status": status, "entry_time": "2024-01-02"})
    assert r["status"] in ("OPEN", "CANCELLED", "FAILED")
    assert r["net_pnl"] is None


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"exit_time": "2024-01-02", "pnl": 1}, "symbol"),
        ({"symbol": "X", "status": "CLOSED", "pnl": 1}, "exit_time"),
        ({"symbol": "X", "status": "CLOSED", "exit_time": "2024-01-02"}, "net_pnl"),
        ({"symbol": "X", "exit_time": "2024-01-02", "pnl": "twelve"}, "net_pnl"),
        ({"symbol": "X", "exit_time": "2024-01-02", "pnl": 1, "qty": "-1"}, "quantity"),
        ({"symbol": "X", "exit_time": "2024-01-02", "pnl": 1, "entry_price": -3}, "entry_price"),
        ({"symbol": "X", "exit_time": "yesterday", "pnl": 1}, "exit_time"),
        (
            {"symbol": "X", "entry_time": "2024-01-03", "exit_time": "2024-01-02", "pnl": 1},
            "exit_time",
        ),
        ({"symbol": "X", "exit_time": "2024-01-02", "pnl": 1, "side": "up"}, "side"),
        ({"symbol": "X", "exit_time": "2024-01-02", "pnl": 1, "status": "done?"}, "status"),
        ({"symbol": "X", "exit_time": "2024-01-02", "pnl": True}, "net_pnl"),
        ({"symbol": ["X"], "exit_time": "2024-01-02", "pnl": 1}, "symbol"),
    ],
)
def test_bad_rows_name_the_field(row: dict[str, object], field: str) -> None:
    with pytest.raises(RowError) as info:
        validate_trade(row)
    assert info.value.field == field


def test_missing_trade_id_is_derived_from_source_and_line() -> None:
    row = {"symbol": "X", "exit_time": "2024-01-02", "pnl": 1, SOURCE_KEY: "/a.jsonl"}
    first = validate_trade({**row, LINE_KEY: 3})
    again = validate_trade({**row, LINE_KEY: 3})
    other = validate_trade({**row, LINE_KEY: 4})
    assert first["trade_id"] == again["trade_id"] == derived_trade_id("/a.jsonl", 3)
    assert first["trade_id"] != other["trade_id"]
    assert (first["source"], first["source_line"]) == ("/a.jsonl", 3)


def test_tags_from_comma_separated_text() -> None:
    r = validate_trade({"symbol": "X", "exit_time": "2024-01-02", "pnl": 1, "tags": "a, b"})
    assert r["tags"] == ["a", "b"]
