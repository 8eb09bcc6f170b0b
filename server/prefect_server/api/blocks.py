"""Routes: Block types, block schemas, block documents and block capabilities."""

from __future__ import annotations

from fastapi import APIRouter

# every router here is mounted under /api by `prefect_server.app`
routers: list[APIRouter] = []
