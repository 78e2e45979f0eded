"""The summary's ``slippage_bps``: overall, per strategy, per symbol and per window, from the
engine's sums, on both backends.

Against a naive reference kept here: the notional-weighted mean in exact Decimals of
s·(p − r)/r·10⁴ over the fills that carry a reference price and lie in the row's scope
(strategy, symbol, the window's local days).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.analytics.booked import entry, examples
from tradeperf.analytics.booking import booker
from tradeperf.analytics.summary import SummaryRequest, summarize
from tradeperf.analytics.windows import WindowKind
from tradeperf.ingest.base import ReadResult
from tradeperf.records import Fill, RecordKind, fills_to_table
from tradeperf.reports.json_report import summary_to_json
from tradeperf.reports.markdown import render_summary
from tradeperf.store import Store, open_store
from tradeperf.timezones import resolve_timezone

T0 = dt.datetime(2024, 3, 8, 20, 0, tzinfo=dt.UTC)
WINDOWS = (WindowKind.DAILY, WindowKind.WEEKLY, WindowKind.MONTHLY)


def naive_mean(fills: list[Fill]) -> float:
    """Σ |q·p·m|·s(p − r)/r·10⁴ / Σ |q·p·m| over the fills with a reference (NaN: none)."""
    weighted, total = Decimal(0), Decimal(0)
    for f in fills:
        if f.reference_price is None:
            continue
        w = abs(f.quantity * f.price * f.multiplier)
        weighted += w * f.side.sign * (f.price - f.reference_price) / f.reference_price * 10_000
        total += w
    return float(weighted / total) if total else math.nan


def agrees(got: object, want: float, where: str) -> None:
    assert isinstance(got, float), where
    if math.isnan(want):
        assert math.isnan(got), where
    else:
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9), where


def write(store: Store, fills: list[Fill]) -> None:
    store.booker = booker()
    for path in list(store.source_entries()):
        store.forget([path])
    path = f"/{uuid.uuid4().hex[:8]}/fills.csv"
    result = ReadResult(path, RecordKind.FILLS, fills_to_table(fills))
    store.write_source(entry(path, "fills"), result, replace=True)


def check(summary: Any, fills: list[Fill], request: SummaryRequest) -> None:
    """Every row of ``summary`` carries the naive mean of its own fills."""
    tz = resolve_timezone(request.day_key)
    start, end = request.utc_bounds(tz)
    inside = [
        f
        for f in fills
        if (start is None or f.timestamp >= start)
        and (end is None or f.timestamp < end)
        and (not request.strategies or f.strategy in request.strategies)
        and (not request.symbols or f.symbol in request.symbols)
    ]
    agrees(summary.overall["slippage_bps"], naive_mean(inside), "overall")
    for label, figures in summary.by_strategy.items():
        own = [f for f in inside if f.strategy == label]
        agrees(figures["slippage_bps"], naive_mean(own), f"strategy {label}")
    for label, figures in summary.by_symbol.items():
        own = [f for f in inside if f.symbol == label]
        agrees(figures["slippage_bps"], naive_mean(own), f"symbol {label}")
    for kind, ws in summary.windows.items():
        for w in ws:
            first, after = w.start.astimezone(tz).date(), w.end.astimezone(tz).date()
            own = [f for f in inside if first <= f.timestamp.astimezone(tz).date() < after]
            agrees(w.figures["slippage_bps"], naive_mean(own), f"{kind} {w.label}")
    doc = summary_to_json(summary)  # validated against the schema (tests set it)
    if math.isnan(naive_mean(inside)):
        assert doc["overall"]["slippage_bps"] is None
        assert doc["overall"]["null_reasons"]["slippage_bps"] == "no fill carries a reference price"


def day(n: int, hour: int = 15) -> dt.datetime:
    return dt.datetime(2024, 3, 4 + n, hour, tzinfo=dt.UTC)


#: Two strategies, three symbols (Z a future, multiplier 5), five days: b trades Y without
#: references.
FILLS = [
    Fill("1", day(0), "X", "BUY", Decimal(2), Decimal("100.5"), strategy="a",
         reference_price=Decimal(100)),
    Fill("2", day(1), "X", "SELL", Decimal(2), Decimal("101"), strategy="a",
         reference_price=Decimal("101.2")),
    Fill("3", day(1, 23), "Y", "SELL", Decimal(10), Decimal("20"), strategy="b"),
    Fill("4", day(2), "Z", "BUY", Decimal(1), Decimal("99"), strategy="b",
         reference_price=Decimal("99.5"), multiplier=Decimal(5)),
    Fill("5", day(3), "Y", "BUY", Decimal(10), Decimal("19"), strategy="b"),
    Fill("6", day(4), "Z", "SELL", Decimal(1), Decimal("102"), strategy="b",
         reference_price=Decimal("101.9"), multiplier=Decimal(5)),
]  # fmt: skip

REQUESTS = [
    SummaryRequest(windows=WINDOWS, timezone="America/New_York"),
    SummaryRequest(windows=WINDOWS, timezone="UTC", day_start=dt.time(17)),
    SummaryRequest(windows=(WindowKind.DAILY,), strategies=("b",)),
    SummaryRequest(windows=(WindowKind.DAILY,), symbols=("Y",)),
    SummaryRequest(windows=(WindowKind.DAILY,), strategies=("a", "b"), symbols=("X", "Z")),
    SummaryRequest(windows=(WindowKind.DAILY,), start=dt.date(2024, 3, 5), end=dt.date(2024, 3, 6)),
    SummaryRequest(
        windows=(WindowKind.DAILY,),
        since=dt.datetime(2024, 3, 5, 12, tzinfo=dt.UTC),
        until=dt.datetime(2024, 3, 8, 12, tzinfo=dt.UTC),
    ),
]


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: str(r)[:60])
def test_every_row_carries_the_slippage_of_its_own_fills(
    store_url: str, request_: SummaryRequest
) -> None:
    with open_store(store_url) as store:
        write(store, FILLS)
        summary = summarize(store, request_)
    if request_.symbols == ("Y",):  # Y's fills carry no reference: the summary has no key
        assert "slippage_bps" not in summary.overall
        return
    check(summary, FILLS, request_)


def test_the_example_by_hand() -> None:
    # a: bought 2 @ 100.5 against 100 (+50 bps on 201), sold 2 @ 101 against 101.2
    # (+19.76 bps on 202); b: bought 5×1 @ 99 against 99.5 (−50.25 bps on 495), sold 5×1 @ 102
    # against 101.9 (−9.81 bps on 510)
    a = (201 * 50 + 202 * (0.2 / 101.2 * 1e4)) / 403
    assert naive_mean(FILLS[:2]) == pytest.approx(a)
    b = (495 * (-0.5 / 99.5 * 1e4) + 510 * (-0.1 / 101.9 * 1e4)) / 1005
    assert naive_mean(FILLS[2:]) == pytest.approx(b)


def test_the_summary_reads_no_fill_and_the_report_shows_basis_points(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = SummaryRequest(windows=WINDOWS)
    with open_store(store_url) as store:
        write(store, FILLS)
        real = store.records

        def no_fills(kind: RecordKind, **kw: object) -> pa.Table:
            assert kind is not RecordKind.FILLS, "read the fills"
            return real(kind, **kw)  # type: ignore[arg-type]

        monkeypatch.setattr(store, "records", no_fills)
        summary = summarize(store, request)
    check(summary, FILLS, request)
    text = render_summary(summary_to_json(summary))
    row = next(line for line in text.splitlines() if line.startswith("| Slippage"))
    assert row.endswith(f"| {summary.overall['slippage_bps']:.2f} bps |")


def test_a_store_without_fills_pays_no_query(
    store_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradeperf import jobs

    log = tmp_path / "trades.jsonl"
    log.write_text(
        '{"trade_id": "t1", "symbol": "X", "side": "long", "status": "CLOSED", '
        '"exit_time": "2024-05-01T12:00:00Z", "net_pnl": "1"}\n'
    )
    with open_store(store_url) as store:
        jobs.ingest(store, [log])

        def refused(*args: object, **kw: object) -> None:
            raise AssertionError("queried the fills")

        monkeypatch.setattr(store, "slippage", refused)
        summary = summarize(store, SummaryRequest())
    assert "slippage_bps" not in summary.overall
    assert summary.overall["trades"] == 1


def test_fills_without_a_reference_leave_the_summary_as_it_was(store_url: str) -> None:
    plain = [f for f in FILLS if f.reference_price is None]
    with open_store(store_url) as store:
        write(store, plain)
        summary = summarize(store, SummaryRequest(windows=WINDOWS))
    rows = [summary.overall, *summary.by_strategy.values(), *summary.by_symbol.values()]
    rows += [w.figures for ws in summary.windows.values() for w in ws]
    assert all("slippage_bps" not in r for r in rows)


@st.composite
def streams(draw: st.DrawFn) -> list[Fill]:
    out = []
    for i in range(draw(st.integers(1, 20))):
        price = Decimal(draw(st.integers(500, 1500))) / 10
        reference = draw(
            st.one_of(st.none(), st.integers(500, 1500).map(lambda n: Decimal(n) / 10))
        )
        out.append(
            Fill(
                f"f{i}",
                T0 + dt.timedelta(hours=draw(st.integers(0, 24 * 20))),
                draw(st.sampled_from(["X", "Y"])),
                draw(st.sampled_from(["BUY", "SELL"])),
                Decimal(draw(st.integers(1, 40))) / 4,
                price,
                strategy=draw(st.sampled_from(["a", "b"])),
                reference_price=reference,
            )
        )
    return out


@examples(8)
@given(fills=streams(), request_=st.sampled_from(REQUESTS[:3]))
def test_random_fills_give_every_row_the_naive_mean(
    hstore: Any, fills: list[Fill], request_: SummaryRequest
) -> None:
    write(hstore, fills)
    summary = summarize(hstore, request_)
    selected = [
        f
        for f in fills
        if f.reference_price is not None
        and (not request_.strategies or f.strategy in request_.strategies)
    ]
    if not selected:
        assert "slippage_bps" not in summary.overall
        return
    check(summary, fills, request_)
