"""`:artifacts`: what runs published, the latest of each key (`a`: every version).

Enter opens an artifact (`ArtifactBrowser`): its versions in a list, the highlighted one
drawn for what it is (markdown, table, link, progress, image). `d` deletes after a
confirmation: every version of the key in the latest-per-key list (as `prefect artifact
delete KEY`), the one artifact in the every-version list (as `--id`). A run's own
artifacts open in the same browser from the run screen.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from prefect_console.ops import present
from prefect_console.tui.artifact_view import ArtifactView
from prefect_console.tui.screens.base import ConsoleScreen, describe_error
from prefect_console.tui.screens.resource_table import Fetched, ResourceTableScreen
from prefect_console.tui.screens.table import Row
from prefect_console.tui.widgets import ConsoleTable, plain

if TYPE_CHECKING:
    from datetime import datetime

    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.artifacts import Artifact, ArtifactCollection
    from textual.app import ComposeResult

ARTIFACT_LIMIT = 500
NO_KEY = "(no key)"


class ArtifactsScreen(ResourceTableScreen):
    TABLE_ID = "artifacts"
    crumb = "artifacts"
    noun = ("artifact", "artifacts")
    COLUMNS = (
        ("key", "Key", None),
        ("type", "Type", 10),
        ("description", "Description", None),
        ("updated", "Updated", 19),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        *ResourceTableScreen.BINDINGS,
        Binding("enter", "inspect_artifact", "Open", id="artifacts.open"),
        Binding("a", "toggle_all", "All versions", id="artifacts.all"),
        Binding("d", "delete_artifact", "Delete", id="artifacts.delete"),
        Binding("r", "refresh", "Refresh", show=False, id="artifacts.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.all_versions = False
        self.artifacts: dict[str, Artifact | ArtifactCollection] = {}

    async def fetch(self, client: PrefectClient) -> Fetched:
        from prefect_console.ops.artifacts import list_artifacts

        found = await list_artifacts(client, limit=ARTIFACT_LIMIT, all_versions=self.all_versions)
        now = self.console.clock()
        self.artifacts = {str(a.id): a for a in found}
        rows: dict[str, Row] = {
            key: (
                plain(a.key or NO_KEY),
                plain(a.type or "-"),
                plain((a.description or "").strip()),
                Text(present.format_time(a.updated, now)),
            )
            for key, a in self.artifacts.items()
        }
        search = {
            key: " ".join(cell.plain for cell in row[:3]).lower() for key, row in rows.items()
        }
        return rows, search

    def status_notes(self) -> list[str]:
        return ["every version" if self.all_versions else "latest of each key"]

    @property
    def selected(self) -> Artifact | ArtifactCollection | None:
        key = self.cursor_key
        return self.artifacts.get(key) if key is not None else None

    def disabled_reason(self, action: str) -> str | None:
        reason = super().disabled_reason(action)
        on_row = action in {"inspect_artifact", "delete_artifact"}
        if reason is None and on_row and self.selected is None:
            return "no artifact selected"
        return reason

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_inspect_artifact()

    def action_toggle_all(self) -> None:
        self.all_versions = not self.all_versions
        self.set_rows({}, {})
        self.show_status()
        self.action_refresh()

    def action_inspect_artifact(self) -> None:
        artifact = self.selected
        if artifact is None:
            return
        if artifact.key:
            self.console.last_command = f"prefect artifact inspect {artifact.key}"
            self.app.push_screen(ArtifactBrowser(key=artifact.key))
        else:  # a keyless artifact has no versions: it alone
            self.app.push_screen(ArtifactBrowser(artifact_id=artifact.id))

    def action_delete_artifact(self) -> None:
        from prefect_console.ops.artifacts import delete_artifact, delete_artifacts_with_key

        artifact = self.selected
        if artifact is None:
            return
        key = artifact.key
        if self.all_versions or not key:
            artifact_id = artifact.id
            self.confirm(
                "Delete this artifact?",
                [f"{present.sanitize_cell(key or NO_KEY)}  ({artifact_id})"],
                verb="Delete",
                then=lambda: self.act(
                    f"prefect artifact delete --id {artifact_id} --yes",
                    lambda client: delete_artifact(client, artifact_id),
                    f"Deleted artifact with id '{artifact_id}'.",
                ),
            )
            return
        self.confirm(
            "Delete every version of this key?",
            [key],
            verb="Delete all",
            then=lambda: self.act(
                f"prefect artifact delete {key} --yes",
                lambda client: delete_artifacts_with_key(client, key),
                lambda count: f"Deleted {count} artifact(s) with key {key!r}.",
            ),
        )


BROWSER_COLUMNS = (
    ("created", "Created", 19),
    ("key", "Key", None),
    ("type", "Type", 10),
)


class ArtifactBrowser(ConsoleScreen):
    """A list of artifacts (a key's versions, or a flow run's) and the highlighted one drawn.

    Give exactly one of `key`, `flow_run_id` or `artifact_id`; `select` is the artifact
    to show first.
    """

    CSS_PATH = "artifacts.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="artifact.back"),
        Binding("tab", "switch_focus", "List/view", id="artifact.focus"),
        Binding("r", "refresh", "Refresh", show=False, id="artifact.refresh"),
        Binding("y", "copy_id", "Copy id", show=False, id="artifact.copy_id"),
    ]

    def __init__(
        self,
        *,
        key: str | None = None,
        flow_run_id: uuid.UUID | None = None,
        artifact_id: uuid.UUID | None = None,
        select: uuid.UUID | None = None,
    ) -> None:
        super().__init__()
        if [key, flow_run_id, artifact_id].count(None) != 2:
            raise ValueError("give one of key, flow_run_id or artifact_id")
        self.key = key
        self.flow_run_id = flow_run_id
        self.artifact_id = artifact_id
        self._select = str(select) if select is not None else None
        self.artifacts: dict[str, Artifact] = {}
        self._updated: datetime | None = None
        self._error: str | None = None
        self.loaded = False

    @property
    def crumb_label(self) -> str:
        if self.key is not None:
            return present.sanitize_cell(self.key)
        return "artifacts" if self.flow_run_id is not None else "artifact"

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        versions: DataTable[Text] = ConsoleTable(id="artifact-list", cursor_type="row")
        for column, label, width in BROWSER_COLUMNS:
            versions.add_column(label, key=column, width=width)
        yield versions
        yield ArtifactView(id="artifact-view")
        yield from self.compose_status()

    def on_mount(self) -> None:
        title = "Versions" if self.key is not None else "Artifacts"
        self.query_one("#artifact-list").border_title = title
        self.status.show("Loading artifacts...")
        self.action_refresh()

    def reload(self) -> None:
        self.action_refresh()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.load()

    def action_switch_focus(self) -> None:
        listing = self.query_one("#artifact-list", DataTable)
        view = self.query_one(ArtifactView)
        (view if listing.has_focus else listing).focus()

    def action_copy_id(self) -> None:
        shown = self.query_one(ArtifactView).shown
        if shown is not None:
            self.app.copy_to_clipboard(str(shown.id))
            self.notify(f"Copied {shown.id}", markup=False)

    async def _fetch(self, client: PrefectClient) -> list[Artifact]:
        from prefect_console.ops.artifacts import (
            inspect_artifact,
            list_run_artifacts,
            read_artifact,
        )

        if self.key is not None:
            return await inspect_artifact(client, self.key, limit=100)
        if self.flow_run_id is not None:
            return await list_run_artifacts(client, self.flow_run_id)
        assert self.artifact_id is not None
        return [await read_artifact(client, self.artifact_id)]

    @work(exclusive=True, group="artifact-browser", exit_on_error=False)
    async def load(self) -> None:
        from prefect_console.ops.errors import ConsoleError

        try:
            client = await self.console.client()
            artifacts = await self._fetch(client)
        except ConsoleError as exc:
            self._error = exc.message
        except Exception as exc:
            self._error = describe_error(exc)
        else:
            self._error = None
            self._fill(artifacts)
            self._updated = self.console.clock()
            await self._show_highlighted()
        finally:
            self.loaded = True
            self.show_status()

    def _fill(self, artifacts: list[Artifact]) -> None:
        now = self.console.clock()
        self.artifacts = {str(a.id): a for a in artifacts}
        table: DataTable[Text] = self.query_one("#artifact-list", DataTable)
        keys = list(self.artifacts)
        if keys == [k.value for k in table.rows]:
            return
        cursor = table.cursor_row
        table.clear()
        for key, artifact in self.artifacts.items():
            table.add_row(
                Text(present.format_time(artifact.created, now)),
                plain(artifact.key or NO_KEY),
                plain(artifact.type or "-"),
                key=key,
            )
        if self._select in self.artifacts:
            cursor, self._select = keys.index(self._select), None
        if keys:
            table.move_cursor(row=min(cursor, len(keys) - 1), animate=False)

    async def _show_highlighted(self) -> None:
        table: DataTable[Text] = self.query_one("#artifact-list", DataTable)
        artifact = None
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            artifact = self.artifacts.get(key or "")
        await self.query_one(ArtifactView).show(artifact, self.console.clock())

    async def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "artifact-list":
            await self._show_highlighted()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "artifact-list":
            event.stop()
            self.query_one(ArtifactView).focus()

    def show_status(self) -> None:
        count = len(self.artifacts)
        noun = "version" if self.key is not None else "artifact"
        parts = [f"{count} {noun}{'s' if count != 1 else ''}", "tab switches list and view"]
        self.show_freshness(parts, updated=self._updated, error=self._error)
