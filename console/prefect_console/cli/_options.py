"""Options shared by many commands (kept import-light: typer and enum only)."""

from __future__ import annotations

import enum
from typing import Annotated

import typer


class OutputFormat(enum.StrEnum):
    json = "json"


Output = Annotated[
    OutputFormat | None,
    typer.Option("--output", "-o", help="Print JSON (the API objects) instead of a table."),
]
