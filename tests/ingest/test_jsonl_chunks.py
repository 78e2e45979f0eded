"""A big log is converted in chunks; the result is the same as in one piece."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradeperf.ingest import jsonl
from tradeperf.ingest.read import read_source
from tradeperf.sample import write_sample


def _as_tuple(result):  # type: ignore[no-untyped-def]
    rejects = [(r.line, r.field, r.reason) for r in result.rejected]
    return result.kind, result.table.to_pylist(), rejects, result.end_offset, result.format


@pytest.mark.parametrize("fast", [True, False])
def test_chunked_reading_equals_reading_in_one_piece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    files = write_sample(tmp_path, days=20, seed=11)
    log = tmp_path / "all.jsonl"
    # one log of 20 days, with the sample's malformed lines inside, and an unfinished last line
    log.write_bytes(b"".join(f.read_bytes() for f in files) + b'{"trade_id": "x", "sym')
    whole = read_source(log, fast=fast)
    monkeypatch.setattr(jsonl, "CHUNK_OBJECTS", 7)
    chunked = read_source(log, fast=fast)
    assert whole.table.num_rows > 300
    assert whole.rejected
    assert _as_tuple(chunked) == _as_tuple(whole)
