"""The account and venue of the round trips kept from fills, against a hand-booked reference.

A round trip has the account of its position and the venue of the fill that opened it. Fills
split over several writes (a position still open at the end of one: its checkpoint keeps
the lots and the open round trip) give the venues one write gives.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.cli.conftest import Tradeperf

HEADER = "fill_id,timestamp,account,symbol,side,quantity,price,fee,venue"
#: BTC in acc-1: opened on coinbase, added to and closed on binance (one round trip,
#: coinbase); then opened short on kraken from flat and closed on coinbase (kraken).
#: ETH in acc-2 without a venue; SOL in acc-1 opened on kraken and flipped on binance (the
#: flip opens a round trip on binance).
FILLS = [
    "b1,2024-05-01T09:00:00Z,acc-1,BTC-USD,buy,1,60000,1,coinbase",
    "b2,2024-05-01T10:00:00Z,acc-1,BTC-USD,buy,1,60100,1,binance",
    "b3,2024-05-02T11:00:00Z,acc-1,BTC-USD,sell,2,60500,2,binance",
    "b4,2024-05-03T09:00:00Z,acc-1,BTC-USD,sell,1,61000,1,kraken",
    "b5,2024-05-04T09:00:00Z,acc-1,BTC-USD,buy,1,60000,1,coinbase",
    "e1,2024-05-01T12:00:00Z,acc-2,ETH-USD,buy,10,3000,1.5,",
    "e2,2024-05-03T12:00:00Z,acc-2,ETH-USD,sell,10,2900,1.5,",
    "s1,2024-05-01T13:00:00Z,acc-1,SOL-USD,buy,5,100,0.5,kraken",
    "s2,2024-05-02T13:00:00Z,acc-1,SOL-USD,sell,8,110,0.8,binance",
    "s3,2024-05-04T13:00:00Z,acc-1,SOL-USD,buy,3,105,0.3,coinbase",
]

D = Decimal


def _reference() -> dict[tuple[str, str], tuple[int, Decimal]]:
    """Trades and net P&L per (account, venue), booked by hand from `FILLS`."""
    btc1 = (D(60500) - D(60000)) * 1 + (D(60500) - D(60100)) * 1 - D(4)  # b1+b2 vs b3
    btc2 = (D(61000) - D(60000)) * 1 - D(2)  # short b4, covered b5
    eth = (D(2900) - D(3000)) * 10 - D(3)
    # s2 sells 8: closes the 5 of s1 (fee share 5/8 of 0.8) and opens 3 short (3/8)
    sol1 = (D(110) - D(100)) * 5 - D("0.5") - D("0.5")
    sol2 = (D(110) - D(105)) * 3 - D("0.3") - D("0.3")
    return {
        ("acc-1", "coinbase"): (1, btc1),
        ("acc-1", "kraken"): (2, btc2 + sol1),
        ("acc-1", "binance"): (1, sol2),
        ("acc-2", "(none)"): (1, eth),
    }


def _groups(tradeperf: Tradeperf, store: str) -> dict[tuple[str, str], tuple[int, Decimal]]:
    ran = tradeperf(
        "summary", "--store", store, "--tz", "UTC", "--by", "account,venue", "--format", "json"
    )
    assert ran.code == 0, ran.err
    doc = json.loads(ran.out, parse_float=Decimal)
    return {
        (g["key"]["account"], g["key"]["venue"]): (
            g["figures"]["trades"],
            D(str(g["figures"]["net_pnl"])),
        )
        for g in doc["breakdown"]["groups"]
    }


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


def test_round_trips_from_fills_have_their_account_and_opening_venue(
    tradeperf: Tradeperf, tmp_path: Path, store_url: str
) -> None:
    fills = _write(tmp_path / "fills.csv", FILLS)
    assert tradeperf("ingest", str(fills), "--store", store_url).code == 0
    assert _groups(tradeperf, store_url) == _reference()


@pytest.mark.parametrize(
    "cut",
    [
        "2024-05-01T11:00:00Z",  # BTC holds two lots of two venues, SOL one: open round trips
        "2024-05-03T10:00:00Z",  # BTC short from flat on kraken, SOL short from the flip
    ],
)
def test_fills_written_in_two_parts_keep_the_venues_of_one_write(
    tradeperf: Tradeperf, tmp_path: Path, store_url: str, cut: str
) -> None:
    before = [f for f in FILLS if f.split(",")[1] < cut]
    after = [f for f in FILLS if f.split(",")[1] >= cut]
    assert before
    assert after
    first = _write(tmp_path / "a.csv", before)
    second = _write(tmp_path / "b.csv", after)
    assert tradeperf("ingest", str(first), "--store", store_url).code == 0
    assert tradeperf("ingest", str(second), "--store", store_url).code == 0
    assert _groups(tradeperf, store_url) == _reference()
