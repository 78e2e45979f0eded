"""Fixtures of the analytics tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tradeperf.store import Store, open_store


@pytest.fixture
def store_pair(store_url: str, tmp_path) -> Iterator[tuple[Store, Store]]:  # type: ignore[no-untyped-def]
    """The store under test and a DuckDB store beside it, both keeping New York partials."""
    with open_store(store_url) as one, open_store(f"duckdb:///{tmp_path}/other.duckdb") as two:
        for s in (one, two):
            s.ensure_partials("America/New_York")
        yield one, two
