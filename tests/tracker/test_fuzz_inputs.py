"""Hostile input to the tracker: any value of any field is a Fill or a TrackerInputError."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeperf.records import Fill, RecordKind
from tradeperf.tracker import Tracker, TrackerInputError

T0 = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)
GOOD = {"symbol": "X", "side": "buy", "quantity": "1", "price": "10", "timestamp": T0}

HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["1e400", "-0", "NaN", "1,5", " 2 ", "X\x00Y", "\u202e", "2024-05-01", "buy"]),
    st.datetimes(timezones=st.sampled_from([None, dt.UTC])),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.binary(max_size=6),
)
FIELDS = st.sampled_from(
    ["symbol", "side", "quantity", "price", "timestamp", "fee", "strategy", "fill_id",
     "reference_price", "multiplier", "currency", "fee_currency", "account", "tags", "venue"]
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(FIELDS, HOSTILE), min_size=1, max_size=3))
def test_any_field_value_is_a_fill_or_a_named_refusal(changes) -> None:
    fields = {**GOOD, **dict(changes)}
    with Tracker(capital=1000, flush_interval=0) as tracker:
        refusal: TrackerInputError | None = None
        try:
            fill = tracker.record_fill(**fields)
        except TrackerInputError as err:
            refusal, fill = err, None
        if fill is None:  # refused: nothing applied, the message says what was wrong
            assert refusal is not None
            assert str(refusal).startswith("fill: ")
            assert tracker.snapshot(now=T0)["positions"] == []
        else:
            assert isinstance(fill, Fill)
            assert fill.quantity > 0
            assert fill.price.is_finite()
            assert fill.timestamp.tzinfo is not None
        # the tracker goes on: a good fill after the hostile one is booked and stored
        later = tracker.record_fill(
            symbol="GOOD", side="buy", quantity=1, price=10,
            timestamp=T0 + dt.timedelta(days=1), fill_id="after-the-hostile-one",
        )  # fmt: skip
        figures = tracker.metrics()
        with tracker._store_lock:
            ids = tracker._store.records(RecordKind.FILLS).column("fill_id").to_pylist()
        assert later.fill_id in ids
        assert len(ids) == (1 if fill is None else 2)
        assert not math.isnan(float(figures["equity_end"] or Decimal(0)))
