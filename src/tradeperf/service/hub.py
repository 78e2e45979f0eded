"""The stream's hub: what happened, pushed to every open ``/v1/stream`` as it happens.

Publishers are threads (a request's worker, the tracker's flusher, the figures' refresher);
subscribers are the stream responses on the server's event loop. Each subscriber has a
bounded queue: a client too slow to keep up loses its oldest events (a later ``dashboard``
event carries the whole state again), never the server's memory.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["QUEUE_SIZE", "Hub", "Message", "Subscription"]

#: Events kept waiting per subscriber before the oldest are dropped.
QUEUE_SIZE: Final = 256


@dataclass(frozen=True, slots=True)
class Message:
    """One event of the stream: its name (``records``, ``dashboard``, ``alert``), id and data."""

    event: str
    id: int
    data: dict[str, Any]


@dataclass(eq=False)
class Subscription:
    """A subscriber's queue on its event loop (`Hub.subscribe`)."""

    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Message | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    dropped: int = 0

    def offer(self, message: Message | None) -> None:
        """Put ``message`` in the queue, dropping the oldest when it is full (loop thread)."""
        while self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(message)


class Hub:
    """Fan-out of events from any thread to the subscribers on their event loops.

    Examples
    --------
    >>> async def demo():
    ...     hub = Hub()
    ...     sub = hub.subscribe()
    ...     hub.publish("records", {"accepted": 2})
    ...     message = await sub.queue.get()
    ...     hub.unsubscribe(sub)
    ...     return message.event, message.data, hub.clients
    >>> import threading  # a loop of its own (the caller's thread may run one)
    >>> got = []
    >>> worker = threading.Thread(target=lambda: got.append(asyncio.run(demo())))
    >>> worker.start(); worker.join()
    >>> got[0]
    ('records', {'accepted': 2}, 0)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: set[Subscription] = set()
        self._ids = itertools.count(1)
        self._closed = False

    @property
    def clients(self) -> int:
        """How many streams are open."""
        return len(self._subs)

    def subscribe(self) -> Subscription:
        """Open a subscription on the running event loop."""
        sub = Subscription(asyncio.get_running_loop())
        with self._lock:
            if self._closed:
                sub.offer(None)
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Close ``sub`` (its stream ended)."""
        with self._lock:
            self._subs.discard(sub)

    def publish(self, event: str, data: dict[str, Any]) -> None:
        """Push an event to every subscriber (from any thread)."""
        message = Message(event, next(self._ids), data)
        self._send(message)

    def _send(self, message: Message | None) -> None:
        with self._lock:
            subs = tuple(self._subs)
        for sub in subs:
            if sub.loop.is_closed():
                continue
            if _on_loop(sub.loop):
                sub.offer(message)
            else:
                sub.loop.call_soon_threadsafe(sub.offer, message)

    def close(self) -> None:
        """End every stream (the server stops): each subscriber receives None."""
        with self._lock:
            self._closed = True
        self._send(None)


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
