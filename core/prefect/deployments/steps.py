"""Pull steps: how a flow run's process gets its deployment's code, with Prefect 3's names.

A deployment's `pull_steps` is a list of one-key dicts, the key a step's full name and the
value its keyword arguments, as `prefect.yaml` writes them:

    pull:
      - prefect.deployments.steps.git_clone:
          id: clone
          repository: https://github.com/org/repo.git
          branch: main
      - prefect.deployments.steps.run_shell_script:
          script: echo "cloned into {{ clone.directory }}"

`run_steps` runs them in order. Before a step runs, `{{ ... }}` placeholders in its
arguments are filled: `{{ id.key }}` from the output of the earlier step with that `id`,
`{{ key }}` from any earlier output, `{{ $NAME }}` from the environment, and
`{{ prefect.variables.name }}` (or `prefect.blocks...`) through the `resolve` callable the
caller gives (the flow run's process reads them from the API). A placeholder that nothing
fills is left as it is. A step's `requires` names packages it needs; they are not installed
here (the step fails with the import error instead).

After the steps, `run_steps` answers the merged outputs; Prefect's flow process then
changes into the last `directory` an output named, and so does ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

__all__ = [
    "StepExecutionError",
    "agit_clone",
    "git_clone",
    "run_shell_script",
    "run_step",
    "run_steps",
    "set_working_directory",
]

_PLACEHOLDER = re.compile(r"{{\s*([\w.\-\[\]$]+)\s*}}")
_MISSING: Any = object()
# older spellings of the same steps, still found in prefect.yaml files
_ALIASES = {
    "prefect.deployments.steps.pull.set_working_directory": "set_working_directory",
    "prefect.deployments.steps.pull.git_clone": "git_clone",
    "prefect.deployments.steps.pull.agit_clone": "agit_clone",
    "prefect.deployments.steps.utility.run_shell_script": "run_shell_script",
    "prefect.deployments.steps.git_clone_project": "git_clone",
    "prefect.projects.steps.git_clone_project": "git_clone",
    "prefect.projects.steps.set_working_directory": "set_working_directory",
}

Resolver = Callable[[str], Any]


class StepExecutionError(RuntimeError):
    """A pull step failed; the message names the step and why."""


# -- the steps ------------------------------------------------------------------------------


def set_working_directory(directory: str) -> dict[str, str]:
    """Change into `directory` (absolute, or relative to the current one); its full path."""
    os.chdir(directory)
    return {"directory": str(Path.cwd())}


def git_clone(
    repository: str,
    branch: str | None = None,
    commit_sha: str | None = None,
    include_submodules: bool = False,
    access_token: str | None = None,
    credentials: Any = None,
    directories: Sequence[str] | None = None,
    clone_directory_name: str | None = None,
) -> dict[str, str]:
    """Clone `repository` into the current directory, or update the clone already there.

    The clone's folder is `clone_directory_name`, else the repository's name followed by
    `-branch` when a branch is given. `commit_sha` checks that commit out; `directories`
    makes a sparse checkout of those folders. A token (`access_token`, or `credentials`
    holding `token`/`access_token`, or `username` and `password`) is put in an https URL.
    The answer's `directory` is the clone's folder, relative to the current directory.
    """
    if branch and commit_sha:
        raise ValueError("git_clone takes a branch or a commit_sha, not both")
    url = _authenticated_url(repository, access_token, credentials)
    name = clone_directory_name or _clone_name(repository, branch)
    destination = Path.cwd() / name
    secrets = [s for s in _secrets(access_token, credentials) if s]
    if (destination / ".git").exists():
        _git(["fetch", "origin", *([branch] if branch else [])], destination, secrets)
        target = commit_sha or ("FETCH_HEAD" if branch else "origin/HEAD")
        _git(["checkout", "--force", "--detach", target], destination, secrets)
        if branch:
            _git(["checkout", "-B", branch], destination, secrets)
    elif destination.exists() and any(destination.iterdir()):
        raise StepExecutionError(
            f"Cannot clone {repository!r} into {str(destination)!r}: "
            "the folder exists and is not a git clone"
        )
    else:
        args = ["clone", url, str(destination)]
        if commit_sha is None:
            args[1:1] = ["--depth", "1"]
        if branch:
            args[1:1] = ["--branch", branch]
        if include_submodules:
            args[1:1] = ["--recurse-submodules"]
        if directories:
            args[1:1] = ["--sparse"]
        _git(args, Path.cwd(), secrets)
        if commit_sha:
            _git(["checkout", "--detach", commit_sha], destination, secrets)
        if directories:
            _git(["sparse-checkout", "set", *directories], destination, secrets)
    try:
        directory = destination.relative_to(Path.cwd())
    except ValueError:
        directory = destination
    return {"directory": directory.as_posix()}


async def agit_clone(**kwargs: Any) -> dict[str, str]:
    """`git_clone` from a coroutine (Prefect 3 has both), off the event loop's thread."""
    return await asyncio.to_thread(git_clone, **kwargs)


def run_shell_script(
    script: str,
    directory: str | None = None,
    env: Mapping[str, str] | None = None,
    stream_output: bool = True,
    expand_env_vars: bool = False,
) -> dict[str, str]:
    """Run each line of `script` as one command (split like a shell's words, no shell).

    `directory` is where they run; `env` is added to the environment; with
    `expand_env_vars`, `$NAME` in the script is replaced first. The answer holds the
    commands' `stdout` and `stderr`; a command that exits non-zero fails the step.
    """
    environ = {**os.environ, **{k: str(v) for k, v in (env or {}).items()}}
    outs: list[str] = []
    errs: list[str] = []
    for line in script.splitlines():
        if not line.strip():
            continue
        if expand_env_vars:
            line = _expand(line, environ)
        argv = shlex.split(line)
        try:
            done = subprocess.run(
                argv, cwd=directory, env=environ, capture_output=True, text=True, check=False
            )
        except OSError as exc:
            raise RuntimeError(f"`run_shell_script` could not run {argv[0]!r}: {exc}") from None
        if stream_output:
            sys.stdout.write(done.stdout)
            sys.stderr.write(done.stderr)
            sys.stdout.flush()
        outs.append(done.stdout.strip())
        errs.append(done.stderr.strip())
        if done.returncode != 0:
            raise RuntimeError(
                f"`run_shell_script` failed with error code {done.returncode}: "
                f"{done.stderr.strip()}"
            )
    return {"stdout": "\n".join(o for o in outs if o), "stderr": "\n".join(e for e in errs if e)}


# -- running a list of steps ----------------------------------------------------------------


def run_steps(
    steps: Sequence[Mapping[str, Any]] | None,
    upstream_outputs: Mapping[str, Any] | None = None,
    *,
    resolve: Resolver | None = None,
) -> dict[str, Any]:
    """Run `steps` in order; their outputs merged (each also kept under its step's `id`)."""
    outputs: dict[str, Any] = dict(upstream_outputs or {})
    for step in steps or []:
        output = run_step(step, outputs, resolve=resolve)
        step_id = _step_id(step)
        outputs.update(output)
        if step_id:
            outputs[step_id] = output
    return outputs


def run_step(
    step: Mapping[str, Any],
    upstream_outputs: Mapping[str, Any] | None = None,
    *,
    resolve: Resolver | None = None,
) -> dict[str, Any]:
    """Run one step (`{name: {arguments}}`) with its placeholders filled; its output."""
    if not isinstance(step, Mapping) or len(step) != 1:
        raise StepExecutionError(
            f"A step must be a mapping with one key, the step's name; got {step!r}"
        )
    ((name, raw),) = step.items()
    arguments = dict(raw or {})
    arguments.pop("id", None)
    requires = arguments.pop("requires", None)
    try:
        fn = _step_function(str(name))
    except (ImportError, AttributeError, ValueError) as exc:
        hint = f" (it requires {requires!r})" if requires else ""
        raise StepExecutionError(f"Cannot find step {name!r}{hint}: {exc}") from exc
    filled = fill_placeholders(arguments, upstream_outputs or {}, resolve)
    try:
        result = fn(**filled)
        if inspect.isawaitable(result):
            result = _await(result)
    except Exception as exc:
        raise StepExecutionError(f"Encountered error while running {name}: {exc}") from exc
    if result is None:
        return {}
    if not isinstance(result, Mapping):
        return {"result": result}
    return dict(result)


def fill_placeholders(value: Any, outputs: Mapping[str, Any], resolve: Resolver | None) -> Any:
    """`value` with `{{ ... }}` placeholders filled (see the module's docstring)."""
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value.strip())
        if whole is not None:
            found = _lookup(whole.group(1), outputs, resolve)
            return value if found is _MISSING else found

        def replace(match: re.Match[str]) -> str:
            found = _lookup(match.group(1), outputs, resolve)
            return match.group(0) if found is _MISSING else str(found)

        return _PLACEHOLDER.sub(replace, value)
    if isinstance(value, Mapping):
        return {k: fill_placeholders(v, outputs, resolve) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [fill_placeholders(v, outputs, resolve) for v in value]
    return value


def working_directory(outputs: Mapping[str, Any]) -> str | None:
    """The folder the steps leave the flow in: the merged outputs' `directory`, if any."""
    directory = outputs.get("directory")
    return str(directory) if isinstance(directory, str | os.PathLike) and directory else None


# -- helpers --------------------------------------------------------------------------------


def _step_id(step: Mapping[str, Any]) -> str | None:
    ((_, raw),) = step.items()
    step_id = (raw or {}).get("id") if isinstance(raw, Mapping) else None
    return str(step_id) if step_id else None


def _step_function(name: str) -> Callable[..., Any]:
    local = _ALIASES.get(name)
    if local is None and name.startswith(f"{__name__}."):
        local = name[len(__name__) + 1 :]
    if local is not None:
        fn = globals().get(local)
        if local in __all__ and callable(fn):
            return fn  # type: ignore[no-any-return]
        raise AttributeError(f"{__name__} has no step {local!r}")
    module_name, _, attr = name.rpartition(".")
    if not module_name:
        raise ValueError("a step is named by its full import path (module.function)")
    fn = getattr(importlib.import_module(module_name), attr)
    if not callable(fn):
        raise ValueError(f"{name} is not callable")
    return fn  # type: ignore[no-any-return]


def _await(awaitable: Any) -> Any:
    async def wait() -> Any:
        return await awaitable

    return asyncio.run(wait())


def _lookup(name: str, outputs: Mapping[str, Any], resolve: Resolver | None) -> Any:
    if name.startswith("$"):
        return os.environ.get(name[1:], _MISSING)
    if name.startswith("prefect."):
        return _MISSING if resolve is None else resolve(name)
    node: Any = outputs
    for part in name.replace("[", ".").replace("]", "").split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _expand(text: str, environ: Mapping[str, str]) -> str:
    with _environ(environ):
        return os.path.expandvars(text)


@contextlib.contextmanager
def _environ(values: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _clone_name(repository: str, branch: str | None) -> str:
    path = urlparse(repository).path if "://" in repository else repository
    name = path.rstrip("/").split("/")[-1].split(":")[-1]
    name = name.removesuffix(".git") or "repository"
    return f"{name}-{branch.replace('/', '-')}" if branch else name


def _secrets(access_token: str | None, credentials: Any) -> list[str]:
    found = [access_token or ""]
    for key in ("token", "access_token", "password"):
        value = _credential(credentials, key)
        if value:
            found.append(value)
    return found


def _credential(credentials: Any, key: str) -> str | None:
    if credentials is None:
        return None
    value = credentials.get(key) if isinstance(credentials, Mapping) else None
    if value is None:
        value = getattr(credentials, key, None)
    if value is None:
        return None
    # a SecretStr, or a Secret block
    for getter in ("get_secret_value", "get"):
        method = getattr(value, getter, None)
        if callable(method) and not isinstance(value, Mapping | str):
            return str(method())
    return str(value)


def _authenticated_url(repository: str, access_token: str | None, credentials: Any) -> str:
    token = (
        access_token
        or _credential(credentials, "token")
        or _credential(credentials, "access_token")
    )
    username = _credential(credentials, "username")
    password = _credential(credentials, "password")
    parts = urlparse(repository)
    if parts.scheme != "https" or not (token or password):
        return repository
    host = parts.hostname or ""
    if token:
        if "gitlab" in host:
            userinfo = f"oauth2:{token}"
        elif "bitbucket" in host:
            userinfo = f"x-token-auth:{token}"
        else:
            userinfo = token
    else:
        userinfo = f"{username or 'git'}:{password}"
    netloc = f"{userinfo}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunparse(parts._replace(netloc=netloc))


def _git(args: list[str], cwd: Path, secrets: Sequence[str]) -> None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            # never wait for a password on a terminal nobody watches
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except OSError as exc:
        raise RuntimeError(f"Cannot run git: {exc}") from None
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip()
        for secret in secrets:
            message = message.replace(secret, "***")
        shown = " ".join("<repository>" if "@" in a and "://" in a else a for a in args[:2])
        raise RuntimeError(f"git {shown} failed (exit {done.returncode}): {message}")
