"""The `/paginate` routes: a page of a filter request, with the total it was cut from."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

RequestT = TypeVar("RequestT", bound=BaseModel)


def page_request(body: Any, request_type: type[RequestT]) -> RequestT:
    """The `/filter` request (filters, sort, limit and offset) for `body.page`."""
    data = body.model_dump(exclude={"page", "offset"}, exclude_unset=False)
    data["offset"] = (body.page - 1) * body.limit
    return request_type.model_validate(data)


def page_count(count: int, limit: int) -> int:
    return -(-count // limit)
