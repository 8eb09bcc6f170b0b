"""Routes: Concurrency limits: v1 by tag, v2 global limits with leases."""

from __future__ import annotations

from fastapi import APIRouter

# every router here is mounted under /api by `prefect_server.app`
routers: list[APIRouter] = []
