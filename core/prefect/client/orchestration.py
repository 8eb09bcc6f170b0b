"""The orchestration client: Prefect 3's method names over our REST API.

`PrefectClient` is written once, async. `SyncPrefectClient` runs the same coroutines on the
process's API loop (`prefect.client._loop`) and waits for them, so sync code gets the same
methods without a second implementation.
"""

from __future__ import annotations

import asyncio
import functools
import random
import uuid
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Literal, overload

from prefect.exceptions import (
    ObjectAlreadyExists,
    ObjectNotFound,
    PrefectHTTPStatusError,
    ServerUnreachable,
)
from prefect.schemas.actions import (
    FlowCreate,
    FlowRunCreate,
    FlowRunUpdate,
    LogCreate,
    StateCreate,
    TaskRunCreate,
    TaskRunReport,
)
from prefect.schemas.filters import (
    FlowFilter,
    FlowRunFilter,
    LogFilter,
    TaskRunFilter,
)
from prefect.schemas.objects import Flow, FlowRun, FlowRunPolicy, Log, State, TaskRun
from prefect.schemas.responses import OrchestrationResult
from prefect.schemas.sorting import FlowRunSort, FlowSort, LogSort, TaskRunSort
from prefect.settings import get_current_settings

if TYPE_CHECKING:
    import httpx
    from pydantic import TypeAdapter

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


class PrefectClient:
    """Async client of the orchestration API (use it as ``async with``)."""

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

    async def __aenter__(self) -> PrefectClient:
        self._depth += 1
        if self._depth > 1:
            return self
        import httpx

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
                    base_url=self.api_url, headers=headers, timeout=self._timeout, auth=auth
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
        import httpx

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

    # -- flows ----------------------------------------------------------------------------

    async def create_flow(self, flow: Any) -> uuid.UUID:
        """Register `flow` (anything with a ``name``) by name; returns its id."""
        return await self.create_flow_from_name(flow.name)

    async def create_flow_from_name(self, flow_name: str) -> uuid.UUID:
        data = await self._post("/flows/", _json(FlowCreate(name=flow_name)))
        return uuid.UUID(data["id"])

    async def read_flow(self, flow_id: uuid.UUID | str) -> Flow:
        return Flow.model_validate(await self._get(f"/flows/{flow_id}"))

    async def read_flow_by_name(self, flow_name: str) -> Flow:
        flows = await self.read_flows(
            flow_filter=FlowFilter.model_validate({"name": {"any_": [flow_name]}}), limit=1
        )
        if not flows:
            raise ObjectNotFound(f"Flow {flow_name!r} not found")
        return flows[0]

    async def read_flows(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        sort: FlowSort | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Flow]:
        body = _filter_body(flow_filter, flow_run_filter, task_run_filter, sort, limit, offset)
        return [Flow.model_validate(f) for f in await self._post("/flows/filter", body)]

    async def count_flows(self, *, flow_filter: FlowFilter | None = None) -> int:
        return int(await self._post("/flows/count", _filter_body(flow_filter)))

    # -- flow runs ------------------------------------------------------------------------

    async def create_flow_run(
        self,
        flow: Any = None,
        name: str | None = None,
        parameters: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        tags: Iterable[str] | None = None,
        parent_task_run_id: uuid.UUID | None = None,
        state: State | None = None,
        *,
        flow_id: uuid.UUID | None = None,
        id: uuid.UUID | None = None,
        idempotency_key: str | None = None,
        flow_version: str | None = None,
        empirical_policy: FlowRunPolicy | None = None,
    ) -> FlowRun:
        """Create a run of `flow` (registered by name if needed) or of `flow_id`."""
        if flow_id is None:
            if flow is None:
                raise ValueError("create_flow_run needs a flow or a flow_id")
            flow_id = await self.create_flow(flow)
        action = FlowRunCreate(
            id=id,
            flow_id=flow_id,
            name=name,
            parameters=_jsonable(parameters or {}),
            context=_jsonable(context or {}),
            tags=list(tags or []),
            parent_task_run_id=parent_task_run_id,
            state=StateCreate.from_state(state) if state is not None else None,
            idempotency_key=idempotency_key,
            flow_version=flow_version
            if flow_version is not None
            else getattr(flow, "version", None),
            empirical_policy=empirical_policy or FlowRunPolicy(),
        )
        return await self.create_flow_run_from_action(action)

    async def create_flow_run_from_action(self, action: FlowRunCreate) -> FlowRun:
        return FlowRun.model_validate(await self._post("/flow_runs/", _json(action)))

    async def read_flow_run(self, flow_run_id: uuid.UUID | str) -> FlowRun:
        return FlowRun.model_validate(await self._get(f"/flow_runs/{flow_run_id}"))

    async def read_flow_runs(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        sort: FlowRunSort | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[FlowRun]:
        body = _filter_body(flow_filter, flow_run_filter, task_run_filter, sort, limit, offset)
        return [FlowRun.model_validate(r) for r in await self._post("/flow_runs/filter", body)]

    async def count_flow_runs(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
    ) -> int:
        body = _filter_body(flow_filter, flow_run_filter, task_run_filter)
        return int(await self._post("/flow_runs/count", body))

    async def update_flow_run(self, flow_run_id: uuid.UUID | str, **fields: Any) -> None:
        """Change a run's name, parameters, tags, ... (fields of FlowRunUpdate)."""
        update = FlowRunUpdate(**fields)
        await self.request(
            "PATCH",
            f"/flow_runs/{flow_run_id}",
            json=update.model_dump(mode="json", exclude_unset=True),
        )

    async def delete_flow_run(self, flow_run_id: uuid.UUID | str) -> None:
        await self.request("DELETE", f"/flow_runs/{flow_run_id}")

    async def set_flow_run_state(
        self, flow_run_id: uuid.UUID | str, state: State, force: bool = False
    ) -> OrchestrationResult:
        body = {"state": _json(StateCreate.from_state(state)), "force": force}
        return OrchestrationResult.model_validate(
            await self._post(f"/flow_runs/{flow_run_id}/set_state", body)
        )

    async def read_flow_run_states(self, flow_run_id: uuid.UUID | str) -> list[State]:
        data = await self._get("/flow_run_states/", flow_run_id=str(flow_run_id))
        return [State.model_validate(s) for s in data]

    # -- task runs ------------------------------------------------------------------------

    async def create_task_run(
        self,
        task: Any,
        flow_run_id: uuid.UUID | None,
        dynamic_key: str,
        name: str | None = None,
        extra_tags: Iterable[str] | None = None,
        state: State | None = None,
        task_inputs: dict[str, Any] | None = None,
        *,
        id: uuid.UUID | None = None,
        task_key: str | None = None,
    ) -> TaskRun:
        tags = [*(getattr(task, "tags", None) or []), *(extra_tags or [])]
        action = TaskRunCreate(
            id=id,
            name=name,
            flow_run_id=flow_run_id,
            task_key=task_key or getattr(task, "task_key", None) or task.name,
            dynamic_key=dynamic_key,
            task_version=getattr(task, "version", None),
            tags=sorted(set(tags)),
            task_inputs=task_inputs or {},
            state=StateCreate.from_state(state) if state is not None else None,
        )
        return TaskRun.model_validate(await self._post("/task_runs/", _json(action)))

    async def read_task_run(self, task_run_id: uuid.UUID | str) -> TaskRun:
        return TaskRun.model_validate(await self._get(f"/task_runs/{task_run_id}"))

    async def read_task_runs(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
        sort: TaskRunSort | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[TaskRun]:
        body = _filter_body(flow_filter, flow_run_filter, task_run_filter, sort, limit, offset)
        return [TaskRun.model_validate(r) for r in await self._post("/task_runs/filter", body)]

    async def count_task_runs(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        task_run_filter: TaskRunFilter | None = None,
    ) -> int:
        body = _filter_body(flow_filter, flow_run_filter, task_run_filter)
        return int(await self._post("/task_runs/count", body))

    async def set_task_run_state(
        self, task_run_id: uuid.UUID | str, state: State, force: bool = False
    ) -> OrchestrationResult:
        body = {"state": _json(StateCreate.from_state(state)), "force": force}
        return OrchestrationResult.model_validate(
            await self._post(f"/task_runs/{task_run_id}/set_state", body)
        )

    async def read_task_run_states(self, task_run_id: uuid.UUID | str) -> list[State]:
        data = await self._get("/task_run_states/", task_run_id=str(task_run_id))
        return [State.model_validate(s) for s in data]

    async def report_task_runs(self, reports: list[TaskRunReport]) -> dict[str, int]:
        """Send task runs orchestrated in this process, with their new states, in one call.

        The batch is serialised in one pass (pydantic-core), leaving out fields at their
        defaults: this route carries every task run of a flow, so bytes and per-item Python
        work are what it costs.
        """
        content = _batch_adapter(TaskRunReport).dump_json(reports, exclude_none=True)
        response = await self.request("POST", "/task_runs/report", content=content)
        result: dict[str, int] = response.json()
        return result

    # -- logs -----------------------------------------------------------------------------

    async def create_logs(self, logs: Iterable[LogCreate | dict[str, Any]]) -> None:
        items = [LogCreate.model_validate(log) if isinstance(log, dict) else log for log in logs]
        if items:
            content = _batch_adapter(LogCreate).dump_json(items)
            await self.request("POST", "/logs/", content=content)

    async def read_logs(
        self,
        log_filter: LogFilter | None = None,
        limit: int | None = None,
        offset: int | None = None,
        sort: LogSort = LogSort.TIMESTAMP_ASC,
    ) -> list[Log]:
        body = {
            "logs": _json(log_filter),
            "limit": limit,
            "offset": offset or 0,
            "sort": sort.value,
        }
        return [Log.model_validate(entry) for entry in await self._post("/logs/filter", body)]


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
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "flows": _json(flow_filter),
        "flow_runs": _json(flow_run_filter),
        "task_runs": _json(task_run_filter),
    }
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


class SyncPrefectClient:
    """The same methods as `PrefectClient`, synchronous (use it as ``with``).

    The async client lives on the process's API loop; each method call runs the matching
    coroutine there and waits for it.
    """

    def __init__(self, **kwargs: Any) -> None:
        self._async = PrefectClient(**kwargs)

    @property
    def api_url(self) -> str | None:
        return self._async.api_url

    @property
    def target(self) -> str:
        return self._async.target

    @property
    def is_embedded(self) -> bool:
        return self._async.is_embedded

    def __enter__(self) -> SyncPrefectClient:
        from prefect.client._loop import run_sync

        run_sync(self._async.__aenter__())
        return self

    def __exit__(self, *exc_info: Any) -> None:
        from prefect.client._loop import run_sync

        run_sync(self._async.__aexit__(None, None, None))

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._async, name)
        if not asyncio.iscoroutinefunction(method):
            return method
        return _syncify(method)


def _syncify(method: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    from prefect.client._loop import run_sync

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        return run_sync(method(*args, **kwargs))  # type: ignore[arg-type]

    return call


@overload
def get_client(sync_client: Literal[False] = False, **kwargs: Any) -> PrefectClient: ...


@overload
def get_client(sync_client: Literal[True], **kwargs: Any) -> SyncPrefectClient: ...


def get_client(sync_client: bool = False, **kwargs: Any) -> PrefectClient | SyncPrefectClient:
    """A client for the configured API: HTTP with PREFECT_API_URL, else the embedded store."""
    if sync_client:
        return SyncPrefectClient(**kwargs)
    return PrefectClient(**kwargs)
