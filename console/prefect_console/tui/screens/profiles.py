"""`P` / `:profiles`: the profiles in profiles.toml, the active one marked; Enter or
`ctrl+o` makes the one under the cursor active and reconnects to its API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType

from prefect_console.ops import present
from prefect_console.tui.screens.base import describe_action_error
from prefect_console.tui.screens.table import Row, TableScreen
from prefect_console.tui.widgets import plain

if TYPE_CHECKING:
    from textual.app import ComposeResult

ACTIVE = "●"


class ProfilesScreen(TableScreen):
    CSS_PATH = "flow_runs.tcss"
    TABLE_ID = "profiles"
    crumb = "profiles"
    COLUMNS = (
        ("active", "", 1),
        ("name", "Profile", None),
        ("api", "API", None),
        ("settings", "Settings", None),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "use", "Use", id="profiles.use"),
        Binding("ctrl+o", "use", "Use profile", id="profiles.switch"),
        *TableScreen.BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield from self.compose_table()
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        from prefect_console.ops.profiles import list_profiles

        try:
            view = list_profiles(self.console.settings.profiles_path)
        except Exception as exc:  # a broken profiles.toml is reported, not fatal
            self.status.show(describe_action_error(exc), stale=True)
            self.loaded = True
            return
        rows: dict[str, Row] = {}
        for name in view.names:
            values = view.settings.get(name, {})
            active = name == view.active
            rows[name] = (
                Text(ACTIVE if active else "", style="bold green"),
                Text(present.sanitize_cell(name), style="bold" if active else ""),
                plain(values.get("PREFECT_API_URL", "embedded")),
                plain(", ".join(f"{k}={v}" for k, v in values.items() if k != "PREFECT_API_URL")),
            )
        self.set_rows(rows, {key: key.lower() for key in rows})
        if view.active in rows and self.table.row_count:
            self.table.move_cursor(row=self.table.get_row_index(view.active), animate=False)
        self.status.show(
            f"{len(rows)} profiles · active {view.active} · enter or ctrl+o makes one active"
        )
        self.loaded = True

    def action_use(self) -> None:
        name = self.cursor_key
        if name is not None:
            self.use(name)

    def on_data_table_row_selected(self, event: Any) -> None:
        event.stop()
        self.action_use()

    @work(exclusive=True, group="profile", exit_on_error=False)
    async def use(self, name: str) -> None:
        try:
            await self.console.use_profile(name)
        except Exception as exc:
            self.notify(describe_action_error(exc), severity="error")
        else:
            self.notify(f"Profile {name} is active · API {self.console.api_label}")
