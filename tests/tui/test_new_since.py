"""New since your last visit: rows added after the previous visit are marked, with a count,
the visit kept in $XDG_STATE_HOME/practicebase and never in the knowledge base; the evidence
mark in every row; the sort names."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tui_helpers import settle, wait_for
from tui_kb import TODAY, entry_text, make_kb

from practicebase.kb import KnowledgeBase
from practicebase.state import VISITS_FILE, record_visit
from practicebase.tui.app import PracticebaseApp
from practicebase.tui.screens.help import HelpScreen

ADDED = {
    "old-practice": "2026-01-05",
    "spring-practice": "2026-04-01",
    "may-practice": "2026-05-20",
    "undated-practice": None,
}


def write_dated_kb(root: Path) -> KnowledgeBase:
    """Four entries: one added before the previous visit (1 March), two after, one undated."""
    make_kb(root, entries=[])
    folder = root / "entries" / "kent"
    folder.mkdir(parents=True, exist_ok=True)
    for number, (entry_id, added) in enumerate(ADDED.items()):
        text = entry_text(entry_id, f"Practice {number} on referrals", "kent", ["referrals"])
        if added:
            text = text.replace("---\nid:", f"---\nadded: {added}\nid:", 1)
        (folder / f"{entry_id}.md").write_text(text, encoding="utf-8")
    return KnowledgeBase(root)


@pytest.fixture
def state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    folder = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(folder))
    return folder / "practicebase"


def rows(app: PracticebaseApp) -> dict[str, str]:
    results = app.search_screen.query_one("#results")
    return {option.id: option.prompt.plain for option in results.options if option.id}


def status(app: PracticebaseApp) -> str:
    return app.search_screen.query_one("#status").render().plain


async def test_rows_added_since_the_last_visit_are_marked_and_counted(
    tmp_path: Path, state: Path
) -> None:
    kb = write_dated_kb(tmp_path / "kb")
    record_visit(kb.root, date(2026, 3, 1), state)
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: "new since" in status(app), "the count of new entries")
        shown = rows(app)
        new = {entry_id for entry_id, row in shown.items() if " new " in row.split("\n")[0]}
        assert new == {"spring-practice", "may-practice"}
        assert "2 new since 1 Mar" in status(app)
        # Every row starts with the evidence mark (stage, SMS level, outcome).
        assert all(row.startswith("L-+ Practice ") for row in shown.values())
    visits = json.loads((state / VISITS_FILE).read_text(encoding="utf-8"))["visits"]
    assert visits == {str(kb.root.resolve()): TODAY.isoformat()}
    assert not any("visit" in p.name for p in kb.root.rglob("*"))
    # The next visit (today) finds nothing new.
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: app.previous_visit == TODAY, "the previous visit read")
        assert not any(" new " in row.split("\n")[0] for row in rows(app).values())
        assert "new since" not in status(app)


async def test_first_visit_marks_nothing(tmp_path: Path, state: Path) -> None:
    kb = write_dated_kb(tmp_path / "kb")
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await wait_for(pilot, (state / VISITS_FILE).is_file, "the visit recorded")
        await settle(pilot)
        assert app.previous_visit is None
        assert not any(" new " in row.split("\n")[0] for row in rows(app).values())
        assert "new since" not in status(app)
        assert not app._notifications
    assert (state / VISITS_FILE).is_file()


async def test_unwritable_state_folder_is_said_once_and_the_app_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = write_dated_kb(tmp_path / "kb")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: app._notifications, "the state folder's problem said")
        said = [str(n.message) for n in app._notifications]
        assert len(said) == 1 and "nothing is marked new" in said[0], said
        assert str(blocker) in said[0]
        assert len(rows(app)) == len(ADDED)
        app.search_screen.search_now()  # searching again says nothing more
        await settle(pilot)
        assert len(app._notifications) == 1


async def test_sort_cycle_names_the_new_sorts(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        seen = []
        for _ in range(5):
            seen.append(status(app).split("sort: ")[1].split("  ")[0])
            await pilot.press("ctrl+s")
            await settle(pilot)
        assert seen == [
            "relevance",
            "reviewed",
            "title",
            "newest added",
            "best evidence",
        ]


async def test_help_explains_the_evidence_mark(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        keys = str(app.screen.query_one("#help-keys").render())
        assert "Evidence mark" in keys and "I independently evaluated" in keys
