"""The commands typed most, answered before typer is imported.

Importing typer (and building the command tree) costs more than `prefect version` does.
`run_fast` recognises a few command lines, in the forms click accepts for them, and
runs them directly; for anything else, or any doubt (an unknown option, an argument,
`--help`, shell completion, a bad value whose error click words, an answer from the API
that needs the full client), it returns None and the typer app takes the command line
as if this module did not exist.

The commands answered here are the typer commands' own code, called with the values
click would have given them, so the two paths print the same thing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

# what `-o/--output` accepts (cli._options.OutputFormat), without importing typer
_OUTPUT_CHOICES = frozenset({"json"})


class NotFast(Exception):
    """This command line is for the typer app."""


def run_fast(argv: Sequence[str]) -> int | None:
    """The exit code of a command answered here, or None to hand the line to typer."""
    if any(name.startswith("_PREFECT_COMPLETE") for name in os.environ):
        return None  # shell completion is click's
    if not argv:
        return None
    handler = _HANDLERS.get(argv[0])
    if handler is None:
        return None
    try:
        return handler(argv[1:])
    except NotFast:
        return None
    except KeyboardInterrupt:
        sys.stderr.write("Error: Aborted.\n")  # as the typer app's root group says it
        return 1
    except BrokenPipeError:
        raise
    except Exception:
        # a failure the typer app words (a malformed profiles file...): these commands
        # only read and print at the very end, so running them again there is harmless
        return None


def parse_options(
    args: Sequence[str], single: Sequence[str], multiple: Sequence[str] = ()
) -> dict[str, list[str]]:
    """Long options (`--limit 5`, `--limit=5`) and `-o json`/`-ojson`, click's way.

    Returns each option's values in order; raises NotFast on anything else (an argument,
    `--help`, `--`, an unknown option, a missing value), so that click words the error.
    """
    known = {*single, *multiple}
    values: dict[str, list[str]] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg.startswith("-o") and not arg.startswith("--"):
            name, value = "--output", arg[2:] or None
        elif arg.startswith("--") and len(arg) > 2:
            name, sep, given = arg.partition("=")
            value = given if sep else None
        else:
            raise NotFast(arg)
        if name not in known:
            raise NotFast(arg)
        if value is None:
            if index >= len(args):
                raise NotFast(arg)
            value = args[index]
            index += 1
        values.setdefault(name, []).append(value)
    return values


def output_is_json(values: dict[str, list[str]]) -> bool:
    outputs = values.get("--output", [])
    if any(value not in _OUTPUT_CHOICES for value in outputs):
        raise NotFast("--output")  # click's "not one of" error
    return bool(outputs)


def _last(values: dict[str, list[str]], name: str) -> str | None:
    """A single-valued option given several times: click keeps the last."""
    given = values.get(name)
    return given[-1] if given else None


def _version(args: Sequence[str]) -> int:
    values = parse_options(args, single=["--output"])
    print_version(json=output_is_json(values))
    return 0


def print_version(*, json: bool) -> None:
    """`prefect version`: the version, the API in use and its database."""
    from prefect.settings import get_current_settings

    from prefect_console.ops.system import active_profile, version_info

    settings = get_current_settings()
    info = version_info(settings, active_profile(settings))
    if json:
        from prefect_console.cli._output import print_json

        print_json(info.as_dict())
        return
    rows = [
        ("Version", info.version),
        ("API URL", info.api_url),
        ("Database", info.database),
        ("Profile", info.profile),
        ("Python version", info.python),
        ("OS/Arch", info.platform),
    ]
    sys.stdout.write("".join(f"{label + ':':<16}{value}\n" for label, value in rows))


def _flow_run(args: Sequence[str]) -> int:
    if not args or args[0] != "ls":
        raise NotFast("flow-run")
    from prefect_console.cli._fast_ls import flow_run_ls

    values = parse_options(
        args[1:],
        single=["--limit", "--output"],
        multiple=["--state", "--state-type", "--flow-name"],
    )
    return flow_run_ls(
        limit=_limit(values),
        state=values.get("--state", []),
        state_type=values.get("--state-type", []),
        flow_name=values.get("--flow-name", []),
        json=output_is_json(values),
    )


def _flow(args: Sequence[str]) -> int:
    if not args or args[0] != "ls":
        raise NotFast("flow")
    from prefect_console.cli._fast_ls import flow_ls

    values = parse_options(args[1:], single=["--limit", "--name", "--output"])
    return flow_ls(limit=_limit(values), name=_last(values, "--name"), json=output_is_json(values))


def _limit(values: dict[str, list[str]], default: int = 15) -> int:
    limit = _last(values, "--limit")
    if limit is None:
        return default
    if not (limit.isascii() and limit.isdigit()):
        raise NotFast("--limit")  # a sign, a space or not a number: click's wording
    return int(limit)


_HANDLERS: dict[str, Callable[[Sequence[str]], int]] = {
    "version": _version,
    "flow": _flow,
    "flow-run": _flow_run,
}
