"""The contracts of a record kind: how to recognise it by its columns and validate its rows.

A kind is one `KindSpec` (listed in `tradeperf.ingest.catalog.KINDS`). Format readers (JSONL,
CSV, Parquet) are generic: they turn a source into row mappings and hand each row to the
spec's ``validate`` (a `RowValidator`), or whole columns (a `ColumnBatch`) to its
``fast_validate`` (a `FastValidator`); detection compares a source's column names with each
spec's ``signature``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from tradeperf.records import RecordKind


class RowError(ValueError):
    """A row that fails validation: names the field and the reason.

    It gives no file or line: the format reader adds those.

    Parameters
    ----------
    reason
        Why the row is invalid.
    field
        The field at fault, if one is.
    """

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        self.reason = reason
        self.field = field
        super().__init__(f"{reason} (field {field!r})" if field else reason)


#: Validates one row (field name -> raw value) into a dict of column -> typed value in the
#: kind's Arrow schema; raises `RowError` naming the field when the row is invalid.
RowValidator = Callable[[Mapping[str, object]], dict[str, object]]


Mask = np.ndarray  # 1-D bool, one entry per row


@dataclass(frozen=True, slots=True)
class ColumnBatch:
    """Raw columns of one source, for a kind's fast validator.

    Attributes
    ----------
    columns : source column name (after the column mapping, in file order) -> raw values:
        text for CSV, the stored type for Parquet.
    lines : the 1-based line (CSV) or row (Parquet) number of each row, int64.
    source : the file name recorded with rows.
    """

    columns: dict[str, pa.Array]
    lines: np.ndarray
    source: str

    @property
    def num_rows(self) -> int:
        """The number of rows of the batch."""
        return len(self.lines)


#: A kind's fast validator: the rows it is sure of, in the kind's schema and in input order,
#: and the mask of those rows (True = produced here; False = left to the row validator).
FastValidator = Callable[[ColumnBatch], tuple[pa.Table, Mask]]


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
    fast_validate : optional vectorised validator of whole columns (helpers in
        `tradeperf.ingest.columns`); it returns only rows it is sure of, exactly as
        ``validate`` would build them, and leaves the others to ``validate``.
    """

    kind: RecordKind
    schema: pa.Schema
    signature: tuple[frozenset[str], ...]
    validate: RowValidator
    priority: int = 0
    fast_validate: FastValidator | None = None
