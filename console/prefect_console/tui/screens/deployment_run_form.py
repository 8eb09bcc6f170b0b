"""The form that runs a deployment: one input per property of its parameter schema.

Each input starts at the deployment's own value of the parameter, else the schema's
default. Values are read by the property's JSON type (`integer`, `number`, `boolean`,
`string`, `array`, `object`, or several through `anyOf`); a value that does not read is
named in a notice and the form stays open, so a typo never crashes the console nor
reaches the server. Empty inputs are left out (the deployment's default applies), unless
the schema requires them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

if TYPE_CHECKING:
    from textual.app import ComposeResult

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


class FormError(ValueError):
    """A value of the form that does not read as its parameter's type."""


def schema_properties(
    schema: dict[str, Any] | None, values: dict[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """The schema's properties, then the deployment's other parameters (untyped)."""
    properties = (schema or {}).get("properties") or {}
    found = {str(k): v if isinstance(v, dict) else {} for k, v in properties.items()}
    for name in values or {}:
        found.setdefault(str(name), {})
    return found


def property_types(prop: dict[str, Any], definitions: dict[str, Any] | None = None) -> list[str]:
    """The JSON types a property allows, in the order the schema gives them."""
    definitions = definitions or {}
    ref = prop.get("$ref")
    if isinstance(ref, str) and ref.rsplit("/", 1)[-1] in definitions:
        return property_types(definitions[ref.rsplit("/", 1)[-1]], definitions)
    kind = prop.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [str(k) for k in kind]
    types: list[str] = []
    for option in [*prop.get("anyOf", []), *prop.get("oneOf", [])]:
        if isinstance(option, dict):
            types.extend(t for t in property_types(option, definitions) if t not in types)
    if "enum" in prop and not types:
        types.append("enum")
    return types


def initial_text(value: object) -> str:
    """What an input shows for a value: a string as itself, anything else as JSON."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _read_as(kind: str, text: str) -> Any:
    word = text.strip()
    if kind == "string":
        return text
    if kind == "integer":
        try:
            return int(word)
        except ValueError:
            raise FormError("expected a whole number") from None
    if kind == "number":
        try:
            number = float(word)
        except ValueError:
            raise FormError("expected a number") from None
        return int(number) if number.is_integer() and "." not in word else number
    if kind == "boolean":
        if word.lower() in _TRUE:
            return True
        if word.lower() in _FALSE:
            return False
        raise FormError("expected true or false")
    if kind == "any":
        # no type in the schema: JSON when it reads as JSON, else the text itself
        try:
            return json.loads(word)
        except ValueError:
            return text
    if kind == "null":
        if word.lower() in {"", "null", "none"}:
            return None
        raise FormError("expected null")
    try:
        value = json.loads(word)
    except ValueError:
        raise FormError(f"expected JSON ({kind})") from None
    wanted = {"array": list, "object": dict}.get(kind)
    if wanted is not None and not isinstance(value, wanted):
        raise FormError(f"expected a JSON {kind}")
    return value


def read_value(prop: dict[str, Any], text: str, definitions: dict[str, Any] | None = None) -> Any:
    """`text` read as the property's type (the first of its types that reads it)."""
    types = property_types(prop, definitions) or ["any"]
    enum = prop.get("enum")
    # a string read first would swallow every text: try it last among several
    ordered = sorted(types, key=lambda t: t == "string")
    errors: list[str] = []
    for kind in ordered:
        try:
            value = _read_as(kind, text)
        except FormError as exc:
            errors.append(str(exc))
            continue
        if isinstance(enum, list) and value not in enum:
            errors.append(f"expected one of {', '.join(map(str, enum))}")
            continue
        return value
    raise FormError(" or ".join(dict.fromkeys(errors)))


def read_form(
    schema: dict[str, Any] | None, texts: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """The parameters the form's texts give, and a line for each value that is wrong."""
    definitions = {**(schema or {}).get("definitions", {}), **(schema or {}).get("$defs", {})}
    required = set((schema or {}).get("required") or [])
    properties = schema_properties(schema)
    parameters: dict[str, Any] = {}
    problems: list[str] = []
    for name, text in texts.items():
        prop = properties.get(name, {})
        if not text.strip():
            if name in required:
                problems.append(f"{name}: required")
            continue
        try:
            parameters[name] = read_value(prop, text, definitions)
        except FormError as exc:
            problems.append(f"{name}: {exc}")
    return parameters, problems


class RunFormScreen(ModalScreen[dict[str, Any] | None]):
    """Answers with the parameters (Ctrl+S or Enter on the last input), None on Esc."""

    CSS_PATH = "deployments.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="run_form.cancel"),
        Binding("ctrl+s", "submit", "Run", id="run_form.submit"),
    ]

    def __init__(
        self, title: str, schema: dict[str, Any] | None, values: dict[str, Any] | None = None
    ) -> None:
        super().__init__()
        self._title = title
        self.schema = schema or {}
        self._values = values or {}
        self.names = list(schema_properties(self.schema, self._values))

    def compose(self) -> ComposeResult:
        required = set(self.schema.get("required") or [])
        definitions = {**self.schema.get("definitions", {}), **self.schema.get("$defs", {})}
        with Vertical(id="run-form"):
            yield Static(Text(self._title, style="bold"), id="run-form-title", markup=False)
            with VerticalScroll(id="run-form-fields"):
                if not self.names:
                    yield Static(Text("This deployment takes no parameters."), markup=False)
                for index, (name, prop) in enumerate(
                    schema_properties(self.schema, self._values).items()
                ):
                    kind = "|".join(property_types(prop, definitions)) or "any"
                    star = " *" if name in required else ""
                    yield Label(f"{name}{star}  ({kind})", markup=False)
                    value = self._values.get(name, prop.get("default"))
                    yield Input(initial_text(value), id=f"param-{index}", classes="param")
            yield Static(
                Text("Enter on the last field or Ctrl+S runs it, Esc cancels", style="dim"),
                markup=False,
            )

    def on_mount(self) -> None:
        inputs = self.query(Input)
        if inputs:
            inputs.first().focus()

    def texts(self) -> dict[str, str]:
        return {
            name: self.query_one(f"#param-{index}", Input).value
            for index, name in enumerate(self.names)
        }

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        if inputs and event.input is not inputs[-1]:
            inputs[inputs.index(event.input) + 1].focus()
            return
        self.action_submit()

    def action_submit(self) -> None:
        parameters, problems = read_form(self.schema, self.texts())
        if problems:
            self.notify("\n".join(problems), severity="warning", timeout=8, markup=False)
            return
        self.dismiss(parameters)

    def action_cancel(self) -> None:
        self.dismiss(None)
