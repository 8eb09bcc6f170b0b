"""Health and version routes."""

from __future__ import annotations

import prefect
from fastapi import APIRouter

# The REST API version Prefect 3 clients expect to talk to.
API_VERSION = "0.8.4"

router = APIRouter(tags=["Root"])


@router.get("/health")
async def health() -> bool:
    return True


@router.get("/version")
async def version() -> str:
    return API_VERSION


@router.get("/admin/version")
async def server_version() -> str:
    return prefect.__version__
