"""Wire models shared by the SDK, the client, the server and the console.

One copy only: the server validates requests and shapes responses with these classes.
Names and fields follow Prefect 3's REST API.

- `objects`: what the API returns (Flow, FlowRun, TaskRun, State, Log, ...).
- `actions`: request bodies that create or change objects (FlowRunCreate, StateCreate, ...).
- `filters`: bodies of the `/filter`, `/count`, `/paginate`, `/history` and bulk routes.
- `sorting`: sort orders accepted by those routes.
- `responses`: the orchestration result of `set_state`, pages, history, the run graph.
"""

from prefect.schemas import actions, filters, objects, responses, sorting

__all__ = ["actions", "filters", "objects", "responses", "sorting"]
