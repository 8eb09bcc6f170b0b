"""The root command group: turns every failure a person can cause into one line.

Click's own messages (usage errors) and the console's errors (unknown run, unreachable
API, bad setting) are printed as a single `Error: ...` line on stderr. Exit codes: 0 ok,
1 the operation failed, 2 what was typed is wrong. A bug still shows its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

try:  # typer >= 0.29 carries its own copy of click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older typer on real click
    from click.exceptions import (  # type: ignore[assignment,no-redef]
        ClickException,
        NoArgsIsHelpError,
        UsageError,
    )


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `message` as one error line; return the Exit to raise."""
    sys.stderr.write(f"Error: {_one_line(message)}\n")
    sys.stderr.flush()
    return typer.Exit(code)


def confirm_or_fail(question: str, yes: bool) -> None:
    """Ask on a terminal; without one, go on only with `--yes` (nothing waits on stdin)."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise fail("Refusing to proceed without confirmation: pass --yes", 1)
    if not typer.confirm(question, default=False):
        raise fail("Aborted.", 1)


def _one_line(message: str) -> str:
    from prefect_console.ops.text import one_line

    return one_line(message).strip()


def describe_failure(exc: BaseException) -> tuple[str, int] | None:
    """(message, exit code) for failures a person can cause; None for bugs."""
    from prefect.exceptions import PrefectException

    from prefect_console.ops.errors import ConsoleError

    if isinstance(exc, ConsoleError):
        return exc.message, 2 if exc.usage else 1
    if isinstance(exc, PrefectException):
        return str(exc) or type(exc).__name__, 1
    if isinstance(exc, ConnectionError | TimeoutError):
        return f"Cannot reach the API: {exc}", 1
    return None


class ConsoleGroup(TyperGroup):
    """The root group: one-line errors, and the command groups of `_lazy.GROUPS` loaded
    only when used."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from prefect_console.cli._lazy import GROUPS, LazyCommands

        self.commands = LazyCommands(self.commands, GROUPS)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # names only: typer's own version loads every group

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        from prefect_console.cli._lazy import GROUPS, LazyCommands

        commands = self.commands
        assert isinstance(commands, LazyCommands)
        rows: list[tuple[str, str]] = []
        for name in self.list_commands(ctx):
            if name in GROUPS and not commands.is_loaded(name):
                rows.append((name, GROUPS[name][1]))  # its help line, without importing it
                continue
            command = commands.get(name)
            if command is not None and not command.hidden:
                limit = formatter.width - 6 - max(len(n) for n in self.list_commands(ctx))
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:
            exc.show()  # a bare group prints its help, not an error line
            code = exc.exit_code
        except UsageError as exc:
            hint = f" (try '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            code = _report(exc.format_message() + hint, 2)
        except ClickException as exc:
            code = _report(exc.format_message(), exc.exit_code)
        except (typer.Abort, KeyboardInterrupt):
            code = _report("Aborted.", 1)
        except Exception as exc:
            described = describe_failure(exc)
            if described is None:
                raise
            code = _report(*described)
        else:
            code = result if isinstance(result, int) else 0
        if not standalone_mode:
            return code
        sys.exit(code)


def _report(message: str, code: int) -> int:
    fail(message, code)
    return code
