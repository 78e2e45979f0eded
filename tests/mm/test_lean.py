"""LEAN tick files (`tradeperf.mm.lean`) and Lee–Ready classification (`tradeperf.mm.classify`).

The real IBM day is read in place from ``$TRADEPERF_SHARED_DATA/lean-ibm-ticks`` (default
``/work/shared/data``); those tests skip only when that folder is absent. Every expected value
is computed here from the raw CSV text (Decimal prices, wall-clock times localised by
``zoneinfo``), and the classification is checked against a pandas/Python implementation of
the rule written from the paper, not from the SQL.
"""

from __future__ import annotations

import os
import random
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from tradeperf.errors import InputError
from tradeperf.mm.classify import classify_trades, lee_ready_sql
from tradeperf.mm.lean import MAX_LINE_BYTES, is_lean_ticks, read_lean_ticks
from tradeperf.records.market import PUBLIC_TRADE_SCHEMA, QUOTE_SCHEMA

NEW_YORK = ZoneInfo("America/New_York")
DAY = date(2013, 10, 7)

#: The top of book from LEAN's one-sided quote rows: the last bid and the last ask carried
#: forward (consolidated over exchanges), the state after the last row of each timestamp.
BOOK_SQL = """
WITH filled AS (
    SELECT symbol, timestamp, source_line,
        last_value(bid IGNORE NULLS) OVER w AS bid,
        last_value(ask IGNORE NULLS) OVER w AS ask
    FROM quotes
    WINDOW w AS (PARTITION BY symbol ORDER BY timestamp, source_line
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT symbol, timestamp, bid, ask FROM filled
QUALIFY row_number() OVER (PARTITION BY symbol, timestamp ORDER BY source_line DESC) = 1
"""


def _lean_folder() -> Path:
    root = Path(os.environ.get("TRADEPERF_SHARED_DATA", "/work/shared/data")) / "lean-ibm-ticks"
    if not root.is_dir():
        pytest.skip(f"{root} is absent: the LEAN IBM ticks are not on this machine")
    return root


@pytest.fixture(scope="module")
def trade_zip() -> Path:
    return _lean_folder() / "20131007_trade.zip"


@pytest.fixture(scope="module")
def quote_zip() -> Path:
    return _lean_folder() / "20131007_quote.zip"


def _raw_rows(path: Path) -> list[list[str]]:
    with zipfile.ZipFile(path) as zf:
        (name,) = zf.namelist()
        return [line.split(",") for line in zf.read(name).decode("ascii").splitlines()]


def _utc(day: date, ms: int) -> datetime:
    """Milliseconds since New York midnight, the way a reader of the format would do it."""
    wall = datetime.combine(day, time(0)) + timedelta(milliseconds=ms)
    return wall.replace(tzinfo=NEW_YORK).astimezone(UTC)


def _usd(deci_cents: str) -> float:
    return float(Decimal(deci_cents).scaleb(-4))


# --- (a) the real IBM day -------------------------------------------------------------------


@pytest.mark.shared_data
def test_ibm_trades_match_source_md_and_the_raw_text(trade_zip: Path) -> None:
    read = read_lean_ticks(trade_zip)
    assert (read.kind, read.symbol, read.day) == ("public_trades", "IBM", DAY)
    assert read.rejected == []
    table = read.table
    assert table.schema == PUBLIC_TRADE_SCHEMA
    assert table.num_rows == 24_293
    times = table.column("timestamp").to_pylist()
    # 04:00:30.270 to 19:26:07.550 New York, EDT (UTC-4) on 2013-10-07
    assert times[0] == datetime(2013, 10, 7, 8, 0, 30, 270_000, tzinfo=UTC)
    assert times[-1] == datetime(2013, 10, 7, 23, 26, 7, 550_000, tzinfo=UTC)
    open_, close = datetime(2013, 10, 7, 13, 30, tzinfo=UTC), datetime(2013, 10, 7, 20, tzinfo=UTC)
    assert sum(open_ <= t <= close for t in times) == 24_106

    raw = _raw_rows(trade_zip)
    assert len(raw) == table.num_rows
    assert times == [_utc(DAY, int(r[0])) for r in raw]
    assert table.column("price").to_pylist() == [_usd(r[1]) for r in raw]
    assert table.column("quantity").to_pylist() == [float(r[2]) for r in raw]
    assert table.column("venue").to_pylist() == [r[3] for r in raw]
    assert table.column("source_line").to_pylist() == list(range(1, len(raw) + 1))
    assert set(table.column("source").to_pylist()) == {str(trade_zip)}
    assert table.column("aggressor").null_count == table.num_rows
    first = table.slice(0, 1).to_pylist()[0]
    assert (first["trade_id"], first["price"], first["quantity"]) == ("IBM-20131007-1", 181.52, 283)
    assert Decimal(repr(table.column("price")[-1].as_py())) == Decimal("181.99")  # 1819900


@pytest.mark.shared_data
def test_ibm_quotes_match_source_md_with_the_suspicious_row_rejected(quote_zip: Path) -> None:
    read = read_lean_ticks(quote_zip)
    assert (read.kind, read.symbol, read.day) == ("quotes", "IBM", DAY)
    table = read.table
    assert table.schema == QUOTE_SCHEMA
    assert table.num_rows + len(read.rejected) == 109_067
    (bad,) = read.rejected
    assert (bad.source, bad.line, bad.field) == (str(quote_zip), 109_067, "suspicious")
    assert "suspicious" in bad.reason
    assert "cut short" not in bad.reason  # the file simply ends without a line break
    assert bad.raw == "72000122,0,0,1860000,100,P,1,1"

    raw = _raw_rows(quote_zip)
    good = [r for r in raw if r[7] == "0"]
    assert len(good) == table.num_rows == 109_066
    times = table.column("timestamp").to_pylist()
    assert times[0] == datetime(2013, 10, 7, 8, 0, 0, 54_000, tzinfo=UTC)  # 04:00:00.054 EDT
    assert times[-1] == datetime(2013, 10, 8, 0, 0, 0, 122_000, tzinfo=UTC)  # 20:00:00.122 EDT
    assert times == [_utc(DAY, int(r[0])) for r in good]
    open_, close = datetime(2013, 10, 7, 13, 30, tzinfo=UTC), datetime(2013, 10, 7, 20, tzinfo=UTC)
    in_session = sum(open_ <= _utc(DAY, int(r[0])) <= close for r in raw)
    assert in_session == 107_998
    assert table.column("bid").to_pylist() == [None if r[1] == "0" else _usd(r[1]) for r in good]
    assert table.column("ask").to_pylist() == [None if r[3] == "0" else _usd(r[3]) for r in good]
    sizes = table.column("ask_size").to_pylist()
    assert sizes == [None if r[4] == "0" else float(r[4]) for r in good]
    one_sided = [(b is None) != (a is None) for b, a in zip(*_sides(table), strict=True)]
    assert all(one_sided)
    assert table.column("source_line").to_pylist() == list(range(1, 109_067))
    assert table.slice(1, 1).to_pylist()[0]["bid"] == 180.01


def _sides(table: pa.Table) -> tuple[list[object], list[object]]:
    return table.column("bid").to_pylist(), table.column("ask").to_pylist()


# --- (b) Lee–Ready on the IBM day against an independent implementation ---------------------


def _reference_lee_ready(trades: pd.DataFrame, book: pd.DataFrame) -> dict[str, str | None]:
    """Lee–Ready as the paper states it: exact decimal mids, then the tick rule."""
    ordered = trades.sort_values(["timestamp", "source", "source_line", "trade_id"])
    book = book.assign(timestamp=book["timestamp"].dt.tz_convert(ordered["timestamp"].dt.tz))
    quoted = pd.merge_asof(
        ordered,
        book.sort_values("timestamp"),
        on="timestamp",
        by="symbol",
        direction="backward",
        allow_exact_matches=True,
    )
    out: dict[str, str | None] = {}
    runs: dict[str, tuple[float | None, float | None]] = {}  # symbol: (this run, the last)
    for row in quoted.itertuples(index=False):
        run, before = runs.get(row.symbol, (None, None))
        if row.price != run:
            run, before = row.price, run
        runs[row.symbol] = (run, before)
        if pd.notna(row.aggressor):
            out[row.trade_id] = "venue:" + row.aggressor
            continue
        if pd.notna(row.bid) and pd.notna(row.ask):
            twice = 2 * Decimal(repr(row.price))
            both = Decimal(repr(row.bid)) + Decimal(repr(row.ask))
            if twice != both:
                out[row.trade_id] = "quote:" + ("BUY" if twice > both else "SELL")
                continue
        if before is None:
            out[row.trade_id] = None
        else:
            out[row.trade_id] = "tick:" + ("BUY" if row.price > before else "SELL")
    return out


def _classified(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    rows = classify_trades(con, "trades", "book").select("trade_id, aggressor, classified_by")
    return {t: None if by is None else f"{by}:{side}" for t, side, by in rows.fetchall()}


@pytest.mark.shared_data
def test_lee_ready_on_ibm_equals_an_independent_pandas_implementation(
    trade_zip: Path, quote_zip: Path
) -> None:
    trades = read_lean_ticks(trade_zip).table
    quotes = read_lean_ticks(quote_zip).table
    con = duckdb.connect()
    con.register("trades", trades)
    con.register("quotes", quotes)
    con.execute(f"CREATE TABLE book AS {BOOK_SQL}")
    got = _classified(con)
    book = con.sql("SELECT * FROM book").to_arrow_table().to_pandas()
    want = _reference_lee_ready(trades.to_pandas(), book)
    assert len(got) == len(want) == 24_293
    differ = [(k, got[k], want[k]) for k in want if got[k] != want[k]]
    assert differ == [], differ[:10]
    by = pd.Series([None if v is None else v.split(":")[0] for v in got.values()])
    counts = by.value_counts(dropna=False).to_dict()
    assert counts.get("quote", 0) > 20_000
    assert counts.get("tick", 0) > 100  # trades at the mid, as the decimal mid tells
    assert "venue" not in counts  # LEAN does not say the aggressor


def test_lee_ready_rules_on_a_small_day() -> None:
    t0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
    s = timedelta(seconds=1)
    trades = [  # id, time, symbol, price, line, aggressor
        ("a1", t0, "A", 10.0, 1, None),  # no book, no earlier trade: unclassified
        ("a2", t0 + s, "A", 10.1, 2, None),  # no book: uptick
        ("a3", t0 + 2 * s, "A", 10.1, 3, None),  # book of a bid only: zero-uptick
        ("a4", t0 + 3 * s, "A", 10.2, 4, None),  # at the quote's time, above 10.15
        ("a5", t0 + 3 * s, "A", 10.15, 5, None),  # at the mid: downtick from 10.2
        ("a6", t0 + 4 * s, "A", 10.15, 6, None),  # zero-downtick
        ("a7", t0 + 4 * s, "A", 10.1, 7, "BUY"),  # the venue says
        ("b1", t0 + 3 * s, "B", 10.15, 8, None),  # other symbol: no earlier trade of B
        ("b2", t0 + 5 * s, "B", 1.005, 9, None),  # decimal mid of 1.00 and 1.01: tick
    ]
    book = [  # symbol, time, bid, ask
        ("A", t0 + 2 * s, 10.0, None),
        ("A", t0 + 3 * s, 10.1, 10.2),
        ("B", t0 + 4 * s, 1.0, 1.01),
    ]
    con = duckdb.connect()
    con.register(
        "trades",
        pa.Table.from_pylist(
            [
                dict(
                    zip(
                        ("trade_id", "timestamp", "symbol", "price", "source_line"),
                        r[:5],
                        strict=True,
                    )
                )
                | {"aggressor": r[5], "quantity": 1.0, "source": "f"}
                for r in trades
            ]
        ),
    )
    con.register(
        "book",
        pa.Table.from_pylist(
            [dict(zip(("symbol", "timestamp", "bid", "ask"), r, strict=True)) for r in book]
        ),
    )
    assert _classified(con) == {
        "a1": None,
        "a2": "tick:BUY",
        "a3": "tick:BUY",
        "a4": "quote:BUY",
        "a5": "tick:SELL",
        "a6": "tick:SELL",
        "a7": "venue:BUY",
        "b1": None,
        "b2": "tick:SELL",
    }
    columns = classify_trades(con, "trades", "book").columns
    assert columns[:7] == [
        "trade_id",
        "timestamp",
        "symbol",
        "price",
        "source_line",
        "aggressor",
        "quantity",
    ]
    assert columns[-1] == "classified_by"
    assert "ASOF LEFT JOIN book" in lee_ready_sql("trades", "book")


# --- errors ---------------------------------------------------------------------------------


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_file_level_errors_name_the_file(tmp_path: Path) -> None:
    good = b"34200000,1815200,100,N,0,0\n"
    cases = {
        "20131007_trade.zip": b"not a zip at all",
        "20131008_trade.zip": None,  # no CSV in it
        "20131009_quote.zip": "two",
        "20131010_trade.zip": "nameless",
        "20131399_trade.zip": "bad-day",
        "ibm_trades.zip": "bad-name",
    }
    for name, content in cases.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif content is None:
            _zip(path, {"readme.txt": b"hello"})
        elif content == "two":
            _zip(path, {"a_ibm_Quote_Tick.csv": good, "b_ibm_Quote_Tick.csv": good})
        else:
            _zip(path, {"ticks.csv": good})
        with pytest.raises(InputError) as err:
            read_lean_ticks(path)
        assert err.value.path == str(path)
    assert read_lean_ticks(tmp_path / "20131010_trade.zip", symbol="XYZ").symbol == "XYZ"
    with pytest.raises(InputError, match="no such file"):
        read_lean_ticks(tmp_path / "20131011_trade.zip")
    assert is_lean_ticks(Path("x/20131007_trade.zip"))
    assert not is_lean_ticks(Path("20131007_trade.zip.part"))
    assert not is_lean_ticks(Path("2013107_quote.zip"))


def test_dst_days_convert_the_new_york_wall_clock(tmp_path: Path) -> None:
    lines = b"3600000,10000,1,N,0,0\n10800000,10000,1,N,0,0\n86399999,10000,1,N,0,0\n"
    for day, want in [
        (date(2024, 3, 10), ["06:00", "07:00", "03:59"]),  # 02:00 EST -> 03:00 EDT
        (date(2024, 11, 3), ["05:00", "08:00", "04:59"]),  # 02:00 EDT -> 01:00 EST
    ]:
        path = _zip(
            tmp_path / f"{day:%Y%m%d}_trade.zip", {f"{day:%Y%m%d}_spy_Trade_Tick.csv": lines}
        )
        times = read_lean_ticks(path).table.column("timestamp").to_pylist()
        assert [t.strftime("%H:%M") for t in times] == want
        assert times == [_utc(day, ms) for ms in (3_600_000, 10_800_000, 86_399_999)]


# --- (c) fuzz: good rows kept, damaged lines rejected at their line ------------------------


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@dataclass(frozen=True)
class Good:
    ms: int
    cells: tuple[str, ...]  # the fields after the time
    suspicious: bool = False

    def line(self) -> bytes:
        return ",".join((str(self.ms), *self.cells, "1" if self.suspicious else "0")).encode()


DAYS = st.sampled_from([date(2013, 10, 7), date(2024, 3, 10), date(2024, 11, 3)]) | st.dates(
    date(1999, 1, 1), date(2035, 12, 31)
)
MS = st.integers(0, 86_399_999)
PRICES = st.integers(1, 10**12)
SIZES = st.integers(1, 10**9)
EXCHANGES = st.sampled_from(["N", "P", "Q", "Z", "K", ""])
CONDITIONS = st.sampled_from(["0", "1", "20002020", "8", "ff", ""])


@st.composite
def good_rows(draw: st.DrawFn, kind: str) -> Good:
    ms, exchange, condition = draw(MS), draw(EXCHANGES), draw(CONDITIONS)
    suspicious = draw(st.integers(0, 9)) == 0
    if kind == "trade":
        return Good(ms, (str(draw(PRICES)), str(draw(SIZES)), exchange, condition), suspicious)
    sides = draw(st.sampled_from(["bid", "ask", "both"]))
    bid = (draw(PRICES), draw(SIZES)) if sides != "ask" else (0, 0)
    ask = (draw(PRICES), draw(SIZES)) if sides != "bid" else (0, 0)
    cells = (*map(str, bid), *map(str, ask), exchange, condition)
    return Good(ms, cells, suspicious)


#: Not whole numbers as LEAN writes them (int() takes some: "١٢", " 12", "1_000", "+5").
NOT_NUMBERS = [b"1.5", b"abc", b"1e3", b" 12", "١٢".encode(), b"1_000", b"", b"+5", b"0x1f"]
#: Any byte but NUL, a line break and a comma: a garbage line is one field.
JUNK = [b for b in range(1, 256) if b not in b"\n\r,"]
DAMAGE = (
    "nul",
    "cut",
    "garbage",
    "extra",
    "missing",
    "negative",
    "zero",
    "not-a-number",
    "long",
    "not-utf8",
    "bad-time",
    "bad-flag",
    "no-side",
)


def damaged(good: Good, how: str, rng: random.Random, kind: str) -> bytes:
    """A line built to be invalid on its own, from a good one."""
    line = good.line()
    cells = line.split(b",")
    price_at = 1 if kind == "trade" or cells[1] != b"0" else 3
    if how == "nul":
        at = rng.randrange(len(line) + 1)
        return line[:at] + b"\x00" + line[at:]
    if how == "cut":
        return line[: rng.randrange(1, len(line))]
    if how == "garbage":
        junk = bytes(rng.choice(JUNK) for _ in range(30))
        return b"#" + junk
    if how == "extra":
        return line + b"," + str(rng.randrange(10)).encode()
    if how == "missing":
        del cells[rng.randrange(len(cells))]
        return b",".join(cells)
    if how in ("negative", "zero"):
        cells[price_at] = b"-" + cells[price_at] if how == "negative" else b"0"
        return b",".join(cells)
    if how == "not-a-number":
        at = rng.choice([0, 1, 2] if kind == "trade" else [0, price_at, price_at + 1])
        cells[at] = rng.choice(NOT_NUMBERS)
        return b",".join(cells)
    if how == "long":
        return line + b"9" * (MAX_LINE_BYTES + rng.randrange(1, 3 * MAX_LINE_BYTES))
    if how == "not-utf8":
        at = rng.randrange(len(line) + 1)
        return line[:at] + b"\xff\xfe" + line[at:]
    if how == "bad-time":
        cells[0] = str(rng.choice([86_400_000, 10**12])).encode()
        return b",".join(cells)
    if how == "bad-flag":
        cells[-1] = rng.choice([b"2", b"", b"01", b"true"])
        return b",".join(cells)
    # no-side: a quote with both sides 0 (a trade: a size of 0)
    if kind == "trade":
        cells[2] = b"0"
    else:
        cells[1:5] = [b"0"] * 4
    return b",".join(cells)


#: Damage that makes a line not a row at all: the reject names no field.
LINE_DAMAGE = frozenset({"nul", "extra", "missing", "long", "not-utf8", "garbage"})


@dataclass(frozen=True)
class Corpus:
    kind: str
    day: date
    lines: list[bytes]
    good: dict[int, Good]  # line: row (suspicious ones are rejected too)
    bad: dict[int, str]  # line: damage
    eol: bytes
    final_eol: bool


@st.composite
def corpora(draw: st.DrawFn) -> Corpus:
    kind = draw(st.sampled_from(["trade", "quote"]))
    goods = draw(st.lists(good_rows(kind), max_size=40))
    damage = draw(st.lists(st.sampled_from(DAMAGE), max_size=15))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    plan: list[tuple[Good, str | None]] = [(g, None) for g in goods]
    for kind_of_damage in damage:
        base = draw(good_rows(kind))
        plan.insert(rng.randrange(len(plan) + 1), (base, kind_of_damage))
    lines: list[bytes] = []
    good: dict[int, Good] = {}
    bad: dict[int, str] = {}
    for number, (row, how) in enumerate(plan, start=1):
        if how is None:
            lines.append(row.line())
            good[number] = row
        else:
            lines.append(damaged(row, how, rng, kind))
            bad[number] = how
    eol = draw(st.sampled_from([b"\n", b"\r\n"]))
    final_eol = draw(st.booleans())
    return Corpus(kind, draw(DAYS), lines, good, bad, eol, final_eol)


@fuzz_settings(300)
@given(corpora())
def test_fuzz_good_rows_kept_and_every_damaged_line_rejected(corpus: Corpus) -> None:
    body = corpus.eol.join(corpus.lines) + (
        corpus.eol if corpus.final_eol and corpus.lines else b""
    )
    stamp = f"{corpus.day:%Y%m%d}"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, f"{stamp}_{corpus.kind}.zip")
        _zip(path, {f"{stamp}_abc_{corpus.kind.title()}_Tick.csv": body})
        read = read_lean_ticks(path)
    flagged = {n for n, g in corpus.good.items() if g.suspicious}
    kept = sorted(set(corpus.good) - flagged)
    note(f"bad lines: {corpus.bad}")
    note(f"rejected: {[(r.line, r.field, r.reason) for r in read.rejected]}")
    assert read.symbol == "ABC"
    assert read.table.column("source_line").to_pylist() == kept
    assert [r.line for r in read.rejected] == sorted(set(corpus.bad) | flagged)
    for r in read.rejected:
        assert r.source == str(path)
        assert r.line is not None
        assert r.raw is not None
        assert "\x00" not in r.raw
        if r.line in flagged:
            assert r.field == "suspicious"
        if corpus.bad.get(r.line) in LINE_DAMAGE:
            assert r.field is None
        if corpus.bad.get(r.line) == "bad-time":
            assert r.field == "time"
    rows = [corpus.good[n] for n in kept]
    assert read.table.column("timestamp").to_pylist() == [_utc(corpus.day, g.ms) for g in rows]
    if corpus.kind == "trade":
        assert read.table.column("price").to_pylist() == [_usd(g.cells[0]) for g in rows]
        assert read.table.column("quantity").to_pylist() == [float(g.cells[1]) for g in rows]
        ids = [f"ABC-{stamp}-{n}" for n in kept]
        assert read.table.column("trade_id").to_pylist() == ids
    else:
        bids = [None if g.cells[0] == "0" else _usd(g.cells[0]) for g in rows]
        asks = [None if g.cells[2] == "0" else _usd(g.cells[2]) for g in rows]
        assert read.table.column("bid").to_pylist() == bids
        assert read.table.column("ask").to_pylist() == asks
    venues = [g.cells[-2] or None for g in rows]
    assert read.table.column("venue").to_pylist() == venues


@fuzz_settings(150)
@given(st.binary(max_size=600), st.integers(0, 2**32 - 1))
def test_fuzz_damaged_zip_gives_rows_or_input_error(noise: bytes, seed: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "20131007_quote.zip")
        _zip(path, {"20131007_ibm_Quote_Tick.csv": b"34200000,1815200,100,0,0,N,1,0\n" * 50})
        data = bytearray(path.read_bytes())
        for _ in range(rng.randrange(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        for content in (bytes(data), noise, bytes(data[: rng.randrange(len(data))])):
            path.write_bytes(content)
            try:
                read = read_lean_ticks(path)
            except InputError as exc:
                error: InputError | None = exc
            else:
                error = None
                assert read.table.num_rows + len(read.rejected) <= 50 + 1
            assert error is None or error.path == str(path)
