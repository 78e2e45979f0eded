"""How a source is to be read: the reader options a user chooses, and the size limits.

A file's figures depend on how it was read, so the options are part of its identity in the
ingestion index (`ReadOptions.identity`): ingesting a file again with another column mapping,
another decimal mark, another forced reader or other limits reads it again in full.

The limits bound what one hostile line can cost. A line (JSONL) or record (CSV) longer than
``max_line_bytes``, JSON nested deeper than ``max_depth``, or a single text value longer than
``max_field_chars`` is one rejected row with that reason; the rest of the file is read as
usual. The defaults are far above any real log (a fill is a few hundred bytes) and cost
nothing on the fast path, which checks them on whole columns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from tradeperf.errors import ConfigError

#: Default longest line or CSV record, in bytes (1 MiB).
MAX_LINE_BYTES: Final = 1 << 20
#: Default deepest nesting of a JSON value (an object holding a list is depth 2).
MAX_DEPTH: Final = 64
#: Default longest text value of a field, in characters.
MAX_FIELD_CHARS: Final = 64 * 1024
#: Decimal marks a reader accepts: ``.`` (1234.50), ``,`` (1.234,50), None: detect.
DECIMAL_MARKS: Final = (".", ",")


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits on one line, value and nesting (see the module docstring).

    Attributes
    ----------
    max_line_bytes : longest line (JSONL) or record (CSV), in bytes; at least 64.
    max_depth : deepest JSON nesting; at least 2 (an object holding a list).
    max_field_chars : longest text value, in characters; at least 16.

    Raises
    ------
    ConfigError
        If a limit is below its minimum.

    Examples
    --------
    >>> Limits().max_depth
    64
    >>> Limits(max_depth=1)
    Traceback (most recent call last):
    ...
    tradeperf.errors.ConfigError: max_depth: must be at least 2, got 1
    """

    max_line_bytes: int = MAX_LINE_BYTES
    max_depth: int = MAX_DEPTH
    max_field_chars: int = MAX_FIELD_CHARS

    def __post_init__(self) -> None:
        """Check that every limit is a whole number at or above its minimum."""
        for name, floor in (("max_line_bytes", 64), ("max_depth", 2), ("max_field_chars", 16)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < floor:
                raise ConfigError(f"{name}: must be at least {floor}, got {value!r}")


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """The reader options of an ingestion.

    Attributes
    ----------
    input_format : force a reader by its name in the format registry (``jsonl``, ``csv``,
        ``parquet``, ``json``, ``freqtrade``); None detects it from the content.
    mapping : column mapping, canonical name -> source column name (see
        `tradeperf.ingest.assemble.parse_mapping`).
    decimal : the decimal mark of numbers in CSV text: ``.`` or ``,`` (then ``.`` or a space
        groups thousands, as in ``1.170,50``); None detects it per file where unambiguous.
    limits : size limits on lines, values and nesting.

    Raises
    ------
    ConfigError
        If ``decimal`` is not one of `DECIMAL_MARKS`.

    Examples
    --------
    >>> ReadOptions(decimal=",").identity()
    '{"decimal":",","format":null,"limits":[1048576,64,65536],"mapping":[]}'
    """

    input_format: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    decimal: str | None = None
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        """Check that ``decimal`` is one of `DECIMAL_MARKS` or None."""
        if self.decimal is not None and self.decimal not in DECIMAL_MARKS:
            raise ConfigError(f"decimal: use '.' or ',', not {self.decimal!r}")

    def identity(self) -> str:
        """Return the options as canonical text, stored with each source in the ingestion index."""
        limits = self.limits
        return json.dumps(
            {
                "decimal": self.decimal,
                "format": self.input_format,
                "limits": [limits.max_line_bytes, limits.max_depth, limits.max_field_chars],
                "mapping": sorted(self.mapping.items()),
            },
            sort_keys=True,
            separators=(",", ":"),
        )


DEFAULT_OPTIONS: Final = ReadOptions()
