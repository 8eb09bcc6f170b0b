import httpx
import prefect


async def test_health_and_versions(api) -> None:
    assert (await api.get("/health")).json() is True
    assert (await api.get("/version")).json() == "0.8.4"
    assert (await api.get("/admin/version")).json() == prefect.PREFECT_COMPATIBLE_VERSION
    assert prefect.PREFECT_COMPATIBLE_VERSION.startswith("3.")


async def test_ready_when_the_store_answers(api) -> None:
    response = await api.get("/ready")
    assert response.status_code == 200 and response.json() == {"message": "OK"}


async def test_not_ready_when_the_store_is_unreachable() -> None:
    import httpx
    from prefect_server.app import build_app
    from prefect_server.database.engine import Database

    # a PostgreSQL URL on a port nothing listens on: connecting fails at once
    db = Database("postgresql+asyncpg://nobody@127.0.0.1:9/none", timeout=2)
    try:
        transport = httpx.ASGITransport(app=build_app(db))
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api") as client:
            response = await client.get("/ready")
    finally:
        await db.dispose()
    assert response.status_code == 503
    assert response.json()["message"] == "Database is not available"
    assert response.json()["detail"]


ROUTES = [
    ("get", "/api/flows/name/{name}"),
    ("patch", "/api/flows/{id}"),
    ("delete", "/api/flows/{id}"),
    ("post", "/api/flows/paginate"),
    ("post", "/api/flow_runs/paginate"),
    ("post", "/api/flow_runs/history"),
    ("post", "/api/flow_runs/bulk_delete"),
    ("get", "/api/flow_runs/{id}/graph"),
    ("patch", "/api/flow_runs/{id}/labels"),
    ("patch", "/api/task_runs/{id}"),
    ("delete", "/api/task_runs/{id}"),
    ("post", "/api/task_runs/paginate"),
    ("get", "/api/task_run_states/{id}"),
    ("get", "/api/ready"),
    ("post", "/api/flow_runs/"),
    ("post", "/api/task_runs/report"),
    ("post", "/api/logs/"),
]


async def test_openapi_describes_every_route(api) -> None:
    response = await api.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    missing = [(m, p) for m, p in ROUTES if m not in paths.get(p, {})]
    assert missing == []
    # and nothing the app serves is left out of it
    app_routes = {(m.lower(), r.path) for r in _api_routes() for m in r.methods - {"HEAD"}}
    described = {(m, p) for p, ops in paths.items() for m in ops}
    assert app_routes - described == set()


def _api_routes() -> list:
    from fastapi.routing import APIRoute
    from prefect_server.app import build_app

    return [r for r in build_app().routes if isinstance(r, APIRoute)]


async def test_the_openapi_document_resolves_every_reference(api: httpx.AsyncClient) -> None:
    import json
    import re

    document = (await api.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    refs = set(re.findall(r"#/components/schemas/([\w.-]+)", json.dumps(document)))
    assert refs - set(schemas) == set()
    # the bulk routes read their bodies themselves; their items are described all the same
    assert {"LogCreate", "TaskRunReport"} <= set(schemas)
