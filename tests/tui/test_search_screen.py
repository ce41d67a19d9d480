"""Searching as you type: narrowing, stale results, sort, suggestions, paging."""

from __future__ import annotations

from tui_helpers import result_ids, settle, type_query
from tui_kb import TODAY

from practicebase.search import SearchRequest
from practicebase.tui.app import PracticebaseApp
from practicebase.tui.messages import ResultsFetched


async def test_opens_with_search_focused_and_all_entries(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.focused is app.search_screen.query_one("#query")
        assert app.searcher is not None
        assert len(result_ids(app)) == 6
        status = app.search_screen.query_one("#status").render()
        assert "6 entries" in str(status)


async def test_typing_narrows_the_results(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        everything = result_ids(app)
        await type_query(pilot, "referral", keys=True)
        broad = result_ids(app)
        assert "gp-referral-pathway" in broad and "pcm-review-clinic" not in broad
        assert set(broad) < set(everything)
        await pilot.press(*" gp")
        await settle(pilot)
        assert result_ids(app)[0] == "gp-referral-pathway"
        await type_query(pilot, "schoo")  # an unfinished word matches as a prefix
        assert result_ids(app) == ["school-referral-clinic"]


async def test_a_stale_result_never_replaces_a_newer_one(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.search_screen
        await type_query(pilot, "resilience")
        old_seq = screen._seq
        old_result = app.searcher.search(SearchRequest(text="resilience"))
        await type_query(pilot, "school")
        assert result_ids(app)[0] == "school-referral-clinic"
        # The slower answer to the earlier query arrives after the newer one was shown.
        screen.post_message(ResultsFetched(old_seq, old_result))
        await pilot.pause()
        await settle(pilot)
        assert result_ids(app)[0] == "school-referral-clinic"
        assert "staff-resilience-programme" not in result_ids(app)


async def test_sort_cycles_relevance_reviewed_title_newest_evidence(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.search_screen
        assert screen.sort == "relevance"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.sort == "reviewed"
        assert screen.last_result.request.sort == "reviewed"
        assert result_ids(app)[-1] == "staff-resilience-programme"  # reviewed in 2019
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.sort == "title"
        titles = [hit.title.casefold() for hit in screen.last_result.hits]
        assert titles == sorted(titles)
        assert "sort: title" in str(screen.query_one("#status").render())
        for sort, label in (("newest", "newest added"), ("evidence", "best evidence")):
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert screen.sort == sort == screen.last_result.request.sort
            assert f"sort: {label}" in str(screen.query_one("#status").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.sort == "relevance"


async def test_slash_refocuses_search_and_enter_opens_highlighted(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_query(pilot, "school")
        await pilot.press("tab")
        assert app.focused is not app.search_screen.query_one("#query")
        await pilot.press("slash")
        assert app.focused is app.search_screen.query_one("#query")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "EntryScreen"
        assert app.screen.entry_id == "school-referral-clinic"


async def test_more_row_pages_in_further_hits(kb, monkeypatch) -> None:
    from practicebase.tui.screens import search

    monkeypatch.setattr(search, "PAGE_SIZE", 2)
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        results = app.search_screen.query_one("#results")
        assert len(results.hits) == 2
        assert results.get_option_at_index(results.option_count - 1).id == "__more__"
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert len(results.hits) == 4


async def test_did_you_mean_is_offered_and_used(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_query(pilot, "staff resilence")
        line = app.search_screen.query_one("#suggestion")
        assert line.display and "resilence" in str(line.render())
        suggestion = line.suggestion
        assert suggestion == "staff resilience"
        assert "staff-resilience-programme" in result_ids(app)
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert app.search_screen.query_one("#query").value == suggestion
        assert result_ids(app)[0] == "staff-resilience-programme"


async def test_small_terminal_gives_results_the_whole_width(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.search_screen
        results, preview = screen.query_one("#results"), screen.query_one("#preview")
        await type_query(pilot, "referral")
        assert not preview.display and results.region.width == 80
        highlighted = results.highlighted_entry_id
        assert highlighted is not None and preview.entry is None  # nothing read for it
        await pilot.resize_terminal(100, 30)
        await settle(pilot)
        assert preview.display and results.region.width >= 60  # 60% beside the preview
        assert preview.entry is not None and preview.entry.id == highlighted
