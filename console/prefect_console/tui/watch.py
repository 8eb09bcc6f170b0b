"""`w`: follow a run in the background and say when its state changes."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prefect_console.tui.app import ConsoleApp


async def watch(app: ConsoleApp, run_id: uuid.UUID, name: str) -> None:
    """Poll until the run is final; a notice for every state after the first."""
    from prefect_console.ops.flow_runs import watch_flow_run
    from prefect_console.tui.screens.base import describe_action_error

    seen = False
    try:
        client = await app.client()
        async for event in watch_flow_run(client, run_id, interval=app.watch_seconds):
            if event.state is None:
                continue
            app.watched[run_id] = event.state.name or event.state.type.value.title()
            if seen:
                word = event.state.name or event.state.type.value.title()
                bad = event.state.type.value in {"FAILED", "CRASHED"}
                app.notify(
                    f"{name} is now {word}",
                    title="Watched run",
                    severity="error" if bad else "information",
                )
            seen = True
    except Exception as exc:
        app.notify(f"Stopped watching {name}: {describe_action_error(exc)}", severity="warning")
    else:
        app.notify(f"{name} finished; no longer watching")
    finally:
        app.watched.pop(run_id, None)
