"""The live dashboard in a headless Debian Chromium, against a real `tradeperf serve`.

The page is opened from the service (``/``) and only ever asks the service: every request to
another host is aborted and recorded. Fills posted through the API show on the open page,
without a reload, from the stream; on a phone-sized viewport nothing scrolls sideways.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.reports.conftest import ARTIFACTS
from tests.service.conftest import LiveService

# two real services and two page loads of Plotly: about 30 s
pytestmark = pytest.mark.slow

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
#: How long the page may take to show what the API was sent (the page aims at one second).
LIVE_MS = 15_000


@dataclass
class Opened:
    """The dashboard open in a page, with what it logged, asked for and was refused."""

    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    navigations: list[str] = field(default_factory=list)


def open_dashboard(
    browser: Any, service: LiveService, *, width: int = 1280, height: int = 900, **context: Any
) -> Opened:
    """Open ``/`` of ``service`` at a viewport size; wait until the first figures are drawn."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, **context)
    page = ctx.new_page()
    opened = Opened(page)
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: opened.errors.append(f"pageerror: {e}"))
    page.on("request", lambda r: opened.requests.append(r.url))
    page.on(
        "framenavigated",
        lambda f: opened.navigations.append(f.url) if f == page.main_frame else None,
    )

    def refuse(route: Any) -> None:
        opened.refused.append(route.request.url)
        route.abort()

    page.route(lambda url: urlsplit(url).hostname not in LOOPBACK, refuse)
    page.goto(service.url + "/")
    page.wait_for_function("window.tradeperfReady === true", timeout=LIVE_MS)
    return opened


def keep_screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot under the artifacts folder, for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def fill(fid: str, side: str, qty: str, price: str, at: dt.datetime) -> dict[str, str]:
    return {"fill_id": fid, "symbol": "BTC-USD", "side": side, "quantity": qty, "price": price,
            "fee": "1.2", "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "strategy": "breakout"}  # fmt: skip


def text(page: Any, selector: str) -> str:
    return str(page.locator(selector).inner_text())


def wait_live(page: Any) -> None:
    page.wait_for_function(
        "document.body.dataset.stream === 'live'"
        " && document.getElementById('conn-text').textContent === 'live'",
        timeout=LIVE_MS,
    )


def only_the_service(opened: Opened, service: LiveService) -> None:
    """The page asked nothing of any other host, and of the service only /, /static, /v1."""
    assert opened.refused == []
    asked = [u for u in opened.requests if not u.startswith("data:")]
    origin = service.url
    assert all(u.startswith(origin + "/") for u in asked), asked
    paths = {urlsplit(u).path for u in asked}
    assert all(p == "/" or p.startswith(("/static/", "/v1/")) for p in paths), paths
    assert {"/", "/static/plotly.min.js", "/v1/dashboard", "/v1/stream"} <= paths


def test_dashboard_follows_posted_fills_live(browser: Any, live_service: LiveService) -> None:
    service = live_service
    opened = open_dashboard(browser, service)
    page = opened.page

    # an empty store: the no-data state, not empty charts; the stream is live
    page.wait_for_selector("body[data-state='empty']", timeout=LIVE_MS)
    assert page.locator("#empty").is_visible()
    assert "No data yet — post fills to /v1/fills" in text(page, "#empty")
    assert "tradeperf serve --demo" in text(page, "#empty")
    assert not page.locator("#content").is_visible()
    wait_live(page)
    assert re.fullmatch(r"updated \d\d:\d\d:\d\d", text(page, "#updated"))

    # a fill through the API: the open page shows it without a reload
    page.evaluate("window.__sameDocument = true")
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=30)
    posted = service.post("fills", [fill("x1", "buy", "0.5", "60000", start)])
    assert posted.status_code == 200, posted.text
    assert posted.json()["accepted"] == 1
    sent = time.monotonic()
    page.wait_for_selector("#fills tr[data-fill-id='x1']", timeout=LIVE_MS)
    first_latency = time.monotonic() - sent
    assert page.evaluate("document.body.dataset.state") == "ready"
    assert not page.locator("#empty").is_visible()
    row = text(page, "#fills tr[data-fill-id='x1']")
    assert all(word in row for word in ("BTC-USD", "BUY", "breakout")), row
    assert "$60,000.00" in row  # money: the currency, thousands separators, 2 decimals
    assert "BTC-USD" in text(page, "#positions")  # the open position
    assert page.locator("#chart-equity .main-svg").count() > 0  # Plotly drew the chart
    trades_before = text(page, "[data-k='trades'] .stat-value")
    equity_before = text(page, "[data-k='equity'] .kpi-value")
    assert re.fullmatch(r"\$\d{1,3}(,\d{3})*\.\d\d", equity_before), equity_before

    # the round trip closes: a second fill row, the trade counted, the equity moved
    closing = fill("x2", "sell", "0.5", "61000", start + dt.timedelta(minutes=10))
    assert service.post("fills", [closing]).status_code == 200
    sent = time.monotonic()
    page.wait_for_selector("#fills tr[data-fill-id='x2']", timeout=LIVE_MS)
    page.wait_for_function(
        "([t, e]) => document.querySelector(\"[data-k='trades'] .stat-value\").textContent !== t"
        " && document.querySelector(\"[data-k='equity'] .kpi-value\").textContent !== e",
        arg=[trades_before, equity_before],
        timeout=LIVE_MS,
    )
    second_latency = time.monotonic() - sent
    assert text(page, "[data-k='trades'] .stat-value") == "1"
    # newest first
    assert page.locator("#fills tbody tr").first.get_attribute("data-fill-id") == "x2"
    net = page.locator("[data-k='net_pnl'] .kpi-value")
    assert "pos" in (net.get_attribute("class") or "")  # a profit is green
    assert text(page, "#by-strategy").count("breakout") == 1

    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    assert len(opened.navigations) == 1, opened.navigations
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    print(f"shown {first_latency:.2f} s and {second_latency:.2f} s after the posts")
    keep_screenshot(page, "dashboard.png")
    only_the_service(opened, service)
    assert opened.errors == []

    # a phone: nothing scrolls sideways (the tables scroll in their own box)
    phone = open_dashboard(
        browser, service, width=390, height=844, is_mobile=True, has_touch=True,
        device_scale_factor=2,
    )  # fmt: skip
    phone.page.wait_for_selector("#fills tr[data-fill-id='x2']", timeout=LIVE_MS)
    wait_live(phone.page)
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
    wrap = phone.page.locator("#fills").locator("xpath=..")
    assert wrap.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    keep_screenshot(phone.page, "dashboard-phone.png")
    only_the_service(phone, service)
    assert phone.errors == []
    page.context.close()
    phone.page.context.close()


def test_stream_drop_and_alert_actions(browser: Any, live_service: LiveService) -> None:
    """The stream refused: a disconnected banner, then live again and the figures re-read.
    Ack and silence send the token (asked for on first use) and show the server's refusals.

    The service's store holds no alert here, so the page is given one in its /v1/dashboard
    answer; the ack and the silence go to the real service.
    """
    service = live_service
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=30)
    rows = [fill("y1", "buy", "0.5", "60000", start), fill("y2", "sell", "0.5", "59000", start)]
    assert service.post("fills", rows).status_code == 200

    alert = {"alert_id": "test-alert-1", "status": "firing", "severity": "critical",
             "rule": "net_pnl", "value": "-502.4", "message": "net_pnl -502.4 < 0 over all trades",
             "strategy": "breakout", "symbol": None, "first_seen": start.isoformat(),
             "last_seen": start.isoformat()}  # fmt: skip

    def with_alert(route: Any) -> None:
        from playwright.sync_api import Error as PlaywrightError

        try:
            answer = route.fetch()
            doc = answer.json()
            doc["alerts"] = [alert]
            route.fulfill(response=answer, body=json.dumps(doc))
        except PlaywrightError:
            # a reload still in flight when the test closes its page: its answer is gone
            # (left alone, Playwright raises it at the next call, the session's last)
            return

    def no_stream(route: Any) -> None:
        route.abort()

    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.route("**/v1/dashboard", with_alert)
    page.route("**/v1/stream", no_stream)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(service.url + "/")
    page.wait_for_function("window.tradeperfReady === true", timeout=LIVE_MS)

    # the stream cannot connect: a clear banner, the indicator says so
    page.wait_for_selector("#banner:not([hidden])", timeout=LIVE_MS)
    assert "Disconnected — reconnecting…" in text(page, "#banner")
    assert page.evaluate("document.body.dataset.stream") == "down"
    assert text(page, "#conn-text") == "disconnected"

    # the stream is back: live, the banner gone, /v1/dashboard read again
    loads = page.evaluate("window.tradeperfDashboard.loads")
    page.unroute("**/v1/stream", no_stream)
    wait_live(page)
    assert page.locator("#banner").is_hidden()
    page.wait_for_function(f"window.tradeperfDashboard.loads > {loads}", timeout=LIVE_MS)

    # the firing alert, with its buttons
    item = page.locator("#alerts li[data-alert-id='test-alert-1']")
    item.wait_for(timeout=LIVE_MS)
    assert "critical" in item.inner_text().lower()
    assert text(page, "#alerts-count") == "1 firing"

    # ack with no token stored: the token is asked for; a wrong one shows the server's 401
    assert page.evaluate("localStorage.getItem('tradeperf.token')") is None
    item.locator("button[data-act='ack']").click()
    page.wait_for_selector("#settings[open]", timeout=LIVE_MS)
    page.fill("#token-input", "not-the-token")
    page.click("#token-save")
    page.wait_for_selector("#settings-error:not([hidden])", timeout=LIVE_MS)
    assert "401" in text(page, "#settings-error")
    assert "Bearer" in text(page, "#settings-error")  # the server's own message
    assert page.locator(".toast.error").count() >= 1

    # the right token, kept in localStorage; the service does not know this alert: its 404
    page.fill("#token-input", service.token)
    page.click("#token-save")
    assert page.evaluate("localStorage.getItem('tradeperf.token')") == service.token
    item.locator("button[data-act='ack']").click()
    page.wait_for_selector(".toast.error:has-text('HTTP 404')", timeout=LIVE_MS)

    # silence: a real silence of the rule, in the service
    loads = page.evaluate("window.tradeperfDashboard.loads")
    item.locator("button[data-act='silence']").click()
    page.wait_for_selector("#silence[open]", timeout=LIVE_MS)
    page.select_option("#silence-for", "2h")
    page.fill("#silence-reason", "browser test")
    page.click("#silence button[value='silence']")
    page.wait_for_selector(".toast.ok:has-text('Silenced net_pnl')", timeout=LIVE_MS)
    page.wait_for_function(f"window.tradeperfDashboard.loads > {loads}", timeout=LIVE_MS)
    silences = service.get("/v1/silences").json()["silences"]
    assert [(s["rule"], s["strategy"], s["reason"]) for s in silences] == [
        ("net_pnl", "breakout", "browser test")
    ]
    assert errors == []
    page.unroute_all(behavior="ignoreErrors")
    ctx.close()
