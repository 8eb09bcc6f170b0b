"""`prefect worker start`: a worker that runs the flow runs of one work pool."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient

app = typer.Typer(help="Start a worker for a work pool.", no_args_is_help=True)


@app.command("start")
def start(
    pool: Annotated[
        str, typer.Option("--pool", "-p", help="The work pool to serve (created if missing).")
    ],
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="The worker's name (default: random).")
    ] = None,
    work_queue: Annotated[
        list[str] | None,
        typer.Option("--work-queue", "-q", help="Only runs of this queue; repeatable."),
    ] = None,
    worker_type: Annotated[
        str | None,
        typer.Option(
            "--type", "-t", help="Worker type (process, docker, kubernetes); default: the pool's."
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-l", min=1, help="At most this many flow runs at a time."),
    ] = None,
    run_once: Annotated[
        bool, typer.Option("--run-once", help="Take one poll's runs, wait for them, exit.")
    ] = False,
    prefetch_seconds: Annotated[
        float | None,
        typer.Option(
            "--prefetch-seconds",
            min=0,
            help="Take runs this many seconds early (PREFECT_WORKER_PREFETCH_SECONDS).",
        ),
    ] = None,
    with_healthcheck: Annotated[
        bool,
        typer.Option(
            "--with-healthcheck",
            help="Serve GET /health on PREFECT_WORKER_WEBSERVER_HOST:PORT (0.0.0.0:8080).",
        ),
    ] = False,
    base_job_template: Annotated[
        Path | None,
        typer.Option(
            "--base-job-template",
            help="JSON file with the base job template of the pool, if it is created.",
        ),
    ] = None,
) -> None:
    """Start a worker: poll the pool, run its flow runs, report crashes, honour cancels."""
    import asyncio
    import signal

    from prefect.logging.loggers import setup_logging
    from prefect.workers.registry import UnknownWorkerType, worker_class

    from prefect_console.cli._group import fail

    if worker_type is not None:
        try:
            worker_class(worker_type)
        except UnknownWorkerType as exc:
            raise fail(str(exc)) from None
    template = _read_template(base_job_template) if base_job_template is not None else None
    setup_logging()

    async def go() -> None:
        from prefect.client.orchestration import get_client

        async with get_client() as client:
            kind = worker_type or await _pool_type(client, pool) or "process"
            try:
                cls = worker_class(kind)
            except UnknownWorkerType as exc:
                raise fail(str(exc)) from None
            worker = cls(
                pool,
                name=name,
                work_queues=work_queue,
                limit=limit,
                prefetch_seconds=prefetch_seconds,
                base_job_template=template,
            )
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, worker.stop)
            try:
                await worker.run(
                    run_once=run_once,
                    healthcheck=_healthcheck_address() if with_healthcheck else None,
                    client=client,
                )
            finally:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(sig)

    asyncio.run(go())


async def _pool_type(client: PrefectClient, pool: str) -> str | None:
    from prefect.exceptions import ObjectNotFound

    try:
        return (await client.read_work_pool(pool)).type
    except ObjectNotFound:
        return None


def _healthcheck_address() -> tuple[str, int]:
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    host = str(settings.value_of("PREFECT_WORKER_WEBSERVER_HOST"))
    return host, int(settings.value_of("PREFECT_WORKER_WEBSERVER_PORT"))


def _read_template(path: Path) -> dict[str, Any]:
    import json

    from prefect_console.cli._group import fail

    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise fail(f"Cannot read the base job template {str(path)!r}: {exc}") from None
    if not isinstance(data, dict):
        raise fail(f"The base job template {str(path)!r} is not a JSON object")
    return data
