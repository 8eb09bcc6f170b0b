"""`:limits`: concurrency limits, by task tag (v1) and global (v2), in one table.

Each row shows whether the limit is active, how many slots are taken of how many, and
(global limits) how fast taken slots free themselves. `c` limits a tag, `C` creates a
global limit (both ask `NAME LIMIT`), `e` changes the limit under the cursor, `a`
enables or disables a global limit, `x` frees a tag's slots, `d` deletes (after a
confirmation); Enter shows one whole, with the task runs holding a tag's slots.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from prefect_console.ops import present
from prefect_console.tui.screens.resource_table import Fetched, ResourceTableScreen
from prefect_console.tui.screens.table import Row
from prefect_console.tui.widgets import plain

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.concurrency import ConcurrencyLimit, GlobalConcurrencyLimitResponse

LIMIT_COUNT = 1000
TAG, GLOBAL = "tag", "global"
ON_ROW = {"inspect_limit", "edit_limit", "delete_limit", "toggle_active", "reset_limit"}


@dataclass(frozen=True)
class LimitRow:
    kind: str  # TAG or GLOBAL
    name: str
    tag_limit: ConcurrencyLimit | None = None
    global_limit: GlobalConcurrencyLimitResponse | None = None

    @property
    def limit(self) -> int:
        if self.tag_limit is not None:
            return self.tag_limit.concurrency_limit
        assert self.global_limit is not None
        return self.global_limit.limit


def _slots(used: int, limit: int) -> Text:
    text = Text(f"{used}/{limit}", justify="right")
    if limit and used >= limit:
        text.stylize("bold yellow")
    return text


class ConcurrencyLimitsScreen(ResourceTableScreen):
    TABLE_ID = "limits"
    crumb = "limits"
    noun = ("limit", "limits")
    COLUMNS = (
        ("kind", "Kind", 6),
        ("name", "Name", None),
        ("active", "Active", 6),
        ("slots", "Slots", 9),
        ("decay", "Decay/s", 7),
        ("updated", "Updated", 19),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        *ResourceTableScreen.BINDINGS,
        Binding("enter", "inspect_limit", "Inspect", id="limits.inspect"),
        Binding("c", "create_tag_limit", "Limit tag", id="limits.create_tag"),
        Binding("C", "create_global_limit", "New global", id="limits.create_global"),
        Binding("e", "edit_limit", "Edit", id="limits.edit"),
        Binding("a", "toggle_active", "On/off", id="limits.toggle"),
        Binding("x", "reset_limit", "Reset slots", show=False, id="limits.reset"),
        Binding("d", "delete_limit", "Delete", id="limits.delete"),
        Binding("r", "refresh", "Refresh", show=False, id="limits.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.limits: dict[str, LimitRow] = {}

    async def fetch(self, client: PrefectClient) -> Fetched:
        from prefect_console.ops.concurrency_limits import (
            list_concurrency_limits,
            list_global_limits,
        )

        tags = await list_concurrency_limits(client, limit=LIMIT_COUNT)
        globals_ = await list_global_limits(client, limit=LIMIT_COUNT)
        now = self.console.clock()
        limits: dict[str, LimitRow] = {}
        rows: dict[str, Row] = {}
        for g in globals_:
            key = f"{GLOBAL}:{g.name}"
            limits[key] = LimitRow(GLOBAL, g.name, global_limit=g)
            rows[key] = (
                Text(GLOBAL),
                plain(g.name),
                Text("yes", style="green") if g.active else Text("no", style="bright_black"),
                _slots(g.active_slots, g.limit),
                Text(f"{g.slot_decay_per_second:g}", justify="right"),
                Text(present.format_time(g.updated, now)),
            )
        for t in sorted(tags, key=lambda t: t.tag):
            key = f"{TAG}:{t.tag}"
            limits[key] = LimitRow(TAG, t.tag, tag_limit=t)
            rows[key] = (
                Text(TAG),
                plain(t.tag),
                Text("yes", style="green"),
                _slots(len(t.active_slots), t.concurrency_limit),
                Text("-", justify="right"),
                Text(present.format_time(t.updated, now)),
            )
        self.limits = limits
        search = {key: f"{row[0].plain} {row[1].plain}".lower() for key, row in rows.items()}
        return rows, search

    def status_notes(self) -> list[str]:
        tags = sum(1 for row in self.limits.values() if row.kind == TAG)
        return [f"{len(self.limits) - tags} global, {tags} by tag"]

    @property
    def selected(self) -> LimitRow | None:
        key = self.cursor_key
        return self.limits.get(key) if key is not None else None

    def disabled_reason(self, action: str) -> str | None:
        from prefect_console.tui.screens.base import READ_ONLY_REASON

        reason = super().disabled_reason(action)
        if reason is not None:
            return reason
        if action == "edit_limit" and self.console.read_only:
            return READ_ONLY_REASON
        if action not in ON_ROW:
            return None
        row = self.selected
        if row is None:
            return "no limit selected"
        if action == "toggle_active" and row.kind == TAG:
            return "a tag limit is always active (delete it to lift it)"
        if action == "reset_limit" and row.kind == GLOBAL:
            return "only tag limits reset; set a global limit's slots with `e`"
        return None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_inspect_limit()

    # -- actions --------------------------------------------------------------------------

    def action_inspect_limit(self) -> None:
        from prefect_console.tui.screens.object_view import ObjectScreen

        row = self.selected
        if row is None:
            return
        if row.tag_limit is not None:
            t = row.tag_limit
            holders = "\n".join(str(s) for s in sorted(t.active_slots, key=str)) or "-"
            fields = [
                ("Tag", t.tag),
                ("Limit", str(t.concurrency_limit)),
                ("Active slots", f"{len(t.active_slots)} of {t.concurrency_limit}"),
                ("Held by task runs", holders),
                ("Created", present.format_time(t.created)),
                ("Updated", present.format_time(t.updated)),
                ("ID", str(t.id)),
            ]
            self.console.last_command = f"prefect concurrency-limit inspect {t.tag}"
            self.app.push_screen(ObjectScreen(f"Tag limit {t.tag}", fields, copy=str(t.id)))
            return
        g = row.global_limit
        assert g is not None
        fields = [
            ("Name", g.name),
            ("Active", "yes" if g.active else "no"),
            ("Limit", str(g.limit)),
            ("Active slots", f"{g.active_slots} of {g.limit}"),
            ("Slot decay per second", f"{g.slot_decay_per_second:g}"),
            ("Created", present.format_time(g.created)),
            ("Updated", present.format_time(g.updated)),
            ("ID", str(g.id)),
        ]
        self.console.last_command = f"prefect global-concurrency-limit inspect {g.name}"
        self.app.push_screen(ObjectScreen(f"Global limit {g.name}", fields, copy=str(g.id)))

    def action_create_tag_limit(self) -> None:
        self.prompt("limit tag", self._create_tag, placeholder="TAG LIMIT (e.g. database 5)")

    def _create_tag(self, text: str) -> None:
        from prefect_console.ops.concurrency_limits import create_concurrency_limit

        parsed = _name_and_numbers(text, 1)
        if parsed is None:
            self.notify("Type a tag and a number: TAG LIMIT", severity="warning")
            return
        tag, (limit, *_rest) = parsed
        self.act(
            f"prefect concurrency-limit create {tag} {int(limit)}",
            lambda client: create_concurrency_limit(client, tag, int(limit)),
            f"Tag {tag!r} limited to {int(limit)} task runs.",
        )

    def action_create_global_limit(self) -> None:
        self.prompt(
            "new global limit",
            self._create_global,
            placeholder="NAME LIMIT [DECAY/S] (e.g. api 10 0.5)",
        )

    def _create_global(self, text: str) -> None:
        from prefect_console.ops.concurrency_limits import create_global_limit

        parsed = _name_and_numbers(text, 1, 2)
        if parsed is None:
            self.notify("Type a name and a number: NAME LIMIT [DECAY]", severity="warning")
            return
        name, (limit, *decay) = parsed
        rate = decay[0] if decay else 0.0
        command = f"prefect global-concurrency-limit create {name} --limit {int(limit)}"
        if rate:
            command += f" --slot-decay-per-second {rate:g}"
        self.act(
            command,
            lambda client: create_global_limit(
                client, name, limit=int(limit), slot_decay_per_second=rate
            ),
            f"Created global concurrency limit {name!r}.",
        )

    def action_edit_limit(self) -> None:
        from prefect_console.ops.concurrency_limits import (
            create_concurrency_limit,
            update_global_limit,
        )

        row = self.selected
        if row is None:
            return
        name = row.name
        if row.kind == TAG:

            def save_tag(text: str) -> None:
                parsed = _numbers(text, 1, 1)
                if parsed is None:
                    self.notify("Type the new limit: a whole number", severity="warning")
                    return
                limit = int(parsed[0])
                self.act(
                    f"prefect concurrency-limit create {name} {limit}",
                    lambda client: create_concurrency_limit(client, name, limit),
                    f"Tag {name!r} limited to {limit} task runs.",
                )

            self.prompt(f"limit of tag {name}", save_tag, value=str(row.limit))
            return
        g = row.global_limit
        assert g is not None

        def save_global(text: str) -> None:
            parsed = _numbers(text, 1, 2)
            if parsed is None:
                self.notify("Type LIMIT [DECAY/S], e.g. 10 0.5", severity="warning")
                return
            limit, *decay = parsed
            rate = decay[0] if decay else None
            command = f"prefect global-concurrency-limit update {name} --limit {int(limit)}"
            if rate is not None:
                command += f" --slot-decay-per-second {rate:g}"
            self.act(
                command,
                lambda client: update_global_limit(
                    client, name, limit=int(limit), slot_decay_per_second=rate
                ),
                f"Updated global concurrency limit {name!r}.",
            )

        self.prompt(
            f"{name}: limit decay/s",
            save_global,
            value=f"{g.limit} {g.slot_decay_per_second:g}",
        )

    def action_toggle_active(self) -> None:
        from prefect_console.ops.concurrency_limits import set_global_limit_active

        row = self.selected
        if row is None or row.global_limit is None:
            return
        name, active = row.name, not row.global_limit.active
        verb = "enable" if active else "disable"
        self.act(
            f"prefect global-concurrency-limit {verb} {name}",
            lambda client: set_global_limit_active(client, name, active),
            f"{verb.title()}d global concurrency limit {name!r}.",
        )

    def action_reset_limit(self) -> None:
        from prefect_console.ops.concurrency_limits import reset_concurrency_limit

        row = self.selected
        if row is None or row.kind != TAG:
            return
        tag = row.name
        taken = len(row.tag_limit.active_slots) if row.tag_limit else 0
        self.confirm(
            "Free every slot of this tag's limit?",
            [f"{present.sanitize_cell(tag)}  ({taken} taken)"],
            verb="Reset",
            danger=False,
            then=lambda: self.act(
                f"prefect concurrency-limit reset {tag}",
                lambda client: reset_concurrency_limit(client, tag),
                f"Reset concurrency limit set on the tag: {tag}",
            ),
        )

    def action_delete_limit(self) -> None:
        from functools import partial

        from prefect_console.ops.concurrency_limits import (
            delete_concurrency_limit,
            delete_global_limit,
        )

        row = self.selected
        if row is None:
            return
        name = row.name  # captured: the answer applies to this limit
        if row.kind == TAG:
            group, title = "concurrency-limit", "Delete this tag limit?"
            operation = partial(delete_concurrency_limit, tag=name)
        else:
            group, title = "global-concurrency-limit", "Delete this global limit?"
            operation = partial(delete_global_limit, name=name)
        self.confirm(
            title,
            [present.sanitize_cell(name)],
            verb="Delete",
            then=lambda: self.act(
                f"prefect {group} delete {name} --yes", operation, f"Deleted limit {name!r}."
            ),
        )


def _numbers(text: str, least: int, most: int) -> list[float] | None:
    words = text.split()
    if not least <= len(words) <= most:
        return None
    try:
        numbers = [float(word) for word in words]
    except ValueError:
        return None
    if not numbers[0].is_integer():
        return None
    return numbers


def _name_and_numbers(
    text: str, least: int, most: int | None = None
) -> tuple[str, list[float]] | None:
    """`NAME N [M]` typed in a prompt: the name and the numbers, or None when malformed."""
    words = text.split()
    if len(words) < 2:
        return None
    numbers = _numbers(" ".join(words[1:]), least, most or least)
    return (words[0], numbers) if numbers is not None else None
