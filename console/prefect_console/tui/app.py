"""`prefect ui`: live flow runs, a run's task runs and logs, from any terminal.

    ConsoleApp(read_only=True).run()

The app owns one client for its lifetime (the embedded store or PREFECT_API_URL); the
screens call the operations layer with it from workers, so the UI never waits on I/O.
Switching profile closes that client and opens one for the new profile's API.
`clock` is a parameter so that tests and screenshots can freeze "now" (durations of
running runs, the "updated at" line) without a test branch in the product.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from prefect_console.ops.registry import mutating_actions
from prefect_console.tui.commands import ConsoleCommands

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
    COMMANDS: ClassVar[set[Any]] = {ConsoleCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("colon", "jump", "Jump", key_display=":", id="app.jump"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("i", "show_info", "Info", show=False, id="app.info"),
        Binding("D", "show_dashboard", "Dashboard", show=False, id="app.dashboard"),
        Binding("F", "show_flows", "Flows", show=False, id="app.flows"),
        Binding("P", "show_profiles", "Profiles", show=False, id="app.profiles"),
        Binding("ctrl+o", "switch_profile", "Switch profile", show=False, id="app.switch_profile"),
    ]

    def __init__(
        self,
        *,
        read_only: bool = False,
        clock: Callable[[], datetime] | None = None,
        refresh_seconds: float | None = None,
        watch_seconds: float = 2.0,
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
        self.watch_seconds = watch_seconds
        self.profile_name = active_profile(self.settings)
        self.api_label = api_label(self.settings)
        # the CLI command doing what the operator last did (`Y` copies it)
        self.last_command: str | None = None
        # runs followed with `w`, and the state each was last seen in
        self.watched: dict[uuid.UUID, str] = {}
        self._client_factory = client_factory or _default_client
        self._client_cm: AbstractAsyncContextManager[Any] | None = None
        self._client: PrefectClient | None = None
        self._client_lock = asyncio.Lock()
        # 16-colour friendly: the theme maps onto the terminal's own ANSI palette
        self.theme = "ansi-dark"
        from prefect_console.tui.keymap import FILE_NAME, load_keymap

        self.user_keymap = load_keymap(self.settings.home / FILE_NAME)
        self.set_keymap(self.user_keymap.keys)

    @property
    def context_label(self) -> str:
        mode = "  │  read-only" if self.read_only else ""
        return f"Prefect  │  profile {self.profile_name}  │  API {self.api_label}{mode}"

    def on_mount(self) -> None:
        from prefect_console.tui.screens.flow_runs import FlowRunsScreen

        self.push_screen(FlowRunsScreen())
        self.call_after_refresh(_freeze_loaded_objects)
        if self.user_keymap.keys or self.user_keymap.problems:
            # after the first paint: checking ids imports every screen
            self.call_after_refresh(self._report_keymap)

    def _report_keymap(self) -> None:
        from prefect_console.tui.keymap import known_binding_ids, taken_keys, unknown_ids

        keymap = self.user_keymap
        problems = [
            *keymap.problems,
            *unknown_ids(keymap, known_binding_ids()),
            *taken_keys(keymap),
        ]
        for problem in problems:
            self.notify(problem, title="keymap", severity="warning", timeout=15)

    async def client(self) -> PrefectClient:
        """The shared client, opened on first use (and again after a failed open)."""
        async with self._client_lock:
            if self._client is None:
                cm = self._client_factory()
                self._client = await cm.__aenter__()
                self._client_cm = cm
            return self._client

    async def close_client(self) -> None:
        async with self._client_lock:
            cm, self._client_cm, self._client = self._client_cm, None, None
        if cm is not None:
            await cm.__aexit__(None, None, None)

    async def on_unmount(self) -> None:
        await self.close_client()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # read-only mode dims (None) rather than hides what would change the server
        if self.read_only and action in {name for _target, name in mutating_actions()}:
            return None
        return True

    # -- navigation -----------------------------------------------------------------------

    def action_help(self) -> None:
        from prefect_console.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_show_info(self) -> None:
        from prefect_console.tui.screens.info import InfoScreen

        if not isinstance(self.screen, InfoScreen):
            self.push_screen(InfoScreen())

    def action_show_flows(self) -> None:
        from prefect_console.tui.screens.flows import FlowsScreen

        self._show(FlowsScreen)

    def action_show_profiles(self) -> None:
        from prefect_console.tui.screens.profiles import ProfilesScreen

        self._show(ProfilesScreen)

    def action_show_dashboard(self) -> None:
        from prefect_console.tui.screens.dashboard import DashboardScreen

        self._show(DashboardScreen)

    def action_show_resource(self, name: str) -> None:
        """Bring up the screen of a resource of `tui.resources` (`:deployments`, ...)."""
        import importlib

        from prefect_console.tui.resources import RESOURCES

        for resource in RESOURCES:
            if resource.name == name:
                module, _, cls = resource.screen.partition(":")
                self._show(getattr(importlib.import_module(module), cls))
                return
        self.notify(f"No screen for {name!r}", severity="warning")

    def action_show_runs(self) -> None:
        from prefect_console.tui.screens.flow_runs import FlowRunsScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, FlowRunsScreen):
            self.pop_screen()

    def _show(self, screen_type: type[Any]) -> None:
        """Bring up a resource screen: back to it if it is on the breadcrumb, else push it
        over the runs list (resources sit side by side, like k9s's views)."""
        for index, screen in enumerate(self.screen_stack):
            if isinstance(screen, screen_type):
                while len(self.screen_stack) > index + 1:
                    self.pop_screen()
                return
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.push_screen(screen_type())

    def action_jump(self) -> None:
        from prefect_console.tui.jump import ALIASES
        from prefect_console.tui.screens.prompt import PromptScreen

        def go(text: str | None) -> None:
            if text:
                self.jump(text)

        self.push_screen(
            PromptScreen(":", placeholder=" ".join(sorted({a[0] for a in ALIASES.values()}))), go
        )

    def jump(self, text: str) -> None:
        from prefect_console.tui.jump import resolve

        target = resolve(text)
        if target is None:
            self.notify(f"No resource called {text.strip()!r} (try :runs, :flows, :profiles)")
            return
        self.call_later(self.run_action, target)

    def action_open_logs(self) -> None:
        """`:logs`: the logs of the run under the cursor (or the run on screen)."""
        from prefect_console.tui.screens.flow_run import FlowRunScreen
        from prefect_console.tui.screens.flow_runs import FlowRunsScreen

        screen = self.screen
        if isinstance(screen, FlowRunScreen):
            screen.action_focus_logs()
            return
        if not isinstance(screen, FlowRunsScreen):
            self.action_show_runs()
            screen = self.screen
        if isinstance(screen, FlowRunsScreen) and screen.cursor_key is not None:
            self.push_screen(FlowRunScreen(uuid.UUID(screen.cursor_key), focus="logs"))
        else:
            self.notify("No flow run selected", severity="warning")

    # -- profiles and watching ------------------------------------------------------------

    def action_switch_profile(self) -> None:
        from prefect_console.tui.screens.profiles import ProfilesScreen

        if isinstance(self.screen, ProfilesScreen):
            self.screen.action_use()
        else:
            self.action_show_profiles()

    async def use_profile(self, name: str) -> None:
        """Make `name` active (as `prefect profile use` does) and reconnect to its API."""
        from prefect.settings import get_current_settings
        from prefect.settings import use_profile as use_in_process

        from prefect_console.ops.profiles import use_profile
        from prefect_console.ops.system import active_profile, api_label
        from prefect_console.tui.screens.base import ConsoleScreen

        use_profile(name, self.settings.profiles_path)
        use_in_process(name)  # this process follows the file's new choice at once
        self.settings = get_current_settings()
        self.profile_name = active_profile(self.settings)
        self.api_label = api_label(self.settings)
        self.last_command = f"prefect profile use {name}"
        await self.close_client()
        for screen in self.screen_stack:
            if isinstance(screen, ConsoleScreen):
                screen.update_context()
                screen.reload()

    def watch_run(self, run_id: uuid.UUID, name: str) -> None:
        from prefect_console.tui.watch import watch

        self.last_command = f"prefect flow-run watch {run_id}"
        self.notify(f"Watching {name}: a notice comes when its state changes")
        self.run_worker(
            watch(self, run_id, name),
            group=f"watch-{run_id}",
            exclusive=True,
            exit_on_error=False,
        )


_frozen = False


def _freeze_loaded_objects() -> None:
    """Keep what is loaded at start (Textual, the screens, the client's models: most of
    the process's objects, alive until it exits) out of the garbage collector's walks: a
    full collection over them stalled the console for 110 ms while paging back through a
    long log (tests/bench/bench_tui.py). Once per process: what is frozen is never
    collected, so a process that opens many consoles (tests) freezes only the first."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    import gc

    gc.collect()
    gc.freeze()
