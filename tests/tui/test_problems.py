"""Problems are shown in the app, never as a traceback: empty, damaged or unreadable states."""

from __future__ import annotations

from pathlib import Path

from tui_helpers import result_ids, settle, type_query
from tui_kb import TODAY

from practicebase.index import update_index
from practicebase.kb import KnowledgeBase
from practicebase.tui.app import PracticebaseApp
from practicebase.tui.screens.entry import EntryScreen


async def test_empty_knowledge_base_says_how_to_add(tmp_path: Path) -> None:
    (tmp_path / "kb" / "entries").mkdir(parents=True)
    app = PracticebaseApp(KnowledgeBase(tmp_path / "kb"), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = str(app.search_screen.query_one("#results").get_option_at_index(0).prompt)
        assert "no entries yet" in shown and "ctrl+n" in shown
        assert "0 entries" in str(app.search_screen.query_one("#status").render())


async def test_damaged_index_is_rebuilt_or_explained(kb) -> None:
    update_index(kb)
    for path in kb.index_dir.rglob("*"):
        if path.is_file():
            path.write_bytes(b"\x00garbage" * 8)
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.is_running
        if app.searcher is not None:
            await type_query(pilot, "school")
            assert result_ids(app)[0] == "school-referral-clinic"
        else:
            status = str(app.search_screen.query_one("#status").render())
            assert "Search is unavailable" in status and "Traceback" not in status


async def test_invalid_entry_file_is_reported_and_the_rest_searchable(kb) -> None:
    bad = kb.entries_dir / "kent" / "broken.md"
    bad.parent.mkdir(exist_ok=True)
    bad.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert len(result_ids(app)) == 6
        assert any(p.path.endswith("broken.md") for p in app.index_problems)


async def test_edited_entry_is_indexed_again_and_shown(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_entry("pcm-review-clinic")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EntryScreen)
        path = screen.entry.path
        # What an editor would do while the app is suspended:
        path.write_text(
            path.read_text("utf-8").replace("Case management review clinic", "Drift clinic"),
            encoding="utf-8",
        )
        screen.reindex(path)
        await settle(pilot)
        assert screen.entry.title == "Drift clinic"
        await pilot.press("escape")
        await type_query(pilot, "drift clinic")
        assert result_ids(app)[0] == "pcm-review-clinic"


async def test_editor_that_cannot_run_is_reported(kb, monkeypatch) -> None:
    monkeypatch.setenv("EDITOR", "/nonexistent/editor")
    monkeypatch.delenv("VISUAL", raising=False)
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_entry("pcm-review-clinic")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert app.is_running
        assert any("editor" in str(n.message).lower() for n in app._notifications)


async def test_busy_index_still_searches_what_is_there_and_says_so(kb) -> None:
    from whoosh.filedb.filestore import FileStorage

    from practicebase.index import LOCK_NAME

    update_index(kb)
    (kb.entries_dir / "kent" / "hostile-markup-title.md").unlink()  # work for the update
    lock = FileStorage(str(kb.index_dir)).lock(LOCK_NAME)
    assert lock.acquire(blocking=False)  # another process is writing the index
    try:
        app = PracticebaseApp(kb, today=TODAY)
        async with app.run_test(size=(100, 30)) as pilot:
            app.search_screen.query_one("#query").value = "school"
            await settle(pilot)
            assert app.searcher is not None
            assert result_ids(app)[0] == "school-referral-clinic"
            messages = [str(n.message) for n in app._notifications]
            assert any("busy" in m for m in messages), messages
    finally:
        lock.release()
