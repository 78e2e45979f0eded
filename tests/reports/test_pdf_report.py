"""``report.pdf`` printed by Debian's Chromium through Playwright: its pages turned into PNG by
``pdftoppm`` (poppler-utils) are the tear sheet's (title first, the glossary last, every page
drawn on), and without a Chromium the PDF is skipped with one line, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.cli.conftest import Tradeperf
from tests.reports.conftest import ARTIFACTS, chromium
from tradeperf.sample import write_sample

pytestmark = pytest.mark.slow


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: apt-get install -y poppler-utils (as .ci/run does)")
    return found


def _pages_text(pdf: Path) -> list[str]:
    text = subprocess.run(
        [_tool("pdftotext"), "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")[:-1]  # a form feed ends each page


def test_pdf_has_the_tear_sheet_s_pages(
    tradeperf: Tradeperf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADEPERF_CHROMIUM", chromium())
    write_sample(tmp_path / "bot", days=90, seed=11)
    ran = tradeperf("report", "bot/logs", "--out", "rep", "--outputs", "pdf,json")
    assert ran.code == 0, ran.err
    pdf = tmp_path / "rep" / "report.pdf"
    assert not (tmp_path / "rep" / "report.html").exists()  # printed from a page not kept
    info = subprocess.run(
        [_tool("pdfinfo"), str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert "A4" in info or "595.92 x 842.88" in info or "595 x 842" in info
    subprocess.run(
        [_tool("pdftoppm"), "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages >= 4
    for image in images:  # every page has something printed on it
        pixels = np.asarray(Image.open(image).convert("L"))
        assert (pixels < 200).mean() > 0.005, image.name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(images[0], ARTIFACTS / "report-pdf-page-1.png")
    text = _pages_text(pdf)
    assert len(text) == pages
    assert "Performance report" in text[0]
    assert "Net P&L" in text[0]
    assert "Equity (end of day)" in "".join(text[:2])  # the charts print as text-bearing SVG
    assert "Glossary" in "".join(text[-2:])
    assert all(f"page {i} of {pages}" in t for i, t in enumerate(text, start=1))
    assert "Weekly windows" not in "".join(text)  # folded tables stay on screen only


def test_default_outputs_print_the_pdf_where_a_chromium_is_found(
    tradeperf: Tradeperf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADEPERF_CHROMIUM", chromium())
    write_sample(tmp_path / "bot", days=20, seed=2)
    ran = tradeperf("report", "bot/logs", "--out", "rep")
    assert ran.code == 0, ran.err
    written = {p.name for p in (tmp_path / "rep").iterdir()}
    assert {"report.pdf", "report.html", "trades.csv", "summary.json", "summary.md"} <= written


def test_without_chromium_the_pdf_is_skipped_in_one_line(
    tradeperf: Tradeperf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADEPERF_CHROMIUM", str(tmp_path / "no-such-chromium"))
    write_sample(tmp_path / "bot", days=10, seed=2)
    ran = tradeperf("report", "bot/logs", "--out", "rep")
    assert ran.code == 0, ran.err
    skipped = [line for line in ran.err.splitlines() if "report.pdf skipped" in line]
    assert len(skipped) == 1
    assert "no Chromium found" in skipped[0]
    assert "Traceback" not in ran.text
    written = {p.name for p in (tmp_path / "rep").iterdir()}
    assert "report.html" in written
    assert "report.pdf" not in written

    asked = tradeperf("report", "bot/logs", "--out", "rep2", "--outputs", "pdf")
    assert asked.code == 3  # asked for by name: a bad option, before anything is written
    assert "no Chromium found" in asked.err
    assert "Traceback" not in asked.text
    assert not (tmp_path / "rep2").exists()


def test_pdf_prints_from_inside_a_running_event_loop(sample_report: Path, tmp_path: Path) -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from tradeperf.reports.pdf_report import print_pdf

    async def in_a_notebook() -> Path:  # Jupyter runs cells inside an asyncio loop
        return print_pdf(sample_report / "report.html", tmp_path / "r.pdf", chromium=chromium())

    # a thread of its own: the session's browser fixture may run a loop in this one
    with ThreadPoolExecutor(max_workers=1) as pool:
        pdf = pool.submit(asyncio.run, in_a_notebook()).result()
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_a_chromium_that_cannot_start_is_one_error_line(
    tradeperf: Tradeperf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("TRADEPERF_CHROMIUM", str(fake))
    write_sample(tmp_path / "bot", days=5, seed=2)
    ran = tradeperf("report", "bot/logs", "--out", "rep", "--outputs", "pdf")
    assert ran.code == 2
    assert "Chromium could not print the PDF" in ran.err
    assert "Traceback" not in ran.text


def test_without_playwright_the_line_says_which_extra_to_install(
    tradeperf: Tradeperf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec

    def no_playwright(name: str, *args: object):  # as on a plain `pip install tradeperf`
        return None if name == "playwright" else real(name, *args)

    monkeypatch.setenv("TRADEPERF_CHROMIUM", chromium())
    monkeypatch.setattr(importlib.util, "find_spec", no_playwright)
    write_sample(tmp_path / "bot", days=5, seed=2)
    ran = tradeperf("report", "bot/logs", "--out", "rep")
    assert ran.code == 0, ran.err
    assert "report.pdf skipped: Playwright is not installed (pip install 'tradeperf[pdf]')" in (
        ran.err
    )
