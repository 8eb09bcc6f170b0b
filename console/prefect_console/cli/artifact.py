"""`prefect artifact ...`: list, inspect and delete what runs published."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import typer

from prefect_console.cli._options import Output, OutputFormat

if TYPE_CHECKING:
    from collections.abc import Sequence

    from prefect.client.orchestration import PrefectClient
    from prefect.schemas.artifacts import Artifact, ArtifactCollection

app = typer.Typer(help="Inspect and delete artifacts.", no_args_is_help=True)


@app.command("ls")
def ls(
    limit: Annotated[int, typer.Option(help="How many artifacts to show.", min=0)] = 100,
    all_versions: Annotated[
        bool, typer.Option("--all", "-a", help="Every version, not only the latest of each key.")
    ] = False,
    output: Output = None,
) -> None:
    """List the latest artifact of each key (every artifact with --all)."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.artifacts import list_artifacts

    artifacts = run_with_client(
        lambda client: list_artifacts(client, limit=limit, all_versions=all_versions)
    )
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json([artifact.to_json_dict() for artifact in artifacts])
        return
    _print_table(artifacts)


def _print_table(artifacts: Sequence[Artifact | ArtifactCollection]) -> None:
    from prefect.schemas.artifacts import ArtifactCollection
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present

    out = console()
    if not artifacts:
        out.print("No artifacts found.")
        return
    # the full ID stays whole; below 100 columns the time gives way
    wide = out.width >= 100
    keys = [present.sanitize_cell(artifact.key or "-") for artifact in artifacts]
    table = Table(title="Artifacts", box=None, header_style="bold", pad_edge=False)
    table.add_column("ID", no_wrap=True, min_width=36)
    table.add_column(
        "Key", overflow="ellipsis", no_wrap=True, min_width=min(max(map(len, keys)), 24)
    )
    table.add_column("Type", overflow="ellipsis", no_wrap=True)
    if wide:
        table.add_column("Updated", no_wrap=True, min_width=19)
    for key, artifact in zip(keys, artifacts, strict=True):
        shown_id = artifact.latest_id if isinstance(artifact, ArtifactCollection) else artifact.id
        cells = [str(shown_id), key, present.sanitize_cell(artifact.type or "-")]
        if wide:
            cells.append(present.format_time(artifact.updated))
        table.add_row(*cells)
    out.print(table)


@app.command("inspect")
def inspect(
    key: Annotated[str, typer.Argument(metavar="KEY", help="Artifact key.")],
    limit: Annotated[int, typer.Option(help="How many versions to show.", min=0)] = 10,
    output: Output = None,
) -> None:
    """Show the versions of an artifact key, the most recent first."""
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops.artifacts import inspect_artifact

    artifacts = run_with_client(lambda client: inspect_artifact(client, key, limit=limit))
    if output is OutputFormat.json:
        from prefect_console.cli._output import print_json

        print_json([artifact.to_json_dict() for artifact in artifacts])
        return
    from rich.table import Table

    from prefect_console.cli._output import console
    from prefect_console.ops import present
    from prefect_console.ops.artifacts import data_text
    from prefect_console.ops.text import strip_controls

    out = console()
    for index, artifact in enumerate(artifacts):
        if index:
            out.print()
        fields = Table.grid(padding=(0, 2))
        fields.add_column(style="bold", no_wrap=True)
        fields.add_column()
        rows = [
            ("ID", str(artifact.id)),
            ("Key", present.sanitize_cell(artifact.key or "-")),
            ("Type", present.sanitize_cell(artifact.type or "-")),
            ("Description", strip_controls(artifact.description or "-")),
            ("Flow run", str(artifact.flow_run_id or "-")),
            ("Task run", str(artifact.task_run_id or "-")),
            ("Created", present.format_time(artifact.created)),
            ("Updated", present.format_time(artifact.updated)),
            ("Data", strip_controls(data_text(artifact.data))),
        ]
        for label, value in rows:
            fields.add_row(label, value)
        out.print(fields)


@app.command("delete")
def delete(
    key: Annotated[
        str | None, typer.Argument(metavar="[KEY]", help="Delete every version of this key.")
    ] = None,
    artifact_id: Annotated[
        uuid.UUID | None, typer.Option("--id", help="Delete the one artifact with this id.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete every version of an artifact key, or one artifact by --id."""
    import sys

    from prefect_console.cli._group import confirm_or_fail, fail
    from prefect_console.cli._output import run_with_client
    from prefect_console.ops import artifacts as ops

    if key and artifact_id:
        raise fail("Give either a key or --id, not both", 2)
    if not key and artifact_id is None:
        raise fail("Give the key of the artifact to delete, or --id", 2)

    async def by_id(client: PrefectClient, artifact_id: uuid.UUID) -> str:
        await ops.read_artifact(client, artifact_id)  # "not found" before asking
        confirm_or_fail(f"Delete artifact with id '{artifact_id}'?", yes)
        await ops.delete_artifact(client, artifact_id)
        return f"Deleted artifact with id '{artifact_id}'."

    async def by_key(client: PrefectClient, key: str) -> str:
        found = await ops.artifacts_with_key(client, key)
        confirm_or_fail(f"Delete {len(found)} artifact(s) with key {key!r}?", yes)
        deleted = await ops.delete_artifacts_with_key(client, key)
        return f"Deleted {deleted} artifact(s) with key {key!r}."

    if artifact_id is not None:
        message = run_with_client(lambda client: by_id(client, artifact_id))
    else:
        assert key is not None
        message = run_with_client(lambda client: by_key(client, key))
    sys.stdout.write(message + "\n")
