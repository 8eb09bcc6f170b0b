"""Routes: Events: persist, filter, count, and websocket streams (`/events`, Prefect 3).

- `POST /events`: a list of events, stored (204); ids already stored are skipped.
- `POST /events/filter`: `{"filter": {...}, "limit": 50}` -> `{"events", "total",
  "next_page"}`, where `next_page` is the full URL of `GET /events/filter/next?page-token=`.
- `POST /events/count-by/{day|time|event|resource}`: `{"filter": {...}, "time_unit":
  "day", "time_interval": 1.0}` -> a list of counts.
- websockets `/events/out` and `/events/in` (see `prefect_server.events.stream`).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote

from fastapi import (
    APIRouter,
    Body,
    Depends,
    HTTPException,
    Path,
    Query,
    Request,
    Response,
    WebSocket,
    status,
)
from prefect.schemas.events import (
    INTERACTIVE_PAGE_SIZE,
    Countable,
    Event,
    EventCount,
    EventFilter,
    EventPage,
    TimeUnit,
)

from prefect_server.api.dependencies import get_db
from prefect_server.database.engine import Database
from prefect_server.events import store, stream
from prefect_server.events.counting import InvalidEventCountParameters, count_events

router = APIRouter(prefix="/events", tags=["Events"])


@router.post("", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def create_events(events: list[Event], db: Database = Depends(get_db)) -> None:
    async with db.write() as session:
        await store.write_events(session, [event.receive() for event in events])


def _next_page_link(request: Request, token: str | None) -> str | None:
    if not token:
        return None
    # the token travels base64-encoded a second time, as Prefect's links carry it
    encoded = quote(base64.b64encode(token.encode()).decode(), safe="")
    return f"{request.base_url}api/events/filter/next?page-token={encoded}"


@router.post("/filter")
async def read_events(
    request: Request,
    filter: EventFilter | None = Body(None),
    limit: int = Body(INTERACTIVE_PAGE_SIZE, ge=0, le=INTERACTIVE_PAGE_SIZE, embed=True),
    db: Database = Depends(get_db),
) -> EventPage:
    async with db.read() as session:
        events, total, token = await store.query_events(session, filter or EventFilter(), limit)
    return EventPage(events=events, total=total, next_page=_next_page_link(request, token))


def _page_token(page_token: str = Query(..., alias="page-token")) -> str:
    try:
        # a '+' sent unquoted arrives as a space
        raw = page_token.replace(" ", "+").encode()
        token = base64.b64decode(raw, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        token = ""
    if not token:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Invalid page token")
    return token


@router.get("/filter/next")
async def read_events_page(
    request: Request, page_token: str = Depends(_page_token), db: Database = Depends(get_db)
) -> EventPage:
    async with db.read() as session:
        try:
            events, total, token = await store.query_next_page(session, page_token)
        except store.InvalidTokenError:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Invalid page token") from None
    return EventPage(events=events, total=total, next_page=_next_page_link(request, token))


@router.post("/count-by/{countable}")
async def count_events_by(
    filter: EventFilter,
    countable: Countable = Path(...),
    time_unit: TimeUnit = Body(TimeUnit.day),
    time_interval: float = Body(1.0, ge=0.01),
    db: Database = Depends(get_db),
) -> list[EventCount]:
    async with db.read() as session:
        try:
            return await count_events(session, filter, countable, time_unit, time_interval)
        except InvalidEventCountParameters as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None


def _ws_db(websocket: WebSocket) -> Database:
    db: Database | None = getattr(websocket.app.state, "database", None)
    if db is None:
        raise RuntimeError("the store is not open")
    return db


@router.websocket("/out")
async def stream_events_out(websocket: WebSocket) -> None:
    await stream.stream_out(websocket, _ws_db(websocket))


@router.websocket("/in")
async def stream_events_in(websocket: WebSocket) -> None:
    await stream.stream_in(websocket, _ws_db(websocket))


# every router here is mounted under /api by `prefect_server.app`
routers: list[APIRouter] = [router]
