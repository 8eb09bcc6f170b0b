"""Facts about the run in progress, read as module attributes.

    from prefect import runtime

    runtime.flow_run.name        # "brisk-otter" inside a flow run, None outside
    runtime.task_run.run_count   # 1 on the first attempt of a task run

Outside a run the attributes are empty (None, {}, [] or 0), so code can read them anywhere.
"""

from prefect.runtime import deployment, flow_run, task_run

__all__ = ["deployment", "flow_run", "task_run"]
