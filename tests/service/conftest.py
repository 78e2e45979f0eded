"""A real `tradeperf serve` (uvicorn) on a free loopback port, over a fresh DuckDB store."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

TOKEN = "test-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveService:
    """A running service: its URL, token, store, process and log."""

    url: str
    token: str
    store: str
    process: subprocess.Popen[bytes]
    log: Path
    args: list[str] = field(default_factory=list)

    def post(self, kind: str, rows: Any, *, durable: bool = True, **kwargs: Any) -> httpx.Response:
        """POST a batch; ``durable``: answered once it is in the store (read-your-writes)."""
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        params = {"durable": "true"} if durable else {}
        return httpx.post(f"{self.url}/v1/{kind}", json=rows, headers=headers, timeout=30,
                          params=params, **kwargs)  # fmt: skip

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", timeout=30, **kwargs)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                spy = shutil.which("py-spy")
                if spy:  # where it hangs, for the failure's message
                    dump = subprocess.run([spy, "dump", "--pid", str(self.process.pid)],
                                          capture_output=True, text=True, timeout=60)  # fmt: skip
                    with self.log.open("a") as f:
                        f.write(dump.stdout)
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)


def start_service(
    tmp: Path,
    *,
    store: str | None = None,
    extra: list[str] | None = None,
    env: dict[str, str] | None = None,
    token: str | None = TOKEN,
) -> LiveService:
    """Start ``tradeperf serve`` and wait until /healthz answers (the test fails otherwise)."""
    port = free_port()
    store = store or f"duckdb://{tmp / 'service.duckdb'}"
    args = [sys.executable, "-m", "tradeperf", "serve", "--store", store, "--port", str(port),
            "--tz", "UTC", "--capital", "10000", "--currency", "USD", *(extra or [])]  # fmt: skip
    environ = {**os.environ, **(env or {})}
    environ.pop("TRADEPERF_API_TOKEN", None)
    if token is not None:
        environ["TRADEPERF_API_TOKEN"] = token
    log = tmp / f"serve-{port}.log"
    process = subprocess.Popen(
        args, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=environ, cwd=tmp
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited {process.returncode}: {log.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return LiveService(url, token or "", store, process, log, args)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"serve did not answer in 60 s: {log.read_text()}")


@pytest.fixture
def live_service(tmp_path: Path) -> Iterator[LiveService]:
    """A service over a fresh store, stopped (SIGTERM) after the test."""
    service = start_service(tmp_path)
    yield service
    code = service.stop()
    assert code == 0, service.log.read_text()
