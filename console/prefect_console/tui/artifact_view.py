"""One artifact drawn for what it is: markdown as markdown, a table as a table, a link as a
link, progress as a bar, an image as its URL, anything else as its data.

Artifact data is written by whatever code ran in a flow: control characters and escape
sequences are stripped everywhere, markup is never interpreted, and a link in markdown is
not opened on click (it is copied instead: opening a browser on an operator's machine is
not something a flow should be able to trigger).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Markdown, ProgressBar, Static

from prefect_console.ops import present
from prefect_console.ops.text import strip_controls
from prefect_console.tui.widgets import ConsoleTable

if TYPE_CHECKING:
    from prefect.schemas.artifacts import Artifact
    from textual.widget import Widget

# a table artifact can be large; the view shows its head (the CLI prints it all)
MAX_TABLE_ROWS = 500
MAX_CELL = 200


def kind_of(artifact: Artifact) -> str:
    """How to draw `artifact`: markdown, table, link, progress, image or data."""
    from prefect_console.ops.artifacts import link_of, progress_value, table_data

    kind = (artifact.type or "").lower()
    data = artifact.data
    if kind == "table" and table_data(data) is not None:
        return "table"
    if kind == "progress" and progress_value(data) is not None:
        return "progress"
    if kind in {"link", "image"} and link_of(data) is not None:
        return kind
    if kind == "markdown" and isinstance(data, str):
        return "link" if link_of(data) is not None else "markdown"
    return "data"


def _cell(value: Any) -> Text:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = present.sanitize_cell(text)
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    return Text(text, no_wrap=True, overflow="ellipsis")


def _link_text(label: str, url: str) -> Text:
    text = Text()
    clean_url = present.sanitize_cell(url)
    text.append(present.sanitize_cell(label), style=Style(underline=True, link=clean_url))
    if label != url:
        text.append(f"\n{clean_url}", style="dim")
    return text


def render_widgets(artifact: Artifact) -> list[Widget]:
    """The widgets that draw `artifact`'s data."""
    from prefect_console.ops.artifacts import data_text, link_of, progress_value, table_data

    kind = kind_of(artifact)
    data = artifact.data
    if kind == "markdown":
        return [Markdown(strip_controls(str(data)), open_links=False, classes="artifact-markdown")]
    if kind == "table":
        table_rows = table_data(data)
        assert table_rows is not None
        table: DataTable[Text] = ConsoleTable(
            cursor_type="row", zebra_stripes=True, classes="artifact-table"
        )
        for column in table_rows.columns:
            table.add_column(_cell(column))
        for row in table_rows.rows[:MAX_TABLE_ROWS]:
            table.add_row(*(_cell(value) for value in row))
        widgets: list[Widget] = [table]
        hidden = len(table_rows.rows) - MAX_TABLE_ROWS
        if hidden > 0:
            widgets.append(
                Static(
                    Text(f"... and {hidden} more rows (prefect artifact inspect)", style="dim"),
                    markup=False,
                )
            )
        return widgets
    if kind == "progress":
        value = progress_value(data)
        bar = ProgressBar(total=100, show_eta=False, classes="artifact-progress")
        bar.progress = value or 0.0
        return [bar]
    if kind in {"link", "image"}:
        link = link_of(data)
        assert link is not None
        label, url = link
        prefix = "image " if kind == "image" else ""
        text = Text(prefix, style="bold")
        text.append_text(_link_text(label, url))
        return [Static(text, markup=False, classes="artifact-link")]
    return [Static(Text(strip_controls(data_text(data))), markup=False, classes="artifact-data")]


def header_text(artifact: Artifact, now: Any = None) -> Text:
    """Key, type, time and description of an artifact, as one small block."""
    text = Text()
    text.append(present.sanitize_cell(artifact.key or "(no key)"), style="bold")
    text.append(f"  {present.sanitize_cell(artifact.type or '-')}")
    text.append(f"  {present.format_time(artifact.created, now)}", style="dim")
    if artifact.description:
        text.append("\n")
        text.append(strip_controls(artifact.description).strip(), style="italic")
    return text


class ArtifactView(VerticalScroll):
    """Shows one artifact at a time (`show`), replacing what it showed before."""

    DEFAULT_CSS = """
    ArtifactView {
        height: 1fr;
        padding: 0 1;
    }
    ArtifactView .artifact-header {
        height: auto;
        margin-bottom: 1;
    }
    ArtifactView .artifact-table {
        height: auto;
        max-height: 100%;
    }
    ArtifactView .artifact-progress {
        height: 1;
    }
    ArtifactView Markdown {
        margin: 0;
        padding: 0;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown: Artifact | None = None

    async def show(self, artifact: Artifact | None, now: Any = None) -> None:
        if artifact is not None and self.shown is not None and artifact == self.shown:
            return
        self.shown = artifact
        await self.remove_children()
        if artifact is None:
            await self.mount(Static(Text("No artifact", style="dim"), markup=False))
            return
        header = Static(header_text(artifact, now), markup=False, classes="artifact-header")
        await self.mount(header, *render_widgets(artifact))
        self.scroll_home(animate=False)

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        url = present.sanitize_cell(event.href)
        self.app.copy_to_clipboard(url)
        self.notify(f"Copied link: {url}", markup=False)
