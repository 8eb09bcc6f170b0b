"""Workers and what they share: base job templates and their rendering (`templates`).

Nothing is imported here, so that `import prefect.workers.templates` (which the server
uses for the default templates of new pools) stays free of the engine and the client.
"""
