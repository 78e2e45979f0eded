"""The PDF report: the HTML tear sheet printed by a headless Chromium (Playwright's ``page.pdf``).

The tear sheet is opened from disk in print mode (``#print``: static charts of a fixed
width) with the print style (A4, one column), every chart is waited for, and Chromium prints
it with its backgrounds. Nothing is drawn by hand: the charts are Plotly's own SVG.

Chromium is optional. `find_chromium` looks for it: the ``chromium`` setting
(``TRADEPERF_CHROMIUM``: a path, or ``none`` to never print), else ``chromium``,
``chromium-browser``, ``google-chrome`` on the PATH. Playwright for Python drives it (the
``pdf`` extra: ``pip install 'tradeperf[pdf]'``); it never downloads a browser. Without
either, `pdf_unavailable` says why in one line and the report is written without its PDF.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import Final

from tradeperf.errors import InputError

#: The flags Chromium is started with: headless, no sandbox (containers), nothing fetched.
CHROMIUM_FLAGS: Final = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)  # fmt: skip
#: How long the charts may take to draw before printing fails, in milliseconds.
READY_TIMEOUT_MS: Final = 60_000
_NAMES: Final = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """Give the path of the Chromium to print with, or None when there is none (or ``none``)."""
    chosen = os.environ.get("TRADEPERF_CHROMIUM", "").strip()
    if chosen.lower() == "none":
        return None
    if chosen:
        return chosen if Path(chosen).is_file() else None
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_unavailable() -> str | None:
    """Say in one line why no PDF can be printed here, or None when one can.

    Examples
    --------
    >>> reason = pdf_unavailable()
    >>> reason is None or reason.startswith("report.pdf skipped")
    True
    """
    if os.environ.get("TRADEPERF_CHROMIUM", "").strip().lower() == "none":
        return "report.pdf skipped: TRADEPERF_CHROMIUM=none"
    if importlib.util.find_spec("playwright") is None:
        return "report.pdf skipped: Playwright is not installed (pip install 'tradeperf[pdf]')"
    if find_chromium() is None:
        return (
            "report.pdf skipped: no Chromium found (apt-get install chromium, or set "
            "TRADEPERF_CHROMIUM to its path)"
        )
    return None


def print_pdf(html: Path, pdf: Path, *, chromium: str | None = None) -> Path:
    """Print the tear sheet at ``html`` to ``pdf`` (A4, backgrounds, static charts).

    Parameters
    ----------
    html
        A tear sheet written by `tradeperf.reports.html_report.write_html`.
    pdf
        The PDF file to write.
    chromium
        The Chromium executable; None: `find_chromium`.

    Returns
    -------
    ``pdf``.

    Raises
    ------
    InputError
        If no Chromium or Playwright is found, or Chromium fails to print (the reason).
    """
    reason = pdf_unavailable() if chromium is None else None
    executable = chromium or find_chromium()
    if reason or executable is None:
        raise InputError(reason or "report.pdf: no Chromium found", path=str(pdf))
    from concurrent.futures import ThreadPoolExecutor

    # Playwright's sync API refuses a thread with a running event loop (a notebook, or a
    # caller's own Playwright): it gets a thread of its own
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_print, html, pdf, executable).result()
    return pdf


def _print(html: Path, pdf: Path, executable: str) -> None:
    """Print ``html`` to ``pdf`` with the Chromium at ``executable`` (`print_pdf`)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=list(CHROMIUM_FLAGS))
            try:
                page = browser.new_page()
                page.route("http://**/*", lambda route: route.abort())
                page.route("https://**/*", lambda route: route.abort())
                page.emulate_media(media="print")
                page.goto(html.resolve().as_uri() + "#print", wait_until="load")
                page.wait_for_function("window.tradeperfReady === true", timeout=READY_TIMEOUT_MS)
                page.pdf(
                    path=str(pdf),
                    format="A4",
                    print_background=True,
                    margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"},
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=(
                        '<div style="font-size:8px;width:100%;text-align:center;color:#59636e">'
                        'tradeperf · page <span class="pageNumber"></span> of '
                        '<span class="totalPages"></span></div>'
                    ),
                )
            finally:
                browser.close()
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"Chromium could not print the PDF: {first}", path=str(pdf)) from None
