"""Run the tasks of a flow on a Dask cluster (the `dask` extra).

    from prefect import flow, task
    from prefect_dask import DaskTaskRunner

    @flow(task_runner=DaskTaskRunner(cluster_kwargs={"n_workers": 2}))
    def crunch(chunks):
        digest.map(chunks)

Needs `pip install "prefect-console[dask]"` (it brings `distributed`).
"""

from prefect_dask.task_runners import DaskNotInstalled, DaskTaskRunner

__all__ = ["DaskNotInstalled", "DaskTaskRunner"]
