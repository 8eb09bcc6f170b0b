"""What blocks do to their data: schema checksums, hiding secrets, and nested references.

Plain functions over JSON-like data, shared by the server (which stores and answers) and
the SDK (which computes the same checksum before asking whether a schema is known).

- `block_schema_checksum(fields)`: "sha256:<hex>", equal to the one Prefect 3 computes for
  the same fields, so a schema registered by either finds the other's.
- `obfuscate_secrets(data, secret_fields)`: a copy with every secret value replaced by
  `OBFUSCATED_SECRET`. Secret paths are dotted (`"auth.password"`); a `*` stands for every
  key at its level (`"headers.*"`); a path that ends on an object hides every value in it.
- `keep_unchanged_secrets(update, stored, secret_fields)`: the update with each secret it
  sends back obfuscated replaced by the stored value, so a read-edit-write round trip does
  not overwrite a secret with asterisks.
- `split_references(data)`: block document data without its `{"$ref": {...}}` values, and
  the `{field: block_document_id}` they point at.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from typing import Any

OBFUSCATED_SECRET = "********"

_DEFINITION_PREFIX = "#/definitions/"


# -- checksums --------------------------------------------------------------------------


def _without_key(value: Any, key: str) -> Any:
    # only objects are walked, not arrays: the checksum must equal Prefect's
    if not isinstance(value, dict):
        return value
    return {k: _without_key(v, key) for k, v in value.items() if k != key}


def _reference_strings(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str):
            yield ref
        for item in value.values():
            yield from _reference_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _reference_strings(item)


def _plain_definitions(
    node: Any, definitions: dict[str, Any], found: dict[str, Any]
) -> dict[str, Any]:
    """Definitions reachable from `node` that describe plain objects, not nested blocks."""
    for ref in _reference_strings(node):
        key = ref.replace(_DEFINITION_PREFIX, "")
        definition = definitions.get(key)
        if key in found or not isinstance(definition, dict) or not definition:
            continue
        if definition.get("block_type_slug") is None:
            found[key] = definition
            _plain_definitions(definition, definitions, found)
    return found


def block_schema_checksum(fields: dict[str, Any]) -> str:
    """The checksum of a block schema's `fields`, as Prefect 3 computes it.

    Secret field lists do not count, nor do the definitions of nested blocks (they have
    schemas, and checksums, of their own).

        >>> block_schema_checksum({"title": "X", "type": "object"})[:7]
        'sha256:'
    """
    trimmed: dict[str, Any] = _without_key(fields, "secret_fields")
    definitions = trimmed.get("definitions")
    if definitions and isinstance(definitions, dict):
        plain = _plain_definitions(trimmed, definitions, {})
        if plain:
            trimmed["definitions"] = plain
        else:
            trimmed.pop("definitions")
    # the layout Prefect hashes: its `(args, kwargs)` pair dumped with sorted keys
    payload = json.dumps([[trimmed], {}], sort_keys=True)
    return "sha256:" + hashlib.sha256(payload.encode()).hexdigest()


# -- secrets ----------------------------------------------------------------------------


def _hide(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _hide(v) for k, v in value.items()}
    if value is None:
        return None
    return OBFUSCATED_SECRET


def _hide_path(node: Any, path: list[str]) -> None:
    if not isinstance(node, dict) or not path:
        return
    head, rest = path[0], path[1:]
    keys = list(node) if head == "*" else [head] if head in node else []
    for key in keys:
        if rest:
            _hide_path(node[key], rest)
        else:
            node[key] = _hide(node[key])


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def obfuscate_secrets(data: dict[str, Any], secret_fields: Iterable[str]) -> dict[str, Any]:
    """A copy of `data` with the values at `secret_fields` replaced by `OBFUSCATED_SECRET`."""
    out: dict[str, Any] = _copy(data)
    for field in secret_fields:
        if isinstance(field, str) and field:
            _hide_path(out, field.split("."))
    return out


def _restore(update: Any, stored: Any) -> Any:
    """`update` where each obfuscated leaf takes the stored value at the same place."""
    if update == OBFUSCATED_SECRET:
        return stored if stored is not None else update
    if isinstance(update, dict) and isinstance(stored, dict):
        return {k: _restore(v, stored.get(k)) if k in stored else v for k, v in update.items()}
    return update


def _restore_path(update: Any, stored: Any, path: list[str]) -> None:
    if not isinstance(update, dict) or not isinstance(stored, dict) or not path:
        return
    head, rest = path[0], path[1:]
    keys = [k for k in update if k in stored] if head == "*" else [head]
    for key in keys:
        if key not in update or key not in stored:
            continue
        if rest:
            _restore_path(update[key], stored[key], rest)
        else:
            update[key] = _restore(update[key], stored[key])


def keep_unchanged_secrets(
    update: dict[str, Any], stored: dict[str, Any], secret_fields: Iterable[str]
) -> dict[str, Any]:
    """A copy of `update` in which secrets sent back obfuscated keep their stored value."""
    out: dict[str, Any] = _copy(update)
    for field in secret_fields:
        if isinstance(field, str) and field:
            _restore_path(out, stored, field.split("."))
    return out


# -- references between block documents -------------------------------------------------


def is_reference(value: Any) -> bool:
    return isinstance(value, dict) and "$ref" in value


def split_references(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, uuid.UUID]]:
    """`data` without its top-level references, and `{field: referenced document id}`.

    Raises ValueError for a reference that names no valid block document id.
    """
    plain: dict[str, Any] = {}
    references: dict[str, uuid.UUID] = {}
    for key, value in data.items():
        if not is_reference(value):
            plain[key] = value
            continue
        target = value["$ref"]
        raw = target.get("block_document_id") if isinstance(target, dict) else None
        if raw is None:
            raise ValueError(f"Received block reference without a block_document_id in key {key}")
        try:
            references[key] = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
        except ValueError:
            raise ValueError(
                f"Block reference in key {key} has an invalid block_document_id: {raw!r}"
            ) from None
    return plain, references
