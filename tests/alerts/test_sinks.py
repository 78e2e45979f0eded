"""Alert sinks against real things: a local HTTP server that answers 200, one that answers 500,
one that times out, a port nobody listens on; a JSONL file; the logging module. A failing sink
never stops the others, and no error shows the webhook's token."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tradeperf.alerts.sinks import JsonlSink, LogSink, WebhookSink, deliver, event_of

EVENT = event_of(
    {"rule": "win_rate", "severity": "critical", "value": 0.3, "threshold": "0.55",
     "message": "win_rate: win_rate 0.3 < 0.55 over the last 20 trades"}
)  # fmt: skip


class _Server:
    """A local HTTP server answering ``status`` (after ``delay`` seconds), keeping the bodies."""

    def __init__(self, status: int, delay: float = 0.0) -> None:
        received: list[bytes] = []
        self.received = received
        self.status = status  # may be changed while it runs
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received.append(self.rfile.read(int(self.headers["content-length"])))
                time.sleep(delay)
                self.send_response(outer.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/hook/SECRET-TOKEN?key=SECRET2"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[_Server]:
    s = _Server(*request.param)
    yield s
    s.close()


@pytest.mark.parametrize("server", [(200,)], indirect=True)
def test_a_webhook_that_answers_200_gets_the_event_once(server: _Server) -> None:
    (d,) = deliver(EVENT, [WebhookSink(server.url)])
    assert (d.ok, d.attempts, d.error) == (True, 1, None)
    assert [json.loads(b) for b in server.received] == [EVENT]
    assert "SECRET" not in d.sink


@pytest.mark.parametrize("server", [(500,)], indirect=True)
def test_a_webhook_answering_500_is_retried_with_backoff_then_recorded(server: _Server) -> None:
    waits: list[float] = []
    sink = WebhookSink(server.url, attempts=3, backoff=0.25, sleep=waits.append)
    (d,) = deliver(EVENT, [sink])
    assert (d.ok, d.attempts) == (False, 3)
    assert d.error is not None
    assert "HTTP 500" in d.error
    assert waits == [0.25, 0.5]  # exponential
    assert len(server.received) == 3
    assert "SECRET" not in d.error


@pytest.mark.parametrize("server", [(200, 2.0)], indirect=True)
def test_a_webhook_that_times_out_is_recorded_and_stops_nothing(
    server: _Server, tmp_path: Path
) -> None:
    slow = WebhookSink(server.url, timeout=0.3, attempts=2, backoff=0, sleep=lambda s: None)
    jsonl = JsonlSink(tmp_path / "logs" / "performance-alerts.jsonl")
    start = time.perf_counter()
    first, second = deliver(EVENT, [slow, jsonl])
    assert time.perf_counter() - start < 1.9  # two tries of 0.3 s, not the server's 2 s each
    assert (first.ok, first.attempts) == (False, 2)
    assert first.error is not None
    assert "timed out after 0.3 s" in first.error
    assert second.ok  # the next sink still delivered
    assert [json.loads(x) for x in jsonl.path.read_text().splitlines()] == [EVENT]


def test_a_refused_connection_and_an_unwritable_file_are_recorded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    refused = WebhookSink(f"http://127.0.0.1:{port}/x?token=SECRET", attempts=2, backoff=0,
                          sleep=lambda s: None)  # fmt: skip
    (tmp_path / "blocked").write_text("a file where the folder should be")
    unwritable = JsonlSink(tmp_path / "blocked" / "alerts.jsonl")
    log = LogSink()
    with caplog.at_level(logging.WARNING, logger="tradeperf.alerts"):
        a, b, c = deliver(EVENT, [refused, unwritable, log])
    assert (a.ok, a.attempts, b.ok, c.ok) == (False, 2, False, True)
    assert a.error is not None
    assert "ConnectError" in a.error
    assert b.error is not None
    assert "cannot append" in b.error
    assert "SECRET" not in caplog.text
    critical = [r for r in caplog.records if r.getMessage().startswith("critical alert")]
    assert len(critical) == 1
    assert critical[0].levelno == logging.ERROR


def test_jsonl_appends_one_whole_line_per_event(tmp_path: Path) -> None:
    sink = JsonlSink(tmp_path / "a.jsonl")
    for i in range(3):
        assert deliver({**EVENT, "n": i, "note": "line\nbreak"}, [sink])[0].ok
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["n"] for x in lines] == [0, 1, 2]


def _apprise_url(server: _Server) -> str:
    return f"json://127.0.0.1:{server.httpd.server_port}/hook/SECRET-TOKEN"


@pytest.mark.parametrize("server", [(200,)], indirect=True)
def test_an_apprise_url_gets_the_title_and_message(server: _Server) -> None:
    from tradeperf.alerts.sinks import AppriseSink

    sink = AppriseSink(_apprise_url(server))
    (d,) = deliver(EVENT | {"kind": "fired"}, [sink])
    assert (d.ok, d.attempts) == (True, 1), d.error
    (body,) = [json.loads(b) for b in server.received]
    assert body["title"] == "tradeperf: critical alert fired"
    assert body["message"] == EVENT["message"]
    assert body["type"] == "failure"  # Apprise's type of a critical alert
    assert d.sink == f"apprise:json://127.0.0.1:{server.httpd.server_port}"


@pytest.mark.parametrize("server", [(500,)], indirect=True)
def test_an_apprise_url_that_fails_is_retried_then_recorded_without_its_secret(
    server: _Server,
) -> None:
    from tradeperf.alerts.sinks import AppriseSink

    waits: list[float] = []
    sink = AppriseSink(_apprise_url(server), attempts=2, backoff=0.1, sleep=waits.append)
    (d,) = deliver(EVENT, [sink])
    assert (d.ok, d.attempts) == (False, 2)
    assert len(server.received) == 2
    assert waits == [0.1]
    assert "SECRET" not in (d.error or "") + d.sink
