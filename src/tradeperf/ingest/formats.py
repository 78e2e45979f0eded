"""The format registry: each source format is one `Format` (name, sniff, read) in `REGISTRY`.

A new format (an IBKR Flex statement, a TradingView export) is one module and one entry here.

How a file's format is chosen (`tradeperf.ingest.read.read_source`, `sniff_format`):

1. ``--input-format`` (`ReadOptions.input_format`) names it: that reader is used.
2. Magic bytes: ``PAR1`` is Parquet; gzip and zip archives are unreadable with a hint.
3. Empty (or only whitespace) -> ``empty``: zero rows, not an error.
4. Each format's ``sniff`` in registry order looks at the head of the file (the first
   64 KiB, decoded with its byte-order mark, lines of junk skipped): a JSON document holding
   a freqtrade export, a JSON list of records, lines of JSON objects, delimited text.
5. Else the name: ``.jsonl``/``.ndjson`` is JSON Lines, ``.csv``/``.tsv`` is CSV, whatever
   bytes its lines hold (its reader rejects the damaged lines, or finds no readable line).
6. Nothing claims it: unreadable, with the reason (no readable line at all; or a layout
   that is none of these).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Final

from tradeperf.ingest.base import ReadResult
from tradeperf.ingest.format_names import FORMAT_NAMES
from tradeperf.ingest.options import DEFAULT_OPTIONS, ReadOptions
from tradeperf.ingest.text import decode_head, delimiter_of, json_or_none, readable_lines
from tradeperf.records import RecordKind

_HEAD_BYTES: Final = 64 * 1024
#: Whole-document JSON is parsed during detection only up to this size.
_JSON_DOC_LIMIT: Final = 512 * 1024 * 1024
_FREQTRADE_STRATEGY: Final = re.compile(r'"strategy"\s*:\s*\{\s*"[^"]*"\s*:\s*\{')
_RECORDS_WRAPPER: Final = re.compile(r'\{\s*"trades"\s*:\s*\[')


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """What a format's reader is asked: the source name, the options and where to start."""

    source: str
    options: ReadOptions = DEFAULT_OPTIONS
    kind: RecordKind | None = None
    start_offset: int = 0
    start_line: int | None = None
    fast: bool | None = None


@dataclass
class Head:
    """The start of a file, as sniffers see it."""

    path: Path
    raw: bytes
    text: str = field(init=False)

    def __post_init__(self) -> None:
        """Decode ``raw`` into ``text`` (`decode_head`)."""
        self.text = decode_head(self.raw)

    @cached_property
    def lines(self) -> list[str]:
        """The first readable, non-blank lines (stripped)."""
        return readable_lines(self.text)

    @cached_property
    def json_family(self) -> str | None:
        """``freqtrade``, ``json`` or ``jsonl`` when the head is JSON of one of those shapes."""
        return _json_family(self)


@dataclass(frozen=True, slots=True)
class Format:
    """One source format.

    Attributes
    ----------
    name : the name ``--input-format`` takes and `ReadResult.format` reports.
    sniff : True when the head of a file is of this format.
    read : reads a file into a `ReadResult`; never raises for bad content.
    suffixes : file name endings that make a file this format whatever its lines hold.
    appendable : whether a grown file can be read on from the offset of its last line.
    """

    name: str
    sniff: Callable[[Head], bool]
    read: Callable[[Path, ReadRequest], ReadResult]
    suffixes: tuple[str, ...] = ()
    appendable: bool = False


# Each adapter imports its reader when a file is read: the registry itself stays light, so
# that naming the formats (in the command's help, in settings) loads no reader.


def _read_jsonl(path: Path, r: ReadRequest) -> ReadResult:
    from tradeperf.ingest.jsonl import read_jsonl

    return read_jsonl(
        path,
        source=r.source,
        kind=r.kind,
        options=r.options,
        start_offset=r.start_offset,
        start_line=r.start_line,
        fast=r.fast,
    )


def _read_json(path: Path, r: ReadRequest) -> ReadResult:
    from tradeperf.ingest.jsonl import read_json_records

    return read_json_records(path, source=r.source, kind=r.kind, options=r.options, fast=r.fast)


def _read_csv(path: Path, r: ReadRequest) -> ReadResult:
    from tradeperf.ingest.tabular import read_csv

    return read_csv(path, source=r.source, kind=r.kind, options=r.options, fast=r.fast)


def _read_parquet(path: Path, r: ReadRequest) -> ReadResult:
    from tradeperf.ingest.tabular import read_parquet

    return read_parquet(path, source=r.source, kind=r.kind, options=r.options, fast=r.fast)


def _read_freqtrade(path: Path, r: ReadRequest) -> ReadResult:
    from tradeperf.ingest.freqtrade import read_freqtrade

    return read_freqtrade(path, source=r.source, limits=r.options.limits)


def _read_ibkr(path: Path, r: ReadRequest) -> ReadResult:
    from tradeperf.ingest.ibkr import read_flex_source

    return read_flex_source(path, source=r.source, options=r.options)


def _is_flex(head: Head) -> bool:
    start = head.text.lstrip("\ufeff \t\r\n")[:4096]
    return start.startswith("<") and ("<FlexQueryResponse" in start or "<FlexStatement" in start)


def _first_is_object(head: Head) -> bool:
    return bool(head.lines) and head.lines[0].startswith("{")


def _is_jsonl(head: Head) -> bool:
    return head.json_family == "jsonl" or (
        head.json_family is None and any(ln.startswith("{") for ln in head.lines)
    )


def _is_csv(head: Head) -> bool:
    return bool(head.lines) and delimiter_of(head.lines[0]) is not None


#: Every format, in sniffing order.
REGISTRY: Final[tuple[Format, ...]] = (
    Format("parquet", lambda h: h.raw.startswith(b"PAR1"), _read_parquet),
    Format("freqtrade", lambda h: h.json_family == "freqtrade", _read_freqtrade),
    Format("json", lambda h: h.json_family == "json", _read_json),
    Format("jsonl", _is_jsonl, _read_jsonl, (".jsonl", ".ndjson"), appendable=True),
    Format("csv", _is_csv, _read_csv, (".csv", ".tsv")),
    Format("ibkr-flex", _is_flex, _read_ibkr),
)
#: Format names `ReadOptions.input_format` accepts.
FORMATS: Final = tuple(f.name for f in REGISTRY)
assert FORMATS == FORMAT_NAMES, "tradeperf.ingest.format_names lists the registry's names"
_BY_NAME: Final = {f.name: f for f in REGISTRY}


def get_format(name: str) -> Format:
    """Return the registered format called ``name``.

    Parameters
    ----------
    name
        A format name, one of `FORMATS`.

    Raises
    ------
    KeyError
        If there is none.
    """
    return _BY_NAME[name]


@dataclass(frozen=True, slots=True)
class Sniffed:
    """What detection found: a format name (or ``empty``), or None with a reason.

    The reason, given when ``format`` is None, tells why the file is unreadable.
    """

    format: str | None
    reason: str = ""


def sniff_format(path: Path) -> Sniffed:
    """Tell a file's format from its name and content (see the module docstring).

    Parameters
    ----------
    path
        An existing file.

    Returns
    -------
    `Sniffed` with a name from `FORMATS` or ``"empty"``, or ``format=None`` and a reason.

    Raises
    ------
    OSError
        If the file cannot be opened (the caller reports it as unreadable).
    """
    with path.open("rb") as f:
        raw = f.read(_HEAD_BYTES)
    if raw.startswith(b"PAR1"):
        return Sniffed("parquet")
    if raw.startswith(b"\x1f\x8b"):
        return Sniffed(None, "gzip-compressed file: decompress it first")
    if raw.startswith(b"PK\x03\x04"):
        return Sniffed(None, "zip archive: unpack it first")
    head = Head(path, raw)
    if not head.text.strip("\ufeff \t\r\n"):
        return Sniffed("empty")
    for fmt in REGISTRY:
        if fmt.sniff(head):
            return Sniffed(fmt.name)
    suffix = path.name.lower()
    for fmt in REGISTRY:
        if fmt.suffixes and suffix.endswith(fmt.suffixes):
            return Sniffed(fmt.name)
    if not head.lines:
        return Sniffed(None, "binary content: no readable line of text")
    if head.json_family is None and head.text.lstrip().startswith(("{", "[")):
        return Sniffed(None, "a JSON document holding no list of records")
    return Sniffed(None, "not a recognised layout (expected JSON, JSONL, CSV or Parquet)")


def _json_family(head: Head) -> str | None:
    stripped = head.text.lstrip("\ufeff \t\r\n")
    if not stripped.startswith(("{", "[")):
        return None
    if _FREQTRADE_STRATEGY.search(head.text):
        return "freqtrade"
    first = head.lines[0] if head.lines else ""
    obj = json_or_none(first)
    if isinstance(obj, dict):
        return classify_json_document(obj) or "jsonl"
    doc = _loads_file(head.path) if head.path.stat().st_size <= _JSON_DOC_LIMIT else None
    if doc is not None:
        return classify_json_document(doc)
    # not one JSON document: a damaged or cut-off document, or lines of JSON
    if obj is None and (stripped.startswith("[") or _RECORDS_WRAPPER.match(stripped)):
        return "json"
    if any(ln.startswith("{") for ln in head.lines):
        return "jsonl"
    return "json" if isinstance(obj, list) else None


def _loads_file(path: Path) -> object:
    try:
        return json_or_none(decode_head(path.read_bytes()))
    except OSError:
        return None


def _is_freqtrade_trade(obj: object) -> bool:
    return isinstance(obj, dict) and "pair" in obj and ("open_date" in obj or "open_rate" in obj)


def classify_json_document(doc: object) -> str | None:
    """Classify a parsed JSON document: ``freqtrade``, ``json`` (records), or None.

    A single object that is neither a freqtrade export nor a ``{"trades": [...]}`` wrapper is
    None here; on one line of a file it is a JSONL record.

    Examples
    --------
    >>> classify_json_document([{"pair": "BTC/USDT", "open_rate": 1}])
    'freqtrade'
    >>> classify_json_document({"trades": []}), classify_json_document({"a": 1})
    ('json', None)
    """
    if isinstance(doc, dict):
        strategy = doc.get("strategy")
        if isinstance(strategy, dict) and any(
            isinstance(v, dict) and "trades" in v for v in strategy.values()
        ):
            return "freqtrade"
        trades = doc.get("trades")
        if isinstance(trades, list):
            return "freqtrade" if trades and _is_freqtrade_trade(trades[0]) else "json"
        return None
    if isinstance(doc, list):
        if doc and _is_freqtrade_trade(doc[0]):
            return "freqtrade"
        return "json"
    return None
