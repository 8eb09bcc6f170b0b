"""Entrypoints: `path/to/file.py:flow_function` (or `package.module:flow_function`) to a flow.

    >>> flow = load_flow_from_entrypoint("flows/etl.py:nightly")

A file path is relative to the current directory. Its folder is put first on `sys.path`,
so that the file imports its neighbours as it does when run as a script. The file is
loaded as a module of its own (not `__main__`): code under `if __name__ == "__main__":`
does not run. An entrypoint that names no file, no attribute or something that is not a
flow raises `EntrypointError`, whose message says which.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.flows import Flow

__all__ = ["EntrypointError", "load_flow_from_entrypoint", "load_object_from_entrypoint"]


class EntrypointError(ValueError):
    """The entrypoint cannot be loaded, or does not name a flow."""


def _split(entrypoint: str) -> tuple[str, str]:
    location, sep, attr = entrypoint.rpartition(":")
    if not sep or not location or not attr:
        raise EntrypointError(
            f"Entrypoint {entrypoint!r} must look like 'path/to/file.py:function' "
            "or 'package.module:function'"
        )
    return location, attr


def load_object_from_entrypoint(entrypoint: str) -> Any:
    """The object an entrypoint names, its module imported (a file, or a module path)."""
    location, attr = _split(entrypoint)
    if location.endswith(".py") or "/" in location or "\\" in location:
        module = _import_file(Path(location), entrypoint)
    else:
        try:
            module = importlib.import_module(location)
        except ImportError as exc:
            raise EntrypointError(f"Cannot import {location!r} for {entrypoint!r}: {exc}") from exc
    target: Any = module
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise EntrypointError(
                f"{location!r} has no attribute {attr!r} (entrypoint {entrypoint!r})"
            ) from None
    return target


def load_flow_from_entrypoint(entrypoint: str) -> Flow[..., Any]:
    """The flow an entrypoint names; EntrypointError when it names something else."""
    from prefect.flows import Flow

    target = load_object_from_entrypoint(entrypoint)
    if not isinstance(target, Flow):
        kind = type(target).__name__
        raise EntrypointError(
            f"Entrypoint {entrypoint!r} names a {kind}, not a flow (decorate it with @flow)"
        )
    return target


def _import_file(path: Path, entrypoint: str) -> Any:
    full = path.expanduser().resolve()
    if not full.is_file():
        raise EntrypointError(f"Entrypoint {entrypoint!r}: no file {str(path)!r} in {Path.cwd()}")
    folder = str(full.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    # a name of its own per file: two entrypoints named flows.py do not collide
    name = f"__prefect_loader_{full.stem}_{abs(hash(str(full))):x}__"
    spec = importlib.util.spec_from_file_location(name, full)
    if spec is None or spec.loader is None:
        raise EntrypointError(f"Entrypoint {entrypoint!r}: {str(path)!r} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(name, None)
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        raise EntrypointError(
            f"Importing {str(path)!r} for {entrypoint!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    return module
