"""Loading the shipped JSON Schemas and validating documents against them."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

from tradeperf.errors import ConfigError

if TYPE_CHECKING:
    from referencing import Registry

#: Schema names a user can print with ``tradeperf schema NAME``.
SCHEMA_NAMES: Final = ("summary", "window", "figures", "markouts")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Return the JSON Schema called ``name`` (one of `SCHEMA_NAMES`).

    Parameters
    ----------
    name
        The name of the schema: one of `SCHEMA_NAMES` (``summary``, ``window``, ``figures``).

    Raises
    ------
    ConfigError
        If there is no schema of that name.
    """
    if name not in SCHEMA_NAMES:
        raise ConfigError(f"no schema {name!r}; choose one of {', '.join(SCHEMA_NAMES)}")
    text = resources.files("tradeperf.reports.schemas").joinpath(f"{name}.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _registry() -> Registry:
    from referencing import Registry, Resource  # imported when used: not at start-up

    resources_ = []
    for name in SCHEMA_NAMES:
        schema = load_schema(name)
        resource = Resource.from_contents(schema)
        resources_.append((schema["$id"], resource))
        resources_.append((f"{name}.schema.json", resource))
    return Registry().with_resources(resources_)


def validate(document: dict[str, Any], name: str) -> None:
    """Validate ``document`` against schema ``name``.

    Raises
    ------
    jsonschema.ValidationError
        If the document does not conform (a bug in tradeperf, never a user's error).
    """
    _validator(name).validate(document)


@cache
def _validator(name: str) -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(load_schema(name), registry=_registry())
