"""The ledger's trade metadata text equals json.dumps of its definition, for any values."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradeperf.ledger._exact import fmt
from tradeperf.ledger.model import TradeParts, excursions, trade_metadata

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
MONEY = st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, places=20)


def _reference(parts: TradeParts) -> str:
    """The definition: the documented keys, by json.dumps (compact, sorted)."""
    mae, mfe = excursions(parts)
    held = parts.exit_time - parts.entry_time
    return json.dumps(
        {
            "account": parts.account,
            "entry_fees": fmt(parts.entry_fees),
            "exit_fees": fmt(parts.exit_fees),
            "funding": fmt(parts.funding),
            "holding_time_us": held // dt.timedelta(microseconds=1),
            "mae": fmt(mae),
            "mfe": fmt(mfe),
            "multiplier": fmt(parts.multiplier),
        },
        sort_keys=True,
        separators=(",", ":"),
    )


@given(
    account=st.text(max_size=8),
    fees=st.tuples(MONEY, MONEY, MONEY),
    multiplier=st.decimals(min_value=Decimal("0.001"), max_value=1000, places=3),
    held=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=4000)),
    prices=st.none() | st.tuples(MONEY, MONEY),
    sign=st.sampled_from([1, -1]),
)
def test_metadata_text_equals_json_dumps(account, fees, multiplier, held, prices, sign) -> None:
    low, high = (None, None) if prices is None else sorted(prices)
    parts = TradeParts(
        trade_id="t", account=account, symbol="X", strategy="s", currency="USD", sign=sign,
        multiplier=multiplier, entry_time=T0, exit_time=T0 + held, quantity=Decimal(2),
        entry_notional=Decimal(200), exit_notional=Decimal(210), gross=Decimal(10),
        entry_fees=fees[0], exit_fees=fees[1], funding=fees[2], price_min=low, price_max=high,
    )  # fmt: skip
    text = trade_metadata(parts)
    assert text == _reference(parts)
    assert json.loads(text)["account"] == account
