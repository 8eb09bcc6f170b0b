"""The `prefect` executable: a few common command lines first, then the typer app.

`_fast.run_fast` answers `prefect version` and `prefect flow-run ls` (against an HTTP
API) without importing typer or pydantic; every other command line, and any it is not
sure of, goes to `prefect_console.cli.main`, unchanged.
"""

from __future__ import annotations

import sys


def main() -> None:
    from prefect_console.cli._fast import run_fast

    try:
        code = run_fast(sys.argv[1:])
        if code is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (`| head`): exit 1 quietly, as click does
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    if code is not None:
        sys.exit(code)
    from prefect_console.cli.main import main as typer_main

    typer_main()


if __name__ == "__main__":
    main()
