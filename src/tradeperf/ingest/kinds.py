"""The record kinds readers know, how to recognise each by its columns, and how to validate a row.

Each kind registers one `KindSpec`. Format readers (JSONL, CSV, Parquet) are generic: they turn
a source into row mappings and hand each row to the spec's ``validate``; detection compares a
source's column names with each spec's ``signature``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from tradeperf.ingest.base import RecordKind

if TYPE_CHECKING:
    from tradeperf.ingest.columnar import FastValidator


class RowError(ValueError):
    """A row that fails validation: names the field and the reason (no file or line; the
    format reader adds those)."""

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        self.reason = reason
        self.field = field
        super().__init__(f"{reason} (field {field!r})" if field else reason)


#: Validates one row (field name -> raw value) into a dict of column -> typed value in the
#: kind's Arrow schema; raises `RowError` naming the field when the row is invalid.
RowValidator = Callable[[Mapping[str, object]], dict[str, object]]


@dataclass(frozen=True, slots=True)
class KindSpec:
    """How one record kind is read.

    Attributes
    ----------
    kind : the record kind.
    schema : the Arrow schema of validated rows.
    signature : groups of column names; a source whose columns include every name of any one
        group is taken to hold this kind (aliases are resolved before matching).
    validate : the row validator.
    priority : when several kinds match, the highest priority wins.
    fast_validate : optional vectorised validator of whole columns (see
        `tradeperf.ingest.columnar`); it returns only rows it is sure of, exactly as
        ``validate`` would build them, and leaves the others to ``validate``.
    """

    kind: RecordKind
    schema: pa.Schema
    signature: tuple[frozenset[str], ...]
    validate: RowValidator
    priority: int = 0
    fast_validate: FastValidator | None = None


_SPECS: dict[RecordKind, KindSpec] = {}


def register_kind(spec: KindSpec) -> None:
    """Register (or replace) the spec of a record kind."""
    _SPECS[spec.kind] = spec


def kind_spec(kind: RecordKind) -> KindSpec:
    """The registered spec of ``kind``; raises KeyError if none is registered."""
    return _SPECS[kind]


def registered_kinds() -> list[KindSpec]:
    """All registered specs, highest priority first."""
    return sorted(_SPECS.values(), key=lambda s: -s.priority)
