"""Where alerts go: a JSONL file, the ``logging`` module, a JSON webhook.

Each sink takes one alert event (a JSON-able dict, `event_of`) and either delivers it or
raises; `deliver` hands an event to every sink, retrying nothing itself, and records what
each did (`Delivery`): a failing sink never stops the others, nor the caller.

- `JsonlSink`: appends the event as one line to a file (default
  ``logs/performance-alerts.jsonl``), created with its folder; the line is written whole
  and flushed to disk.
- `LogSink`: one WARNING line (ERROR for a critical alert, INFO for a digest) on the
  ``tradeperf.alerts`` logger, for whatever handlers the host program set up.
- `WebhookSink`: POSTs the event as JSON (httpx) with a timeout; a timeout, a refused
  connection or an answer other than 2xx is retried with exponential backoff, up to
  ``attempts`` tries. The URL's path and query often hold a token: errors and records name
  the scheme and host only.

- `AppriseSink`: chat and e-mail (Slack, Discord, Telegram, ``mailto://``, ...) through an
  Apprise URL; a title and the message, retried like the webhook. Records name the URL's
  scheme and host only.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

#: The file the JSONL sink appends to by default.
DEFAULT_JSONL: Final = Path("logs/performance-alerts.jsonl")
LOGGER: Final = logging.getLogger("tradeperf.alerts")


class Sink(Protocol):
    """Something an alert event can be sent to."""

    @property
    def name(self) -> str:
        """Name the sink for records and errors, without secrets."""
        ...

    def send(self, event: Mapping[str, Any]) -> int:
        """Deliver ``event``; return the attempts it took. Raise `SinkError` on failure."""
        ...


class SinkError(Exception):
    """A sink could not deliver; ``attempts`` says how many tries were made."""

    def __init__(self, message: str, attempts: int = 1) -> None:
        super().__init__(message)
        self.attempts = attempts


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one sink did with one event: delivered (``ok``) after ``attempts``, or ``error``."""

    sink: str
    ok: bool
    attempts: int
    error: str | None = None


def event_of(rule: Mapping[str, Any], *, kind: str = "firing") -> dict[str, Any]:
    """Give the event of an alert: ``{"kind", **rule}`` (a rule of `outcomes_to_json`)."""
    return {"kind": kind, **rule}


@dataclass(frozen=True, slots=True)
class JsonlSink:
    """Append each event as one JSON line to ``path``."""

    path: Path = DEFAULT_JSONL

    @property
    def name(self) -> str:
        """Name the sink by its file."""
        return f"jsonl:{self.path}"

    def send(self, event: Mapping[str, Any]) -> int:
        """Append the event; raise `SinkError` when the file cannot be written."""
        line = json.dumps(event, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise SinkError(f"cannot append to {self.path}: {exc.strerror or exc}") from None
        return 1


@dataclass(frozen=True, slots=True)
class LogSink:
    """Log each event as one line on the ``tradeperf.alerts`` logger."""

    logger: logging.Logger = LOGGER

    @property
    def name(self) -> str:
        """Name the sink by its logger."""
        return f"log:{self.logger.name}"

    def send(self, event: Mapping[str, Any]) -> int:
        """Log the event's message: WARNING, ERROR when it is critical, INFO for a digest."""
        if event.get("kind") == "digest":
            self.logger.info("%s", event.get("message"))
            return 1
        level = logging.ERROR if event.get("severity") == "critical" else logging.WARNING
        self.logger.log(level, "%s alert: %s", event.get("severity") or "", event.get("message"))
        return 1


def _host(url: str) -> str:
    """Give a URL without what may be a secret: ``https://hooks.example.com``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}" + (f":{parts.port}" if parts.port else "")


@dataclass(frozen=True, slots=True)
class WebhookSink:
    """POST each event as JSON to ``url``; retry a failure with exponential backoff.

    Attributes
    ----------
    url : the endpoint (its path and query are never shown).
    timeout : seconds for each attempt (connect and read).
    attempts : tries in all, at least 1.
    backoff : seconds before the second try; doubled before each next one.
    sleep : how to wait between tries (tests pass a recorder).
    """

    url: str
    timeout: float = 5.0
    attempts: int = 3
    backoff: float = 0.5
    sleep: Callable[[float], None] = time.sleep

    @property
    def name(self) -> str:
        """Name the sink by the scheme and host of its URL."""
        return f"webhook:{_host(self.url)}"

    def send(self, event: Mapping[str, Any]) -> int:
        """POST the event; raise `SinkError` naming the last failure after every try failed."""
        import httpx

        body = json.dumps(event, default=str).encode()
        headers = {"content-type": "application/json", "user-agent": "tradeperf-alerts"}

        def once() -> str | None:
            try:
                answer = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout)
            except httpx.TimeoutException:
                return f"timed out after {self.timeout:g} s"
            except httpx.HTTPError as exc:
                return f"{type(exc).__name__}"  # its text can hold the URL
            return None if 200 <= answer.status_code < 300 else f"HTTP {answer.status_code}"

        return _retried(self.name, once, self.attempts, self.backoff, self.sleep)


def title_of(event: Mapping[str, Any]) -> str:
    """Give a notification's title: ``tradeperf: critical alert fired``, ``... daily digest``.

    Examples
    --------
    >>> title_of({"kind": "fired", "severity": "warning"})
    'tradeperf: warning alert fired'
    """
    kind = str(event.get("kind", ""))
    if kind == "digest":
        return f"tradeperf: {'weekly' if event.get('period') == 'week' else 'daily'} digest"
    return f"tradeperf: {event.get('severity', '')} alert {kind}".replace("  ", " ")


@dataclass(frozen=True, slots=True)
class AppriseSink:
    """Send each event to an Apprise URL (``slack://…``, ``tgram://…``, ``mailto://…``).

    The body is the event's message; a critical alert is sent as Apprise's ``failure``
    type, a warning as ``warning``, the rest as ``info``. A failure is retried with
    exponential backoff (``attempts``, ``backoff``, as `WebhookSink`).
    """

    url: str
    attempts: int = 3
    backoff: float = 0.5
    sleep: Callable[[float], None] = time.sleep

    @property
    def name(self) -> str:
        """Name the sink by the scheme and host of its URL."""
        return f"apprise:{_host(self.url)}"

    def send(self, event: Mapping[str, Any]) -> int:
        """Notify; raise `SinkError` when Apprise refuses the URL or every try failed."""
        import apprise

        notifier = apprise.Apprise()
        if not notifier.add(self.url):
            raise SinkError(f"{self.name}: not a URL Apprise knows")
        severity = event.get("severity")
        kind = (
            apprise.NotifyType.FAILURE
            if severity == "critical"
            else apprise.NotifyType.WARNING
            if severity == "warning"
            else apprise.NotifyType.INFO
        )
        body = str(event.get("message") or "")

        def once() -> str | None:
            sent = notifier.notify(body=body, title=title_of(event), notify_type=kind)
            return None if sent else "not delivered"

        return _retried(self.name, once, self.attempts, self.backoff, self.sleep)


def _retried(
    name: str,
    once: Callable[[], str | None],
    attempts: int,
    backoff: float,
    sleep: Callable[[float], None],
) -> int:
    """Try ``once`` (None: delivered, else the failure) up to ``attempts`` times.

    Waits ``backoff`` seconds before the second try and twice as long before each next;
    gives the tries it took, or raises `SinkError` with the last failure.
    """
    tries = max(1, attempts)
    last = ""
    for attempt in range(1, tries + 1):
        failure = once()
        if failure is None:
            return attempt
        last = failure
        if attempt < tries:
            sleep(backoff * 2 ** (attempt - 1))
    raise SinkError(f"{name}: {last} ({tries} tries)", tries)


def deliver(event: Mapping[str, Any], sinks: Sequence[Sink]) -> list[Delivery]:
    """Send ``event`` to every sink; give what each did. Never raises for a sink's failure.

    A failure is logged on the ``tradeperf.alerts`` logger (without secrets) and recorded.

    Examples
    --------
    >>> class Broken:
    ...     name = "broken"
    ...     def send(self, event):
    ...         raise SinkError("down")
    >>> deliver({"message": "x"}, [Broken()])
    [Delivery(sink='broken', ok=False, attempts=1, error='down')]
    """
    out = []
    for sink in sinks:
        try:
            attempts = sink.send(event)
        except SinkError as exc:
            LOGGER.error("alert not delivered to %s: %s", sink.name, exc)
            out.append(Delivery(sink.name, False, exc.attempts, str(exc)))
        except Exception as exc:  # a sink's own bug must not stop the others
            LOGGER.exception("alert sink %s failed", sink.name)
            out.append(Delivery(sink.name, False, 1, f"{type(exc).__name__}: {exc}"))
        else:
            out.append(Delivery(sink.name, True, attempts))
    return out
