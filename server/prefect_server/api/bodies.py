"""Request bodies as the routes declare them: the shared wire models, built eagerly.

The wire models in `prefect.schemas` defer building their validators until first use, so
that importing the SDK stays cheap. FastAPI wraps a body model in an adapter that it builds
while silencing one spurious pydantic warning; a deferred model is built later instead, on
the first request, and the warning escapes there. These subclasses change nothing but that:
they are built when the server is imported.
"""

from __future__ import annotations

from prefect.schemas import actions, filters
from pydantic import ConfigDict

_EAGER = ConfigDict(defer_build=False)


class FlowCreate(actions.FlowCreate):
    model_config = _EAGER


class FlowRunCreate(actions.FlowRunCreate):
    model_config = _EAGER


class FlowRunUpdate(actions.FlowRunUpdate):
    model_config = _EAGER


class TaskRunCreate(actions.TaskRunCreate):
    model_config = _EAGER


class SetStateBody(actions.SetStateBody):
    model_config = _EAGER


class FlowFilterRequest(filters.FlowFilterRequest):
    model_config = _EAGER


class FlowRunFilterRequest(filters.FlowRunFilterRequest):
    model_config = _EAGER


class TaskRunFilterRequest(filters.TaskRunFilterRequest):
    model_config = _EAGER


class CountRequest(filters.CountRequest):
    model_config = _EAGER


class LogFilterRequest(filters.LogFilterRequest):
    model_config = _EAGER
