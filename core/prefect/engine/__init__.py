"""The run engine: what happens between calling a flow or a task and getting its result.

- `flow_engine`: creates the flow run through the client and proposes its states; the
  server's orchestration rules decide. `subflow_task`: the task run standing for a
  subflow in its parent.
- `task_engine`: orchestrates task runs in the flow process and hands their runs and states
  to the reporter; nothing on the task hot path waits for the API. `task_inputs`: binding a
  call's arguments, resolving futures, linking inputs; `tag_limits`: which tags carry a
  concurrency limit.
- `reporter`: batches task-run reports and log records to the API from the API loop (and
  holds task threads back while the embedded store takes a batch, or a backlog is sent).
- `api`: the process's engine client, shared by every run and kept on the API loop.
- `outcomes`: turning a return value or an exception into a final state.
- `caching`: cache keys and records (in result storage) for task runs.
- `remote_tasks`: task runs in other processes (process pool, Dask workers): what is
  shipped there and how the worker side reports.
- `_models`: cheap constructors for wire models built on the hot path.
"""
