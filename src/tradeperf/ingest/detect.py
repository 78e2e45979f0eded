"""Choosing a reader by a file's content, and a record kind by its columns.

The format is told from the first bytes, not the extension:

- ``PAR1`` magic -> ``parquet``;
- empty (or only whitespace) -> ``empty`` (read as zero rows, not an error);
- NUL bytes or text that is not UTF-8 -> unreadable (binary); gzip/zip archives -> unreadable
  with a hint to unpack them;
- a JSON document whose ``strategy`` holds objects with ``trades``, or a list (or ``trades``
  list) of objects with freqtrade's ``pair`` and ``open_date``/``open_rate`` -> ``freqtrade``;
- any other JSON list of objects, or an object with a ``trades`` list -> ``json``;
- lines of JSON objects -> ``jsonl`` (also when some lines are malformed);
- text whose first line splits into two or more columns on ``,``, ``;``, tab or ``|`` -> ``csv``;
- anything else -> unreadable.

The record kind is the registered `KindSpec` whose signature the columns (after the column
mapping and the kind's aliases) contain; the highest priority wins, then the largest
signature group matched.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Final

from tradeperf.ingest.assemble import mapped_columns
from tradeperf.ingest.kinds import KindSpec, registered_kinds
from tradeperf.ingest.rows import canonical_columns

#: Formats a reader exists for (`read_source` ``format=`` accepts these).
FORMATS: Final = ("jsonl", "json", "csv", "parquet", "freqtrade")

_HEAD_BYTES: Final = 64 * 1024
#: Whole-document JSON is parsed during detection only up to this size.
_JSON_DOC_LIMIT: Final = 512 * 1024 * 1024
_FREQTRADE_STRATEGY = re.compile(r'"strategy"\s*:\s*\{\s*"[^"]*"\s*:\s*\{')
_DELIMITERS: Final = ",;\t|"


@dataclass(frozen=True, slots=True)
class Sniffed:
    """What detection found: a format name, or None with the reason the file is unreadable."""

    format: str | None
    reason: str = ""


def sniff_format(path: Path) -> Sniffed:
    """Tell a file's format from its content (see the module docstring).

    Parameters
    ----------
    path : an existing file.

    Returns
    -------
    `Sniffed` with a format from `FORMATS` or ``"empty"``, or ``format=None`` and a reason.

    Raises
    ------
    OSError
        If the file cannot be opened (the caller reports it as unreadable).
    """
    with path.open("rb") as f:
        head = f.read(_HEAD_BYTES)
    if head.startswith(b"PAR1"):
        return Sniffed("parquet")
    if head.startswith(b"\x1f\x8b"):
        return Sniffed(None, "gzip-compressed file: decompress it first")
    if head.startswith(b"PK\x03\x04"):
        return Sniffed(None, "zip archive: unpack it first")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.strip():
        return Sniffed("empty")
    if b"\x00" in head:
        return Sniffed(None, "binary content (not JSON, JSONL, CSV or Parquet)")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is fine.
        if exc.start < len(head) - 4:
            return Sniffed(None, "binary content or not UTF-8 text")
        text = head[: exc.start].decode("utf-8")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return _sniff_json(path, text)
    first = stripped.splitlines()[0] if stripped else ""
    if _delimiter(first) is not None:
        return Sniffed("csv")
    return Sniffed(None, "not a recognised layout (expected JSON, JSONL, CSV or Parquet)")


def _delimiter(line: str) -> str | None:
    counts = {d: next(csv.reader([line], delimiter=d), []) for d in _DELIMITERS}
    best = max(counts, key=lambda d: len(counts[d]))
    return best if len(counts[best]) >= 2 else None


def csv_delimiter(first_line: str) -> str:
    """The delimiter of a CSV header line (``,`` when none of ``,;<tab>|`` splits it)."""
    return _delimiter(first_line) or ","


def _sniff_json(path: Path, text: str) -> Sniffed:
    if _FREQTRADE_STRATEGY.search(text):
        return Sniffed("freqtrade")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    first = lines[0].strip() if lines else ""
    try:
        obj = json.loads(first, parse_float=Decimal)
    except json.JSONDecodeError:
        obj = None
    if isinstance(obj, dict):
        kind = classify_json_document(obj)
        return Sniffed(kind or "jsonl")
    if obj is None and path.stat().st_size <= _JSON_DOC_LIMIT:
        try:
            doc = json.loads(path.read_bytes(), parse_float=Decimal)
        except (json.JSONDecodeError, UnicodeDecodeError):
            doc = None
        if doc is not None:
            kind = classify_json_document(doc)
            if kind is None:
                return Sniffed(None, "a JSON document holding no list of records")
            return Sniffed(kind)
    if isinstance(obj, list):
        return Sniffed(classify_json_document(obj) or "json")
    if any(ln.lstrip().startswith("{") for ln in lines[:50]):
        return Sniffed("jsonl")
    return Sniffed(None, "not a recognised layout (expected JSON, JSONL, CSV or Parquet)")


def _is_freqtrade_trade(obj: object) -> bool:
    return isinstance(obj, dict) and "pair" in obj and ("open_date" in obj or "open_rate" in obj)


def classify_json_document(doc: object) -> str | None:
    """The format of a parsed JSON document: ``freqtrade``, ``json`` (records), or None.

    A single object that is neither a freqtrade export nor a ``{"trades": [...]}`` wrapper is
    None here; on one line of a file it is a JSONL record.
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


def detect_kind(
    columns: Iterable[str], *, mapping: Mapping[str, str] | None = None
) -> KindSpec | None:
    """The registered record kind whose signature the columns match, or None.

    Parameters
    ----------
    columns : source column names (any case).
    mapping : the column mapping the reader will apply (canonical -> source column).
    """
    names = list(columns)
    best: tuple[int, int] | None = None
    chosen: KindSpec | None = None
    for spec in registered_kinds():
        resolved = canonical_columns(spec.kind, mapped_columns(names, mapping or {}, spec.kind))
        sizes = [len(group) for group in spec.signature if group <= resolved]
        if not sizes:
            continue
        score = (spec.priority, max(sizes))
        if best is None or score > best:
            best, chosen = score, spec
    return chosen


def describe_signatures() -> str:
    """A short text of the column groups each registered kind needs (for error messages)."""
    parts = []
    for spec in registered_kinds():
        groups = " or ".join("+".join(sorted(g)) for g in spec.signature[:3])
        parts.append(f"{spec.kind}: {groups}")
    return "; ".join(parts)
