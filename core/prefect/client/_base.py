"""The client's transport: opening HTTP or the embedded store, requests with retries, errors.

`BaseClient` holds what every resource needs; the per-resource mixins (`_flows`,
`_flow_runs`, `_task_runs`, `_logs`) add Prefect 3's methods on top of it and
`prefect.client.orchestration.PrefectClient` composes them.
"""

from __future__ import annotations

import asyncio
import functools
import random
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Self

from prefect.client._httpx import import_httpx
from prefect.exceptions import (
    ObjectAlreadyExists,
    ObjectNotFound,
    PrefectHTTPStatusError,
    ServerUnreachable,
)
from prefect.settings import get_current_settings

if TYPE_CHECKING:
    import httpx
    from pydantic import TypeAdapter

    from prefect.schemas.filters import FlowFilter, FlowRunFilter, TaskRunFilter

EMBEDDED_BASE_URL = "http://embedded/api"
_JSON_HEADERS = {"Content-Type": "application/json"}
_RETRY_STATUSES = frozenset({429, 502, 503})


def _json(model: Any) -> Any:
    if model is None:
        return None
    if hasattr(model, "model_dump"):
        return model.model_dump(mode="json", exclude_unset=False)
    return model


def _jsonable(value: Any) -> Any:
    """Parameters and context may hold any Python object; the API stores JSON."""
    from pydantic_core import to_jsonable_python

    return to_jsonable_python(value, fallback=repr)


class BaseClient:
    """Connection, transport and admin calls; the resource mixins build on it."""

    def __init__(
        self,
        api: str | None = None,
        *,
        api_key: str | None = None,
        timeout: float | None = None,
        database_url: str | None = None,
    ) -> None:
        settings = get_current_settings()
        self.api_url: str | None = api or settings.api_url or None
        if self.api_url:
            self.api_url = self.api_url.rstrip("/")
        self._api_key = api_key or settings.api_key
        self._auth_string = settings.api_auth_string
        self._timeout = timeout if timeout is not None else settings.api_request_timeout
        self._max_retries = settings.client_max_retries
        self._database_url = database_url or settings.server_database_connection_url
        self._http: httpx.AsyncClient | None = None
        self._embedded: AbstractAsyncContextManager[Any] | None = None
        self._depth = 0

    @property
    def is_embedded(self) -> bool:
        return not self.api_url

    @property
    def target(self) -> str:
        """Where this client talks to, for people: the API URL or the embedded store's URL."""
        return self.api_url or f"embedded ({_redact_url(self._database_url)})"

    # -- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._depth += 1
        if self._depth > 1:
            return self
        httpx = import_httpx()

        headers = {"User-Agent": "prefect-console"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        auth = None
        if self._auth_string and ":" in self._auth_string:
            user, _, password = self._auth_string.partition(":")
            auth = httpx.BasicAuth(user, password)
        try:
            if self.api_url:
                self._http = httpx.AsyncClient(
                    base_url=self.api_url,
                    headers=headers,
                    timeout=self._timeout,
                    auth=auth,
                    # a plain-http API needs no TLS context: loading the CA bundle costs
                    # 50-100 ms of every CLI command
                    verify=not self.api_url.startswith("http://"),
                )
            else:
                from prefect.client._embedded import load_embedded_factory

                self._embedded = load_embedded_factory()(database_url=self._database_url)
                app = await self._embedded.__aenter__()
                self._http = httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url=EMBEDDED_BASE_URL,
                    headers=headers,
                    timeout=self._timeout,
                )
        except ServerUnreachable:
            self._depth -= 1
            raise
        except Exception as exc:
            self._depth -= 1
            raise ServerUnreachable(
                f"Cannot open the embedded store at {_redact_url(self._database_url)}: {exc}"
            ) from exc
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        http, self._http = self._http, None
        embedded, self._embedded = self._embedded, None
        if http is not None:
            await http.aclose()
        if embedded is not None:
            await embedded.__aexit__(None, None, None)

    # -- transport ------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Send one request; retry connection errors and 429/502/503 answers with backoff."""
        httpx = import_httpx()

        if self._http is None:
            raise RuntimeError("The client is not open; use it as `async with get_client()`.")
        attempt = 0
        while True:
            try:
                if content is not None:
                    response = await self._http.request(
                        method, path, content=content, params=params, headers=_JSON_HEADERS
                    )
                else:
                    response = await self._http.request(method, path, json=json, params=params)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
                if attempt >= self._max_retries:
                    raise ServerUnreachable(
                        f"Cannot reach the API at {self.target}: {exc or type(exc).__name__}"
                    ) from exc
            except httpx.TimeoutException as exc:
                raise ServerUnreachable(
                    f"The API at {self.target} did not answer within {self._timeout:g} s"
                ) from exc
            else:
                if response.status_code not in _RETRY_STATUSES or attempt >= self._max_retries:
                    _raise_for_status(response)
                    return response
            attempt += 1
            await asyncio.sleep(min(0.1 * 2**attempt, 2.0) * (0.5 + random.random()))

    async def _get(self, path: str, **params: Any) -> Any:
        response = await self.request("GET", path, params=params or None)
        return response.json()

    async def _post(self, path: str, body: Any = None) -> Any:
        response = await self.request("POST", path, json=body)
        return response.json() if response.content else None

    # -- admin ----------------------------------------------------------------------------

    async def api_healthcheck(self) -> Exception | None:
        """None when the API answers `/health`, else the exception that says why not."""
        try:
            await self._get("/health")
        except Exception as exc:  # the caller wants the reason, not a raise
            return exc
        return None

    async def hello(self) -> Any:
        return await self._get("/health")

    async def api_version(self) -> str:
        return str(await self._get("/admin/version"))

    async def _patch(self, path: str, body: Any = None) -> None:
        await self.request("PATCH", path, json=body)

    async def _delete(self, path: str) -> None:
        await self.request("DELETE", path)


@functools.cache
def _batch_adapter(model: type[Any]) -> TypeAdapter[list[Any]]:
    from pydantic import TypeAdapter

    return TypeAdapter(list[model])  # type: ignore[valid-type]


def _filter_body(
    flow_filter: FlowFilter | None = None,
    flow_run_filter: FlowRunFilter | None = None,
    task_run_filter: TaskRunFilter | None = None,
    sort: Any = None,
    limit: int | None = None,
    offset: int | None = None,
    *,
    deployment_filter: Any = None,
    work_pool_filter: Any = None,
    work_queue_filter: Any = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "flows": _json(flow_filter),
        "flow_runs": _json(flow_run_filter),
        "task_runs": _json(task_run_filter),
    }
    for key, flt in (
        ("deployments", deployment_filter),
        ("work_pools", work_pool_filter),
        ("work_pool_queues", work_queue_filter),
    ):
        if flt is not None:
            body[key] = _json(flt)
    if sort is not None:
        body["sort"] = sort.value if hasattr(sort, "value") else str(sort)
    if limit is not None:
        body["limit"] = limit
    if offset:
        body["offset"] = offset
    return body


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text.strip()[:500] or response.reason_phrase
    detail = data.get("detail", data) if isinstance(data, dict) else data
    if isinstance(detail, list):  # FastAPI validation errors
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                parts.append(f"{loc}: {item.get('msg')}" if loc else str(item.get("msg")))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return str(detail)


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    detail = _detail(response)
    if status == 404:
        raise ObjectNotFound(detail or "Not found")
    if status == 409:
        raise ObjectAlreadyExists(detail or "Already exists")
    raise PrefectHTTPStatusError(
        f"{response.request.method} {response.request.url.path} answered {status}: {detail}",
        status_code=status,
        detail=detail,
    )


def _redact_url(url: str | None) -> str:
    if not url or "@" not in url:
        return url or ""
    scheme, _, rest = url.partition("://")
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else url


# -- the sync facade ----------------------------------------------------------------------
