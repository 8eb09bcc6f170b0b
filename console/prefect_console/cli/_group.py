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
