"""The docker worker: each flow run in a container, through the Docker SDK (extra `docker`).

The job configuration (the pool's base job template, see `templates`) gives the container
its `image` (pulled first when `image_pull_policy` is Always, or IfNotPresent and the image
is missing; with no policy, a `latest` or untagged image is pulled like Always and any other
like IfNotPresent), `command` (default `prefect flow-run execute`, which reads the run's id
from PREFECT__FLOW_RUN_ID), `env` (over PREFECT_API_URL and the API key: the container
does not inherit the worker's environment), `name`, `labels` (with the run's
`prefect.io/...` labels), `networks` (the first at creation, the others connected before
start), `network_mode`, `volumes`, `auto_remove`, `mem_limit`, `memswap_limit`,
`privileged` and `container_create_kwargs` (any other argument of `containers.create`).
With `stream_output` the container's output is copied to the worker's.

A container cannot reach an API at localhost: such a URL is rewritten to
`host.docker.internal`, which the container resolves to the host (`host-gateway`), unless
it shares the host's network. A worker on the embedded store has no URL to give: its runs
end Crashed with a message saying so.

Cancellation stops the container (SIGTERM, SIGKILL after the grace period);
`infrastructure_pid` is the container's id.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

# the Docker SDK ships no type information
import docker  # type: ignore[import-untyped]
import docker.errors  # type: ignore[import-untyped]
from docker.utils import parse_repository_tag  # type: ignore[import-untyped]

from prefect.workers._remote import (
    command_of,
    prefect_labels,
    remote_environment,
    required_api_url,
    slug,
    warn_without_api_url,
)
from prefect.workers.base import BaseWorker, logger
from prefect.workers.runs import RunHandle

if TYPE_CHECKING:
    from prefect.schemas.objects import FlowRun

__all__ = ["DockerWorker", "container_kwargs", "should_pull"]

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}
_HOST_ALIAS = "host.docker.internal"
# arguments of containers.create the template sets from a variable of the same name
# a taken container name is tried with this many suffixes
_NAME_ATTEMPTS = 10
_PASSED = ("auto_remove", "mem_limit", "memswap_limit", "privileged", "network_mode")


def container_api_url(api_url: str, network_mode: str | None) -> tuple[str, bool]:
    """The API URL as a container sees it, and whether it needs the host alias."""
    parts = urlsplit(api_url)
    if parts.hostname not in _LOCAL_HOSTS or network_mode == "host":
        return api_url, False
    netloc = _HOST_ALIAS + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), True


def container_kwargs(
    configuration: dict[str, Any], flow_run: FlowRun, api_url: str | None
) -> dict[str, Any]:
    """The arguments of `client.containers.create` for the run's rendered configuration."""
    url, alias = container_api_url(
        required_api_url(api_url, "container"), configuration.get("network_mode")
    )
    labels = {str(k): str(v) for k, v in (configuration.get("labels") or {}).items()}
    kwargs: dict[str, Any] = {
        "image": configuration.get("image"),
        "command": command_of(configuration),
        "environment": remote_environment(configuration, flow_run, url),
        "name": slug(str(configuration.get("name") or flow_run.name), limit=128) or None,
        "labels": {**labels, **prefect_labels(flow_run)},
        "detach": True,
    }
    networks = list(configuration.get("networks") or [])
    if networks:
        kwargs["network"] = networks[0]
    if configuration.get("volumes"):
        kwargs["volumes"] = list(configuration["volumes"])
    for name in _PASSED:
        if configuration.get(name) is not None:
            kwargs[name] = configuration[name]
    if alias:
        kwargs["extra_hosts"] = {_HOST_ALIAS: "host-gateway"}
    # the user's own arguments win: they are the escape hatch for what the template lacks
    kwargs.update(configuration.get("container_create_kwargs") or {})
    return kwargs


def should_pull(client: Any, image: str, policy: str | None) -> bool:
    if policy == "Never":
        return False
    if policy == "Always":
        return True
    if policy is None:
        _, tag = parse_repository_tag(image)
        if tag in (None, "latest"):
            return True
    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        return True
    return False


class DockerWorker(BaseWorker):
    """Runs each flow run as a Docker container."""

    type: ClassVar[str] = "docker"

    def __init__(
        self, *args: Any, docker_client: Callable[[], Any] | None = None, **kwargs: Any
    ) -> None:
        """`docker_client` makes the Docker client (default: `docker.from_env`)."""
        super().__init__(*args, **kwargs)
        self._make_client = docker_client or docker.from_env

    async def setup_pool(self) -> None:
        await super().setup_pool()
        warn_without_api_url(self.client.api_url, "container")

    async def start(self, handle: RunHandle, configuration: dict[str, Any]) -> None:
        kwargs = container_kwargs(configuration, handle.flow_run, self.client.api_url)
        client = await asyncio.to_thread(self._make_client)
        try:
            container = await asyncio.to_thread(
                self._create, client, configuration, kwargs, handle.flow_run
            )
        except BaseException:
            with contextlib.suppress(Exception):
                client.close()
            raise
        streamer = None
        if configuration.get("stream_output", True) is not False:
            streamer = threading.Thread(
                target=_copy_output, args=(container,), daemon=True, name=f"docker-{handle.id}"
            )
            streamer.start()
        handle.infrastructure = _Container(client, container, streamer)
        logger.debug("Flow run %s: container %s (%s)", handle.id, container.id, kwargs["image"])

    def _create(
        self, client: Any, configuration: dict[str, Any], kwargs: dict[str, Any], run: FlowRun
    ) -> Any:
        credentials = configuration.get("registry_credentials")
        if isinstance(credentials, dict) and credentials.get("username"):
            client.login(
                username=credentials["username"],
                password=credentials.get("password"),
                registry=credentials.get("registry_url"),
                reauth=True,
            )
        image = str(kwargs["image"])
        if should_pull(client, image, configuration.get("image_pull_policy")):
            repository, tag = parse_repository_tag(image)
            logger.info("Flow run %s: pulling image %s", run.id, image)
            client.images.pull(repository, tag=tag or "latest")
        container = _create_named(client, kwargs)
        try:
            for network in list(configuration.get("networks") or [])[1:]:
                client.networks.get(network).connect(container)
            container.start()
        except BaseException:
            with contextlib.suppress(Exception):
                container.remove(force=True)
            raise
        return container

    async def wait(self, handle: RunHandle) -> int:
        infra = _container(handle)
        try:
            try:
                result = await asyncio.to_thread(infra.container.wait)
            except docker.errors.NotFound:
                # removed (auto_remove) before it could be waited for: its code is lost
                logger.warning("Flow run %s: container %s is gone", handle.id, infra.container.id)
                return 0
            except Exception as exc:  # the engine went away: nobody watches the run any more
                if not handle.killed:
                    await self._propose_crashed(
                        handle, f"The worker lost track of container {infra.container.id}: {exc}"
                    )
                return 1
            if infra.streamer is not None:
                await asyncio.to_thread(infra.streamer.join, 5)
            return int(result.get("StatusCode", -1))
        finally:
            with contextlib.suppress(Exception):
                infra.client.close()

    async def kill(self, handle: RunHandle, grace_seconds: float) -> None:
        """Stop the container: SIGTERM, then Docker's SIGKILL after the grace period."""
        infra = _container(handle)
        try:
            await asyncio.to_thread(infra.container.stop, timeout=max(int(grace_seconds), 0))
        except docker.errors.NotFound:
            logger.info("Flow run %s: container %s already gone", handle.id, infra.container.id)

    def infrastructure_pid(self, handle: RunHandle) -> str | None:
        infra = handle.infrastructure
        return str(infra.container.id) if isinstance(infra, _Container) else None


def _create_named(client: Any, kwargs: dict[str, Any]) -> Any:
    """`containers.create`; a name another container holds (an earlier run of the same
    deployment, kept) gets a numbered suffix."""
    name = kwargs.get("name")
    for attempt in range(_NAME_ATTEMPTS):
        try:
            return client.containers.create(**kwargs)
        except docker.errors.APIError as exc:
            if name is None or exc.status_code != 409 or attempt == _NAME_ATTEMPTS - 1:
                raise
            kwargs = {**kwargs, "name": f"{name}-{attempt + 1}"}
    raise AssertionError("unreachable")


class _Container:
    __slots__ = ("client", "container", "streamer")

    def __init__(self, client: Any, container: Any, streamer: threading.Thread | None) -> None:
        self.client = client
        self.container = container
        self.streamer = streamer


def _container(handle: RunHandle) -> _Container:
    infra = handle.infrastructure
    if not isinstance(infra, _Container):
        raise RuntimeError(f"Flow run {handle.id} has no container")
    return infra


def _copy_output(container: Any) -> None:
    try:
        for chunk in container.logs(stream=True, follow=True):
            sys.stdout.write(chunk.decode(errors="replace"))
            sys.stdout.flush()
    except Exception as exc:  # the run goes on without its output
        logger.debug("Container output stopped: %s", exc)
