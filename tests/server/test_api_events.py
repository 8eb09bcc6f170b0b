"""/api/events: persist, filter, page, count-by (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from prefect._time import now

Json = dict[str, Any]

# a fixed hour, well inside the default 180-day window of a filter
T0 = (now() - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def event(
    name: str,
    resource_id: str,
    *,
    minutes: float = 0,
    labels: dict[str, str] | None = None,
    related: list[Json] | None = None,
    **fields: Any,
) -> Json:
    return {
        "id": str(uuid.uuid4()),
        "occurred": at(minutes),
        "event": name,
        "resource": {"prefect.resource.id": resource_id, **(labels or {})},
        "related": related or [],
        "payload": fields.pop("payload", {}),
        **fields,
    }


def rel(resource_id: str, role: str, **labels: str) -> Json:
    return {"prefect.resource.id": resource_id, "prefect.resource.role": role, **labels}


async def post(api: httpx.AsyncClient, *events: Json) -> None:
    response = await api.post("/events", json=list(events))
    assert response.status_code == 204, response.text


async def names(api: httpx.AsyncClient, flt: Json, limit: int = 50) -> list[str]:
    window = {"since": at(-60), "until": at(600)}
    body = {"filter": {"occurred": window, **flt}, "limit": limit}
    response = await api.post("/events/filter", json=body)
    assert response.status_code == 200, response.text
    return [e["event"] for e in response.json()["events"]]


async def test_events_are_stored_once_with_their_shape(api) -> None:
    first = event(
        "etl.started",
        "etl.job.1",
        labels={"prefect.resource.name": "job one"},
        related=[rel("etl.owner.ann", "owner")],
        payload={"rows": 3},
        follows=str(uuid.uuid4()),
    )
    await post(api, first)
    # the same id again, alone or in a batch, is not stored twice
    await post(api, first, event("etl.finished", "etl.job.1", minutes=1))

    page = (await api.post("/events/filter", json={"filter": {"order": "ASC"}})).json()
    assert page["total"] == 2 and page["next_page"] is None
    stored = page["events"][0]
    assert stored["id"] == first["id"] and stored["follows"] == first["follows"]
    assert stored["resource"] == first["resource"] and stored["related"] == first["related"]
    assert stored["payload"] == {"rows": 3}
    assert datetime.fromisoformat(stored["occurred"]) == T0
    received = datetime.fromisoformat(stored["received"])
    assert abs(received - now()) < timedelta(minutes=1)


async def test_bad_events_are_422(api) -> None:
    good = event("a.b", "r.1")
    bad_bodies: list[Any] = [
        [{**good, "resource": {"prefect.resource.name": "no id"}}],
        [{**good, "resource": {"prefect.resource.id": ""}}],
        [{**good, "related": [{"prefect.resource.id": "x"}]}],  # no role
        [{**good, "resource": {"prefect.resource.id": "r", "n": 1}}],  # labels are strings
        [{**good, "event": ""}],
        [{**good, "related": [rel(f"r.{i}", "x") for i in range(101)]}],
        [{**good, "occurred": "yesterday"}],
        {"event": "not a list"},
    ]
    for body in bad_bodies:
        response = await api.post("/events", json=body)
        assert response.status_code == 422, body
    assert (await api.post("/events/filter")).json()["total"] == 0


async def test_filter_by_time_name_id_and_order(api) -> None:
    events = [
        event("prefect.flow-run.Running", "prefect.flow-run.1", minutes=1),
        event("prefect.flow-run.Completed", "prefect.flow-run.1", minutes=2),
        event("prefect.task-run.Running", "prefect.task-run.1", minutes=3),
        event("custom.thing", "thing.1", minutes=4),
    ]
    await post(api, *events)
    assert await names(api, {}) == [e["event"] for e in reversed(events)]
    assert await names(api, {"order": "ASC"}, limit=2) == [events[0]["event"], events[1]["event"]]
    within = {"occurred": {"since": at(1.5), "until": at(3)}}
    assert await names(api, within) == ["prefect.task-run.Running", "prefect.flow-run.Completed"]
    body = {"filter": within}
    assert (await api.post("/events/filter", json=body)).json()["total"] == 2

    flow_runs = await names(api, {"event": {"prefix": ["prefect.flow-run."]}})
    assert flow_runs == ["prefect.flow-run.Completed", "prefect.flow-run.Running"]
    assert await names(
        api, {"event": {"prefix": ["prefect."], "exclude_prefix": ["prefect.f"]}}
    ) == ["prefect.task-run.Running"]
    assert await names(api, {"event": {"name": ["custom.thing", "nope"]}}) == ["custom.thing"]
    assert len(await names(api, {"event": {"exclude_name": ["custom.thing"]}})) == 3
    assert await names(api, {"id": {"id": [events[2]["id"]]}}) == ["prefect.task-run.Running"]


async def test_prefixes_are_literal_and_case_sensitive(api) -> None:
    await post(
        api,
        event("Upper.case", "a_b.1"),
        event("upper.case", "axb.1", minutes=1),
        event("percent%sign", "r.%", minutes=2),
    )
    assert await names(api, {"event": {"prefix": ["upper."]}}) == ["upper.case"]
    assert await names(api, {"resource": {"id_prefix": ["a_b"]}}) == ["Upper.case"]
    assert await names(api, {"event": {"prefix": ["percent%"]}}) == ["percent%sign"]
    assert await names(api, {"event": {"prefix": ["p%"]}}) == []


async def test_filter_by_primary_resource(api) -> None:
    await post(
        api,
        event("e.1", "prefect.flow-run.a", labels={"prefect.resource.name": "nightly-etl"}),
        event("e.2", "prefect.flow-run.b", minutes=1, labels={"prefect.resource.name": "hourly"}),
        event("e.3", "prefect.task-run.c", minutes=2, labels={"env": "prod"}),
    )
    assert await names(api, {"resource": {"id": ["prefect.flow-run.b"]}}) == ["e.2"]
    assert await names(api, {"resource": {"id_prefix": ["prefect.flow-run."]}}) == ["e.2", "e.1"]
    by_name = {"resource": {"labels": {"prefect.resource.name": "nightly-*"}}}
    assert await names(api, by_name) == ["e.1"]
    not_hourly = {"resource": {"labels": {"prefect.resource.name": "!hourly"}}}
    # a negated label still requires the label
    assert await names(api, not_hourly) == ["e.1"]
    by_id_label = {"resource": {"labels": {"prefect.resource.id": ["prefect.task-run.*"]}}}
    assert await names(api, by_id_label) == ["e.3"]
    assert await names(api, {"resource": {"labels": {"env": []}}}) == []


async def test_filter_by_related_and_any_resource(api) -> None:
    flow = rel("prefect.flow.f1", "flow", **{"prefect.resource.name": "etl"})
    tag = rel("prefect.tag.nightly", "tag")
    await post(
        api,
        event("e.1", "prefect.flow-run.a", related=[flow, tag]),
        event("e.2", "prefect.flow-run.b", minutes=1, related=[flow]),
        event("e.3", "prefect.flow.f1", minutes=2),
    )
    assert await names(api, {"related": {"id": ["prefect.flow.f1"]}}) == ["e.2", "e.1"]
    assert await names(api, {"related": {"role": ["tag"]}}) == ["e.1"]
    in_role = {"related": {"resources_in_roles": [["prefect.tag.nightly", "tag"]]}}
    assert await names(api, in_role) == ["e.1"]
    wrong_role = {"related": {"resources_in_roles": [["prefect.tag.nightly", "flow"]]}}
    assert await names(api, wrong_role) == []
    by_label = {
        "related": {"labels": {"prefect.resource.name": "etl", "prefect.resource.role": "flow"}}
    }
    assert await names(api, by_label) == ["e.2", "e.1"]
    # a list of related filters must all hold (through different resources)
    both = {"related": [{"role": ["tag"]}, {"id": ["prefect.flow.f1"]}]}
    assert await names(api, both) == ["e.1"]
    # the primary resource never satisfies a related filter
    assert await names(api, {"related": {"id": ["prefect.flow-run.a"]}}) == []

    # any_resource: the primary or a related resource
    assert await names(api, {"any_resource": {"id": ["prefect.flow.f1"]}}) == ["e.3", "e.2", "e.1"]
    assert await names(api, {"any_resource": {"id_prefix": ["prefect.tag."]}}) == ["e.1"]
    named = {"any_resource": {"labels": {"prefect.resource.name": "et*"}}}
    assert await names(api, named) == ["e.2", "e.1"]


async def test_distinct_resources(api) -> None:
    await post(
        api,
        event("e.1", "r.a"),
        event("e.2", "r.a", minutes=1),
        event("e.3", "r.b", minutes=2),
    )
    body = {"filter": {"resource": {"distinct": True}}}
    page = (await api.post("/events/filter", json=body)).json()
    assert [e["event"] for e in page["events"]] == ["e.3", "e.2"]
    assert page["total"] == 2


async def test_filter_bodies_are_checked(api) -> None:
    assert (await api.post("/events/filter", json={"filter": {"evnt": {}}})).status_code == 422
    assert (await api.post("/events/filter", json={"limit": 51})).status_code == 422
    assert (await api.post("/events/filter", json={"limit": -1})).status_code == 422
    bad_prefix = {"filter": {"event": {"prefix": "not-a-list"}}}
    assert (await api.post("/events/filter", json=bad_prefix)).status_code == 422
    bad_order = {"filter": {"order": "SIDEWAYS"}}
    assert (await api.post("/events/filter", json=bad_order)).status_code == 422
    empty = await api.post("/events/filter", json={"limit": 0})
    assert empty.status_code == 200 and empty.json()["events"] == []


async def test_pages_follow_next_page_links(api) -> None:
    await post(api, *[event(f"e.{i}", f"r.{i}", minutes=i) for i in range(5)])
    body = {"filter": {"order": "ASC"}, "limit": 2}
    page = (await api.post("/events/filter", json=body)).json()
    seen = [e["event"] for e in page["events"]]
    assert page["total"] == 5
    link = urlsplit(page["next_page"])
    assert (link.scheme, link.netloc, link.path) == ("http", "test", "/api/events/filter/next")
    while page["next_page"] is not None:
        response = await api.get(page["next_page"])
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["total"] == 5
        seen += [e["event"] for e in page["events"]]
    assert seen == [f"e.{i}" for i in range(5)]

    for token in ("not base64!", quote("bm90IGpzb24="), ""):
        response = await api.get(f"/events/filter/next?page-token={token}")
        assert response.status_code == 403, token
    assert (await api.get("/events/filter/next")).status_code == 422


async def test_count_by_event_and_resource(api) -> None:
    await post(
        api,
        event("a.done", "r.1", labels={"prefect.resource.name": "old name"}),
        event("a.done", "r.1", minutes=5, labels={"prefect.resource.name": "new name"}),
        event("b.done", "r.2", minutes=1),
        event("a.done", "r.3", minutes=2, labels={"prefect.name": "legacy"}),
    )
    window = {"occurred": {"since": at(-60), "until": at(60)}}
    by_event = (await api.post("/events/count-by/event", json={"filter": window})).json()
    assert [(c["value"], c["label"], c["count"]) for c in by_event] == [
        ("a.done", "a.done", 3),
        ("b.done", "b.done", 1),
    ]
    assert datetime.fromisoformat(by_event[0]["start_time"]) == T0
    assert datetime.fromisoformat(by_event[0]["end_time"]) == T0 + timedelta(minutes=5)

    by_resource = (await api.post("/events/count-by/resource", json={"filter": window})).json()
    # a renamed resource is one count under its latest name; ties go by label
    assert [(c["value"], c["label"], c["count"]) for c in by_resource] == [
        ("r.1", "new name", 2),
        ("r.3", "legacy", 1),
        ("r.2", "r.2", 1),
    ]
    narrowed = {"filter": {**window, "event": {"name": ["b.done"]}}}
    assert [
        c["value"] for c in (await api.post("/events/count-by/resource", json=narrowed)).json()
    ] == ["r.2"]


async def test_count_by_time_buckets(api) -> None:
    await post(
        api,
        event("e", "r", minutes=5),
        event("e", "r", minutes=10),
        event("e", "r", minutes=125),
        event("e", "r", minutes=60),  # exactly on a bucket boundary: the later bucket
    )
    window = {"occurred": {"since": at(0), "until": at(179)}}
    body = {"filter": window, "time_unit": "hour", "time_interval": 1}
    counts = (await api.post("/events/count-by/time", json=body)).json()
    assert [c["value"] for c in counts] == ["0", "1", "2"]
    assert [c["count"] for c in counts] == [2, 1, 1]
    assert counts[1]["label"] == (T0 + timedelta(hours=1)).isoformat()
    assert datetime.fromisoformat(counts[1]["start_time"]) == T0 + timedelta(hours=1)
    end = datetime.fromisoformat(counts[1]["end_time"])
    assert end == T0 + timedelta(hours=2) - timedelta(microseconds=1)

    halves = {"filter": window, "time_unit": "minute", "time_interval": 30}
    counts = (await api.post("/events/count-by/time", json=halves)).json()
    assert len(counts) == 6 and [c["count"] for c in counts] == [2, 0, 1, 0, 1, 0]

    day_start = T0.replace(hour=0)
    days = {"filter": {"occurred": {"since": day_start.isoformat(), "until": at(179)}}}
    counts = (await api.post("/events/count-by/day", json=days)).json()
    assert sum(c["count"] for c in counts) == 4
    assert datetime.fromisoformat(counts[0]["start_time"]) == day_start.astimezone(UTC)


async def test_count_by_bad_parameters(api) -> None:
    week = {"occurred": {"since": at(-7 * 24 * 60), "until": at(0)}}
    too_many = {"filter": week, "time_unit": "second", "time_interval": 1}
    response = await api.post("/events/count-by/time", json=too_many)
    assert response.status_code == 422
    assert "too many" in response.json()["detail"]
    tiny = {"filter": week, "time_unit": "hour", "time_interval": 0.001}
    assert (await api.post("/events/count-by/time", json=tiny)).status_code == 422
    bad_unit = {"filter": week, "time_unit": "fortnight"}
    assert (await api.post("/events/count-by/time", json=bad_unit)).status_code == 422
    assert (await api.post("/events/count-by/colour", json={"filter": {}})).status_code == 422
    # the filter is required, as in Prefect
    assert (await api.post("/events/count-by/event", json={})).status_code == 422


async def test_times_without_a_zone_are_utc(api) -> None:
    naive = T0.replace(tzinfo=None)
    await post(api, {**event("naive.time", "r.1"), "occurred": naive.isoformat()})
    window = {"since": (naive - timedelta(minutes=1)).isoformat(), "until": naive.isoformat()}
    page = (await api.post("/events/filter", json={"filter": {"occurred": window}})).json()
    assert [datetime.fromisoformat(e["occurred"]) for e in page["events"]] == [T0]


async def test_text_search_and_prefect_clients_empty_id_list(api) -> None:
    await post(
        api,
        event("job.failed", "r.1", payload={"error": "Connection timeout at db"}),
        event("job.debug", "r.2", minutes=1, payload={"note": "debug connection"}),
        event("job.done", "r.3", minutes=2, labels={"prefect.resource.name": "Nightly"}),
    )

    async def found(query: str) -> list[str]:
        # Prefect's own client sends `"id": {"id": []}`: no condition
        return await names(api, {"text": {"query": query}, "id": {"id": []}})

    assert await found("TIMEOUT") == ["job.failed"]
    assert await found("connection -debug") == ["job.failed"]
    assert await found('"connection timeout"') == ["job.failed"]
    assert await found("connection +debug") == ["job.debug"]
    assert await found("nightly") == ["job.done"]
    assert len(await found("job")) == 3
    too_long = {"filter": {"text": {"query": "x" * 201}}}
    assert (await api.post("/events/filter", json=too_long)).status_code == 422


async def test_live_matching_agrees_with_the_store(api) -> None:
    """Websocket subscribers are matched in memory; they must see what a query sees."""
    from prefect.schemas.events import EventFilter, ReceivedEvent
    from prefect_server.events.matching import includes

    flow = rel("prefect.flow.f1", "flow", **{"prefect.resource.name": "etl"})
    tag = rel("prefect.tag.nightly", "tag")
    events = [
        event("prefect.flow-run.Running", "prefect.flow-run.a", related=[flow, tag]),
        event("prefect.flow-run.Failed", "prefect.flow-run.b", minutes=1, related=[flow]),
        event("Custom.Thing", "thing.1", minutes=2, labels={"env": "prod"}, payload={"x": "Boom"}),
        event("custom.thing", "a_b", minutes=3, labels={"env": "dev"}),
    ]
    await post(api, *events)
    filters: list[Json] = [
        {},
        {"event": {"prefix": ["prefect.flow-run."], "exclude_name": ["prefect.flow-run.Failed"]}},
        {"event": {"prefix": ["custom."]}},
        {"resource": {"id_prefix": ["a_"]}},
        {"resource": {"labels": {"env": ["!dev"]}}},
        {"resource": {"labels": {"env": ["pr*", "dev"]}}},
        {"related": {"role": ["tag"]}},
        {"related": [{"id": ["prefect.flow.f1"]}, {"labels": {"prefect.resource.role": "tag"}}]},
        {"related": {"labels": {"prefect.resource.name": "e*"}}},
        {"any_resource": {"id": ["thing.1", "prefect.tag.nightly"]}},
        {"any_resource": {"labels": {"prefect.resource.name": ["etl"]}}},
        {"text": {"query": "boom"}},
        {"id": {"id": [events[1]["id"]]}},
        {"id": {"id": []}},
    ]
    received = [ReceivedEvent.model_validate(e) for e in events]
    for flt in filters:
        window = {"occurred": {"since": at(-1), "until": at(10)}}
        stored = set(await names(api, {**window, **flt}))
        parsed = EventFilter.model_validate({**window, **flt})
        live = {e.event for e in received if includes(parsed, e)}
        assert live == stored, flt
        # every filter but the empty ones narrows (so the comparison means something)
        assert flt in ({}, {"id": {"id": []}}) or len(stored) < len(events), flt
