"""Importing httpx without its command-line tool.

`import httpx` also imports httpx's own CLI (rich, pygments, click: ~0.1 s here) whenever
those packages happen to be installed, as they are beside our console; when that import
fails, httpx installs a stub `httpx.main` instead. Nothing in a flow process or in our CLI
runs httpx's CLI, so the module is marked absent before httpx is first imported.
"""

from __future__ import annotations

import sys
from types import ModuleType


def import_httpx() -> ModuleType:
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    import httpx

    return httpx
