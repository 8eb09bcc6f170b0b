"""Routes: Deployments, their schedules, and runs created from them."""

from __future__ import annotations

from fastapi import APIRouter

# every router here is mounted under /api by `prefect_server.app`
routers: list[APIRouter] = []
