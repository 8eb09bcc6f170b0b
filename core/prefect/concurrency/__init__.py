"""Global concurrency limits and rate limits, held from flow and task code.

    from prefect.concurrency.sync import concurrency, rate_limit

    with concurrency("database", occupy=2):     # waits for 2 free slots of "database"
        run_query()

    rate_limit("external-api")                   # waits until a slot has decayed free

`prefect.concurrency.asyncio` has the same names for async code (`async with
concurrency(...)`, `await rate_limit(...)`). Limits are created beforehand
(`prefect global-concurrency-limit create`, or the client); a name without a limit is
not waited for (a warning says so) unless `strict=True`, which raises instead.
"""
