"""Routes: Work pools (by name), their queues and workers; work queues by id."""

from __future__ import annotations

from fastapi import APIRouter

# every router here is mounted under /api by `prefect_server.app`
routers: list[APIRouter] = []
