"""A pool created through the API without a base job template gets its type's default
(`prefect.workers.templates`), on both backends; a given template, or a type without
a default, is kept as sent."""

from __future__ import annotations

import httpx
import pytest
from prefect.workers.templates import default_base_job_template

from tests.server.test_api_work_pools import TEMPLATE


@pytest.mark.parametrize("pool_type", ["process", "docker", "kubernetes"])
async def test_a_pool_without_a_template_gets_its_types_default(
    api: httpx.AsyncClient, pool_type: str
) -> None:
    created = await api.post("/work_pools/", json={"name": "p", "type": pool_type})
    assert created.status_code == 201, created.text
    expected = default_base_job_template(pool_type)
    assert created.json()["base_job_template"] == expected
    assert (await api.get("/work_pools/p")).json()["base_job_template"] == expected


async def test_a_given_template_and_other_types_are_kept(api: httpx.AsyncClient) -> None:
    given = await api.post(
        "/work_pools/", json={"name": "g", "type": "process", "base_job_template": TEMPLATE}
    )
    assert given.status_code == 201 and given.json()["base_job_template"] == TEMPLATE
    custom = await api.post("/work_pools/", json={"name": "c", "type": "my-infra"})
    assert custom.status_code == 201 and custom.json()["base_job_template"] == {}
    # an update may still empty a template on purpose
    cleared = await api.patch("/work_pools/g", json={"base_job_template": {}})
    assert cleared.status_code == 204
    assert (await api.get("/work_pools/g")).json()["base_job_template"] == {}
