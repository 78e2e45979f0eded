"""Fixtures shared by the whole suite: the real data folder and the stores to test against."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import tradeperf  # the in-process command, for every test folder
from tests.reports.conftest import chromium
from tradeperf.reports.pdf_report import CHROMIUM_FLAGS

__all__ = ["tradeperf"]

# every summary and window document a test builds is validated against its JSON Schema
os.environ["TRADEPERF_VALIDATE_OUTPUT"] = "1"
# reports print no PDF unless a test asks for one (tests/reports/test_pdf_report.py points
# TRADEPERF_CHROMIUM at Debian's Chromium): a browser per report would take minutes
os.environ["TRADEPERF_CHROMIUM"] = "none"


def _shared_data_root() -> Path | None:
    value = os.environ.get("TRADEPERF_SHARED_DATA")
    return Path(value) if value else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real data from other projects (``../shared/data``), read in place.

    Fails when ``TRADEPERF_SHARED_DATA`` is set but the folder is missing (CI sets it);
    skips with the reason when the variable is unset.
    """
    root = _shared_data_root()
    if root is None:
        pytest.skip("TRADEPERF_SHARED_DATA is not set: real-data checks need ../shared/data")
    if not root.is_dir():
        pytest.fail(f"TRADEPERF_SHARED_DATA={root} is set but the folder does not exist")
    return root


def shared_file(root: Path, relative: str) -> Path:
    """A file under the shared data folder; fails the test when it is missing."""
    path = root / relative
    if not path.is_file():
        pytest.fail(f"shared data file missing: {path}")
    return path


@pytest.fixture
def freqtrade_backtest(shared_data: Path) -> Path:
    """The real freqtrade backtest export (179 trades)."""
    return shared_file(shared_data, "freqtrade-backtest/backtest-result.json")


def _pg_url() -> str | None:
    return os.environ.get("TRADEPERF_TEST_PG")


@pytest.fixture(params=["duckdb", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store URL on each backend.

    PostgreSQL gets its own schema in the database named by ``TRADEPERF_TEST_PG``; the test
    fails when that variable is set (CI) and the server is unreachable, and skips when unset.
    """
    if request.param == "duckdb":
        yield f"duckdb://{tmp_path / 'store.duckdb'}"
        return
    yield from _pg_schema_url()


@pytest.fixture
def hstore(store_url: str) -> Iterator[object]:
    """An open, empty store on each backend, for Hypothesis tests that write into it
    example after example (each replaces what the last one wrote)."""
    from tradeperf.store import open_store

    with open_store(store_url) as store:
        yield store


@pytest.fixture
def pg_store_url() -> Iterator[str]:
    """A fresh PostgreSQL store URL (for what only a server can do: several writers)."""
    yield from _pg_schema_url()


def _pg_schema_url() -> Iterator[str]:
    base = _pg_url()
    if base is None:
        pytest.skip("TRADEPERF_TEST_PG is not set: PostgreSQL store tests need a server")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(base, autocommit=True) as con:
            con.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"TRADEPERF_TEST_PG={base} is set but unreachable: {exc}")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session (the reports' and the dashboard's tests)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium(), args=list(CHROMIUM_FLAGS))
        yield launched
        launched.close()
