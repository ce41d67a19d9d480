"""Start-up order: an existing index is searched at once, then brought up to date."""

from __future__ import annotations

from textual.message import Message
from tui_helpers import result_ids, settle, type_query
from tui_kb import TODAY, write_entry

from practicebase.index import update_index
from practicebase.kb import KnowledgeBase
from practicebase.tui.app import PracticebaseApp
from practicebase.tui.messages import (
    IndexProgressed,
    IndexReady,
    IndexUpdated,
    ResultsFetched,
    TitlesLoaded,
)

NEW_ENTRY = dict(
    entry_id="harbour-outreach-pilot",
    title="Harbour outreach pilot",
    force="kent",
    themes=["referrals"],
    problem="Port staff did not know whom to call.",
    did="Harbour briefings with a named contact.",
)


def recorder(seen: list[Message]):
    """A message hook keeping the app's start-up messages in the order they are handled."""
    kinds = (IndexReady, IndexUpdated, IndexProgressed, ResultsFetched, TitlesLoaded)

    def hook(message: Message) -> None:
        if isinstance(message, kinds):
            seen.append(message)

    return hook


async def test_stale_index_shows_old_results_first_then_the_new_entry(kb: KnowledgeBase) -> None:
    update_index(kb)
    write_entry(kb.root, NEW_ENTRY)  # added to entries/ after indexing
    seen: list[Message] = []
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30), message_hook=recorder(seen)) as pilot:
        await settle(pilot)  # awaits the index worker: the update check has finished
        results = [m for m in seen if isinstance(m, ResultsFetched)]
        first, last = results[0], results[-1]
        first_ids = [hit.id for hit in first.result.hits]
        # The first results came from the existing index, before any update work.
        assert len(first_ids) == 6 and "harbour-outreach-pilot" not in first_ids
        assert isinstance(seen[0], IndexReady) and seen[1] is first
        updated = [m for m in seen if isinstance(m, IndexUpdated)]
        assert len(updated) == 1 and updated[0].changed
        assert seen.index(first) < seen.index(updated[0]) < seen.index(last)
        # Once the update worker completed, the results were searched again.
        assert "harbour-outreach-pilot" in [hit.id for hit in last.result.hits]
        assert "harbour-outreach-pilot" in result_ids(app)
        assert "7 entries" in str(app.search_screen.query_one("#status").render())
        assert not app.search_screen.query_one("#index-progress").display
        assert ("harbour-outreach-pilot", "Harbour outreach pilot") in app.titles
        await type_query(pilot, "harbour")
        assert result_ids(app)[0] == "harbour-outreach-pilot"


async def test_up_to_date_index_searches_once_and_loads_titles_after(kb: KnowledgeBase) -> None:
    update_index(kb)
    seen: list[Message] = []
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30), message_hook=recorder(seen)) as pilot:
        await settle(pilot)
        kinds = [type(m) for m in seen]
        # One search, and the palette's titles only after its results.
        assert kinds == [IndexReady, ResultsFetched, TitlesLoaded, IndexUpdated]
        assert not seen[-1].changed and len(app.titles) == 6


async def test_missing_index_is_built_with_progress_before_searching(kb: KnowledgeBase) -> None:
    seen: list[Message] = []
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30), message_hook=recorder(seen)) as pilot:
        await settle(pilot)
        kinds = [type(m) for m in seen]
        assert IndexProgressed in kinds
        assert kinds.index(IndexProgressed) < kinds.index(IndexReady) < kinds.index(ResultsFetched)
        assert IndexUpdated not in kinds
        assert len(result_ids(app)) == 6


async def test_typing_searches_as_you_type_then_exactly_when_typing_pauses(
    kb: KnowledgeBase, monkeypatch
) -> None:
    from practicebase.tui.screens import search

    monkeypatch.setattr(search, "EXACT_AFTER_SECONDS", 0.8)
    seen: list[Message] = []
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30), message_hook=recorder(seen)) as pilot:
        await settle(pilot)
        seen.clear()
        await type_query(pilot, "resil", keys=True)
        shown = [m.result for m in seen if isinstance(m, ResultsFetched)]
        # While typing, the unfinished last word matches as a prefix...
        typing = [r for r in shown if r.request.as_you_type and r.request.text == "resil"]
        assert [h.id for h in typing[-1].hits] == ["staff-resilience-programme"]
        # ...and once typing pauses the screen shows exactly what `practicebase search` finds.
        assert not shown[-1].request.as_you_type and shown[-1].request.text == "resil"
        assert not app.search_screen.current_request().as_you_type
        assert result_ids(app) == [h.id for h in shown[-1].hits]


async def test_the_app_follows_an_index_updated_by_another_process(
    kb: KnowledgeBase, monkeypatch
) -> None:
    import subprocess
    import sys

    from practicebase.tui import app as app_module

    monkeypatch.setattr(app_module, "FOLLOW_SECONDS", 0.1)
    update_index(kb)
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await type_query(pilot, "harbour")
        assert result_ids(app) == []
        # Another process adds the entry and updates the index while the app is open.
        write_entry(kb.root, NEW_ENTRY)
        subprocess.run(
            [sys.executable, "-m", "practicebase", "--root", str(kb.root), "index"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        for _ in range(200):  # the follow check runs every 0.1 s here
            await pilot.pause(0.05)
            if result_ids(app) == ["harbour-outreach-pilot"]:
                break
        await settle(pilot)
        assert result_ids(app) == ["harbour-outreach-pilot"]
        status = str(app.search_screen.query_one("#status").render())
        assert "index updated: results refreshed" in status
