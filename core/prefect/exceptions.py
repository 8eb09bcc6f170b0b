"""Exceptions raised by the SDK and the client.

PrefectException
├── ObjectNotFound            the API answered 404 for an id or name
├── ObjectAlreadyExists       the API answered 409
├── PrefectHTTPStatusError    any other 4xx/5xx, carrying the server's reason
├── ServerUnreachable         the API (or the embedded store) cannot be reached
├── ParameterTypeError        flow/task arguments that do not match the signature
├── MissingResult             a state without a retrievable result
├── UnfinishedRun             result() of a state that is not final
├── CrashedRun                result() of a Crashed state
├── FailedRun                 result() of a Failed state with no stored exception
├── CancelledRun              result() of a Cancelled state
├── Abort                     the orchestrator aborted a transition
├── ProtectedBlockError       a change to a protected (built-in) block type
├── ConfigurationError        a bad setting or profile
├── MissingContextError       a run-context helper called outside a run
├── MappingLengthMismatch     task.map() with iterables of different lengths
├── MappingMissingIterable    task.map() with nothing to map over
├── PausedRun                 result() of a Paused state
└── FlowPauseTimeout          a paused flow run was not resumed in time

BaseException
└── Pause                     a suspended run leaves its process (not an error of the flow)
"""

from __future__ import annotations

from typing import Any


class PrefectException(Exception):
    pass


class ObjectNotFound(PrefectException):
    def __init__(self, message: str = "Object not found", *, http_exc: Any = None) -> None:
        super().__init__(message)
        self.http_exc = http_exc


class ObjectAlreadyExists(PrefectException):
    def __init__(self, message: str = "Object already exists", *, http_exc: Any = None) -> None:
        super().__init__(message)
        self.http_exc = http_exc


class PrefectHTTPStatusError(PrefectException):
    def __init__(self, message: str, *, status_code: int, detail: Any = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.detail = detail


class ServerUnreachable(PrefectException):
    pass


class ParameterTypeError(PrefectException, TypeError):
    pass


class MissingResult(PrefectException):
    pass


class UnfinishedRun(PrefectException):
    pass


class CrashedRun(PrefectException):
    pass


class FailedRun(PrefectException):
    pass


class CancelledRun(PrefectException):
    pass


class Abort(PrefectException):
    pass


class ProtectedBlockError(PrefectException):
    pass


class ConfigurationError(PrefectException):
    pass


class MissingContextError(PrefectException, RuntimeError):
    pass


class MappingLengthMismatch(PrefectException, ValueError):
    pass


class MappingMissingIterable(PrefectException, ValueError):
    pass


class PausedRun(PrefectException):
    pass


class FlowPauseTimeout(PrefectException):
    pass


class Pause(BaseException):
    """Raised in a flow that suspended itself: the engine ends the attempt without a final
    state, since the run is rescheduled from its deployment when resumed."""

    def __init__(self, message: str = "", state: Any = None) -> None:
        super().__init__(message)
        self.state = state
