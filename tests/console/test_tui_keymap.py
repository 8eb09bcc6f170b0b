"""User keymaps from `$PREFECT_HOME/keymap.toml`, and dimmed actions in the palette."""

from __future__ import annotations

from pathlib import Path

from prefect_console.tui.keymap import known_binding_ids, load_keymap, unknown_ids
from prefect_console.tui.screens.confirm import ConfirmScreen
from prefect_console.tui.screens.flow_runs import FlowRunsScreen
from textual.command import CommandPalette

from tests.console.seed import Seeded
from tests.console.tui_helpers import (
    make_app,
    notices,
    palette_options,
    type_text,
    wait_for,
    wait_loaded,
)


def write_keymap(prefect_home: Path, text: str) -> Path:
    path = prefect_home / "keymap.toml"
    path.write_text(text)
    return path


def test_sections_and_dotted_names_read_alike(tmp_path: Path) -> None:
    path = tmp_path / "keymap.toml"
    path.write_text('app.quit = "ctrl+q"\n\n[runs]\ncancel = "x, ctrl+x"\n')
    keymap = load_keymap(path)
    assert keymap.keys == {"app.quit": "ctrl+q", "runs.cancel": "x,ctrl+x"}
    assert keymap.problems == []


def test_a_missing_file_is_an_empty_keymap(tmp_path: Path) -> None:
    keymap = load_keymap(tmp_path / "keymap.toml")
    assert keymap.keys == {} and keymap.problems == []


def test_bad_values_and_bad_toml_are_problems_not_errors(tmp_path: Path) -> None:
    path = tmp_path / "keymap.toml"
    path.write_text('[runs]\ncancel = 3\ndelete = ""\nretry = "r,"\nopen = "o"\n')
    keymap = load_keymap(path)
    assert keymap.keys == {"runs.open": "o"}
    assert [p.split(": ", 1)[1].split(" =")[0] for p in keymap.problems] == [
        "runs.cancel",
        "runs.delete",
        "runs.retry",
    ]
    path.write_text("[runs\ncancel = 'x'\n")
    broken = load_keymap(path)
    assert broken.keys == {}
    assert len(broken.problems) == 1 and "default keys apply" in broken.problems[0]


def test_every_key_of_the_console_has_an_id_and_unknown_ids_are_named(tmp_path: Path) -> None:
    known = known_binding_ids()
    for expected in ("app.quit", "runs.cancel", "run.follow", "table.filter", "confirm.yes"):
        assert expected in known
    assert known["runs.cancel"] == "c"
    path = tmp_path / "keymap.toml"
    path.write_text('[runs]\ncancle = "x"\ncancel = "x"\n')
    problems = unknown_ids(load_keymap(path), known)
    assert len(problems) == 1
    assert "'runs.cancle'" in problems[0] and "runs.cancel" in problems[0]


async def test_a_remapped_key_acts_and_the_old_one_does_not(
    sqlite_seeded: Seeded, prefect_home: Path
) -> None:
    write_keymap(prefect_home, '[runs]\ncancel = "x"\n')
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("down")  # weekly-report, Running: cancel applies
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, FlowRunsScreen)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunsScreen))
        # the help lists the key the operator chose
        await pilot.press("question_mark")
        rows = dict(app.screen.rows)  # type: ignore[attr-defined]
        assert rows.get("x", "").startswith("Cancel")
        assert "c" not in rows or not rows["c"].startswith("Cancel")


async def test_keymap_problems_are_notices_and_the_console_still_runs(
    sqlite_seeded: Seeded, prefect_home: Path
) -> None:
    write_keymap(prefect_home, '[runs]\ncancle = "x"\nretry = 5\n')
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await wait_for(pilot, lambda: len([n for n in notices(app) if "keymap" in n]) == 2)
        told = " ".join(notices(app))
        assert "unknown key binding 'runs.cancle'; did you mean runs.cancel" in told
        assert "runs.retry = 5 is not a key" in told
        assert isinstance(app.screen, FlowRunsScreen)


async def test_a_key_taken_from_another_binding_is_told(
    sqlite_seeded: Seeded, prefect_home: Path
) -> None:
    write_keymap(prefect_home, '[runs]\ncancel = "d"\n')
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await wait_for(pilot, lambda: any("lost its key" in n for n in notices(app)))
        told = [n for n in notices(app) if "lost its key" in n]
        assert len(told) == 1
        assert "runs.delete (d) lost its key to runs.cancel" in told[0]


async def test_the_palette_shows_what_does_not_apply_dimmed_with_the_reason(
    sqlite_seeded: Seeded,
) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "flow-run cancel")
        await wait_for(pilot, lambda: "prefect flow-run cancel" in palette_options(app))
        assert "read-only mode" in palette_options(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FlowRunsScreen))
        assert any("prefect flow-run cancel: read-only mode" in n for n in notices(app))
        assert not any(isinstance(s, ConfirmScreen) for s in app.screen_stack)


def test_prefect_ui_keys_lists_ids_with_the_keymap_applied(prefect_home: Path) -> None:
    from prefect_console.cli.main import app
    from typer.testing import CliRunner

    write_keymap(prefect_home, '[runs]\ncancel = "x"\nnope = "z"\n')
    result = CliRunner().invoke(app, ["ui", "--keys"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert 'runs.cancel = "x"  # default c' in lines
    assert 'run.cancel = "c"' in lines
    assert 'app.quit = "q"' in lines
    assert not any(line.startswith("runs.nope") for line in lines)
    assert any(line.startswith("# problem:") and "'runs.nope'" in line for line in lines)
