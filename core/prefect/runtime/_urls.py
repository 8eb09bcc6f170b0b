"""The API and UI addresses `prefect.runtime` reports for a run."""

from __future__ import annotations

import os


def api_url() -> str | None:
    """PREFECT_API_URL as the current settings say; None on the embedded store."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api_url
    return str(url) if url else None


def ui_url() -> str | None:
    """PREFECT_UI_URL, else the API URL without its `/api` suffix (Prefect's default);
    None on the embedded store, which has no web UI to link to."""
    explicit = os.environ.get("PREFECT_UI_URL")
    if explicit:
        return explicit.rstrip("/")
    api = api_url()
    if api is None:
        return None
    api = api.rstrip("/")
    return api[: -len("/api")] if api.endswith("/api") else api


def run_url(kind: str, run_id: object) -> str | None:
    """The UI page of a run (`kind` is "flow-run" or "task-run"), if there is a UI."""
    base = ui_url()
    return None if base is None else f"{base}/runs/{kind}/{run_id}"
