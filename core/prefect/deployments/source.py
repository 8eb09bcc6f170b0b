"""`Flow.from_source(source, entrypoint)`: a flow loaded from a folder or a git repository.

    etl = Flow.from_source("https://github.com/org/repo.git", "flows/etl.py:nightly")
    etl.deploy("nightly", work_pool_name="local")   # the worker clones the repository

`source` is a local folder or a git URL (`https://...`, `git@...`, `ssh://...`, `file://`,
or a path ending in `.git`). A repository is cloned with the `git_clone` pull step into a
temporary folder; the entrypoint is relative to the folder or the repository's root. The
flow remembers where it came from, so that `deploy`/`to_deployment` record it: a
`git_clone` pull step for a repository, `set_working_directory` for a folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.flows import Flow

__all__ = ["is_git_url", "load_flow_from_source"]

_GIT_PREFIXES = ("https://", "http://", "git@", "ssh://", "git://", "file://")


def is_git_url(source: str) -> bool:
    return source.startswith(_GIT_PREFIXES) or source.rstrip("/").endswith(".git")


def load_flow_from_source(source: str | Path, entrypoint: str) -> Flow[..., Any]:
    """The flow `entrypoint` names inside `source` (see the module)."""
    from prefect.deployments.entrypoints import load_flow_from_entrypoint

    text = str(source)
    if is_git_url(text):
        from prefect.deployments.steps import git_clone

        where = tempfile.mkdtemp(prefix="prefect-source-")
        previous = os.getcwd()
        os.chdir(where)
        try:
            root = (Path(where) / git_clone(repository=text)["directory"]).resolve()
        finally:
            os.chdir(previous)
        pull_steps: list[dict[str, Any]] = [
            {"prefect.deployments.steps.git_clone": {"repository": text}}
        ]
        path = None
    else:
        root = Path(text).expanduser().resolve()
        if not root.is_dir():
            raise ValueError(f"Source {text!r} is neither a folder nor a git repository URL")
        pull_steps = [{"prefect.deployments.steps.set_working_directory": {"directory": str(root)}}]
        path = str(root)
    file, sep, func = entrypoint.rpartition(":")
    if not sep:
        raise ValueError(f"Entrypoint {entrypoint!r} must look like 'path/to/file.py:flow'")
    flow = load_flow_from_entrypoint(f"{root / file}:{func}")
    # read by `RunnerDeployment.from_flow`: where the deployment's code comes from
    flow._entrypoint = f"{root / file}:{func}"  # type: ignore[attr-defined]
    flow._deployment_source = {  # type: ignore[attr-defined]
        "entrypoint": entrypoint,
        "path": path,
        "pull_steps": pull_steps,
    }
    return flow
