"""Bodies of the bulk routes (task-run reports, logs), validated straight from JSON bytes.

These routes carry every task run and log line of a flow; parsing the bytes in one
pydantic-core call costs about half of FastAPI's decode-then-validate path per item.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, TypeAdapter, ValidationError


def bulk_body(model: type[BaseModel]) -> Callable[[Request], Awaitable[list[Any]]]:
    """A dependency giving the request's JSON list of `model`, or a 422 naming the bad item."""
    adapter: TypeAdapter[list[Any]] = TypeAdapter(list[model])  # type: ignore[valid-type]

    async def parse(request: Request) -> list[Any]:
        try:
            return adapter.validate_json(await request.body())
        except ValidationError as exc:
            # without the input: a body that is not UTF-8 could not be put in the answer
            found = exc.errors(include_url=False, include_input=False)
            errors = [{**e, "loc": ("body", *e["loc"])} for e in found]
            raise RequestValidationError(errors) from None

    return parse


# the item models of bulk bodies: FastAPI does not see them, so `add_bulk_schemas` does
BULK_MODELS: list[type[BaseModel]] = []


def bulk_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` describing the list body that `bulk_body` reads."""
    BULK_MODELS.append(model)
    schema = {"type": "array", "items": {"$ref": f"#/components/schemas/{model.__name__}"}}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def add_bulk_schemas(openapi: dict[str, Any]) -> dict[str, Any]:
    """Put the bulk item models (and the models they use) into `openapi`'s components."""
    components = openapi.setdefault("components", {}).setdefault("schemas", {})
    for model in BULK_MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components.setdefault(model.__name__, schema)
    return openapi
