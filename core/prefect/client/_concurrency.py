"""Concurrency limit methods (v1 and v2) of the client (Prefect 3 names)."""

from __future__ import annotations

from prefect.client._base import BaseClient


class ConcurrencyLimitClientMixin(BaseClient):
    pass
