"""Checking parameters against a deployment's `parameter_openapi_schema` (JSON Schema).

Prefect's schemas come from pydantic: draft 2020-12 style, with `definitions` (or `$defs`)
that `$ref` points into. jsonschema is imported on first use: most requests never check.
"""

from __future__ import annotations

from typing import Any


class ParameterSchemaError(ValueError):
    """The parameters do not match the schema (a 409, as in Prefect)."""


class InvalidParameterSchema(ValueError):
    """The schema itself cannot be used to validate (a 422)."""


def _path(parts: Any) -> str:
    return ".".join(str(p) for p in parts) or "parameters"


def validate_parameters(
    parameters: dict[str, Any], schema: dict[str, Any], *, ignore_required: bool = False
) -> None:
    """Raise ParameterSchemaError naming every field that breaks `schema`.

    `ignore_required` skips the top-level `required` list: a deployment's own defaults may
    leave parameters out that each run then has to give.
    """
    import jsonschema
    from jsonschema.exceptions import SchemaError
    from referencing.exceptions import Unresolvable

    if ignore_required:
        schema = {key: value for key, value in schema.items() if key != "required"}
    validator_class = jsonschema.validators.validator_for(
        schema, default=jsonschema.Draft202012Validator
    )
    try:
        validator_class.check_schema(schema)
        validator = validator_class(schema)
        errors = sorted(validator.iter_errors(parameters), key=lambda e: [str(p) for p in e.path])
    except SchemaError as exc:
        raise InvalidParameterSchema(f"Invalid schema: {exc.message}") from None
    except RecursionError:
        raise InvalidParameterSchema(
            "Invalid schema: Unable to validate schema with circular references."
        ) from None
    except Unresolvable as exc:
        raise InvalidParameterSchema(f"Invalid schema: cannot resolve {exc}") from None
    if errors:
        reasons = "; ".join(
            f"Validation failed for field {_path(e.path)!r}. Failure reason: {e.message}"
            for e in errors
        )
        raise ParameterSchemaError(reasons)
