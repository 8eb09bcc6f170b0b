"""The `prefect` command line (typer); see `main`."""
