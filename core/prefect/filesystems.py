"""File systems as blocks: where persisted results are written (Prefect 3's names).

    from prefect.filesystems import LocalFileSystem

    fs = LocalFileSystem(basepath="~/results")
    fs.write_path("a/b.txt", b"hi")     # -> the absolute path written
    fs.read_path("a/b.txt")             # -> b"hi"

    @flow(persist_result=True, result_storage=fs)   # or a saved one: "local-file-system/x"
    def pipeline(): ...

Relative paths are taken from `basepath` (the working directory without one) and may not
climb out of it. Writes go to a temporary file renamed into place, so a reader in another
process sees a whole file or none (result records are read across processes).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from pydantic import field_validator

from prefect.blocks.core import Block

__all__ = ["LocalFileSystem", "WritableFileSystem"]


class WritableFileSystem(Block):
    """A block that reads and writes bytes at paths (the interface result storage uses)."""

    _block_schema_capabilities: ClassVar[list[str]] = ["read-path", "write-path"]

    def read_path(self, path: str) -> bytes:
        raise NotImplementedError

    def write_path(self, path: str, content: bytes) -> str:
        raise NotImplementedError

    async def aread_path(self, path: str) -> bytes:
        import asyncio

        return await asyncio.to_thread(self.read_path, path)

    async def awrite_path(self, path: str, content: bytes) -> str:
        import asyncio

        return await asyncio.to_thread(self.write_path, path, content)


class LocalFileSystem(WritableFileSystem):
    """Store data as files on a local file system, under `basepath`."""

    _block_type_name: ClassVar[str | None] = "Local File System"
    _documentation_url: ClassVar[str | None] = (
        "https://docs.prefect.io/latest/develop/results#result-storage"
    )

    basepath: str | None = None

    @field_validator("basepath", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        # a Path is accepted as well as a string, and stored as text
        return str(value) if isinstance(value, os.PathLike) else value

    def _base(self) -> Path:
        return Path(self.basepath or ".").expanduser().resolve()

    def _resolve_path(self, path: str | os.PathLike[str] | None, validate: bool = False) -> Path:
        """The absolute path for `path`; with `validate`, a path outside `basepath` is a
        ValueError (an absolute path is taken as given otherwise)."""
        base = self._base()
        if path is None or str(path) == "":
            return base
        given = Path(path).expanduser()
        resolved = given.resolve() if given.is_absolute() else (base / given).resolve()
        outside = resolved != base and base not in resolved.parents
        if outside and (validate or not given.is_absolute()):
            raise ValueError(f"Path {path} is outside of the base path {base}.")
        return resolved

    def read_path(self, path: str) -> bytes:
        """The bytes at `path`; ValueError when there is no such file."""
        resolved = self._resolve_path(path)
        if not resolved.is_file():
            raise ValueError(f"Path {resolved} does not exist.")
        return resolved.read_bytes()

    def write_path(self, path: str, content: bytes) -> str:
        """Write `content` at `path` (its folders created); returns the absolute path."""
        resolved = self._resolve_path(path, validate=True)
        resolved.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=resolved.parent, prefix=f".{resolved.name}.")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.replace(tmp, resolved)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return str(resolved)
