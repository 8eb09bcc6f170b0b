"""`prefect events stream`: the live events of an API server, one per line."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

app = typer.Typer(help="Stream events.", no_args_is_help=True)


class EventFormat(enum.StrEnum):
    json = "json"
    text = "text"


@app.command("stream")
def stream(
    format: Annotated[
        EventFormat,
        typer.Option("--format", help="json: the event as one JSON line; text: time, name, id."),
    ] = EventFormat.json,
    event: Annotated[
        list[str] | None,
        typer.Option("--event", help="Only events whose name starts with this; repeatable."),
    ] = None,
    resource_id: Annotated[
        list[str] | None,
        typer.Option("--resource-id", help="Only events about this resource; repeatable."),
    ] = None,
    run_once: Annotated[bool, typer.Option("--run-once", help="Stop after one event.")] = False,
) -> None:
    """Print events as they happen, until Ctrl-C (or one event with --run-once)."""
    import asyncio
    import signal
    import sys
    from contextlib import aclosing

    from prefect.settings import get_current_settings

    from prefect_console.ops.events import event_json, event_text, stream_events

    api_url = get_current_settings().api_url or None
    render = event_json if format is EventFormat.json else event_text

    async def go() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        stops = (signal.SIGINT, signal.SIGTERM)
        for sig in stops:  # Ctrl-C and SIGTERM end the stream quietly, with exit code 0
            loop.add_signal_handler(sig, task.cancel)
        try:
            events = stream_events(
                api_url, event_prefixes=event or (), resource_ids=resource_id or ()
            )
            async with aclosing(events):
                if api_url and sys.stderr.isatty():  # for a person: scripts get events only
                    sys.stderr.write(f"Subscribing to event stream at {api_url}...\n")
                    sys.stderr.flush()
                async for received in events:
                    sys.stdout.write(render(received) + "\n")
                    sys.stdout.flush()
                    if run_once:
                        return
        except asyncio.CancelledError:
            return
        finally:
            for sig in stops:
                loop.remove_signal_handler(sig)

    asyncio.run(go())
