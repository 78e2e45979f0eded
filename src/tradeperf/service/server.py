"""Run the service: uvicorn on the app, the holder file beside the store, a clean stop.

``tradeperf serve`` calls `serve`. SIGINT or SIGTERM ends the streams at once (the hub is
closed), lets uvicorn finish the requests under way (3 s at most), flushes the tracker and
closes the store; the holder file goes with it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Final

from tradeperf.config import Config
from tradeperf.errors import ConfigError
from tradeperf.service.runtime import Service, ServiceOptions

__all__ = ["TOKEN_ENV", "check_exposure", "serve"]

#: The environment variable that holds the write endpoints' bearer token.
TOKEN_ENV: Final = "TRADEPERF_API_TOKEN"


def check_exposure(host: str, token: str | None, *, insecure_no_token: bool) -> None:
    """Refuse to serve write endpoints without a token, except on loopback when told so.

    Raises
    ------
    ConfigError
        Without a token unless ``insecure_no_token`` and ``host`` is a loopback address.
    """
    if token:
        if len(token) < 16:
            raise ConfigError(f"{TOKEN_ENV}: use a token of at least 16 characters")
        return
    if not insecure_no_token:
        raise ConfigError(
            f"set {TOKEN_ENV} (a random secret: the bearer token of the write endpoints), or "
            "run with --insecure-no-token on a loopback host"
        )
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConfigError(f"--insecure-no-token is only for a loopback host, not {host!r}")


def serve(
    config: Config,
    options: ServiceOptions,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    demo: bool = False,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the API and the dashboard until SIGINT or SIGTERM.

    ``demo`` replays the sample's generator into the service (`tradeperf.service.demo`);
    ``on_ready`` is called with the base URL once the store is open.

    Raises
    ------
    StoreError
        If the store cannot be opened (held by another process).
    ConfigError
        If the port is taken, or for a bad setting.
    """
    import uvicorn

    from tradeperf.service.app import create_app
    from tradeperf.store.duckdb_store import duckdb_path
    from tradeperf.store.holder import release, write_holder

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    service = Service(config, options)
    store_file = None
    if config.store.startswith("duckdb://") or "://" not in config.store:
        path = duckdb_path(config.store)
        store_file = None if path == ":memory:" else path
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}"
    player = None
    try:
        app = create_app(service)
        settings = uvicorn.Config(
            app, host=host, port=port, log_level=os.environ.get("TRADEPERF_LOG_LEVEL", "warning"),
            timeout_graceful_shutdown=3, access_log=False, lifespan="off",
        )  # fmt: skip

        class _Server(uvicorn.Server):
            def handle_exit(self, sig: int, frame: FrameType | None) -> None:
                service.hub.close()  # the streams end now, not at the grace period's end
                super().handle_exit(sig, frame)

            @contextlib.contextmanager
            def capture_signals(self) -> Iterator[None]:
                # uvicorn raises the signal again once it stopped, which would end the
                # process before the store is flushed and closed: a signal is how a
                # service is told to stop, and it stops cleanly (exit 0)
                with super().capture_signals():
                    yield
                    self._captured_signals.clear()

        server = _Server(settings)
        if store_file is not None:
            write_holder(store_file, url, service.started.isoformat())
        if demo:
            from tradeperf.service.demo import DemoPlayer

            player = DemoPlayer(service)
            player.start()
        if on_ready is not None:
            on_ready(url)
        server.run()
    finally:
        if player is not None:
            player.stop()
        try:
            service.close()
        finally:
            if store_file is not None:
                release(store_file)
