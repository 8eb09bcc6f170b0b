"""`i`: what the console is connected to (`prefect version`, `server status`, `config view`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.table import Table
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from prefect_console.ops.system import config_view, server_status, version_info
from prefect_console.ops.text import one_line

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from prefect_console.tui.app import ConsoleApp


class InfoScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,i,q", "close", "Close", id="info.close"),
    ]

    @property
    def console(self) -> ConsoleApp:
        return cast("ConsoleApp", self.app)

    def compose(self) -> ComposeResult:
        app = self.console
        info = version_info(app.settings, app.profile_name)
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for label, value in info.as_dict().items():
            table.add_row(label.replace("_", " ").capitalize(), value)
        settings = Table(box=None, show_header=False, pad_edge=False)
        settings.add_column(style="bold", no_wrap=True)
        settings.add_column(overflow="fold")
        settings.add_column(style="dim", no_wrap=True)
        for entry in config_view(app.settings, app.profile_name).entries:
            settings.add_row(entry.name, one_line(entry.value), entry.source)
        with VerticalScroll(id="info-box"):
            yield Static("Connection", classes="title")
            yield Static(table)
            yield Static(Text("Health: checking..."), id="health", markup=False)
            yield Static("Settings (not defaults)", classes="title")
            yield Static(settings)

    def on_mount(self) -> None:
        self.check_health()

    @work(exclusive=True, group="health", exit_on_error=False)
    async def check_health(self) -> None:
        from prefect_console.tui.screens.base import describe_error

        try:
            client = await self.console.client()
            status = await server_status(client, self.console.settings)
        except Exception as exc:
            text = Text(describe_error(exc), style="red")
        else:
            text = (
                Text("Health: the API answers", style="green")
                if status.healthy
                else Text(f"Health: {one_line(status.error or '')}", style="red")
            )
        self.query_one("#health", Static).update(text)

    def action_close(self) -> None:
        self.app.pop_screen()
