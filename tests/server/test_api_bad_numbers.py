"""Inputs found by fuzzing: huge numbers and non-UTF-8 bodies are 4xx, never 500."""

from __future__ import annotations

import httpx


async def test_a_huge_offset_is_a_422(api: httpx.AsyncClient) -> None:
    body = {"offset": 1686306909489211825396383744, "limit": 25}
    for path in ("/block_types/filter", "/flows/filter", "/flow_runs/filter"):
        response = await api.post(path, json=body)
        assert 400 <= response.status_code < 500, (path, response.text)


async def test_a_huge_time_interval_is_a_422(api: httpx.AsyncClient) -> None:
    body = {"time_interval": 1620969732109887.0, "time_unit": "second", "filter": {}}
    response = await api.post("/events/count-by/time", json=body)
    assert 400 <= response.status_code < 500, response.text


async def test_a_body_that_is_not_utf8_is_a_422(api: httpx.AsyncClient) -> None:
    for path in ("/task_runs/report", "/logs/"):
        response = await api.post(
            path, content=b"\xa4PDI", headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, (path, response.text)
