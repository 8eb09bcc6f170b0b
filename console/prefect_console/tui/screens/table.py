"""A screen around one keyed table: `/` filter, sort by column (`s`, `S`, header click),
`j/k/g/G` movement, and marked rows (space) for bulk actions.

Subclasses hand their rows over with `set_rows` (cells plus the text the filter searches);
the table shows the rows that match the filter, in the chosen order, and is rewritten
cell by cell when only values changed, so the cursor and scroll stay put on a refresh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from prefect_console.tui.screens.base import ConsoleScreen
from prefect_console.tui.widgets import ConsoleTable

if TYPE_CHECKING:
    from textual.app import ComposeResult

Row = tuple[Text, ...]
Column = tuple[str, str, int | None]  # key, label, fixed width (None: sized to content)
MARK = "● "


class TableScreen(ConsoleScreen):
    COLUMNS: ClassVar[tuple[Column, ...]] = ()
    TABLE_ID: ClassVar[str] = "table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", key_display="/", id="table.filter"),
        Binding("s", "sort", "Sort", show=False, id="table.sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="table.reverse_sort"),
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g", "cursor_top", "First row", show=False, id="table.top"),
        Binding("G", "cursor_bottom", "Last row", show=False, id="table.bottom"),
        Binding("escape", "back", "Back", show=False, id="table.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, Row] = {}
        self._search: dict[str, str] = {}
        self._shown: dict[str, Row] = {}
        self.filter_text = ""
        self.sort_column: str | None = None
        self.sort_reverse = False
        self.marked: set[str] = set()

    def compose_table(self) -> ComposeResult:
        table: DataTable[Text] = ConsoleTable(id=self.TABLE_ID, cursor_type="row")
        for key, label, width in self.COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one(f"#{self.TABLE_ID}", DataTable)

    @property
    def cursor_key(self) -> str | None:
        table = self.table
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    # -- rows -----------------------------------------------------------------------------

    def set_rows(self, rows: dict[str, Row], search: dict[str, str]) -> None:
        self._rows, self._search = rows, search
        self.marked &= set(rows)
        self.render_rows()

    def sort_value(self, key: str, column: str) -> Any:
        """What `column` sorts by for row `key` (its text unless a subclass knows better)."""
        index = [c[0] for c in self.COLUMNS].index(column)
        return self._rows[key][index].plain.lower()

    def server_sorted(self, column: str) -> bool:
        """True when the server already returned the rows in this column's order."""
        return False

    def visible_keys(self) -> list[str]:
        needle = self.filter_text.lower()
        keys = [k for k in self._rows if not needle or needle in self._search.get(k, "")]
        column = self.sort_column
        if column is not None and not self.server_sorted(column):
            keys.sort(key=lambda k: self.sort_value(k, column), reverse=self.sort_reverse)
        return keys

    def _display(self, key: str) -> Row:
        row = self._rows[key]
        if key not in self.marked:
            return row
        return (Text(MARK, style="bold") + row[0], *row[1:])

    def render_rows(self) -> None:
        table = self.table
        shown = {key: self._display(key) for key in self.visible_keys()}
        if list(shown) == [key.value for key in table.rows]:
            for key, cells in shown.items():
                before = self._shown.get(key, ())
                for (column, _label, _width), cell, old in zip(
                    self.COLUMNS, cells, before, strict=False
                ):
                    if cell != old:
                        table.update_cell(key, column, cell, update_width=False)
        else:
            selected = self.cursor_key
            table.clear()
            for key, cells in shown.items():
                table.add_row(*cells, key=key)
            if selected in shown:
                table.move_cursor(row=table.get_row_index(selected), animate=False)
        self._shown = shown
        self.refresh_bindings()

    def _label_columns(self) -> None:
        table = self.table
        for key, label, _width in self.COLUMNS:
            text = Text(label)
            if key == self.sort_column:
                text.append(" ▼" if self.sort_reverse else " ▲", style="bold")
            table.columns[ColumnKey(key)].label = text
        table.refresh()

    def sort_changed(self) -> None:
        """The sort column or direction changed; a server-sorted screen fetches again."""
        self._label_columns()
        self.render_rows()

    # -- actions --------------------------------------------------------------------------

    def action_filter(self) -> None:
        from prefect_console.tui.screens.prompt import PromptScreen

        def live(value: str) -> None:
            self.filter_text = value.strip()
            self.render_rows()
            self.show_status()

        def done(value: str | None) -> None:
            live(value if value is not None else before)

        before = self.filter_text
        self.app.push_screen(
            PromptScreen("/", value=before, on_change=live, placeholder="filter rows"), done
        )

    def action_sort(self) -> None:
        keys = [c[0] for c in self.COLUMNS]
        if self.sort_column is None:
            self.sort_column = keys[0]
        else:
            index = keys.index(self.sort_column) + 1
            self.sort_column = keys[index] if index < len(keys) else None
        self.sort_reverse = False
        self.sort_changed()

    def action_reverse_sort(self) -> None:
        if self.sort_column is None:
            self.sort_column = self.COLUMNS[0][0]
        else:
            self.sort_reverse = not self.sort_reverse
        self.sort_changed()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        column = event.column_key.value
        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column, False
        self.sort_changed()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_cursor_top(self) -> None:
        self.table.move_cursor(row=0, animate=False)

    def action_cursor_bottom(self) -> None:
        self.table.move_cursor(row=max(self.table.row_count - 1, 0), animate=False)

    def action_back(self) -> None:
        """Esc: clear the filter first, then go back along the breadcrumb."""
        if self.filter_text:
            self.filter_text = ""
            self.render_rows()
            self.show_status()
        elif len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def show_status(self, error: str | None = None) -> None:
        """The status line; subclasses say what their rows are."""

    def filter_note(self) -> str:
        if not self.filter_text:
            return ""
        return f"filter /{self.filter_text} ({len(self._shown)} of {len(self._rows)}, esc clears)"
