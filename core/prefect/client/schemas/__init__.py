"""`prefect.client.schemas`: where Prefect 3 user code imports wire models from.

The submodules are the very modules of `prefect.schemas` (registered under both names), so
`from prefect.client.schemas.filters import FlowRunFilter` keeps working unchanged and there
is still one copy of every model.
"""

import sys

from prefect.schemas import actions, filters, objects, responses, sorting
from prefect.schemas.objects import FlowRun, State, StateType, TaskRun

for _module in (actions, filters, objects, responses, sorting):
    sys.modules[f"{__name__}.{_module.__name__.rsplit('.', 1)[1]}"] = _module

__all__ = [
    "FlowRun",
    "State",
    "StateType",
    "TaskRun",
    "actions",
    "filters",
    "objects",
    "responses",
    "sorting",
]
