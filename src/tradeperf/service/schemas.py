"""JSON Schemas of the ingestion bodies, from the records' Arrow schemas (for OpenAPI).

One schema per kind: an array of objects with the kind's canonical fields (the readers'
aliases are accepted too, and documented in docs/inputs.md; an unknown field is refused).
Money and quantities are exact decimals: give them as JSON strings (``"0.1"``) to keep
every digit, or as numbers. Times are ISO 8601 with a zone.
"""

from __future__ import annotations

from typing import Any, Final

import pyarrow as pa

__all__ = ["REQUIRED", "batch_schema", "record_schema"]

#: The fields each kind needs through the API (fills and trades need their id: a retry is
#: recognised by it).
REQUIRED: Final = {
    "fills": ("fill_id", "timestamp", "symbol", "side", "quantity", "price"),
    "trades": ("trade_id", "symbol", "side"),
    "marks": ("timestamp", "symbol", "price"),
    "funding": ("timestamp", "symbol", "amount"),
    "cash_flows": ("timestamp", "amount"),
}
_SIDES: Final = {
    "fills": ["buy", "sell", "BUY", "SELL"],
    "trades": ["long", "short", "LONG", "SHORT", "buy", "sell"],
}


def _field(kind: str, f: pa.Field) -> dict[str, Any]:
    t = f.type
    schema: dict[str, Any]
    if pa.types.is_decimal(t):
        schema = {"type": ["string", "number"], "description": "an exact decimal"}
    elif pa.types.is_timestamp(t):
        schema = {"type": "string", "format": "date-time"}
    elif pa.types.is_floating(t):
        schema = {"type": "number"}
    elif pa.types.is_integer(t):
        schema = {"type": "integer"}
    elif pa.types.is_list(t):
        schema = {"type": "array", "items": {"type": "string"}, "maxItems": 100}
    else:
        schema = {"type": "string", "minLength": 1, "maxLength": 200}
    if f.name == "side" and kind in _SIDES:
        schema = {"type": "string", "enum": _SIDES[kind]}
    if f.name == "status":
        schema = {"type": "string", "enum": ["closed", "open", "cancelled", "failed"]}
    if f.name in ("sentiment_json", "metadata_json"):
        schema = {"type": "string", "description": "JSON text"}
    if f.nullable and f.name not in REQUIRED[kind]:
        schema = {**schema, "type": [*_types(schema), "null"]}
        schema.pop("enum", None)
    return schema


def _types(schema: dict[str, Any]) -> list[str]:
    t = schema["type"]
    return list(t) if isinstance(t, list) else [t]


def record_schema(kind: str) -> dict[str, Any]:
    """Return the JSON Schema of one record of ``kind`` (``fills``, ``cash_flows``...)."""
    from tradeperf.records import RecordKind
    from tradeperf.records.kinds import SCHEMAS

    arrow = SCHEMAS[RecordKind(kind)]
    props = {f.name: _field(kind, f) for f in arrow if f.name not in ("source", "source_line")}
    return {
        "type": "object",
        "required": list(REQUIRED[kind]),
        "properties": props,
        "additionalProperties": False,
    }


def batch_schema(kind: str) -> dict[str, Any]:
    """Return the JSON Schema of a batch of ``kind``: an array of its records.

    Examples
    --------
    >>> s = batch_schema("fills")
    >>> s["type"], s["items"]["required"][:3]
    ('array', ['fill_id', 'timestamp', 'symbol'])
    """
    return {"type": "array", "minItems": 1, "items": record_schema(kind)}
