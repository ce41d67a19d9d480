"""Problems you can act on: the add dialog's duplicate warnings, the list of files with errors,
and an entry fixed from inside the app after a bad edit. The editor is a real process: a small
script run as $EDITOR that rewrites the file it is given."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from tui_helpers import result_ids, settle, type_query, workers_done
from tui_kb import TODAY, entry_text

from practicebase.cli import main
from practicebase.tui.app import PracticebaseApp
from practicebase.tui.dialogs.add_entry import AddEntryDialog
from practicebase.tui.dialogs.problem_files import ProblemFilesDialog
from practicebase.tui.screens.entry import EntryScreen

EDIT_SCRIPT = """\
import sys
from pathlib import Path
path = Path(sys.argv[-1])
old, new = {old!r}, {new!r}
path.write_text(path.read_text("utf-8").replace(old, new), "utf-8")
"""


def editor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, old: str, new: str) -> None:
    """Make $EDITOR a script that replaces `old` with `new` in the file it opens."""
    script = tmp_path / f"edit-{abs(hash((old, new)))}.py"
    script.write_text(EDIT_SCRIPT.format(old=old, new=new), encoding="utf-8")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)


def toasts(app: PracticebaseApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_the_app_add_shows_the_cli_duplicate_warnings(kb, tmp_path, capsys) -> None:
    source = tmp_path / "incoming" / "school-referral-copy.md"
    source.parent.mkdir()
    original = (kb.entries_dir / "west-midlands" / "school-referral-clinic.md").read_text()
    source.write_text(
        original.replace("id: school-referral-clinic", "id: school-referral-copy"), "utf-8"
    )
    capsys.readouterr()
    assert main(["--root", str(kb.root), "add", "--dry-run", str(source)]) == 0
    cli_warnings = [
        line.split(": warning: ", 1)[1]
        for line in capsys.readouterr().out.splitlines()
        if ": warning: " in line
    ]
    assert any("very similar to existing entry 'school-referral-clinic'" in w for w in cli_warnings)
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, AddEntryDialog)
        app.screen.query_one("#add-path").value = str(source)
        await pilot.press("enter")
        await workers_done(pilot)
        await settle(pilot)
        [added] = [m for m in toasts(app) if m.startswith("Added school-referral-copy")]
        for warning in cli_warnings:
            assert warning in added, (warning, added)


async def test_a_bad_edit_lists_its_problems_keeps_the_last_good_version_and_is_fixed_in_the_app(
    kb, tmp_path, monkeypatch
) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(110, 36)) as pilot:
        await settle(pilot)
        app.open_entry("pcm-review-clinic")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EntryScreen) and screen.entry is not None
        path = screen.entry.path
        good_title = screen.entry.title

        editor(monkeypatch, tmp_path, "stage: independently-evaluated", "stage: maybe-later")
        await pilot.press("e")
        await settle(pilot)
        assert screen.entry is None
        shown = str(screen.query_one("#reading").render()) + " ".join(
            str(w.render()) for w in screen.query("#reading Static")
        )
        assert "stage" in shown and "maybe-later" in shown, shown
        assert "last good version" in shown and "Press e" in shown
        assert any("press e to edit it again" in m for m in toasts(app))
        # The last good version is still what search finds.
        await pilot.press("escape")
        await type_query(pilot, good_title)
        assert result_ids(app)[0] == "pcm-review-clinic"

        app.open_entry("pcm-review-clinic")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EntryScreen)
        assert screen.entry is None and "maybe-later" in " ".join(
            p.message for p in screen.problems
        )
        editor(monkeypatch, tmp_path, "stage: maybe-later", "stage: independently-evaluated")
        await pilot.press("e")
        await settle(pilot)
        assert screen.entry is not None and screen.entry.title == good_title
        assert "stage: independently-evaluated" in path.read_text("utf-8")


async def test_startup_toast_about_files_with_errors_leads_to_fixing_them(
    kb, tmp_path, monkeypatch
) -> None:
    broken = kb.entries_dir / "kent" / "kent-broken-entry.md"
    broken.parent.mkdir(exist_ok=True)
    broken.write_text(
        entry_text("kent-broken-entry", "Kent mosque liaison rota", "not-a-force", ["referrals"]),
        "utf-8",
    )
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(110, 36)) as pilot:
        await settle(pilot)
        assert any(m.startswith("1 entry file has errors") and "F3" in m for m in toasts(app)), (
            toasts(app)
        )
        await pilot.press("f3")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ProblemFilesDialog)
        listed = str(dialog.query_one("#problem-files-problems").render())
        assert "force" in listed and "not-a-force" in listed
        editor(monkeypatch, tmp_path, "force: not-a-force", "force: kent")
        await pilot.press("enter")
        await workers_done(pilot)
        await settle(pilot)
        assert dialog.files == {}
        assert any(m.startswith("Fixed entries/kent/kent-broken-entry.md") for m in toasts(app))
        assert app.index_problems == []
        await pilot.press("escape")
        await type_query(pilot, "mosque liaison rota")
        assert result_ids(app)[0] == "kent-broken-entry"
