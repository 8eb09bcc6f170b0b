"""The dependency direction of ARCHITECTURE.md, checked on the source (not on good intentions)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "core" / "prefect"
SERVER = ROOT / "server" / "prefect_server"
CONSOLE = ROOT / "console" / "prefect_console"

HEAVY = ("sqlalchemy", "fastapi", "starlette", "uvicorn", "typer", "textual", "alembic")
SERVER_MAY_USE_FROM_CORE = (
    "prefect.schemas",
    "prefect.states",
    "prefect.settings",
    "prefect.exceptions",
    "prefect._time",
    # pure (standard library only): default base job templates of new pools
    "prefect.workers.templates",
)


def _imports(path: Path) -> Iterator[tuple[str, bool, int]]:
    """(module imported, at module level?, line) for every import in `path`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    module_level = {id(node) for node in tree.body}
    # imports under `if TYPE_CHECKING:` at module level never run
    type_checking: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_checking.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in type_checking:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            yield name, id(node) in module_level, node.lineno


def _py_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _is(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("path", _py_files(CORE), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_names_server_or_console(path: Path) -> None:
    for name, _, line in _imports(path):
        assert not _is(name, "prefect_server", "prefect_console"), f"{path}:{line} imports {name}"


@pytest.mark.parametrize("path", _py_files(CORE), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_keeps_heavy_libraries_out_of_module_level(path: Path) -> None:
    for name, at_top, line in _imports(path):
        if at_top:
            assert not _is(name, *HEAVY), f"{path}:{line} imports {name} at module level"


@pytest.mark.parametrize("path", _py_files(SERVER), ids=lambda p: str(p.relative_to(ROOT)))
def test_server_uses_only_the_shared_vocabulary_of_core(path: Path) -> None:
    for name, _, line in _imports(path):
        assert not _is(name, "prefect_console"), f"{path}:{line} imports {name}"
        if _is(name, "prefect"):
            assert _is(name, *SERVER_MAY_USE_FROM_CORE) or name == "prefect", (
                f"{path}:{line} imports {name}; the server may use only {SERVER_MAY_USE_FROM_CORE}"
            )


@pytest.mark.parametrize("path", _py_files(CONSOLE), ids=lambda p: str(p.relative_to(ROOT)))
def test_console_imports_the_server_only_inside_functions(path: Path) -> None:
    for name, at_top, line in _imports(path):
        if _is(name, "prefect_server"):
            assert not at_top, f"{path}:{line} imports {name} at module level"


def test_the_checks_see_the_packages() -> None:
    # guards against the globs above silently matching nothing
    assert len(_py_files(CORE)) > 5
    assert _py_files(SERVER)
    assert _py_files(CONSOLE)
