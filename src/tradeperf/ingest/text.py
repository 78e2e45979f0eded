"""Text as line-oriented readers see it: byte-order marks, UTF-16, and what a readable line is.

A log damaged by a crash or a full disk holds lines of NUL bytes or invalid UTF-8 among good
ones. Readers split the bytes into lines first and judge each line alone, so a bad line costs
that line only. Text with a UTF-16 byte-order mark (Excel's "Unicode text", MetaTrader 5
reports) is decoded as a whole first and then read as UTF-8 like any other file; a UTF-8
byte-order mark is dropped.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Final

_UTF16_BOMS: Final = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF8_BOM: Final = codecs.BOM_UTF8
_DELIMITERS: Final = ",;\t|"
#: A JSON string (escapes included) or one bracket: the tokens of `json_depth_exceeds`.
_BRACKETS: Final = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
#: ASCII control characters other than tab, CR and LF: junk in a text line.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Text:
    """A file's bytes as UTF-8, from a start offset.

    Attributes
    ----------
    data : the bytes, UTF-8 (UTF-16 transcoded; a UTF-8 byte-order mark at offset 0 removed).
    encoding : ``utf-8`` or ``utf-16``.
    offsets : whether a byte offset in ``data`` plus ``base`` is an offset in the file (False
        for transcoded UTF-16: such a file is read whole every time).
    base : the file offset of ``data[0]``.
    """

    data: bytes
    encoding: str
    offsets: bool
    base: int


def has_utf16_bom(head: bytes) -> bool:
    """Tell whether ``head`` (a file's first bytes) starts with a UTF-16 byte-order mark."""
    return head.startswith(_UTF16_BOMS)


def load_text(path: Path, *, start_offset: int = 0) -> Text:
    """Load the content of ``path`` from ``start_offset`` as UTF-8 bytes (see `Text`).

    A UTF-16 file is decoded whole (``start_offset`` ignored); undecodable code units become
    U+FFFD, so a damaged line is rejected by its reader, not the file.

    Parameters
    ----------
    path
        The file to read.
    start_offset
        The byte offset in the file to start at (0: the whole file).

    Raises
    ------
    OSError
        If the file cannot be read.
    """
    with path.open("rb") as f:
        head = f.read(4)
        if has_utf16_bom(head):
            f.seek(0)
            raw = f.read()
            data = raw.decode("utf-16", errors="replace").encode("utf-8", errors="replace")
            return Text(data, "utf-16", offsets=False, base=0)
        f.seek(start_offset)
        data = f.read()
    base = start_offset
    if start_offset == 0 and data.startswith(_UTF8_BOM):
        data, base = data[3:], 3
    return Text(data, "utf-8", offsets=True, base=base)


def decode_head(head: bytes) -> str:
    """Decode a file's first bytes ``head`` as text, for detection.

    Byte-order marks are honoured, undecodable bytes replaced, and a character cut at the end
    dropped.
    """
    if has_utf16_bom(head):
        cut = len(head) - len(head) % 2
        return head[:cut].decode("utf-16", errors="replace")
    if head.startswith(_UTF8_BOM):
        head = head[3:]
    return head.decode("utf-8", errors="replace")


def is_readable(line: str) -> bool:
    """Tell whether ``line`` is a line of text, not junk.

    A line of text holds no replacement character from bad bytes, and no NUL or other control
    character besides tab and CR.
    """
    return "\ufffd" not in line and _CONTROL.search(line) is None


def readable_lines(text: str, *, limit: int = 50) -> list[str]:
    """Return the first ``limit`` non-blank readable lines of ``text`` (stripped), skipping junk."""
    found: list[str] = []
    for line in text.splitlines():
        if line.strip() and is_readable(line):
            found.append(line.strip())
            if len(found) >= limit:
                break
    return found


def delimiter_of(line: str) -> str | None:
    """Return the cell delimiter of a CSV header ``line``, or None when none gives two cells.

    The delimiter is the one of ``,``, ``;``, tab or ``|`` that gives the most cells.
    """
    counts = {d: next(csv.reader([line], delimiter=d), []) for d in _DELIMITERS}
    best = max(counts, key=lambda d: len(counts[d]))
    return best if len(counts[best]) >= 2 else None


def csv_delimiter(first_line: str) -> str:
    """Return the delimiter of a CSV header line (``,`` when none of ``,;<tab>|`` splits it)."""
    return delimiter_of(first_line) or ","


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Tell whether JSON ``text`` nests objects and lists deeper than ``limit``.

    Cheap for ordinary records (two counts); only text with more brackets than the limit is
    scanned, brackets inside strings left out.

    Parameters
    ----------
    text
        The JSON text (it need not be valid JSON).
    limit
        The deepest nesting allowed (an object holding a list is depth 2).

    Examples
    --------
    >>> json_depth_exceeds('{"a": [1, {"b": "[[[["}]}', 3), json_depth_exceeds("[" * 5, 4)
    (False, True)
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for token in _BRACKETS.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


#: The nesting a whole document may have when it is parsed only to tell its layout.
_SNIFF_DEPTH: Final = 64


def json_or_none(text: str) -> object:
    """Parse ``text`` as JSON (numbers as Decimal), or None when it is not JSON or too deep.

    Too deep is nested more than 64 levels. This is for telling a document's layout, never
    for reading its records.

    Examples
    --------
    >>> json_or_none('{"trades": []}'), json_or_none("[" * 100), json_or_none("{")
    ({'trades': []}, None, None)
    """
    if json_depth_exceeds(text, _SNIFF_DEPTH):
        return None
    try:
        return json.loads(text, parse_float=Decimal)
    except (json.JSONDecodeError, RecursionError):
        return None
