"""`RunInput` and the keys under which a pause stores its schema and receives its input."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, create_model

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.objects import State


def keyset_from_base_key(base_key: str) -> dict[str, str]:
    """The input keys of one pause: where its description, schema and response live."""
    return {
        "description": f"{base_key}-description",
        "response": f"{base_key}-response",
        "schema": f"{base_key}-schema",
    }


def keyset_from_paused_state(state: State) -> dict[str, str]:
    """The keyset a Paused state names; ValueError for a state that waits for no input."""
    keyset = state.state_details.run_input_keyset
    if not state.is_paused() or not keyset:
        raise ValueError(f"State {state.name!r} waits for no run input.")
    return dict(keyset)


class RunInput(BaseModel):
    """Base of the models a paused flow run can wait for (extra fields are refused)."""

    model_config = ConfigDict(extra="forbid")

    # the description shown to whoever resumes the run (markdown in Prefect's UI)
    description: ClassVar[str | None] = None

    @classmethod
    async def save_schema(
        cls, client: PrefectClient, flow_run_id: uuid.UUID, keyset: dict[str, str]
    ) -> None:
        """Store the model's JSON schema (and description) for the server to check against."""
        await client.create_flow_run_input(
            flow_run_id, keyset["schema"], json.dumps(cls.model_json_schema())
        )
        if cls.description:
            await client.create_flow_run_input(
                flow_run_id, keyset["description"], json.dumps(cls.description)
            )

    @classmethod
    async def load(
        cls, client: PrefectClient, flow_run_id: uuid.UUID, keyset: dict[str, str]
    ) -> RunInput:
        """The response given on resume, validated into this model."""
        value = await client.read_flow_run_input(flow_run_id, keyset["response"])
        return cls.model_validate(json.loads(value))

    @classmethod
    def with_initial_data(cls, description: str | None = None, **defaults: Any) -> type[RunInput]:
        """A subclass whose fields default to `defaults` (pre-filled for whoever resumes)."""
        fields: dict[str, Any] = {}
        for name, value in defaults.items():
            field = cls.model_fields[name]
            fields[name] = (field.annotation, value)
        model: type[RunInput] = create_model(cls.__name__, __base__=cls, **fields)
        if description is not None:
            model.description = description
        return model


class _Value(RunInput):
    """Wraps a plain type (`wait_for_input=int`) in a model of one `value` field."""

    value: Any

    @classmethod
    def unwrap(cls, loaded: RunInput) -> Any:
        return loaded.value  # type: ignore[attr-defined]


def run_input_model(wait_for_input: Any) -> type[RunInput]:
    """The model a pause waits for: a RunInput (or other pydantic model) as given, any other
    type wrapped in a model with one `value` field, as Prefect 3 does."""
    if isinstance(wait_for_input, type) and issubclass(wait_for_input, RunInput):
        return wait_for_input
    if isinstance(wait_for_input, type) and issubclass(wait_for_input, BaseModel):
        model: Any = create_model(wait_for_input.__name__, __base__=(wait_for_input, RunInput))
        return model  # type: ignore[return-value]
    wrapped: type[RunInput] = create_model(
        f"{getattr(wait_for_input, '__name__', 'Value')}Input",
        __base__=_Value,
        value=(wait_for_input, ...),
    )
    return wrapped


def unwrap(model: type[RunInput], loaded: RunInput) -> Any:
    """What `pause_flow_run` returns: the model instance, or the plain value it wraps."""
    if issubclass(model, _Value):
        return model.unwrap(loaded)
    return loaded
