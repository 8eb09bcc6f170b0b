"""The state store: engine, ORM tables, filters as SQL, and migrations."""
