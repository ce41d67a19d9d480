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


async def palette_rows(pilot, typed: str, expected: str) -> str:
    """The palette's rows as plain text once one reads `expected` (the palette gathers its
    hits in batches); it stays open."""
    import asyncio

    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await pilot.pause()
    if typed:
        await pilot.press(*typed)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        commands = pilot.app.screen.query_one(CommandList)
        rows = "\n".join(str(option.prompt) for option in commands.options)
        if expected in rows:
            return rows
        if loop.time() > deadline:
            raise TimeoutError(f"the palette never offered {expected!r}: {rows}")
        await pilot.pause(0.05)


async def test_the_palette_shows_each_commands_key(kb, monkeypatch) -> None:
    monkeypatch.setenv("PRACTICEBASE_KEYMAP", "search.sort=ctrl+o")
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        rows = await palette_rows(pilot, "", "Quit  ^q")
        for name, key in [("Cycle sort", "^o"), ("Coverage", "^g"), ("More results", "^l")]:
            assert f"{name}  {key}" in rows
        await pilot.press("escape")
        app.open_entry("gp-referral-pathway")
        await settle(pilot)
        rows = await palette_rows(pilot, "copy", "Copy contact email  m")
        assert "Copy entry id  i" in rows and "Copy contact email  m" in rows


async def test_help_explains_the_query_language_under_distinct_headings(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        shown = app.screen.query_one("#help-keys").render()
        headings = [
            shown.plain[span.start : span.end].strip()
            for span in shown.spans
            if "underline" in str(span.style)
        ]
        assert len(headings) == len(set(headings))
        assert not {"Anywhere", "Everywhere"} & set(headings)
        for example in ('"case management"', "force:gmp", "-online", "radical*", "is:due"):
            assert example in shown.plain
