"""Property: any valid trade written to a JSONL log is read back exactly."""

from __future__ import annotations

import decimal
import json
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tradeperf.ingest import read_source

MONEY = st.decimals(
    min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=18, allow_nan=False
)
POSITIVE = st.decimals(min_value=Decimal(0), max_value=Decimal("1e12"), places=18)
TIMES = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(lambda s: s.strip() == s and s.lower() not in ("null", "none", "nan", "n/a", "na"))


@st.composite
def trades(draw: st.DrawFn) -> dict[str, object]:
    entry = draw(TIMES)
    held = draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
    return {
        "trade_id": draw(TEXT),
        "strategy": draw(TEXT),
        "symbol": draw(TEXT),
        "side": draw(st.sampled_from(["long", "short"])),
        "entry_time": entry,
        "exit_time": entry + held,
        "quantity": draw(POSITIVE),
        "entry_price": draw(POSITIVE),
        "exit_price": draw(POSITIVE),
        "fees": draw(MONEY),
        "net_pnl": draw(MONEY),
        "tags": draw(st.lists(TEXT.filter(lambda s: not set(s) & set(",;|[")), max_size=3)),
    }


def _encode(value: object, *, as_number: bool) -> str:
    if isinstance(value, Decimal):
        return str(value) if as_number else json.dumps(str(value))
    if isinstance(value, datetime):
        return json.dumps(value.isoformat().replace("+00:00", "Z"))
    return json.dumps(value)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(trades(), min_size=1, max_size=5), as_number=st.booleans())
def test_jsonl_round_trips_valid_trades_exactly(
    rows: list[dict[str, object]], as_number: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.jsonl"
        lines = [
            "{"
            + ", ".join(
                f"{json.dumps(k)}: {_encode(v, as_number=as_number)}" for k, v in row.items()
            )
            + "}"
            for row in rows
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = read_source(path)
    assert result.rejected == []
    back = result.table.to_pylist()
    assert len(back) == len(rows)
    for got, want in zip(back, rows, strict=True):
        for key, value in want.items():
            assert got[key] == value, key
        assert got["status"] == "CLOSED"
        with decimal.localcontext(prec=80):
            assert got["gross_pnl"] == want["net_pnl"] + want["fees"]  # type: ignore[operator]
