"""Wrappers that tell the engine how to treat an argument, with Prefect 3's names.

    from prefect.utilities.annotations import allow_failure, quote, unmapped

- `unmapped(x)`: in `task.map(...)`, pass `x` whole to every call instead of iterating it.
- `allow_failure(future)`: run the downstream task even if this upstream one failed; the
  argument becomes the upstream's exception instead of raising.
- `quote(x)`: pass `x` as is; the engine does not look inside it for futures or states.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

T = TypeVar("T")

__all__ = ["BaseAnnotation", "allow_failure", "quote", "unmapped"]


class BaseAnnotation(Generic[T]):
    """A value wrapped to mark how the engine should pass it on."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def unwrap(self) -> T:
        return self.value

    def rewrap(self, value: T) -> BaseAnnotation[T]:
        return type(self)(value)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.value == other.value  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), id(self.value)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"


class unmapped(BaseAnnotation[T]):
    """Pass the value whole to each mapped call."""

    def __getitem__(self, _: Any) -> T:
        # mapping indexes every iterable argument; an unmapped one answers the same value
        return self.value


class allow_failure(BaseAnnotation[T]):
    """Let a downstream task run even when this upstream result failed."""


class quote(BaseAnnotation[T]):
    """Pass the value as is, without looking inside it for futures or states."""
