"""One screen per resource; each `.tcss` beside its module."""
