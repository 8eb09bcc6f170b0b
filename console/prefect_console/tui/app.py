"""`prefect ui`: live flow runs, a run's task runs and logs, from any terminal.

    ConsoleApp(read_only=True).run()

The app owns one client for its lifetime (the embedded store or PREFECT_API_URL); the
screens call the operations layer with it from workers, so the UI never waits on I/O.
`clock` is a parameter so that tests and screenshots can freeze "now" (durations of
running runs, the "updated at" line) without a test branch in the product.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from prefect_console.ops.registry import mutating_actions

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.settings import Settings

ClientFactory = Callable[[], AbstractAsyncContextManager[Any]]


def _default_client() -> AbstractAsyncContextManager[Any]:
    from prefect.client.orchestration import get_client

    return get_client()


class ConsoleApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Prefect console"
    # the palette's key would crowd the footer at 80 columns; every verb has its own key
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("i", "show_info", "Info"),
    ]

    def __init__(
        self,
        *,
        read_only: bool = False,
        clock: Callable[[], datetime] | None = None,
        refresh_seconds: float | None = None,
        client_factory: ClientFactory | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__()
        from prefect._time import now
        from prefect.settings import get_current_settings

        from prefect_console.ops.system import active_profile, api_label

        self.settings = settings or get_current_settings()
        self.read_only = read_only
        self.clock = clock or now
        self.refresh_seconds = refresh_seconds or self.settings.ui_refresh_seconds
        self.profile_name = active_profile(self.settings)
        self.api_label = api_label(self.settings)
        self._client_factory = client_factory or _default_client
        self._client_cm: AbstractAsyncContextManager[Any] | None = None
        self._client: PrefectClient | None = None
        self._client_lock = asyncio.Lock()
        # 16-colour friendly: the theme maps onto the terminal's own ANSI palette
        self.theme = "ansi-dark"

    @property
    def context_label(self) -> str:
        mode = "  │  read-only" if self.read_only else ""
        return f"Prefect console  │  profile {self.profile_name}  │  API {self.api_label}{mode}"

    def on_mount(self) -> None:
        from prefect_console.tui.screens.flow_runs import FlowRunsScreen

        self.push_screen(FlowRunsScreen())

    async def client(self) -> PrefectClient:
        """The shared client, opened on first use (and again after a failed open)."""
        async with self._client_lock:
            if self._client is None:
                cm = self._client_factory()
                self._client = await cm.__aenter__()
                self._client_cm = cm
            return self._client

    async def on_unmount(self) -> None:
        cm, self._client_cm, self._client = self._client_cm, None, None
        if cm is not None:
            await cm.__aexit__(None, None, None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # read-only mode dims (None) rather than hides what would change the server
        if self.read_only and action in {name for _target, name in mutating_actions()}:
            return None
        return True

    def action_help(self) -> None:
        from prefect_console.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_show_info(self) -> None:
        from prefect_console.tui.screens.info import InfoScreen

        if not isinstance(self.screen, InfoScreen):
            self.push_screen(InfoScreen())
