"""open_embedded_app and create_app's lifespan open the same store the same way."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import httpx
from prefect_server.app import create_app
from prefect_server.embedded import open_embedded_app


async def test_default_store_is_in_prefect_home(prefect_home: Path) -> None:
    async with open_embedded_app() as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api") as client:
            assert (await client.post("/flows/", json={"name": "f"})).status_code == 201
    assert (prefect_home / "prefect.db").exists()


async def test_entry_point_names_the_embedded_store() -> None:
    [ep] = entry_points(group="prefect.embedded_store", name="default")
    assert ep.load() is open_embedded_app


async def test_create_app_lifespan(database_url: str) -> None:
    app = create_app(database_url=database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api") as client:
            assert (await client.get("/health")).json() is True
            assert (await client.post("/flows/", json={"name": "f"})).status_code == 201
    assert app.state.database is None


async def test_create_app_reads_settings(prefect_home: Path, monkeypatch) -> None:
    url = f"sqlite+aiosqlite:///{prefect_home / 'other.db'}"
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", url)
    from prefect.settings import get_current_settings

    app = create_app(get_current_settings())
    async with app.router.lifespan_context(app):
        pass
    assert (prefect_home / "other.db").exists()
