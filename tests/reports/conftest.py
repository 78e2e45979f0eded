"""A headless Debian Chromium (Playwright with ``executable_path``) and a generated report to open.

The browser never downloads anything: every request that is not for a local file is aborted
and counted, so a test sees whether a page asked for the network at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tradeperf import jobs
from tradeperf.config import load_config
from tradeperf.sample import write_sample

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(
    os.environ.get("TRADEPERF_TEST_ARTIFACTS", Path(__file__).parents[2] / ".artifacts")
)


def chromium() -> str:
    """Debian's Chromium; the test fails (never skips) when it is missing."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (as .ci/run does)")
    return CHROMIUM


@dataclass
class Opened:
    """A page opened from disk, with what it logged and asked for."""

    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def open_page(browser: Any, path: Path, *, width: int = 1280, height: int = 900) -> Opened:
    """Open ``path`` (file://) at a viewport size and wait until its charts are drawn."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    opened = Opened(page)
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: opened.errors.append(str(e)))

    def refuse(route: Any) -> None:
        opened.requests.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith("file:"), refuse)
    page.goto(path.resolve().as_uri())
    page.wait_for_function("window.tradeperfReady === true", timeout=60_000)
    return opened


def keep_screenshot(opened: Opened, name: str) -> Path:
    """Save a full-page screenshot under the artifacts folder (``.artifacts/``)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    opened.page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report folder of 120 days of the generated bot (Europe/Berlin), with a few bad rows
    and an unreadable file."""
    root = tmp_path_factory.mktemp("sample-report")
    write_sample(root / "bot", days=120, seed=5)
    (root / "bot" / "logs" / "broken.parquet").write_bytes(b"PAR1 cut short by a crash")
    config = load_config(
        {
            "store": f"duckdb://{root / 'store.duckdb'}",
            "capital": "50000",
            "timezone": "Europe/Berlin",
        }
    )
    jobs.run_report(
        [root / "bot" / "logs"], root / "report", config, outputs=("json", "csv", "html")
    )
    return root / "report"
