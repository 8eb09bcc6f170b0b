"""Small helpers used by flows and tasks (argument binding, annotations, name templates)."""
