"""Keys people expect: Esc clears the search box, letters typed anywhere go to it, the count
says how to see more, the palette shows each command's key, F1 explains the query language."""

from __future__ import annotations

from tui_helpers import result_ids, settle, type_query
from tui_kb import TODAY

from practicebase.tui.app import PracticebaseApp


async def test_escape_clears_the_search_box_then_leaves_it(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.search_screen
        query, results = screen.query_one("#query"), screen.query_one("#results")
        everything = result_ids(app)
        await type_query(pilot, "school")
        assert result_ids(app) == ["school-referral-clinic"]
        await pilot.press("escape")
        await settle(pilot)
        assert query.value == "" and query.has_focus
        assert result_ids(app) == everything
        await pilot.press("escape")
        assert results.has_focus
        await pilot.press("escape")
        assert query.has_focus


async def test_letters_typed_in_the_results_or_filters_go_to_the_search_box(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.search_screen
        query, results = screen.query_one("#query"), screen.query_one("#results")
        await type_query(pilot, "school")
        results.focus()
        await pilot.press("down")  # keys with a meaning there keep it
        await pilot.press(*" gp")
        await settle(pilot)
        assert query.has_focus and query.value == "school gp"
        assert "gp-referral-pathway" in result_ids(app)
        await pilot.press("f2")
        assert screen.query_one("#facets").has_focus
        await pilot.press("x")
        assert query.has_focus and query.value == "school gpx"
        results.focus()
        await pilot.pause()
        assert query.select_on_focus  # slash or tab back still selects the text to retype


async def test_the_count_says_how_to_see_more_and_ctrl_l_loads_them(kb, monkeypatch) -> None:
    from practicebase.tui.screens import search

    monkeypatch.setattr(search, "PAGE_SIZE", 4)
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        status = app.search_screen.query_one("#status")
        assert str(status.render()).startswith("Showing 4 of 6: ctrl+l for more")
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert len(result_ids(app)) == 6
        assert str(status.render()).startswith("6 entries")
