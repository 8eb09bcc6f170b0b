"""`:variables`: named JSON values flows read at run time; set, edit and unset them.

`n` sets a variable (a name, then a value: JSON when it parses, else text, as
`prefect variable set` reads it; an existing name asks before overwriting), `e` edits the
value under the cursor (its tags kept), `d` unsets it after a confirmation, Enter shows it
whole. The changing keys are dimmed in read-only mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from prefect_console.ops import present
from prefect_console.tui.screens.base import READ_ONLY_REASON
from prefect_console.tui.screens.resource_table import Fetched, ResourceTableScreen
from prefect_console.tui.screens.table import Row
from prefect_console.tui.widgets import plain

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.variables import Variable

VARIABLE_LIMIT = 1000
# a long value would push the other columns off screen: Enter shows it whole
VALUE_WIDTH = 40
# actions that need a variable under the cursor
ON_ROW = {"edit_variable", "unset_variable", "inspect_variable", "copy_value"}


class VariablesScreen(ResourceTableScreen):
    TABLE_ID = "variables"
    crumb = "variables"
    noun = ("variable", "variables")
    COLUMNS = (
        ("name", "Name", None),
        ("value", "Value", None),
        ("tags", "Tags", None),
        ("updated", "Updated", None),
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        *ResourceTableScreen.BINDINGS,
        Binding("enter", "inspect_variable", "Inspect", id="variables.inspect"),
        Binding("n", "set_variable", "Set", id="variables.set"),
        Binding("e", "edit_variable", "Edit", id="variables.edit"),
        Binding("d", "unset_variable", "Unset", id="variables.unset"),
        Binding("y", "copy_value", "Copy value", show=False, id="variables.copy"),
        Binding("r", "refresh", "Refresh", show=False, id="variables.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.variables: dict[str, Variable] = {}

    async def fetch(self, client: PrefectClient) -> Fetched:
        from prefect_console.ops.variables import list_variables

        variables = await list_variables(client, limit=VARIABLE_LIMIT)
        self.variables = {v.name: v for v in variables}
        now = self.console.clock()
        rows: dict[str, Row] = {
            v.name: (
                plain(v.name),
                plain(_short(v.value, VALUE_WIDTH)),
                plain(present.format_tags(v.tags)),
                Text(present.format_time(v.updated, now)),
            )
            for v in variables
        }
        search = {
            key: " ".join(cell.plain for cell in row[:3]).lower() for key, row in rows.items()
        }
        return rows, search

    @property
    def selected(self) -> Variable | None:
        key = self.cursor_key
        return self.variables.get(key) if key is not None else None

    def disabled_reason(self, action: str) -> str | None:
        reason = super().disabled_reason(action)
        if reason is not None:
            return reason
        if action == "edit_variable" and self.console.read_only:
            return READ_ONLY_REASON  # `e` is `variable set --overwrite`
        if action in ON_ROW and self.selected is None:
            return "no variable selected"
        return None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_inspect_variable()

    # -- actions --------------------------------------------------------------------------

    def action_inspect_variable(self) -> None:
        import json

        from prefect_console.tui.screens.object_view import ObjectScreen

        variable = self.selected
        if variable is None:
            return
        value = json.dumps(variable.value, indent=2)
        fields = [
            ("Name", variable.name),
            ("Value", value),
            ("Tags", present.format_tags(variable.tags) or "-"),
            ("Created", present.format_time(variable.created)),
            ("Updated", present.format_time(variable.updated)),
            ("ID", str(variable.id)),
        ]
        self.console.last_command = f"prefect variable inspect {variable.name}"
        self.app.push_screen(
            ObjectScreen(f"Variable {variable.name}", fields, copy=json.dumps(variable.value))
        )

    def action_copy_value(self) -> None:
        from prefect_console.ops.variables import format_value

        variable = self.selected
        if variable is not None:
            self.app.copy_to_clipboard(format_value(variable.value))
            self.notify(f"Copied the value of {variable.name}", markup=False)

    def action_set_variable(self) -> None:
        def named(name: str) -> None:
            name = name.strip()
            self.prompt(f"{name} =", lambda value: self._set(name, value), placeholder="value")

        self.prompt("set variable", named, placeholder="name")

    def _set(self, name: str, text: str) -> None:
        from prefect_console.ops.variables import parse_value, set_variable

        value = parse_value(text)
        command = f"prefect variable set {name} {_shell_quote(text)}"
        if name in self.variables:
            old = self.variables[name]
            self.confirm(
                f"Variable {name} exists: overwrite it?",
                [f"{name} = {present.sanitize_cell(_short(old.value))}"],
                verb="Overwrite",
                danger=False,
                then=lambda: self.act(
                    f"{command} --overwrite",
                    lambda client: set_variable(client, name, value, overwrite=True, tags=old.tags),
                    f"Set variable {name!r}.",
                ),
            )
            return
        self.act(
            command,
            lambda client: set_variable(client, name, value),
            f"Set variable {name!r}.",
        )

    def action_edit_variable(self) -> None:
        import json

        from prefect_console.ops.variables import parse_value, set_variable

        variable = self.selected
        if variable is None:
            return
        name, tags = variable.name, list(variable.tags)

        def save(text: str) -> None:
            value = parse_value(text)
            tag_options = "".join(f" --tag {_shell_quote(t)}" for t in tags)
            self.act(
                f"prefect variable set {name} {_shell_quote(text)} --overwrite{tag_options}",
                lambda client: set_variable(client, name, value, overwrite=True, tags=tags),
                f"Set variable {name!r}.",
            )

        value = variable.value
        # a string is offered as typed unless it would read back as something else ("42")
        plain_text = isinstance(value, str) and parse_value(value) == value
        current = value if plain_text else json.dumps(value)
        self.prompt(f"{name} =", save, value=current, placeholder="value")

    def action_unset_variable(self) -> None:
        from prefect_console.ops.variables import unset_variable

        variable = self.selected
        if variable is None:
            return
        name = variable.name  # captured: the answer applies to this variable
        self.confirm(
            "Unset this variable?",
            [f"{name} = {present.sanitize_cell(_short(variable.value))}"],
            verb="Unset",
            then=lambda: self.act(
                f"prefect variable unset {name} --yes",
                lambda client: unset_variable(client, name),
                f"Unset variable {name!r}.",
            ),
        )


def _short(value: Any, width: int = 60) -> str:
    import json

    text = json.dumps(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _shell_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
