"""Stores that old schema versions left (checked-in dumps) open migrated, with nothing lost.

Each dump in ``tests/store/old_stores`` is loaded into an empty database as it is; opening it
with the current code must migrate it to `SCHEMA_VERSION` and give the same summary and
positions as a new store fed the same inputs, before and after a further write.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.store.old_stores import HERE, LATER_FILLS, VERSIONS, statements, write_inputs
from tradeperf.cli.app import app
from tradeperf.store import open_store
from tradeperf.store.sql import SCHEMA_VERSION


def _load(url: str, dump: Path) -> None:
    """Run the statements of ``dump`` against the (empty) database of ``url``."""
    if url.startswith("duckdb://"):
        import duckdb

        with duckdb.connect(url.removeprefix("duckdb://")) as con:
            for statement in statements(dump):
                con.execute(statement)
    else:
        import psycopg

        with psycopg.connect(url) as con:
            for statement in statements(dump):
                con.execute(statement)  # type: ignore[arg-type]  # a literal statement


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _figures(store: str) -> dict[str, object]:
    """The summary and the open positions of ``store`` as JSON, without the time of the run."""
    summary = json.loads(_cli("summary", "--store", store, "--format", "json", "--tz", "UTC"))
    summary.pop("generated_at")
    positions = json.loads(_cli("positions", "--store", store, "--format", "json"))
    positions.pop("as_of")
    for position in positions["positions"]:
        position.pop("mark_age_seconds")  # from the time of the run
    by_venue = json.loads(
        _cli("summary", "--store", store, "--format", "json", "--tz", "UTC", "--by", "venue")
    )
    by_venue.pop("generated_at")
    return {"summary": summary, "positions": positions, "by_venue": by_venue}


@pytest.mark.parametrize("version", VERSIONS)
def test_an_old_store_opens_migrated_and_gives_the_figures_of_a_new_one(
    store_url: str, tmp_path: Path, version: int
) -> None:
    dialect = "duckdb" if store_url.startswith("duckdb://") else "postgres"
    _load(store_url, HERE / f"v{version}.{dialect}.sql")
    with open_store(store_url) as store:
        assert store.schema_version() == SCHEMA_VERSION  # type: ignore[attr-defined]
        quarantined = store.quarantine().to_pylist()
    # the bad line the old version quarantined is still there, with its place
    assert [(q["source"], q["line"]) for q in quarantined] == [
        ("/data/old/logs/2024-05-01.jsonl", 3)
    ]

    fresh = f"duckdb://{tmp_path / 'fresh.duckdb'}"
    with_fills = version >= 3
    _cli(
        "ingest", *map(str, write_inputs(tmp_path / "in", with_fills=with_fills)), "--store", fresh
    )
    old = _figures(store_url)
    assert old["summary"]["overall"]["trades"] == (3 if with_fills else 2)  # type: ignore[index]
    groups = old["by_venue"]["breakdown"]["groups"]  # type: ignore[index]
    # the round trips kept from fills before venues were kept take their opening fill's
    assert {g["key"]["venue"]: g["figures"]["trades"] for g in groups} == (
        {"coinbase": 1, "(none)": 2} if with_fills else {"(none)": 2}
    )
    assert old == _figures(fresh)

    if with_fills:  # a write after the migration books on from what the old store kept
        later = tmp_path / "later.csv"
        later.write_text(LATER_FILLS)
        for store in (store_url, fresh):
            _cli("ingest", str(later), "--store", store)
        old = _figures(store_url)
        assert old == _figures(fresh)
        assert old["positions"]["positions"] != []  # type: ignore[index]
