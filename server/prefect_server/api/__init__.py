"""REST routes under /api, one module per resource, with Prefect 3's paths."""
