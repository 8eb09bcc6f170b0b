"""Alembic migrations, configured from code (no alembic.ini at run time).

`HEAD` names the newest revision so that startup can compare it with the store's
`alembic_version` in one query, without importing alembic; a test keeps it equal to the
head of `versions/`.
"""

HEAD = "0012_flow_listing_index"
