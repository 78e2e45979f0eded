r"""LEAN (QuantConnect) equity tick files: quotes and public trades of one symbol and day.

A LEAN tick file is a zip named ``YYYYMMDD_trade.zip`` or ``YYYYMMDD_quote.zip`` that holds one
headerless CSV named like ``20131007_ibm_Trade_Tick.csv`` (LEAN's ``Data/equity/readme.md``,
"Tick File Format"; the data come from AlgoSeek). Columns:

- trades: time, price, size, exchange, condition (hex flags), suspicious (0/1);
- quotes: time, bid price, bid size, ask price, ask size, exchange, condition, suspicious.

The time is milliseconds since midnight **New York wall clock** of the file's day: it is turned
into UTC with the zone's offset at that wall time (``zoneinfo``, so DST-correct; a wall time
skipped by a spring-forward takes the offset before the change). Prices are integers in
deci-cents, divided by 10,000 once (``1815200`` → ``181.52``, the float nearest to that
decimal). A quote row carries one side or both: a side whose price and size are both 0 is
absent (null in `QUOTE_SCHEMA`); a side present needs a positive price and a positive size.

Hostile input costs the bad row only. The CSV is read line by line (no row spans lines), and a
line over `MAX_LINE_BYTES`, with a NUL byte, not UTF-8, with another number of fields, with a
value that is not a whole number (or a code that is not one), a time outside the day, a price
or a size that is not positive, or a quote with neither side, is **rejected** as a
`RejectedRow` naming the file, the 1-based line and the field (None when the line is not a row
at all), with the raw text (NUL bytes written ``\x00``). A row the vendor flags suspicious
(``suspicious`` = 1) is rejected too, with field ``suspicious``. A blank line is skipped; a
last line without a line break is read like any other (the LEAN files end so), and its reason
says so when it is rejected. A file that is not such a zip raises `InputError`.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zipfile
import zlib
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final, Literal

import pyarrow as pa

from tradeperf.errors import InputError
from tradeperf.records.market import PUBLIC_TRADE_SCHEMA, QUOTE_SCHEMA
from tradeperf.records.quarantine import RejectedRow

__all__ = ["MAX_LINE_BYTES", "LeanKind", "LeanRead", "is_lean_ticks", "read_lean_ticks"]

#: Longest line read, in bytes (a LEAN row is about 40); a longer one is rejected.
MAX_LINE_BYTES: Final = 4096
#: Deci-cents in a dollar: a LEAN price is an integer of deci-cents.
PRICE_SCALE: Final = 10_000

LeanKind = Literal["quotes", "public_trades"]

_FILE_NAME: Final = re.compile(r"^(\d{8})_(trade|quote)\.zip$", re.ASCII)
_MEMBER_NAME: Final = re.compile(r"^\d{8}_(.+)_(?:trade|quote)_tick\.csv$", re.IGNORECASE)
_INTEGER: Final = re.compile(r"-?[0-9]{1,15}", re.ASCII)
_EXCHANGE: Final = re.compile(r"[A-Za-z0-9]{0,16}", re.ASCII)
_CONDITION: Final = re.compile(r"[0-9A-Fa-f]{0,16}", re.ASCII)
_NEW_YORK: Final = zoneinfo.ZoneInfo("America/New_York")
_DAY_MS: Final = 86_400_000
_RAW_LIMIT: Final = 2000
_TRADE_FIELDS: Final = ("time", "price", "size", "exchange", "condition", "suspicious")
_QUOTE_FIELDS: Final = (
    "time",
    "bid_price",
    "bid_size",
    "ask_price",
    "ask_size",
    "exchange",
    "condition",
    "suspicious",
)


@dataclass(frozen=True, slots=True)
class LeanRead:
    """The good rows and the rejected rows of one LEAN tick file.

    Attributes
    ----------
    kind : ``"quotes"`` or ``"public_trades"``, from the file name.
    table : the good rows, in `QUOTE_SCHEMA` or `PUBLIC_TRADE_SCHEMA`, in line order.
    rejected : the rejected rows, in line order.
    symbol : the symbol of every row.
    day : the file's day (New York).
    """

    kind: LeanKind
    table: pa.Table
    rejected: list[RejectedRow]
    symbol: str
    day: dt.date


class _Reject(ValueError):
    """Why a row is rejected, and the field at fault (None: the whole line)."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


class _Flagged(_Reject):
    """A well-formed row the vendor flags suspicious (whether it ends the file or not)."""


def is_lean_ticks(path: Path) -> bool:
    """Tell whether ``path`` is named as a LEAN tick file (``YYYYMMDD_trade|quote.zip``).

    Parameters
    ----------
    path
        A file; only its name is looked at.

    Examples
    --------
    >>> is_lean_ticks(Path("ibm/20131007_quote.zip")), is_lean_ticks(Path("20131007.zip"))
    (True, False)
    """
    return _FILE_NAME.match(path.name) is not None


def read_lean_ticks(path: Path, *, symbol: str | None = None) -> LeanRead:
    r"""Read one LEAN tick file into quotes or public trades (see the module docstring).

    Parameters
    ----------
    path
        A ``YYYYMMDD_trade.zip`` or ``YYYYMMDD_quote.zip``; it gives the day and the kind.
    symbol
        The symbol of the rows; None: told by the CSV's name (``20131007_ibm_...`` → ``IBM``).

    Returns
    -------
    LeanRead
        The good rows (``source`` is ``str(path)``, ``source_line`` the 1-based CSV line;
        a trade's id is ``SYMBOL-YYYYMMDD-line``, its venue the exchange code, its aggressor
        null) and the rejected ones.

    Raises
    ------
    InputError
        If the file is missing or misnamed, is not a readable zip, does not hold exactly one
        CSV, or the symbol cannot be told from the CSV's name.

    Examples
    --------
    >>> import tempfile, zipfile
    >>> path = Path(tempfile.mkdtemp()) / "20131007_trade.zip"
    >>> with zipfile.ZipFile(path, "w") as zf:
    ...     zf.writestr("20131007_ibm_Trade_Tick.csv", "34200000,1815200,100,N,0,0\nx,1,2\n")
    >>> read = read_lean_ticks(path)
    >>> read.kind, read.symbol, read.table.column("price").to_pylist()
    ('public_trades', 'IBM', [181.52])
    >>> str(read.table.column("timestamp")[0]), read.table.column("trade_id")[0].as_py()
    ('2013-10-07 13:30:00+00:00', 'IBM-20131007-1')
    >>> [(r.line, r.field, r.reason) for r in read.rejected]
    [(2, None, '3 fields, a trade row has 6')]
    """
    source = str(path)
    m = _FILE_NAME.match(path.name)
    if m is None:
        raise InputError("not a LEAN tick file name (YYYYMMDD_trade.zip, _quote.zip)", path=source)
    try:
        day = dt.datetime.strptime(m.group(1), "%Y%m%d").date()
    except ValueError:
        raise InputError(f"no such day as {m.group(1)} in the file name", path=source) from None
    kind: LeanKind = "public_trades" if m.group(2) == "trade" else "quotes"
    try:
        with zipfile.ZipFile(path) as zf:
            member = _csv_member(zf, source)
            if symbol is None:
                symbol = _symbol(member, source)
            with zf.open(member) as f:
                rows, lines, rejected = _read_csv(f, source, kind, day)
    except FileNotFoundError:
        raise InputError("no such file", path=source) from None
    except IsADirectoryError:
        raise InputError("a folder, not a LEAN tick file", path=source) from None
    # a damaged zip: zipfile also raises ValueError (a name that is not UTF-8), struct.error
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, struct.error) as exc:
        raise InputError(f"not a readable zip file: {exc}", path=source) from None
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, unknown compression
        raise InputError(f"the zip cannot be read: {exc}", path=source) from None
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror or exc}", path=source) from None
    table = _table(kind, rows, lines, source, symbol, day)
    return LeanRead(kind, table, rejected, symbol, day)


def _csv_member(zf: zipfile.ZipFile, source: str) -> str:
    names = [n for n in zf.namelist() if n.lower().endswith(".csv") and not n.endswith("/")]
    if len(names) != 1:
        listed = ", ".join(repr(n[:80]) for n in zf.namelist()[:10]) or "nothing"
        found = "no CSV file" if not names else f"{len(names)} CSV files"
        raise InputError(f"the zip holds {found}, a LEAN tick zip holds one: {listed}", path=source)
    return names[0]


def _symbol(member: str, source: str) -> str:
    m = _MEMBER_NAME.match(member.rsplit("/", 1)[-1])
    if m is None:
        raise InputError(
            f"cannot tell the symbol from the CSV's name {member[:80]!r} "
            "(expected YYYYMMDD_symbol_Trade_Tick.csv): give it",
            path=source,
        )
    return m.group(1).upper()


def _read_csv(
    f: IO[bytes], source: str, kind: LeanKind, day: dt.date
) -> tuple[list[tuple[object, ...]], list[int], list[RejectedRow]]:
    """Give the good rows (time in UTC µs, then the values), their lines, the rejected rows."""
    names = _TRADE_FIELDS if kind == "public_trades" else _QUOTE_FIELDS
    row_name = "a trade row" if kind == "public_trades" else "a quote row"
    clock = _Clock(day)
    rows: list[tuple[object, ...]] = []
    lines: list[int] = []
    rejected: list[RejectedRow] = []
    for line, raw, complete in _lines(f):
        try:
            text = _text(raw)
            if not text.strip():
                continue
            cells = text.split(",")
            if len(cells) != len(names):
                found = f"{len(cells)} field{'' if len(cells) == 1 else 's'}"
                raise _Reject(f"{found}, {row_name} has {len(names)}")
            micros = clock.micros(_time(cells[0]))
            if kind == "public_trades":
                row: tuple[object, ...] = (micros, *_trade(cells))
            else:
                row = (micros, *_quote(cells))
        except _Reject as exc:
            reason = exc.reason
            if not complete and not isinstance(exc, _Flagged):
                reason += "; the last line has no line break (cut short?)"
            rejected.append(RejectedRow(source, line, exc.field, reason, _raw(raw)))
            continue
        rows.append(row)
        lines.append(line)
    return rows, lines, rejected


def _lines(f: IO[bytes]) -> Iterator[tuple[int, bytes, bool]]:
    """Yield (1-based line number, content, ended by a line break) of each line.

    A line over `MAX_LINE_BYTES` gives its first bytes only (more than the limit): the rest
    is read and dropped, never held.
    """
    number = 0
    while raw := f.readline(MAX_LINE_BYTES + 2):
        number += 1
        if raw.endswith(b"\n"):
            yield number, raw[:-1].removesuffix(b"\r"), True
        elif len(raw) <= MAX_LINE_BYTES + 1:
            yield number, raw.removesuffix(b"\r"), False
        else:
            complete = False
            while rest := f.readline(1 << 16):
                if rest.endswith(b"\n"):
                    complete = True
                    break
            yield number, raw, complete


def _text(raw: bytes) -> str:
    if len(raw) > MAX_LINE_BYTES:
        raise _Reject(f"line over the limit of {MAX_LINE_BYTES:,} bytes")
    if b"\x00" in raw:
        raise _Reject("NUL bytes in the line (binary junk, as a crash or a full disk leaves)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Reject(f"not UTF-8 text (bad byte at column {exc.start + 1})") from None


def _raw(raw: bytes) -> str:
    text = raw[:_RAW_LIMIT].decode("utf-8", errors="backslashreplace")
    return text.replace("\x00", "\\x00")


def _integer(text: str, field: str) -> int:
    if _INTEGER.fullmatch(text) is None:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise _Reject(f"not a whole number of at most 15 digits: {shown!r}", field)
    return int(text)


def _time(text: str) -> int:
    ms = _integer(text, "time")
    if not 0 <= ms < _DAY_MS:
        raise _Reject(f"{ms} ms is not a time of the day (0 to {_DAY_MS - 1})", "time")
    return ms


def _positive(text: str, field: str) -> int:
    value = _integer(text, field)
    if value <= 0:
        raise _Reject(f"{field} must be positive, got {value}", field)
    return value


def _codes(exchange: str, condition: str, suspicious: str) -> str | None:
    """Check the exchange, condition and suspicious fields; give the venue."""
    if _EXCHANGE.fullmatch(exchange) is None:
        raise _Reject(f"not an exchange code: {exchange[:40]!r}", "exchange")
    if _CONDITION.fullmatch(condition) is None:
        raise _Reject(f"not a hexadecimal condition: {condition[:40]!r}", "condition")
    if suspicious not in ("0", "1"):
        raise _Reject(f"suspicious must be 0 or 1, got {suspicious[:40]!r}", "suspicious")
    if suspicious == "1":
        raise _Flagged("flagged suspicious by the data vendor (suspicious=1)", "suspicious")
    return exchange or None


def _trade(cells: list[str]) -> tuple[float, float, str | None]:
    price = _positive(cells[1], "price") / PRICE_SCALE
    size = float(_positive(cells[2], "size"))
    return price, size, _codes(cells[3], cells[4], cells[5])


def _side(price_text: str, size_text: str, side: str) -> tuple[float | None, float | None]:
    price = _integer(price_text, f"{side}_price")
    size = _integer(size_text, f"{side}_size")
    if price == 0 and size == 0:
        return None, None
    _positive(price_text, f"{side}_price")
    _positive(size_text, f"{side}_size")
    return price / PRICE_SCALE, float(size)


def _quote(cells: list[str]) -> tuple[object, ...]:
    bid, bid_size = _side(cells[1], cells[2], "bid")
    ask, ask_size = _side(cells[3], cells[4], "ask")
    if bid is None and ask is None:
        raise _Reject("neither a bid nor an ask (both sides 0)", "bid_price")
    return bid, ask, bid_size, ask_size, _codes(cells[5], cells[6], cells[7])


class _Clock:
    """Milliseconds since New York midnight of one day, as microseconds since the UTC epoch."""

    def __init__(self, day: dt.date) -> None:
        self._midnight = dt.datetime.combine(day, dt.time(0), tzinfo=_NEW_YORK)
        wall = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
        self._wall_micros = int(wall.timestamp()) * 1_000_000
        first, last = self._offset(0), self._offset(_DAY_MS - 1)
        self._fixed = first if first == last else None  # no DST change that day

    def _offset(self, ms: int) -> int:
        offset = (self._midnight + dt.timedelta(milliseconds=ms)).utcoffset()
        assert offset is not None  # a ZoneInfo always has one
        return offset // dt.timedelta(microseconds=1)

    def micros(self, ms: int) -> int:
        offset = self._offset(ms) if self._fixed is None else self._fixed
        return self._wall_micros + ms * 1000 - offset


def _table(
    kind: LeanKind,
    rows: list[tuple[object, ...]],
    lines: list[int],
    source: str,
    symbol: str,
    day: dt.date,
) -> pa.Table:
    n = len(rows)
    width = 4 if kind == "public_trades" else 6
    columns: list[tuple[object, ...]] = list(zip(*rows, strict=True)) or [()] * width
    common = {"source": [source] * n, "source_line": lines}
    if kind == "public_trades":
        times, prices, sizes, venues = columns
        stamp = day.strftime("%Y%m%d")
        data: dict[str, object] = {
            "trade_id": [f"{symbol}-{stamp}-{line}" for line in lines],
            "timestamp": times,
            "symbol": [symbol] * n,
            "price": prices,
            "quantity": sizes,
            "aggressor": [None] * n,
            "venue": venues,
            **common,
        }
        return pa.Table.from_pydict(data, schema=PUBLIC_TRADE_SCHEMA)
    times, bids, asks, bid_sizes, ask_sizes, venues = columns
    data = {
        "timestamp": times,
        "symbol": [symbol] * n,
        "bid": bids,
        "ask": asks,
        "bid_size": bid_sizes,
        "ask_size": ask_sizes,
        "venue": venues,
        **common,
    }
    return pa.Table.from_pydict(data, schema=QUOTE_SCHEMA)
