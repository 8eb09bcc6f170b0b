import prefect


async def test_health_and_versions(api) -> None:
    assert (await api.get("/health")).json() is True
    assert (await api.get("/version")).json() == "0.8.4"
    assert (await api.get("/admin/version")).json() == prefect.__version__
