"""How runs look to a person, shared by the CLI tables and the TUI.

A state is always shown as a word *and* a colour, so nothing depends on seeing colour.
Colours are ANSI names, which a 16-colour terminal (and the TUI's ANSI theme) renders as
the operator's own palette.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol


class _Valued(Protocol):
    @property
    def value(self) -> str: ...


class _StateLike(Protocol):
    @property
    def name(self) -> str | None: ...
    @property
    def type(self) -> _Valued: ...


class RunLike(Protocol):
    """What these helpers read of a run: a FlowRun or TaskRun model, or the CLI's plain
    rows decoded from JSON (`prefect_console.cli._fast_ls`)."""

    @property
    def state_name(self) -> str | None: ...
    @property
    def state(self) -> _StateLike | None: ...
    @property
    def state_type(self) -> _Valued | None: ...
    @property
    def start_time(self) -> datetime | None: ...
    @property
    def end_time(self) -> datetime | None: ...
    @property
    def total_run_time(self) -> timedelta: ...


STATE_COLOURS: dict[str, str] = {
    "SCHEDULED": "yellow",
    "PENDING": "bright_black",
    "RUNNING": "blue",
    "COMPLETED": "green",
    "FAILED": "red",
    "CANCELLED": "bright_black",
    "CRASHED": "bright_red",
    "PAUSED": "bright_black",
    "CANCELLING": "bright_black",
}


def state_colour(state_type: str | None) -> str:
    return STATE_COLOURS.get(state_type or "", "default")


def state_word(run: RunLike) -> str:
    if run.state_name:
        return run.state_name
    if run.state is not None and run.state.name:
        return run.state.name
    return run.state_type.value.title() if run.state_type else "-"


def state_type_of(run: RunLike) -> str | None:
    if run.state_type is not None:
        return run.state_type.value
    return run.state.type.value if run.state is not None else None


def run_duration(run: RunLike, now: datetime) -> timedelta | None:
    """Wall time of a run: to its end, or to `now` while it is still going."""
    if run.start_time is None:
        return None
    end = run.end_time or (now if state_type_of(run) in {"RUNNING", "CANCELLING"} else None)
    if end is None:
        return run.total_run_time or None
    return max(end - run.start_time, timedelta(0))


def format_duration(value: timedelta | None) -> str:
    if value is None:
        return "-"
    seconds = value.total_seconds()
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def format_time(value: datetime | None, now: datetime | None = None) -> str:
    """Local wall-clock time; the date is added when it is not today."""
    if value is None:
        return "-"
    local = value.astimezone()
    if now is not None and local.date() == now.astimezone().date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%Y-%m-%d %H:%M:%S")


def short_time(value: datetime | None, now: datetime) -> str:
    """Time of day for today, else month-day and minutes: fits an 11-column cell."""
    if value is None:
        return "-"
    local, today = value.astimezone(), now.astimezone()
    return local.strftime("%H:%M:%S" if local.date() == today.date() else "%m-%d %H:%M")


def format_tags(tags: list[str]) -> str:
    return ", ".join(tags)


LEVEL_NAMES = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}


def level_name(level: int) -> str:
    return LEVEL_NAMES.get(level, f"LEVEL{level}")


def sanitize_cell(text: str) -> str:
    """Untrusted text for one table cell: no control characters, no line breaks."""
    from prefect_console.ops.text import one_line

    return one_line(text)
