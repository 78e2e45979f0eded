"""The same inputs give the same report on the embedded DuckDB store and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.cli.test_fills_report import FILLS, MARKS
from tradeperf.cli.app import app
from tradeperf.sample import write_sample


def _report(inputs: list[Path], out: Path, store: str) -> dict:
    result = CliRunner().invoke(
        app,
        ["report", *map(str, inputs), "--out", str(out), "--store", store, "--tz", "Europe/London"],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "summary.json").read_text())
    doc.pop("generated_at")
    return doc


def test_duckdb_and_postgresql_give_the_same_report(pg_store_url: str, tmp_path: Path) -> None:
    write_sample(tmp_path / "sample", days=45, seed=5)
    (tmp_path / "fills.csv").write_text(FILLS)
    (tmp_path / "marks.csv").write_text(MARKS)
    inputs = [tmp_path / "sample" / "logs", tmp_path / "fills.csv", tmp_path / "marks.csv"]
    duck = _report(inputs, tmp_path / "a", f"duckdb://{tmp_path / 's.duckdb'}")
    pg = _report(inputs, tmp_path / "b", pg_store_url)
    assert duck["overall"]["trades"] > 500
    assert duck["overall"]["open_positions"] == 1
    assert duck == pg
