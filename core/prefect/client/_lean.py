"""Plain JSON reads from an HTTP API, for commands that only print what they read.

`prefect flow-run ls` against a server spends most of its life importing: pydantic and
the wire models cost more than the whole request. `LeanReader` posts a filter body and
hands back the decoded JSON, with the same URL, headers, credentials and timeout as
`PrefectClient`, and neither models nor httpx in sight.

It does the easy case only. Whatever the full client would handle in its own way (no
API URL, so the embedded store; HTTPS or a proxy; a refused connection, which it
retries; an error status, which it words; a body that is not JSON) raises
`LeanUnavailable`, and the caller runs the full client, which then gives the usual
result or the usual error line. A timeout is
the one failure worded here, as the full client words it, so that a slow API is not
waited on twice.

    with LeanReader.open() as reader:
        runs = reader.post("/flow_runs/filter", {"limit": 5})
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from prefect.exceptions import ServerUnreachable
from prefect.settings import get_current_settings

if TYPE_CHECKING:
    from http.client import HTTPConnection

__all__ = ["LeanReader", "LeanUnavailable"]

# with any of these set, httpx would go through a proxy: the full client's job
_PROXY_VARIABLES = ("http_proxy", "all_proxy")


class LeanUnavailable(Exception):
    """This read needs the full client (embedded store, retry, error status, odd body)."""


class LeanReader:
    """A synchronous JSON reader of one plain-HTTP API (use it as ``with``).

    The standard library's `http.client` and not httpx: importing httpx (and the
    urllib.request it pulls in) costs more than the two requests a listing makes.
    """

    def __init__(
        self, connection: HTTPConnection, api_url: str, headers: dict[str, str], timeout: float
    ) -> None:
        self._connection = connection
        self._api_url = api_url
        self._prefix = api_url.partition("://")[2].partition("/")[2].rstrip("/")
        self._headers = headers
        self._timeout = timeout
        self._connected = False

    @classmethod
    def open(cls) -> LeanReader:
        """A reader of the configured API; `LeanUnavailable` when that needs the full
        client (the embedded store, HTTPS with its certificates, a proxy)."""
        settings = get_current_settings()
        api_url = (settings.api_url or "").rstrip("/")
        if not api_url:
            raise LeanUnavailable("no API URL: the embedded store needs the full client")
        if any(name.lower() in _PROXY_VARIABLES for name in os.environ):
            raise LeanUnavailable("a proxy is configured")
        from urllib.parse import urlsplit

        url = urlsplit(api_url)
        if url.scheme != "http" or url.query or url.fragment or url.hostname is None:
            raise LeanUnavailable(f"{url.scheme} URL")
        if url.username is not None:
            raise LeanUnavailable("credentials in the URL")
        # the headers and credentials of BaseClient.__aenter__
        headers = {"User-Agent": "prefect-console", "Content-Type": "application/json"}
        if settings.api_key:
            headers["Authorization"] = f"Bearer {settings.api_key}"
        if settings.api_auth_string and ":" in settings.api_auth_string:
            import base64

            user, _, password = settings.api_auth_string.partition(":")
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        from http.client import HTTPConnection

        try:
            port = url.port
        except ValueError as exc:
            raise LeanUnavailable(str(exc)) from exc
        timeout = settings.api_request_timeout
        connection = HTTPConnection(url.hostname, port, timeout=timeout)
        return cls(connection, api_url, headers, timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._connection.close()

    def post(self, path: str, body: Any) -> Any:
        """The decoded JSON answer to `POST path` with `body`, when it is a plain 200."""
        import json
        from http.client import HTTPException

        if not self._connected:
            try:
                self._connection.connect()
            except OSError as exc:  # refused or timed out: the full client retries these
                raise LeanUnavailable(str(exc) or type(exc).__name__) from exc
            self._connected = True
        content = json.dumps(body, separators=(",", ":")).encode()
        try:
            self._connection.request(
                "POST", f"/{self._prefix}{path}" if self._prefix else path, content, self._headers
            )
            response = self._connection.getresponse()
            status, data = response.status, response.read()
        except TimeoutError as exc:
            raise ServerUnreachable(
                f"The API at {self._api_url} did not answer within {self._timeout:g} s"
            ) from exc
        except (OSError, HTTPException) as exc:
            raise LeanUnavailable(str(exc) or type(exc).__name__) from exc
        if status != 200:
            raise LeanUnavailable(f"{path} answered {status}")
        try:
            return json.loads(data)
        except ValueError as exc:
            raise LeanUnavailable(f"{path} answered something that is not JSON") from exc
