"""`:events`: the live event stream of the API server, newest first.

Events arrive over the server's websocket in a worker and are drawn in small batches
(`FLUSH_SECONDS`): rows are added and the table re-ordered by time, never rebuilt, so a
busy stream does not stall the screen. At most `MAX_EVENTS` are kept. `p` pauses the view
(events keep arriving and are held, then shown on resume), `/` filters, Enter shows an
event whole. Event names, resource ids and payloads are untrusted: no markup, no control
characters.

On the embedded store there is no server to stream from: the screen says so and shows the
latest stored events instead (`r` reads them again).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from prefect_console.ops import present
from prefect_console.ops.text import one_line
from prefect_console.tui.screens.base import ConsoleScreen, describe_error
from prefect_console.tui.widgets import ConsoleTable, plain

if TYPE_CHECKING:
    from datetime import datetime

    from prefect.schemas.events import ReceivedEvent
    from textual.app import ComposeResult

MAX_EVENTS = 1000
FLUSH_SECONDS = 0.25
RETRY_SECONDS = 5.0
# Fixed widths: rows arrive while the table is drawn, and a column sized to its content
# can be drawn at its header's width until the next change (DataTable measures on idle).
COLUMNS = (
    ("occurred", "Occurred", 11),
    ("event", "Event", 32),
    ("resource", "Resource", 60),
)


class _Stamp(Text):
    """The time cell, carrying the order it sorts by (occurred, then arrival)."""

    order: tuple[float, int] = (0.0, 0)


class EventsScreen(ConsoleScreen):
    CSS_PATH = "events.tcss"
    crumb = "events"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "toggle_pause", "Pause", id="events.pause"),
        Binding("slash", "filter", "Filter", key_display="/", id="events.filter"),
        Binding("enter", "inspect_event", "Inspect", id="events.inspect"),
        Binding("c", "clear", "Clear", show=False, id="events.clear"),
        Binding("r", "refresh", "Reconnect", show=False, id="events.refresh"),
        Binding("j", "cursor_down", "Down", show=False, id="events.down"),
        Binding("k", "cursor_up", "Up", show=False, id="events.up"),
        Binding("g", "cursor_top", "Newest", show=False, id="events.top"),
        Binding("G", "cursor_bottom", "Oldest", show=False, id="events.bottom"),
        Binding("escape", "back", "Back", show=False, id="events.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.events: dict[str, ReceivedEvent] = {}
        self._pending: list[ReceivedEvent] = []
        self._held = 0
        self._arrivals = 0
        self.paused = False
        self.filter_text = ""
        self.live = False  # streaming from a server (False: the embedded store's stored ones)
        self.connected = False
        self._error: str | None = None
        self._updated: datetime | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield Static(id="events-notice", markup=False)
        table: DataTable[Text] = ConsoleTable(id="events", cursor_type="row")
        for key, label, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table
        yield from self.compose_status()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#events", DataTable)

    def on_mount(self) -> None:
        self.set_interval(FLUSH_SECONDS, self._flush)
        self.reload()

    def reload(self) -> None:
        self.events.clear()
        self._pending.clear()
        self.table.clear()
        self.live = bool(self.console.settings.api_url)
        notice = self.query_one("#events-notice", Static)
        notice.display = not self.live
        if not self.live:
            notice.update(
                Text(
                    "Embedded store: no live stream (it needs `prefect server start` and "
                    "PREFECT_API_URL). The latest stored events, r reads them again:"
                )
            )
            self.load_stored()
        else:
            self.status.show("Connecting to the event stream...")
            self.follow()

    # -- data -----------------------------------------------------------------------------

    @work(exclusive=True, group="events", exit_on_error=False)
    async def follow(self) -> None:
        """Stream until the screen goes away; after a failure, say so and try again."""
        from prefect_console.ops.errors import ConsoleError
        from prefect_console.ops.events import stream_events

        while True:
            try:
                stream = stream_events(self.console.settings.api_url)
                self.connected, self._error = True, None
                self.show_status()
                async for event in stream:
                    self._pending.append(event)
                    self.loaded = True
            except asyncio.CancelledError:
                raise
            except ConsoleError as exc:
                self._error = exc.message
            except Exception as exc:
                self._error = describe_error(exc)
            self.connected = False
            self.loaded = True
            self.show_status()
            await asyncio.sleep(RETRY_SECONDS)

    @work(exclusive=True, group="events", exit_on_error=False)
    async def load_stored(self) -> None:
        from prefect_console.ops.events import recent_events

        try:
            client = await self.console.client()
            found = await recent_events(client)
        except Exception as exc:
            self._error = describe_error(exc)
        else:
            self._error = None
            self._pending.extend(reversed(found))  # oldest first, as a stream delivers
            self._flush()
            self._updated = self.console.clock()
        finally:
            self.loaded = True
            self.show_status()

    def _flush(self) -> None:
        if not self._pending:
            return
        if self.paused:
            del self._pending[:-MAX_EVENTS]  # held, but bounded: the oldest give way
            self._held = len(self._pending)
            self.show_status()
            return
        batch, self._pending, self._held = self._pending, [], 0
        table = self.table
        keep_top = table.cursor_row == 0
        selected = self._cursor_key()
        added = False
        for event in batch:
            key = str(event.id)
            if key in self.events:
                continue
            self.events[key] = event
            if self._matches(event):
                table.add_row(*self._cells(event), key=key)
                added = True
        self._trim()
        if added:
            table.sort(key=lambda values: values[0].order, reverse=True)
            if keep_top or selected is None:
                table.move_cursor(row=0, animate=False)
            elif selected in self.events and selected in table.rows:
                table.move_cursor(row=table.get_row_index(selected), animate=False)
        self._updated = self.console.clock()
        self.show_status()

    def _trim(self) -> None:
        excess = len(self.events) - MAX_EVENTS
        if excess <= 0:
            return
        oldest = sorted(self.events.values(), key=lambda e: e.occurred)[:excess]
        for event in oldest:
            key = str(event.id)
            del self.events[key]
            if key in self.table.rows:
                self.table.remove_row(key)

    def _cells(self, event: ReceivedEvent) -> tuple[Text, Text, Text]:
        self._arrivals += 1
        # time of day for today's events, month-day and minutes for older ones
        stamp = _Stamp(present.short_time(event.occurred, self.console.clock()))
        stamp.order = (event.occurred.timestamp(), self._arrivals)
        return stamp, plain(event.event), plain(event.resource.id)

    def _matches(self, event: ReceivedEvent) -> bool:
        needle = self.filter_text.lower()
        if not needle:
            return True
        return needle in one_line(f"{event.event} {event.resource.id}").lower()

    def _rebuild(self) -> None:
        """Draw the kept events again (the filter changed)."""
        table = self.table
        table.clear()
        shown = [e for e in self.events.values() if self._matches(e)]
        shown.sort(key=lambda e: e.occurred, reverse=True)
        for event in shown:
            table.add_row(*self._cells(event), key=str(event.id))
        self.show_status()

    def _cursor_key(self) -> str | None:
        table = self.table
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def show_status(self) -> None:
        shown = self.table.row_count
        parts = [f"{shown} event{'s' if shown != 1 else ''}"]
        if self.live:
            parts.append("paused" if self.paused else "live" if self.connected else "connecting")
            if self.paused and self._held:
                parts.append(f"{self._held} new held")
        if self.filter_text:
            parts.append(f"filter /{self.filter_text} ({shown} of {len(self.events)}, esc clears)")
        if self._updated is not None:
            parts.append(f"updated {self._updated.astimezone():%H:%M:%S}")
        if self._error is not None:
            retry = f" · retrying in {RETRY_SECONDS:g}s" if self.live else ""
            self.status.show(f"{self._error}{retry}", stale=True)
        else:
            self.status.show(" · ".join(parts))

    # -- actions --------------------------------------------------------------------------

    def disabled_reason(self, action: str) -> str | None:
        reason = super().disabled_reason(action)
        if reason is None and action == "toggle_pause" and not self.live:
            return "nothing streams from the embedded store"
        if reason is None and action == "inspect_event" and self._cursor_key() is None:
            return "no event selected"
        return reason

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        if not self.paused:
            self._flush()
        self.show_status()

    def action_filter(self) -> None:
        from prefect_console.tui.screens.prompt import PromptScreen

        def live(value: str) -> None:
            self.filter_text = value.strip()
            self._rebuild()

        def done(value: str | None) -> None:
            live(value if value is not None else before)

        before = self.filter_text
        self.app.push_screen(
            PromptScreen("/", value=before, on_change=live, placeholder="filter events"), done
        )

    def action_clear(self) -> None:
        self.events.clear()
        self.table.clear()
        self.show_status()

    def action_refresh(self) -> None:
        if self.live:
            self._error = None
            self.status.show("Connecting to the event stream...")
            self.follow()
        else:
            self.load_stored()

    def action_inspect_event(self) -> None:
        from prefect_console.tui.screens.object_view import ObjectScreen

        key = self._cursor_key()
        event = self.events.get(key) if key is not None else None
        if event is None:
            return
        fields = [
            ("Event", event.event),
            ("Occurred", event.occurred.astimezone().isoformat()),
            ("Resource", _labels(event.resource.root)),
            ("Related", "\n".join(_labels(r.root) for r in event.related) or "-"),
            ("Payload", json.dumps(event.payload, indent=2, default=str)),
            ("ID", str(event.id)),
        ]
        copy = json.dumps(event.model_dump(mode="json"))
        self.app.push_screen(ObjectScreen(f"Event {one_line(event.event)}", fields, copy=copy))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_inspect_event()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_cursor_top(self) -> None:
        self.table.move_cursor(row=0, animate=False)

    def action_cursor_bottom(self) -> None:
        self.table.move_cursor(row=max(self.table.row_count - 1, 0), animate=False)

    def action_back(self) -> None:
        if self.filter_text:
            self.filter_text = ""
            self._rebuild()
        elif len(self.app.screen_stack) > 2:
            self.app.pop_screen()


def _labels(labels: dict[str, Any]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in labels.items())
