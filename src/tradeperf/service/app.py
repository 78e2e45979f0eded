"""The HTTP API: thin routes over `tradeperf.service.runtime.Service` (docs/service.md).

Status codes: 200 done; 401 a write without the right bearer token; 404 an unknown alert;
409 a batch naming a known id with other content (the ids named); 413 a body or batch too
large; 422 an invalid body (each bad row and field named) or query option; 503 the store
cannot be written or read now. Every error body is JSON with ``error`` and ``message``;
no request, however malformed, gets a traceback or stops the server.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from importlib import resources
from pathlib import Path
from typing import Any, Final

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles

from tradeperf.errors import ConfigError, InputError, StoreError, TradeperfError
from tradeperf.service.body import BodyError, parse_rows
from tradeperf.service.metrics import ServiceMetrics
from tradeperf.service.runtime import Service
from tradeperf.service.schemas import batch_schema

__all__ = ["INGEST_PATHS", "create_app"]

#: Ingestion path -> record kind (`tradeperf.tracker.batch.BATCH_KINDS`).
INGEST_PATHS: Final = {
    "fills": "fills",
    "trades": "trades",
    "marks": "marks",
    "funding": "funding",
    "cash-flows": "cash_flows",
}
#: The longest period (days) a query may name: every day of it is a window to compute.
MAX_PERIOD_DAYS: Final = 3700
#: Seconds between two keep-alive comments on an idle stream.
PING_SECONDS: Final = 15.0
_STATIC: Final = Path(str(resources.files("tradeperf.service") / "static"))
_PLOTLY: Final = Path(str(resources.files("tradeperf.reports") / "assets")) / (
    "plotly-cartesian.min.js"
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _json(doc: Any, status: int = 200) -> Response:
    from tradeperf.reports.json_report import dumps

    return Response(dumps(doc), status_code=status, media_type="application/json")


def _error(status: int, error: str, message: str, **more: Any) -> Response:
    return JSONResponse({"error": error, "message": message, **more}, status_code=status)


class _Observe:
    """ASGI middleware: count each request and its duration by route (Prometheus)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
                route = scope.get("route")
                path = getattr(route, "path", None) or "unmatched"
                self.metrics.observe(
                    scope["method"], path, status[0], time.perf_counter() - started
                )
            await send(message)

        await self.app(scope, receive, sending)


def create_app(service: Service) -> FastAPI:
    """Build the FastAPI application of ``service``.

    Parameters
    ----------
    service
        The running service (store, tracker, figures, stream).

    Returns
    -------
    The ASGI application (served by uvicorn: `tradeperf.service.server.serve`).
    """
    app = FastAPI(
        title="tradeperf",
        version="1",
        summary="Trading performance: ingest fills and trades, query figures, watch live.",
        description=(
            "Write endpoints need `Authorization: Bearer TOKEN` (TRADEPERF_API_TOKEN). A batch "
            "is accepted or rejected whole; a retry of a batch is safe (records are "
            "idempotent by id). See docs/service.md."
        ),
    )
    metrics = ServiceMetrics(service)
    app.state.service = service
    app.state.metrics = metrics
    app.add_middleware(_Observe, metrics=metrics)
    token = service.options.token
    limits = service.options.limits

    def authorized(request: Request) -> bool:
        if token is None:
            return True
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(
            value.strip().encode(), token.encode()
        )

    def unauthorized() -> Response:
        return JSONResponse(
            {"error": "unauthorized", "message": "send Authorization: Bearer TOKEN "
             "(the server's TRADEPERF_API_TOKEN)"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )  # fmt: skip

    @app.exception_handler(TradeperfError)
    async def _tradeperf_error(request: Request, exc: TradeperfError) -> Response:
        if isinstance(exc, StoreError):
            return _error(503, "store", str(exc))
        if isinstance(exc, ConfigError | InputError):
            return _error(422, "invalid", str(exc))
        return _error(400, "error", str(exc))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        import logging

        logging.getLogger("tradeperf.service").exception("error answering %s", request.url.path)
        return _error(500, "internal", f"{type(exc).__name__}: the server logged it")

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limits.max_body_bytes:
            raise BodyError(413, f"the body is larger than {limits.max_body_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limits.max_body_bytes:
                raise BodyError(413, f"the body is larger than {limits.max_body_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def ingest_route(path: str, kind: str) -> None:
        async def ingest(request: Request) -> Response:
            from tradeperf.tracker.batch import BatchRejected

            if not authorized(request):
                service.rejected(kind, "unauthorized")
                return unauthorized()
            try:
                body = await read_body(request)
                rows = parse_rows(
                    body, content_type=request.headers.get("content-type", ""), limits=limits
                )
            except BodyError as exc:
                service.rejected(kind, "too_large" if exc.status == 413 else "invalid")
                return JSONResponse(exc.to_json() | {"kind": kind}, status_code=exc.status)
            try:
                durable = request.query_params.get("durable", "").lower() in ("1", "true", "yes")
                doc = await run_in_threadpool(service.ingest, kind, rows, durable=durable)
            except BatchRejected as exc:
                status = 409 if exc.error == "conflict" else 422
                return JSONResponse(exc.to_json(), status_code=status)
            return _json(doc)

        ingest.__name__ = f"post_{kind}"
        app.post(
            f"/v1/{path}",
            summary=f"Record a batch of {path.replace('-', ' ')} (all or nothing)",
            tags=["ingest"],
            responses={
                200: {"description": "Booked and stored: counts and ids"},
                401: {"description": "Missing or wrong bearer token"},
                409: {"description": "A known id with other content (ids named)"},
                413: {"description": "Body or batch too large"},
                422: {"description": "Invalid rows (each row and field named); nothing kept"},
                503: {"description": "The store cannot be written now; retry"},
            },
            openapi_extra={
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": batch_schema(kind)},
                        "application/x-ndjson": {"schema": {"type": "string"}},
                    },
                }
            },
        )(ingest)

    for path, kind in INGEST_PATHS.items():
        ingest_route(path, kind)

    # -- queries ---------------------------------------------------------------------------
    def summary_doc(
        *,
        window: str | None,
        since: str | None,
        at: str | None,
        last: int | None,
        by: str | None,
        tz: str | None,
        day_start: str | None,
        start: str | None,
        end: str | None,
        strategy: list[str] | None,
        symbol: list[str] | None,
        rolling: list[str] | None,
        session: str | None,
        trade_list: bool = False,
    ) -> tuple[Any, Any]:
        from tradeperf import jobs
        from tradeperf.analytics.summary import summarize
        from tradeperf.analytics.window_kinds import WindowKind
        from tradeperf.config import load_config

        config = service.config
        if tz or day_start:
            flags = {"store": config.store, "timezone": tz or config.timezone,
                     "day_start": day_start, "capital": str(config.capital),
                     "currency": config.currency}  # fmt: skip
            if not day_start and config.day_start is not None:
                flags["day_start"] = config.day_start.strftime("%H:%M")
            config = load_config(flags, config_file=service.options.config_file)
        kind = None
        if window is not None:
            try:
                kind = WindowKind(window)
            except ValueError:
                choices = ", ".join(k.value for k in WindowKind)
                raise ConfigError(f"window {window!r}: choose {choices}") from None
        edges = jobs.edge_options(config, since, at, last, by, rolling, session)
        first, final = _date(start, "start"), _date(end, "end")
        if edges.get("since") is not None:
            first = edges["since"].date()
            final = (edges.get("until") or dt.datetime.now(dt.UTC)).date()
        today = dt.datetime.now(dt.UTC).date()
        until = edges.get("until")
        if first and final and (final - first).days > MAX_PERIOD_DAYS:
            raise ConfigError(
                f"a period of {(final - first).days} days: the API answers at most "
                f"{MAX_PERIOD_DAYS} (ask for a shorter one, or run `tradeperf summary`)"
            )
        # every day between a bound and the data is a window: bounds far from today are refused
        for label, day in (("start", first), ("end", final), ("at", until and until.date())):
            if day is not None and not -MAX_PERIOD_DAYS <= (day - today).days <= 1:
                raise ConfigError(
                    f"{label} {day}: the API answers periods of the last {MAX_PERIOD_DAYS} "
                    "days up to tomorrow (run `tradeperf summary` for others)"
                )
        request = jobs.summary_request(
            config,
            windows=() if trade_list else (kind,) if kind else tuple(WindowKind),
            breakdowns=kind is None and not trade_list,
            series=kind is None and not trade_list,
            start=_date(start, "start"),
            end=_date(end, "end"),
            strategies=tuple(strategy or ()),
            symbols=tuple(symbol or ()),
            trade_list=trade_list,
            **edges,
        )
        summary = service.read(
            lambda store: summarize(store, jobs.scoped_request(store, config, request, ()))
        )
        return summary, kind

    @app.get("/v1/summary", tags=["query"], summary="The summary, as `tradeperf summary`")
    def get_summary(
        request: Request,
        window: str | None = Query(None, description="daily, weekly or monthly: one kind"),
        since: str | None = Query(None, description="A duration back (24h, 7d) or an instant"),
        at: str | None = Query(None, description="End of the period (exclusive), ISO 8601"),
        last: int | None = Query(None, ge=1, le=10_000_000, description="Last N closed trades"),
        by: str | None = Query(None, description="Breakdown keys, comma-separated"),
        tz: str | None = Query(None, description="Reporting timezone (IANA)"),
        day_start: str | None = Query(None, description="Local HH:MM the day starts at"),
        start: str | None = Query(None, description="First local day, YYYY-MM-DD"),
        end: str | None = Query(None, description="Last local day, YYYY-MM-DD"),
        strategy: list[str] | None = Query(None),
        symbol: list[str] | None = Query(None),
        rolling: list[str] | None = Query(None, description="FIGURE:WINDOW, e.g. sharpe_ratio:30d"),
        session: str | None = Query(None),
    ) -> Response:
        from tradeperf.reports.json_report import dumps, summary_to_json, windows_to_json

        def compute() -> str:
            summary, kind = summary_doc(
                window=window, since=since, at=at, last=last, by=by, tz=tz, day_start=day_start,
                start=start, end=end, strategy=strategy, symbol=symbol, rolling=rolling,
                session=session,
            )  # fmt: skip
            return dumps(windows_to_json(summary, kind) if kind else summary_to_json(summary))

        return _text(service.cached(_key(request), compute))

    @app.get("/v1/series", tags=["query"], summary="Daily series: equity, P&L, drawdown")
    def get_series(
        since: str | None = None,
        at: str | None = None,
        tz: str | None = None,
        day_start: str | None = None,
        start: str | None = None,
        end: str | None = None,
        strategy: list[str] | None = Query(None),
        symbol: list[str] | None = Query(None),
        rolling: list[str] | None = Query(None, description="FIGURE:WINDOW, e.g. sharpe_ratio:30d"),
    ) -> Response:
        from tradeperf.reports.json_report import summary_to_json

        summary, _ = summary_doc(
            window=None, since=since, at=at, last=None, by=None, tz=tz, day_start=day_start,
            start=start, end=end, strategy=strategy, symbol=symbol, rolling=rolling,
            session=None,
        )  # fmt: skip
        doc = summary_to_json(summary)
        keep = ("timezone", "day_start", "currency", "capital", "series", "rolling")
        return _json({k: doc.get(k) for k in keep})

    @app.get("/v1/trades", tags=["query"], summary="Closed round trips, oldest exit first")
    def get_trades(
        since: str | None = None,
        at: str | None = None,
        last: int = Query(500, ge=1, le=100_000, description="The last N closed trades"),
        strategy: list[str] | None = Query(None),
        symbol: list[str] | None = Query(None),
    ) -> Response:
        summary, _ = summary_doc(
            window=None, since=since, at=at, last=last, by=None, tz=None, day_start=None,
            start=None, end=None, strategy=strategy, symbol=symbol, rolling=None,
            session=None, trade_list=True,
        )  # fmt: skip
        closed = summary.closed
        rows = [] if closed is None else closed.to_pylist()
        return _json({"currency": summary.request.currency, "trades": [_row(r) for r in rows]})

    @app.get("/v1/positions", tags=["query"], summary="Open positions with unrealized P&L")
    def get_positions(request: Request) -> Response:
        from tradeperf.analytics.positions import open_positions, positions_to_json
        from tradeperf.reports.json_report import dumps

        def compute() -> str:
            now = dt.datetime.now(dt.UTC)
            held = service.read(lambda store: open_positions(store))
            return dumps(positions_to_json(held, now))

        return _text(service.cached(_key(request), compute))

    @app.get("/v1/equity", tags=["query"], summary="Equity: daily and the recent snapshots")
    def get_equity(
        resolution: str = Query("minute", pattern="^(minute|hour|day)$"),
    ) -> Response:
        doc = service.figures()
        snapshots = service.snapshots(resolution)
        keep = ("equity", "realized_pnl", "unrealized_pnl", "drawdown", "net_pnl")
        return _json(
            {
                "currency": doc["currency"],
                "daily": doc["equity_curve"],
                "snapshots": [
                    {"at": s.get("bucket"), **{k: s.get(k) for k in keep}} for s in snapshots
                ],
            }
        )

    @app.get("/v1/dashboard", tags=["query"], summary="The dashboard's figures, all at once")
    def get_dashboard() -> Response:
        return _json(service.figures())

    @app.get("/v1/alerts", tags=["alerts"], summary="Alerts: latest occurrence per rule")
    def get_alerts(
        status: str | None = Query(None, pattern="^(firing|acknowledged|silenced|resolved)$"),
    ) -> Response:
        from tradeperf.alerts.state import load_states, state_to_json

        states = service.read(load_states)
        chosen = [s for s in states.values() if status in (None, s.status)]
        chosen.sort(key=lambda s: s.last_seen, reverse=True)
        return _json(
            {"alerts": [json.loads(state_to_json(s)) | {"alert_id": s.alert_id} for s in chosen]}
        )

    @app.post("/v1/alerts/{alert_id}/ack", tags=["alerts"], summary="Acknowledge an alert")
    def post_ack(alert_id: str, request: Request) -> Response:
        from tradeperf.alerts.state import acknowledge_alert, state_to_json

        if not authorized(request):
            return unauthorized()
        now = dt.datetime.now(dt.UTC)
        try:
            state = service.write_store(lambda st: acknowledge_alert(st, alert_id, now=now))
        except InputError as exc:
            return _error(404, "not_found", str(exc))
        return _json(json.loads(state_to_json(state)) | {"alert_id": state.alert_id})

    @app.post(
        "/v1/silences",
        tags=["alerts"],
        summary="Silence the alerts of a rule (pattern) for a while",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _SILENCE_SCHEMA}},
            }
        },
    )
    async def post_silence(request: Request) -> Response:
        if not authorized(request):
            return unauthorized()
        try:
            body = await read_body(request)
            doc = json.loads(body or b"null")
        except BodyError as exc:
            return JSONResponse(exc.to_json(), status_code=exc.status)
        except (ValueError, RecursionError) as exc:
            return _error(422, "invalid", f"malformed JSON: {exc}")
        return await run_in_threadpool(_silence, service, doc)

    @app.get("/v1/silences", tags=["alerts"], summary="The silences in force")
    def get_silences() -> Response:
        now = dt.datetime.now(dt.UTC)
        rows = service.read(lambda store: store.silences(active_at=now))
        return _json({"silences": [_row(dataclasses.asdict(r)) for r in rows]})

    @app.get("/v1/store", tags=["query"], summary="What the store holds")
    def get_store() -> Response:
        info = service.read(lambda store: store.info())
        return _json(_row(dataclasses.asdict(info)))

    # -- live ------------------------------------------------------------------------------
    @app.get(
        "/v1/stream",
        tags=["live"],
        summary="Server-Sent Events: records, dashboard figures and alerts as they happen",
        response_class=StreamingResponse,
    )
    async def stream(request: Request) -> StreamingResponse:
        from tradeperf.reports.json_report import dumps

        sub = service.hub.subscribe()

        async def events() -> AsyncIterator[str]:
            try:
                yield f"event: hello\ndata: {json.dumps({'version': service.version})}\n\n"
                if service.figures_age is not None:
                    yield _sse("dashboard", None, dumps(service.figures(wait=0)))
                while True:
                    try:
                        message = await asyncio.wait_for(sub.queue.get(), PING_SECONDS)
                    except TimeoutError:
                        if await request.is_disconnected():
                            return
                        yield ": ping\n\n"
                        continue
                    if message is None:
                        return
                    yield _sse(message.event, message.id, dumps(message.data))
            finally:
                service.hub.unsubscribe(sub)

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.get("/metrics", tags=["live"], summary="Prometheus metrics", include_in_schema=True)
    def get_metrics() -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", tags=["live"], summary="Liveness: the service answers")
    def healthz() -> Response:
        from tradeperf.store import redact_url

        return _json(
            {"status": "ok", "version": service.version, "store": redact_url(service.config.store),
             "started": service.started.isoformat(), "figures_age_seconds": service.figures_age}
        )  # fmt: skip

    # -- the page --------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def index() -> Response:
        return FileResponse(_STATIC / "index.html", media_type="text/html")

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly() -> Response:
        return FileResponse(_PLOTLY, media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    return app


_SILENCE_SCHEMA: Final = {
    "type": "object",
    "required": ["rule"],
    "additionalProperties": False,
    "properties": {
        "rule": {"type": "string", "description": "A rule or a pattern: win_rate, 'strategy.*'"},
        "for": {"type": "string", "description": "How long: 2h, 1d, 30min", "default": "2h"},
        "reason": {"type": "string", "default": "silenced"},
        "strategy": {"type": ["string", "null"]},
        "symbol": {"type": ["string", "null"]},
    },
}


_SILENCE_FIELDS: Final = ("rule", "for", "reason", "strategy", "symbol")


def _silence(service: Service, doc: Any) -> Response:
    from tradeperf.alerts.state import silence
    from tradeperf.durations import parse_duration

    if not isinstance(doc, dict):
        return _error(422, "invalid", "the body is a JSON object: {rule, for, reason}")
    unknown = sorted(set(doc) - set(_SILENCE_FIELDS))
    if unknown:
        return _error(422, "invalid", f"unknown field(s) {unknown}")
    rule, reason = doc.get("rule"), doc.get("reason", "silenced")
    scope = {k: doc.get(k) for k in ("strategy", "symbol")}
    texts = {"rule": rule, "for": doc.get("for", "2h"), "reason": reason}
    wrong = [k for k, v in texts.items() if not isinstance(v, str) or not v.strip()] + [
        k for k, v in scope.items() if v is not None and not isinstance(v, str)
    ]
    if wrong:
        return _error(422, "invalid", f"field(s) {wrong}: give non-empty text")
    duration = parse_duration(str(texts["for"]))
    now = dt.datetime.now(dt.UTC)
    kept = service.write_store(
        lambda st: silence(st, str(rule), now=now, duration=duration, reason=str(reason),
                           strategy=scope["strategy"], symbol=scope["symbol"])
    )  # fmt: skip
    return _json({"silence": _row(dataclasses.asdict(kept))})


def _key(request: Request) -> tuple[Any, ...]:
    """Return the cache key of a query: its path and parameters."""
    return (request.url.path, tuple(sorted(request.query_params.multi_items())))


def _text(body: str) -> Response:
    return Response(body, media_type="application/json")


def _sse(event: str, id: int | None, text: str) -> str:
    """One Server-Sent Event: a line of data per line of the JSON text (its digits exact)."""
    data = "\n".join(f"data: {line}" for line in text.splitlines())
    head = f"event: {event}\n" + (f"id: {id}\n" if id is not None else "")
    return f"{head}{data}\n\n"


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{name} {value!r}: give a day YYYY-MM-DD") from None
    if not 1970 <= day.year < 2200:
        raise ConfigError(f"{name} {value!r}: give a day between 1970 and 2199")
    return day


def _row(row: dict[str, Any]) -> dict[str, Any]:
    """Return a row with its times as ISO text, nested ones too (the rest as `dumps` has it)."""
    out: dict[str, Any] = _plain(row)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return value
