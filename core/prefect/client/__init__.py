"""Clients of the orchestration API.

    from prefect.client.orchestration import get_client

    async with get_client() as client:
        runs = await client.read_flow_runs(limit=10)

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)

With ``PREFECT_API_URL`` set the client talks HTTP; without it, it opens the embedded store
(the server's own code on the SQLite file in ``PREFECT_HOME``) in this process.
"""
