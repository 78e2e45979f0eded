"""The HTTP API on a real uvicorn server: auth, all-or-nothing batches, idempotency, queries."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import LiveService, start_service
from tradeperf.config import load_config
from tradeperf.store import open_store

T0 = "2026-01-05T10:00:00Z"


def fill(fid: str, side: str, qty: str, price: str, ts: str, **more: str) -> dict[str, str]:
    return {"fill_id": fid, "symbol": "BTC-USD", "side": side, "quantity": qty, "price": price,
            "fee": "1.5", "timestamp": ts, "strategy": "mm", **more}  # fmt: skip


ROUND_TRIP = [
    fill("f1", "buy", "0.5", "60000", "2026-01-05T10:00:00Z"),
    fill("f2", "sell", "0.5", "61000.25", "2026-01-05T11:00:00Z"),
]


def test_write_needs_the_token(live_service: LiveService) -> None:
    no = httpx.post(f"{live_service.url}/v1/fills", json=ROUND_TRIP, timeout=10)
    wrong = httpx.post(f"{live_service.url}/v1/fills", json=ROUND_TRIP, timeout=10,
                       headers={"Authorization": "Bearer nope"})  # fmt: skip
    assert no.status_code == 401
    assert wrong.status_code == 401
    assert no.headers["www-authenticate"] == "Bearer"
    assert live_service.get("/v1/summary").json()["overall"]["trades"] == 0


def test_batch_booked_and_summarised_exactly(live_service: LiveService) -> None:
    r = live_service.post("fills", ROUND_TRIP)
    assert r.status_code == 200, r.text
    assert r.json() | {"version": 0} == {
        "kind": "fills",
        "received": 2,
        "accepted": 2,
        "repeated": 0,
        "ids": ["f1", "f2"],
        "version": 0,
    }
    summary = json.loads(live_service.get("/v1/summary").text, parse_float=Decimal)
    # (61000.25 − 60000) × 0.5 = 500.125 gross, fees 3.0
    assert summary["overall"]["trades"] == 1
    assert summary["overall"]["net_pnl"] == Decimal("497.125")
    assert summary["overall"]["fees"] == 3
    trades = live_service.get("/v1/trades").json()["trades"]
    assert [t["symbol"] for t in trades] == ["BTC-USD"]


def test_retry_is_idempotent_and_conflict_is_409(live_service: LiveService) -> None:
    assert live_service.post("fills", ROUND_TRIP).status_code == 200
    again = live_service.post("fills", ROUND_TRIP)
    assert again.status_code == 200
    assert again.json()["accepted"] == 0
    assert again.json()["repeated"] == 2
    changed = [
        ROUND_TRIP[0] | {"price": "60001"},
        fill("f3", "buy", "1", "1", "2026-01-06T00:00:00Z"),
    ]
    r = live_service.post("fills", changed)
    assert r.status_code == 409
    assert r.json()["ids"] == ["f1"]
    assert r.json()["kept"] == 0
    summary = live_service.get("/v1/summary").json()
    assert summary["overall"]["trades"] == 1  # f3 of the refused batch was not kept
    assert live_service.get("/v1/positions").json()["positions"] == []


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b'[{"fill_id": ', 422, None),  # malformed JSON
        (b"[" * 5000 + b"]" * 5000, 422, None),  # nesting beyond the bound
        (json.dumps([fill("g1", "buy", "x", "1", T0)]).encode(), 422, "quantity"),  # wrong type
        (
            json.dumps([fill("g1", "buy", "1", "1", "2026-01-05T10:00:00")]).encode(),
            422,
            "timestamp",
        ),  # a naive timestamp
        (
            json.dumps([fill("g1", "buy", "1", "1", T0) | {"colour": "red"}]).encode(),
            422,
            "colour",
        ),  # an unknown field
        (
            json.dumps(
                [{k: v for k, v in fill("g1", "buy", "1", "1", T0).items() if k != "fill_id"}]
            ).encode(),
            422,
            "fill_id",
        ),  # no id: no safe retry
        (json.dumps({"fill_id": "g1"}).encode(), 422, None),  # not an array
        (b'["\x00"]', 422, None),
    ],
)
def test_bad_bodies_are_refused_whole(
    live_service: LiveService, body: bytes, status: int, field: str | None
) -> None:
    good = json.dumps(fill("ok", "buy", "1", "2", T0))
    payload = body
    if body.startswith(b'[{"fill_id": "g1"') or body.startswith(b'[{"symbol"'):
        payload = body[:-1] + b", " + good.encode() + b"]"  # a good row beside the bad one
    r = httpx.post(f"{live_service.url}/v1/fills", content=payload, timeout=30,
                   headers={"Authorization": f"Bearer {live_service.token}",
                            "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == status, r.text
    doc = r.json()
    assert doc["kept"] == 0
    if field is not None:
        assert doc["problems"][0]["field"] == field
        assert doc["problems"][0]["index"] == 0
    assert live_service.get("/v1/store").json()["counts"].get("fills", 0) == 0
    assert live_service.get("/healthz").status_code == 200


def test_ndjson_and_limits(tmp_path: Path) -> None:
    service = start_service(tmp_path, extra=["--max-batch", "3", "--max-body", "4096"])
    try:
        lines = "\n".join(json.dumps(r) for r in ROUND_TRIP) + "\n"
        r = httpx.post(f"{service.url}/v1/fills?durable=1", content=lines.encode(), timeout=30,
                       headers={"Authorization": f"Bearer {service.token}",
                                "Content-Type": "application/x-ndjson"})  # fmt: skip
        assert r.status_code == 200, r.text
        many = [fill(f"m{i}", "buy", "1", "1", f"2026-02-01T00:00:0{i}Z") for i in range(4)]
        assert service.post("fills", many).status_code == 413
        huge = httpx.post(f"{service.url}/v1/fills", content=b" " * 10_000, timeout=30,
                          headers={"Authorization": f"Bearer {service.token}"})  # fmt: skip
        assert huge.status_code == 413
        assert service.get("/v1/summary").json()["overall"]["trades"] == 1
    finally:
        assert service.stop() == 0


def test_figures_survive_a_restart(tmp_path: Path) -> None:
    first = start_service(tmp_path)
    assert first.post("fills", ROUND_TRIP).status_code == 200
    assert (
        first.post(
            "fills", [fill("f3", "buy", "0.25", "62000", "2026-01-05T12:00:00Z")]
        ).status_code
        == 200
    )
    assert (
        first.post(
            "marks", [{"symbol": "BTC-USD", "price": "62100", "timestamp": "2026-01-05T12:30:00Z"}]
        ).status_code
        == 200
    )
    before = first.get("/v1/summary").json()["overall"]
    assert first.stop() == 0
    assert not Path(str(tmp_path / "service.duckdb.service.json")).exists()
    # between the runs the store is a plain file the CLI reads
    config = load_config({"store": first.store})
    with open_store(config.store) as st:
        assert st.info().counts["fills"] == 3
    second = start_service(tmp_path)
    try:
        assert second.get("/v1/summary").json()["overall"] == before
        assert second.post("fills", ROUND_TRIP).json()["repeated"] == 2  # known after restart
        positions = second.get("/v1/positions").json()["positions"]
        assert [(p["symbol"], p["quantity"]) for p in positions] == [("BTC-USD", 0.25)]
        assert positions[0]["unrealized_pnl"] == 25  # (62100 − 62000) × 0.25
    finally:
        assert second.stop() == 0
