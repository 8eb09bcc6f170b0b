"""Pull steps (`prefect.deployments.steps`) and entrypoints, with real git and processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from prefect.deployments.entrypoints import EntrypointError, load_flow_from_entrypoint
from prefect.deployments.steps import (
    StepExecutionError,
    fill_placeholders,
    git_clone,
    run_shell_script,
    run_step,
    run_steps,
    set_working_directory,
    working_directory,
)

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A local repository with a `main` branch (one commit) and a `feature` branch."""
    path = tmp_path / "origin" / "project.git"
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    (path / "flow.txt").write_text("v1")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "v1")
    git(path, "checkout", "-q", "-b", "feature")
    (path / "flow.txt").write_text("feature")
    git(path, "commit", "-q", "-am", "feature")
    git(path, "checkout", "-q", "main")
    return path


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_set_working_directory_changes_into_it_and_answers_the_full_path(work: Path) -> None:
    (work / "sub").mkdir()
    assert set_working_directory("sub") == {"directory": str(work / "sub")}
    assert Path.cwd() == work / "sub"


def test_git_clone_clones_into_the_repository_name(work: Path, repo: Path) -> None:
    assert git_clone(str(repo)) == {"directory": "project"}
    assert (work / "project" / "flow.txt").read_text() == "v1"


def test_git_clone_of_a_branch_names_the_folder_after_it(work: Path, repo: Path) -> None:
    assert git_clone(str(repo), branch="feature") == {"directory": "project-feature"}
    assert (work / "project-feature" / "flow.txt").read_text() == "feature"
    assert git_clone(str(repo), clone_directory_name="here") == {"directory": "here"}


def test_git_clone_again_updates_the_clone(work: Path, repo: Path) -> None:
    git_clone(str(repo))
    (repo / "flow.txt").write_text("v2")
    git(repo, "commit", "-q", "-am", "v2")
    assert git_clone(str(repo)) == {"directory": "project"}
    assert (work / "project" / "flow.txt").read_text() == "v2"


def test_git_clone_checks_out_a_commit(work: Path, repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD")
    (repo / "flow.txt").write_text("v2")
    git(repo, "commit", "-q", "-am", "v2")
    git_clone(str(repo), commit_sha=first)
    assert (work / "project" / "flow.txt").read_text() == "v1"
    with pytest.raises(ValueError, match="not both"):
        git_clone(str(repo), branch="main", commit_sha=first)


def test_git_clone_failure_says_why_without_the_token(work: Path) -> None:
    with pytest.raises(RuntimeError, match="git clone") as info:
        git_clone("https://127.0.0.1:9/org/private.git", access_token="s3cret-token")
    assert "s3cret-token" not in str(info.value)
    with pytest.raises(RuntimeError, match="git clone"):
        git_clone(str(work / "no-such-repo"))


def test_tokens_go_into_https_urls_only() -> None:
    from prefect.deployments.steps import _authenticated_url

    assert _authenticated_url("https://github.com/o/r.git", "tok", None) == (
        "https://tok@github.com/o/r.git"
    )
    assert _authenticated_url("https://gitlab.com/o/r.git", None, {"token": "t"}) == (
        "https://oauth2:t@gitlab.com/o/r.git"
    )
    assert _authenticated_url("https://bitbucket.org/o/r", "t", None) == (
        "https://x-token-auth:t@bitbucket.org/o/r"
    )
    creds = {"username": "me", "password": "pw"}
    assert _authenticated_url("https://example.com/r.git", None, creds) == (
        "https://me:pw@example.com/r.git"
    )
    assert _authenticated_url("git@github.com:o/r.git", "tok", None) == "git@github.com:o/r.git"


def test_run_shell_script_runs_each_line_and_answers_its_output(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work / "sub").mkdir()
    out = run_shell_script(
        "echo one\n\n" + f"{sys.executable} -c 'import os; print(os.environ[\"X\"], os.getcwd())'",
        directory=str(work / "sub"),
        env={"X": "from-env"},
    )
    assert out == {"stdout": f"one\nfrom-env {work / 'sub'}", "stderr": ""}
    assert "one" in capsys.readouterr().out  # streamed
    quiet = run_shell_script("echo $HOME-x", stream_output=False, expand_env_vars=True)
    assert quiet["stdout"] == f"{os.environ['HOME']}-x"
    assert capsys.readouterr().out == ""
    assert run_shell_script("echo $HOME")["stdout"] == "$HOME"  # no shell, no expansion


def test_run_shell_script_fails_on_a_non_zero_exit(work: Path) -> None:
    script = f"{sys.executable} -c 'import sys; sys.stderr.write(\"bad\"); sys.exit(4)'"
    with pytest.raises(RuntimeError, match="error code 4: bad"):
        run_shell_script(script, stream_output=False)
    with pytest.raises(StepExecutionError, match="run_shell_script"):
        run_step({"prefect.deployments.steps.run_shell_script": {"script": "false"}})


def test_run_steps_pass_outputs_to_later_steps(
    work: Path, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("E2E_BRANCH", "feature")
    steps: list[dict[str, Any]] = [
        {
            "prefect.deployments.steps.git_clone": {
                "id": "clone",
                "repository": str(repo),
                "branch": "{{ $E2E_BRANCH }}",
            }
        },
        {
            "prefect.deployments.steps.run_shell_script": {
                "id": "show",
                "script": "cat {{ clone.directory }}/flow.txt",
                "stream_output": False,
            }
        },
        # an older spelling of the same step
        {"prefect.deployments.steps.pull.set_working_directory": {"directory": "{{ directory }}"}},
    ]
    outputs = run_steps(steps)
    assert outputs["clone"] == {"directory": "project-feature"}
    assert outputs["show"]["stdout"] == "feature"
    assert Path.cwd() == work / "project-feature"
    assert working_directory(outputs) == str(work / "project-feature")


def test_placeholders_nothing_fills_are_left_and_api_ones_are_resolved() -> None:
    calls: list[str] = []

    def resolve(name: str) -> object:
        calls.append(name)
        return {"prefect.variables.region": "eu", "prefect.variables.n": 3}[name]

    given = {
        "a": "{{ prefect.variables.n }}",
        "b": "region-{{ prefect.variables.region }}",
        "c": ["{{ unknown.thing }}", "{{ step.items[1] }}"],
    }
    outputs = {"step": {"items": ["x", "y"]}}
    assert fill_placeholders(given, outputs, resolve) == {
        "a": 3,
        "b": "region-eu",
        "c": ["{{ unknown.thing }}", "y"],
    }
    assert calls == ["prefect.variables.n", "prefect.variables.region"]


def test_unknown_or_malformed_steps_are_errors(work: Path) -> None:
    with pytest.raises(StepExecutionError, match="Cannot find step"):
        run_step({"prefect.deployments.steps.no_such_step": {}})
    with pytest.raises(StepExecutionError, match="Cannot find step"):
        run_step({"no_module_here.fn": {"requires": "some-package"}})
    with pytest.raises(StepExecutionError, match="one key"):
        run_step({"a": {}, "b": {}})


def test_a_step_may_be_any_importable_function(work: Path) -> None:
    assert run_step({"json.dumps": {"obj": [1, 2]}}) == {"result": "[1, 2]"}
    assert run_step({"os.getcwd": {}}) == {"result": str(work)}


# -- entrypoints ------------------------------------------------------------------------

FLOW_FILE = """
from prefect import flow
import helper

@flow(name="from-file")
def my_flow(x: int = 1) -> int:
    return helper.double(x)

plain = 3

if __name__ == "__main__":
    raise SystemExit("must not run on import")
"""


def test_entrypoints_load_a_flow_from_a_file_next_to_its_imports(work: Path) -> None:
    (work / "pkg").mkdir()
    (work / "pkg" / "flows.py").write_text(FLOW_FILE)
    (work / "pkg" / "helper.py").write_text("def double(x):\n    return 2 * x\n")
    flow = load_flow_from_entrypoint("pkg/flows.py:my_flow")
    assert flow.name == "from-file" and flow.fn(4) == 8
    with pytest.raises(EntrypointError, match="names a int, not a flow"):
        load_flow_from_entrypoint("pkg/flows.py:plain")
    with pytest.raises(EntrypointError, match="no attribute 'missing'"):
        load_flow_from_entrypoint("pkg/flows.py:missing")
    with pytest.raises(EntrypointError, match=r"no file 'nope\.py'"):
        load_flow_from_entrypoint("nope.py:my_flow")
    with pytest.raises(EntrypointError, match="must look like"):
        load_flow_from_entrypoint("pkg/flows.py")
    (work / "broken.py").write_text("raise ValueError('at import')\n")
    with pytest.raises(EntrypointError, match="ValueError: at import"):
        load_flow_from_entrypoint("broken.py:x")


def test_entrypoints_load_a_flow_from_a_module_path(work: Path) -> None:
    with pytest.raises(EntrypointError, match="not a flow"):
        load_flow_from_entrypoint("os.path:join")
    with pytest.raises(EntrypointError, match="Cannot import"):
        load_flow_from_entrypoint("no_such_module_xyz:f")
