"""The bundled API server, state store and background services."""
