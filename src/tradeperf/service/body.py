"""The body of an ingestion request: a JSON array or NDJSON, bounded, parsed row by row.

A body is read up to `Limits.max_body_bytes` (a longer one is refused before it is parsed,
from its ``Content-Length`` or as it streams in) and holds at most `Limits.max_batch` rows.
It is a JSON array of objects (``[{...}, {...}]``) or NDJSON, one object per line (blank
lines skipped), told apart by its first character or by ``Content-Type:
application/x-ndjson``. Nesting deeper than `MAX_DEPTH` is refused (a bounded recursion).
Every fault names where it is: the row (from 0) and, in NDJSON, the line (from 1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["MAX_DEPTH", "BodyError", "Limits", "parse_rows"]

#: The deepest nesting of arrays and objects a body may hold.
MAX_DEPTH: Final = 16


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one ingestion request may carry.

    Attributes
    ----------
    max_body_bytes : the largest body, in bytes (413 beyond it).
    max_batch : the most rows in one batch (413 beyond it).
    """

    max_body_bytes: int = 8 * 1024 * 1024
    max_batch: int = 10_000


class BodyError(ValueError):
    """A body that cannot be read as rows: its status (400, 413, 422), reason and place."""

    def __init__(
        self, status: int, reason: str, *, index: int | None = None, line: int | None = None
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.index = index
        self.line = line

    def to_json(self) -> dict[str, Any]:
        """Return ``{"error", "message", "kept": 0, "problems": [...]}`` (the error body)."""
        problem = {"index": self.index, "line": self.line, "field": None, "reason": self.reason}
        return {
            "error": "too_large" if self.status == 413 else "invalid",
            "message": f"{self.reason}; nothing was kept",
            "kept": 0,
            "problems": [problem],
            "problem_count": 1,
        }


def _depth(value: object, limit: int = MAX_DEPTH) -> int:
    """Return the nesting depth of ``value``, stopping past ``limit``."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _loads(text: str, *, index: int | None, line: int | None) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise BodyError(422, f"nested deeper than {MAX_DEPTH}", index=index, line=line) from None
    except ValueError as exc:  # JSONDecodeError, and a NaN/Infinity refused
        raise BodyError(422, f"malformed JSON: {exc}", index=index, line=line) from None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def parse_rows(body: bytes, *, content_type: str = "", limits: Limits = Limits()) -> list[Any]:
    r"""Parse an ingestion body into its rows (each should be a JSON object).

    Parameters
    ----------
    body
        The raw body (UTF-8).
    content_type
        The request's ``Content-Type``; ``application/x-ndjson`` (or ``jsonl``) forces NDJSON.
    limits
        The body size and batch length allowed.

    Returns
    -------
    The rows, in order (not yet validated as records).

    Raises
    ------
    BodyError
        413 for a body or batch too large, 422 for malformed JSON, invalid UTF-8, a body that
        is neither an array nor objects per line, or nesting deeper than `MAX_DEPTH`.

    Examples
    --------
    >>> parse_rows(b'[{"a": 1}, {"a": 2}]')
    [{'a': 1}, {'a': 2}]
    >>> parse_rows(b'{"a": 1}\n\n{"a": 2}\n')
    [{'a': 1}, {'a': 2}]
    >>> try:
    ...     parse_rows(b'[{"a": 1}')
    ... except BodyError as exc:
    ...     print(exc.status, exc.reason[:14])
    422 malformed JSON
    """
    if len(body) > limits.max_body_bytes:
        raise BodyError(413, f"the body is larger than {limits.max_body_bytes} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(422, f"not UTF-8: {exc}") from None
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise BodyError(422, "the body is empty: send a JSON array of records or NDJSON")
    ndjson = any(t in content_type.lower() for t in ("ndjson", "jsonl", "json-seq"))
    if stripped[0] == "[" and not ndjson:
        rows = _loads(stripped, index=None, line=None)
        if not isinstance(rows, list):
            raise BodyError(422, "the body is not a JSON array")
        if len(rows) > limits.max_batch:
            raise BodyError(413, f"{len(rows)} rows: a batch holds at most {limits.max_batch}")
        for i, row in enumerate(rows):
            if _depth(row) > MAX_DEPTH:
                raise BodyError(422, f"nested deeper than {MAX_DEPTH}", index=i)
        return rows
    rows = []
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if len(rows) >= limits.max_batch:
            raise BodyError(413, f"more than {limits.max_batch} rows in one batch", line=number)
        row = _loads(line, index=len(rows), line=number)
        if _depth(row) > MAX_DEPTH:
            raise BodyError(422, f"nested deeper than {MAX_DEPTH}", index=len(rows), line=number)
        rows.append(row)
    if not rows:
        raise BodyError(422, "the body holds no record")
    return rows
