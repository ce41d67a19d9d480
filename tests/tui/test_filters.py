"""The facet panel: counts, toggling a filter in the same search, clearing filters."""

from __future__ import annotations

from tui_helpers import result_ids, settle, type_query
from tui_kb import TODAY

from practicebase.tui.app import PracticebaseApp


async def test_facet_toggle_and_clear(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        screen = app.search_screen
        await type_query(pilot, "referrals")
        # Hidden filters are not counted: each key's search skips the facet counts.
        assert screen.last_result.facets == {}
        before = set(result_ids(app))
        await pilot.press("f2")  # the filters are hidden until asked for
        await settle(pilot)  # opening them searches again, with the counts
        facets = screen.query_one("#facets")
        ids = [option.id for option in facets.options if option and option.id]
        assert "force=west-midlands" in ids and "theme=referrals" in ids
        assert set(result_ids(app)) == before
        facets.highlighted = facets.get_option_index("force=west-midlands")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.filters == (("force", "west-midlands"),)
        assert screen.last_result.request.text == "referrals"  # one search: text and filters
        assert set(result_ids(app)) == {"school-referral-clinic"} < before
        assert "West Midlands Police" in str(screen.query_one("#status").render())
        # The active filter stays listed and ticked; choosing it again removes it.
        assert facets.highlighted_option.id == "force=west-midlands"
        assert str(facets.highlighted_option.prompt).startswith("[x]")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.filters == ()
        facets.highlighted = facets.get_option_index("stage=untested")
        await pilot.press("enter")
        await settle(pilot)
        assert result_ids(app) == ["online-harms-desk"]
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.filters == ()
        assert set(result_ids(app)) == before


async def test_facets_open_on_f2_at_80_columns(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        facets = app.search_screen.query_one("#facets")
        assert not facets.display or facets.region.width == 0
        await pilot.press("f2")
        await pilot.pause()
        assert facets.display and facets.has_focus and facets.region.width > 0
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is app.search_screen.query_one("#query")
