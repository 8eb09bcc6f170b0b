"""Storage operations per resource, on a session the caller opened (read or write)."""
