"""Benchmark files: dates with returns or prices, read into sorted daily returns, bad rows
quarantined and every good one kept."""

from __future__ import annotations

import datetime as dt
import random
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tradeperf.errors import InputError
from tradeperf.ingest.benchmark import BenchmarkFile, read_benchmark
from tradeperf.ingest.options import Limits

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _write(tmp_path: Path, text: str | bytes, name: str = "spy.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def _days(b: BenchmarkFile) -> list[str]:
    return b.days.astype(str).tolist()


def _reasons(b: BenchmarkFile) -> dict[int, tuple[str | None, str]]:
    return {line: (column, reason) for line, column, reason in b.rejected}


def test_prices_give_the_returns_of_pandas_pct_change_in_date_order(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2024-01-01", periods=60)  # weekdays: weekends missing
    prices = 100 * np.cumprod(1 + rng.normal(0, 0.01, dates.size))
    rows = [f"{d:%Y-%m-%d},{p!r},{p * 1.1!r}" for d, p in zip(dates, prices.tolist(), strict=True)]
    random.Random(1).shuffle(rows)  # the file's order does not matter
    path = _write(tmp_path, "Date,Adj Close,Close\n" + "\n".join(rows) + "\n")

    b = read_benchmark(path)

    want = pd.Series(prices, index=dates).pct_change()  # the adjusted close, not the close
    assert (b.name, b.kind, b.rejected) == ("spy", "prices", ())
    assert b.days.dtype == np.dtype("datetime64[D]")
    assert _days(b) == [f"{d:%Y-%m-%d}" for d in dates]
    np.testing.assert_array_equal(b.returns, want.to_numpy())
    assert np.isnan(b.returns[0])


def test_returns_win_over_prices_and_a_trailing_percent_sign_is_a_percent(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "day,close,RET\n2024-01-02,100,0.01\n2024-01-03,50,1.5%\n2024-01-04,60, -2 % \n",
    )
    b = read_benchmark(path)
    assert b.kind == "returns"
    assert b.returns.tolist() == [0.01, 0.015, -0.02]


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("timestamp,pct_change", "returns"),
        ("Datetime,daily_return", "returns"),
        ("time,returns", "returns"),
        ("date,NAV", "prices"),
        ("date,equity", "prices"),
        ("Date,price", "prices"),
        ("when,SPY", "prices"),  # no known column, two columns: date, then prices
        ("SPY,date", "prices"),
    ],
)
def test_the_value_column_is_told_by_its_name(tmp_path: Path, header: str, kind: str) -> None:
    date_first = not header.startswith("SPY")
    rows = ["2024-01-02,0.5", "2024-01-03,0.25"] if date_first else ["0.5,2024-01-02"]
    b = read_benchmark(_write(tmp_path, header + "\n" + "\n".join(rows) + "\n"))
    assert b.kind == kind
    assert _days(b)[0] == "2024-01-02"


def test_a_time_gives_its_date_as_written_and_numbers_are_compact_dates_or_epochs(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path,
        "timestamp,return\n"
        "2024-03-01T23:30:00-05:00,0.01\n"  # 04:30 UTC on the 2nd: the date written counts
        "2024-03-04T01:00:00+09:00,0.02\n"
        "2024-03-05T10:00:00Z,0.03\n"
        "20240306,0.04\n"
        "1709856000,0.05\n"  # 2024-03-08 00:00 UTC, epoch seconds
        "1709942400000,0.06\n",  # 2024-03-09, epoch milliseconds
    )
    b = read_benchmark(path)
    assert _days(b) == [
        "2024-03-01",
        "2024-03-04",
        "2024-03-05",
        "2024-03-06",
        "2024-03-08",
        "2024-03-09",
    ]
    assert b.rejected == ()


def test_hostile_rows_are_quarantined_and_every_good_row_is_kept(tmp_path: Path) -> None:
    lines = [
        b"date,close",  # 1
        b"2024-01-02,100",  # 2 good
        b"\x00\x00\x00\x00",  # 3 NUL junk
        b"2024-01-03,\xff\xfe",  # 4 not UTF-8
        b"2024-01-04,101",  # 5 good
        b"2024-13-01,102",  # 6 no such date
        b"2024-01-05,abc",  # 7 not a number
        b"2024-01-08,-3",  # 8 not positive
        b"2024-01-09,0",  # 9 not positive
        b"2024-01-10,nan",  # 10 not finite
        b"2024-01-11,1e999",  # 11 not finite
        b"2024-01-12,103,9",  # 12 a cell too many
        b'2024-01-15,"104',  # 13 an unclosed quote
        b"2024-01-16,105",  # 14 good
        b"2024-01-16,105.0",  # 15 the same value again: kept once
        b"2024-01-17,106",  # 16 conflicts with 17
        b"2024-01-17,107",  # 17
        b"",  # 18 blank: skipped
        b"2024-01-18," + b"9" * 100,  # 19 over the line limit
        b"2024-01-19,5%",  # 20 a price in percent
        b"2024-01-22,108",  # 21 good
        b"2024-01-2",  # 22 cut short, no line break
    ]
    path = _write(tmp_path, b"\n".join(lines))

    b = read_benchmark(path, limits=Limits(max_line_bytes=64))

    assert _days(b) == ["2024-01-02", "2024-01-04", "2024-01-16", "2024-01-22"]
    prices = [100.0, 101.0, 105.0, 108.0]
    np.testing.assert_allclose(b.returns[1:], np.array(prices[1:]) / prices[:-1] - 1, rtol=0)
    reasons = _reasons(b)
    assert sorted(reasons) == [3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 19, 20, 22]
    assert reasons[3] == (None, reasons[3][1])
    assert "NUL" in reasons[3][1]
    assert "UTF-8" in reasons[4][1]
    assert reasons[6][0] == "date"
    assert reasons[7] == ("close", "not a number: 'abc'")
    assert "positive" in reasons[8][1]
    assert "positive" in reasons[9][1]
    assert reasons[10] == ("close", "not a number: 'nan'")
    assert "finite" in reasons[11][1]
    assert "3 cells" in reasons[12][1]
    assert "CSV" in reasons[13][1]
    assert reasons[16] == ("close", "date 2024-01-17 has another value on line 17")
    assert reasons[17] == ("close", "date 2024-01-17 has another value on line 16")
    assert "max_line_bytes" in reasons[19][1]
    assert "percent" in reasons[20][1]
    assert "no line break" in reasons[22][1]
    assert [r[0] for r in b.rejected] == sorted(r[0] for r in b.rejected)


def test_a_line_longer_than_a_read_block_costs_that_line_only(tmp_path: Path) -> None:
    long = b"2024-01-03," + b"1" * 300_000 + b"\r"
    path = _write(tmp_path, b"date,close\n2024-01-02,100\n" + long + b"\n2024-01-04,110\n")
    b = read_benchmark(path, limits=Limits(max_line_bytes=1024))
    assert _days(b) == ["2024-01-02", "2024-01-04"]
    assert b.rejected == ((3, None, "line over the limit of 1,024 bytes (max_line_bytes)"),)


def test_a_return_below_minus_100_percent_is_quarantined(tmp_path: Path) -> None:
    b = read_benchmark(_write(tmp_path, "date,return\n2024-01-02,-100%\n2024-01-03,-1.01\n"))
    assert b.returns.tolist() == [-1.0]
    assert _reasons(b)[3][0] == "return"


def test_byte_order_marks_and_lone_carriage_returns(tmp_path: Path) -> None:
    text = "Date,Close\r2024-01-02,100\r2024-01-03,110\r"
    for name, data in (
        ("bom.csv", b"\xef\xbb\xbf" + text.encode()),
        ("utf16.csv", text.encode("utf-16")),
    ):
        b = read_benchmark(_write(tmp_path, data, name))
        assert _days(b) == ["2024-01-02", "2024-01-03"], name
        assert b.returns[1] == pytest.approx(0.1, rel=1e-12)


def test_a_semicolon_separated_file(tmp_path: Path) -> None:
    b = read_benchmark(_write(tmp_path, "date;nav\n2024-01-02;10\n2024-01-03;12\n"))
    assert b.returns[1] == pytest.approx(0.2, rel=1e-12)


def test_parquet_dates_timestamps_and_numbers(tmp_path: Path) -> None:
    path = tmp_path / "idx.parquet"
    days = [dt.date(2024, 1, 3), dt.date(2024, 1, 2), dt.date(2024, 1, 4), None]
    pq.write_table(pa.table({"Date": days, "close": [110.0, 100.0, -1.0, 5.0]}), path)
    b = read_benchmark(path)
    assert (b.name, b.kind) == ("idx", "prices")
    assert _days(b) == ["2024-01-02", "2024-01-03"]
    assert b.returns[1] == pytest.approx(0.1, rel=1e-12)
    assert sorted(_reasons(b)) == [3, 4]  # row numbers: a price not positive, a missing date

    tokyo = pa.timestamp("us", tz="Asia/Tokyo")
    when = pa.array([dt.datetime(2024, 1, 1, 16, 0, tzinfo=dt.UTC)], type=tokyo)  # 01:00 on the 2nd
    pq.write_table(pa.table({"timestamp": when, "return": [0.01]}), path)
    assert _days(read_benchmark(path)) == ["2024-01-02"]  # the date in its own timezone


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "no header"),
        ("date,close\n", "no rows"),
        ("date,close\n2024-01-02,-1\n", "no usable row"),
        ("date,open,high\n2024-01-02,1,2\n", "no column of returns"),
        ("symbol,close,volume\nSPY,1,2\n", "no date column"),
        ("2024-01-02,100\n2024-01-03,101\n", "a row, not a header"),
        (b"\x00\x00\x00\n\xff\n", "no header"),
    ],
)
def test_an_unusable_file_is_an_input_error(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(InputError, match=message) as err:
        read_benchmark(path)
    assert err.value.path == str(path)


def test_no_usable_row_names_the_first_rejected_one(tmp_path: Path) -> None:
    path = _write(tmp_path, "date,close\n2024-01-02,-1\n2024-01-03,x\n")
    with pytest.raises(InputError) as err:
        read_benchmark(path)
    assert (err.value.line, err.value.field) == (2, "close")


def test_a_missing_file_a_folder_and_a_damaged_parquet_file_are_input_errors(
    tmp_path: Path,
) -> None:
    for path in (tmp_path / "nope.csv", tmp_path):
        with pytest.raises(InputError):
            read_benchmark(path)
    bad = _write(tmp_path, b"PAR1 not really", "bad.parquet")
    with pytest.raises(InputError, match="Parquet"):
        read_benchmark(bad)


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_nothing_but_an_input_error(data: bytes) -> None:
    for content in (b"date,close\n" + data, data):
        with tempfile.TemporaryDirectory() as folder:  # one per example, not the test's
            path = _write(Path(folder), content)
            try:
                b = read_benchmark(path, limits=Limits(max_line_bytes=64))
            except InputError:
                continue
        assert b.days.size == b.returns.size > 0
        assert np.all(np.diff(b.days.astype(np.int64)) > 0)  # sorted, each date once


#: A junk line never holds four digits in a row: no date can be read from it.
_JUNK = st.binary(min_size=1, max_size=80).filter(lambda b: re.search(rb"[0-9]{4}", b) is None)


@FUZZ
@given(
    st.sets(st.integers(min_value=0, max_value=400), min_size=1, max_size=25),
    st.lists(_JUNK, max_size=12),
    st.randoms(use_true_random=False),
    st.sampled_from([b"\n", b"\r\n", b"\r"]),
)
def test_junk_lines_never_cost_a_good_row(
    offsets: set[int], junk: list[bytes], rnd: random.Random, newline: bytes
) -> None:
    start = dt.date(2024, 1, 1)
    good = {start + dt.timedelta(days=k): round(50 + k * 0.37 + (k % 7) ** 2, 4) for k in offsets}
    lines = [f"{d.isoformat()},{p}".encode() for d, p in good.items()] + junk
    rnd.shuffle(lines)
    with tempfile.TemporaryDirectory() as folder:  # one per example, not the test's
        path = _write(Path(folder), newline.join([b"date,close", *lines]))
        b = read_benchmark(path, limits=Limits(max_line_bytes=64))

    want = pd.Series(good).sort_index()
    assert _days(b) == [d.isoformat() for d in want.index]
    np.testing.assert_array_equal(b.returns, want.pct_change().to_numpy())
