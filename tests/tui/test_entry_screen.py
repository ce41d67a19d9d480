"""Reading an entry: full view, similar practice, back to results intact, copy, links."""

from __future__ import annotations

from tui_helpers import settle, type_query
from tui_kb import TODAY

from practicebase.tui.app import PracticebaseApp
from practicebase.tui.dialogs.links import ConfirmLink, is_openable
from practicebase.tui.screens.entry import EntryScreen
from practicebase.tui.widgets.metadata import details, key_facts


async def test_open_entry_similar_list_and_back(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.search_screen
        await type_query(pilot, "referral")
        results = screen.query_one("#results")
        results.highlighted = [h.id for h in results.hits].index("school-referral-clinic")
        await pilot.press("enter")
        await settle(pilot)
        entry_screen = app.screen
        assert isinstance(entry_screen, EntryScreen)
        assert entry_screen.entry.title.startswith("School referral clinic")
        similar = entry_screen.query_one("#similar")
        similar_ids = [option.id for option in similar.options]
        assert similar_ids and "school-referral-clinic" not in similar_ids
        # Jump to the first similar entry, then step back twice.
        await pilot.press("s")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryScreen) and app.screen is not entry_screen
        assert app.screen.entry_id == similar_ids[0]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is entry_screen
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one("#query").value == "referral"
        assert results.highlighted_entry_id == "school-referral-clinic"


async def test_copy_id_path_and_email(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_entry("gp-referral-pathway")
        await settle(pilot)
        await pilot.press("i")
        assert app.clipboard == "gp-referral-pathway"
        await pilot.press("m")
        assert app.clipboard == "prevent.gp-referral-pathway@example.police.uk"
        await pilot.press("p")
        assert app.clipboard.endswith("gp-referral-pathway.md")


async def test_sensitive_entry_shows_banner_in_preview_and_entry_view(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_query(pilot, "online harms")
        banner = app.search_screen.query_one("#preview .banner")
        assert banner.display
        app.open_entry("online-harms-desk")
        await settle(pilot)
        assert app.screen.query_one(".banner").display
        await pilot.press("escape")
        await type_query(pilot, "schoo")
        assert app.search_screen.query_one("#results").highlighted_entry_id == (
            "school-referral-clinic"
        )
        assert not banner.display


async def test_links_open_only_after_confirmation_and_only_http_mailto(kb) -> None:
    opened: list[str] = []
    app = PracticebaseApp(kb, today=TODAY)
    app.open_url = lambda url, new_tab=True: opened.append(url)  # the browser is outside
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.confirm_link("javascript:alert(1)")
        app.confirm_link("file:///etc/passwd")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmLink)
        app.open_entry("gp-referral-pathway")
        await settle(pilot)
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmLink)
        assert opened == []
        await pilot.press("n")
        await pilot.pause()
        assert opened == []
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert opened == ["https://example.org/guide"]
    assert is_openable("mailto:prevent@example.police.uk")
    assert not is_openable("https://example.org/\x1b[2J")


async def test_narrow_entry_keeps_every_row_until_similar_is_asked_for(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_entry("school-referral-clinic")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EntryScreen)
        pane, similar, reading = (
            screen.query_one("#similar-pane"),
            screen.query_one("#similar"),
            screen.query_one("#reading"),
        )
        assert not pane.display and reading.has_focus
        assert reading.region.height >= 20
        await pilot.press("s")
        await pilot.pause()
        assert pane.display and similar.has_focus and similar.options
        await pilot.press("s")
        await pilot.pause()
        assert not pane.display and reading.has_focus


async def test_entry_view_puts_key_facts_before_the_body_and_details_after(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_entry("gp-referral-pathway")
        await settle(pilot)
        view = app.screen.query_one("#reading")
        parts = [child for child in view.children if child.display]
        names = [" ".join(sorted(child.classes)) or type(child).__name__ for child in parts]
        assert names.index("entry-meta") < names.index("EntryBody") < names.index("entry-details")
        entry = app.screen.entry
        facts = [str(c) for c in key_facts(entry, kb.vocabulary, TODAY).columns[0]._cells]
        more = [str(c) for c in details(entry, kb.root).columns[0]._cells]
        assert {"Forces", "Stage", "Dates", "Contact"} <= set(facts) and "File" not in facts
        assert {"Id", "File"} <= set(more) and not {"Forces", "Contact"} & set(more)
