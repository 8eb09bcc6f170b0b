"""The lines a run's log view shows, from a bounded buffer of log records.

Records arrive at both ends (new ones by polling, older ones when the operator scrolls to
the top); each is kept once, by id. What is shown depends on the view's toggles:
timestamps, a minimum level, wrapping at the view's width, and a search that keeps the
matching lines with a few lines around each match.
"""

from __future__ import annotations

import textwrap
import uuid
from collections import deque
from dataclasses import dataclass

from prefect_console.ops import present
from prefect_console.ops.text import strip_controls

LEVELS = (0, 20, 30, 40)  # all, INFO and up, WARNING and up, ERROR and up
CONTEXT = 2  # lines shown around a search match
STAMP_WIDTH = 9  # "HH:MM:SS "


@dataclass(frozen=True)
class Entry:
    id: uuid.UUID
    level: int
    stamp: str
    lines: tuple[str, ...]  # level, source and message, continuations indented


def entry_of(record: object, task_names: dict[uuid.UUID, str]) -> Entry:
    """A log record as an entry: control characters stripped, nothing interpreted."""
    level: int = getattr(record, "level")  # noqa: B009 - prefect.schemas.objects.Log
    message = strip_controls(getattr(record, "message")).splitlines() or [""]  # noqa: B009
    task_id = getattr(record, "task_run_id", None)
    task = task_names.get(task_id) if task_id else None
    source = f"{present.sanitize_cell(task)}: " if task else ""
    head = f"{present.level_name(level):<7} {source}{message[0]}"
    return Entry(
        id=getattr(record, "id"),  # noqa: B009
        level=level,
        stamp=getattr(record, "timestamp").astimezone().strftime("%H:%M:%S"),  # noqa: B009
        lines=(head, *(f"{'':8}{line}" for line in message[1:])),
    )


class LogBuffer:
    def __init__(self, max_entries: int) -> None:
        self.entries: deque[Entry] = deque(maxlen=max_entries)
        self._ids: set[uuid.UUID] = set()
        self.timestamps = True
        self.wrap = False
        self.min_level = 0
        self.search = ""

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def full(self) -> bool:
        return len(self.entries) == self.entries.maxlen

    def append(self, entries: list[Entry]) -> list[Entry]:
        """Add newer entries (oldest first); returns those not seen before."""
        new = [e for e in entries if e.id not in self._ids]
        for entry in new:
            if self.full:
                self._ids.discard(self.entries[0].id)
            self.entries.append(entry)
            self._ids.add(entry.id)
        return new

    def prepend(self, entries: list[Entry]) -> list[Entry]:
        """Add older entries (oldest first) until the buffer is full."""
        room = (self.entries.maxlen or 0) - len(self.entries)
        new = [e for e in entries if e.id not in self._ids][-room:] if room > 0 else []
        self.entries.extendleft(reversed(new))
        self._ids.update(e.id for e in new)
        return new

    def lines_of(self, entries: list[Entry] | deque[Entry], width: int) -> list[str]:
        out: list[str] = []
        for entry in entries:
            if entry.level < self.min_level:
                continue
            for index, line in enumerate(entry.lines):
                stamp = ""
                if self.timestamps:
                    stamp = entry.stamp + " " if index == 0 else " " * STAMP_WIDTH
                text = stamp + line
                if self.wrap and width > 10 and len(text) > width:
                    out.extend(textwrap.wrap(text, width, subsequent_indent=" " * 4) or [text])
                else:
                    out.append(text)
        return out

    def render(self, width: int) -> tuple[list[str], int]:
        """The lines to show, and how many of them match the search (0 without one)."""
        lines = self.lines_of(self.entries, width)
        if not self.search:
            return lines, 0
        needle = self.search.lower()
        hits = [i for i, line in enumerate(lines) if needle in line.lower()]
        hit_set = set(hits)
        keep: list[int] = []
        for hit in hits:
            for i in range(max(hit - CONTEXT, 0), min(hit + CONTEXT + 1, len(lines))):
                if not keep or i > keep[-1]:
                    if keep and i > keep[-1] + 1:
                        keep.append(-1)  # a gap between two groups
                    keep.append(i)
        shown = [("--" if i < 0 else ("» " if i in hit_set else "  ") + lines[i]) for i in keep]
        return shown, len(hits)

    def cycle_level(self) -> str:
        self.min_level = LEVELS[(LEVELS.index(self.min_level) + 1) % len(LEVELS)]
        return "all levels" if self.min_level == 0 else f"{present.level_name(self.min_level)}+"
