"""Adding an entry from a file (valid and invalid) and rebuilding the index from the app."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tui_helpers import result_ids, settle, type_query, workers_done
from tui_kb import TODAY, entry_text

from practicebase.tui.app import PracticebaseApp
from practicebase.tui.dialogs.add_entry import AddEntryDialog
from practicebase.tui.dialogs.rebuild import RebuildDialog
from practicebase.tui.screens.entry import EntryScreen


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


async def submit_path(pilot, path: Path) -> None:
    app = pilot.app
    await pilot.press("ctrl+n")
    await pilot.pause()
    assert isinstance(app.screen, AddEntryDialog)
    app.screen.query_one("#add-path").value = str(path)
    await pilot.press("enter")
    await workers_done(pilot)
    await pilot.pause()


async def test_add_valid_file_is_filed_indexed_and_shown(kb, tmp_path) -> None:
    source = tmp_path / "incoming" / "channel-panel-chairs.md"
    source.parent.mkdir()
    source.write_text(
        entry_text(
            "channel-panel-chairs",
            "Channel panel chairs network",
            "surrey",
            ["channel-pmap"],
            did="Quarterly meetings of panel chairs share decisions.",
        ),
        encoding="utf-8",
    )
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await submit_path(pilot, source)
        await settle(pilot)
        assert isinstance(app.screen, EntryScreen)
        assert app.screen.entry_id == "channel-panel-chairs"
        assert (kb.entries_dir / "surrey" / "channel-panel-chairs.md").is_file()
        await pilot.press("escape")
        await type_query(pilot, "panel chairs")
        assert result_ids(app)[0] == "channel-panel-chairs"
        assert ("channel-panel-chairs", "Channel panel chairs network") in app.titles


async def test_add_invalid_file_shows_every_problem_and_changes_nothing(kb, tmp_path) -> None:
    source = tmp_path / "bad.md"
    text = entry_text("bad-entry", "Bad", "not-a-force", ["referrals"], stage="maybe")
    source.write_text(text.replace("last_reviewed: 2026-01-10\n", ""), encoding="utf-8")
    before = tree_digest(kb.entries_dir)
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await submit_path(pilot, source)
        assert isinstance(app.screen, AddEntryDialog)
        shown = str(app.screen.query_one("#add-problems").render())
        assert "Not added" in shown
        for field in ("force", "stage", "last_reviewed"):
            assert f"{field}:" in shown, field
        assert "bad.md" in shown
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.search_screen
    assert tree_digest(kb.entries_dir) == before


async def test_add_missing_file_is_explained(kb, tmp_path) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await submit_path(pilot, tmp_path / "nowhere.md")
        shown = str(app.screen.query_one("#add-problems").render())
        assert "Not added" in shown and "nowhere.md" in shown


async def test_rebuild_shows_progress_result_and_search_still_works(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+b")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, RebuildDialog)
        await workers_done(pilot)
        await pilot.pause()
        assert dialog.finished and dialog.succeeded
        shown = str(dialog.query_one("#rebuild-result").render())
        assert "Rebuilt" in shown and "6 entries" in shown
        assert dialog.query_one("#rebuild-bar").percentage == 1.0
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is app.search_screen
        assert not app.search_screen.query_one("#index-progress").display
        await type_query(pilot, "school")
        assert result_ids(app)[0] == "school-referral-clinic"
