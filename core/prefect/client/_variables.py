"""Variable methods of the client (Prefect 3 names)."""

from __future__ import annotations

from prefect.client._base import BaseClient


class VariableClientMixin(BaseClient):
    pass
