"""The run engine: what happens between calling a flow or a task and getting its result.

- `flow_engine`: creates the flow run through the client and proposes its states; the
  server's orchestration rules decide.
- `task_engine`: orchestrates task runs in the flow process and hands their runs and states
  to the reporter; nothing on the task hot path waits for the API.
- `reporter`: batches task-run reports and log records to the API from the API loop.
- `api`: the process's engine client, shared by every run and kept on the API loop.
- `outcomes`: turning a return value or an exception into a final state.
- `caching`: cache keys and records (in result storage) for task runs.
- `remote_tasks`: task runs in other processes (process pool, Dask workers): what is
  shipped there and how the worker side reports.
- `_models`: cheap constructors for wire models built on the hot path.
"""
