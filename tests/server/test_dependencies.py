"""prefect_server imports from core only the shared vocabulary."""

from __future__ import annotations

import ast
from pathlib import Path

import prefect_server

ALLOWED = (
    "prefect.schemas",
    "prefect.states",
    "prefect.settings",
    "prefect.exceptions",
    "prefect._time",
    # the default base job templates of new work pools: standard library only
    "prefect.workers.templates",
)


def core_imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "prefect":
                names.extend(f"prefect.{alias.name}" for alias in node.names)
            else:
                names.append(node.module)
    return [n for n in names if n == "prefect" or n.startswith("prefect.")]


def test_only_shared_vocabulary_from_core() -> None:
    root = Path(prefect_server.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for name in core_imports(path):
            # the bare package is imported for its __version__ (admin/version)
            if name != "prefect" and not name.startswith(ALLOWED):
                offenders.append(f"{path.relative_to(root)}: {name}")
    assert offenders == []
