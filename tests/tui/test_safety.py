"""Data is text: markup in titles shows literally and escape sequences never reach the screen."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tui_helpers import result_ids, settle, type_query
from tui_kb import (
    BIDI_MARKERS,
    ESCAPE_MARKERS,
    HOSTILE_BODY,
    HOSTILE_TITLE,
    TODAY,
    write_hostile_files,
)

from practicebase.entry import Contact, Entry, Link
from practicebase.search import Hit, SearchRequest, SearchResult
from practicebase.tui.app import PracticebaseApp
from practicebase.tui.screens.entry import EntryScreen
from practicebase.tui.widgets.preview import EntryView
from practicebase.tui.widgets.results import ResultsList

MARKUP_TITLE = "[@click=app.quit]x[/] referrals [bold]markup[/bold]"


def screen_text(app: PracticebaseApp) -> str:
    return app.export_screenshot()


async def test_markup_title_shows_literally_and_clicking_it_does_nothing(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_query(pilot, "markup")
        assert result_ids(app)[0] == "hostile-markup-title"
        results = app.search_screen.query_one(ResultsList)
        assert MARKUP_TITLE in str(results.get_option_at_index(0).prompt)
        lines = results.render_lines(results.region.reset_offset)
        rendered = "".join(strip.text for strip in lines)
        assert "[@click=app.quit]x[/]" in rendered
        # Click on the markup's "x" in the row (which opens the entry), then on the title
        # in the entry view: the app keeps running and shows the text as it is.
        offset = rendered.index("[@click") + len("[@click=app.quit]")
        await pilot.click(ResultsList, offset=(offset % results.region.width, 1))
        await settle(pilot)
        assert app.is_running
        assert isinstance(app.screen, EntryScreen)
        title = app.screen.query_one(".entry-title")
        assert "[@click=app.quit]x[/]" in str(title.render())
        await pilot.click(title, offset=(17, 0))
        await pilot.pause()
        assert app.is_running
        await pilot.press("escape")
        preview = app.search_screen.query_one("#preview", EntryView)
        await pilot.click(preview.query_one(".entry-title"), offset=(17, 0))
        await pilot.pause()
        assert app.is_running
        assert "[red]special[/red]" in app.export_screenshot()


async def test_entry_files_with_escape_sequences_never_reach_the_screen(kb) -> None:
    write_hostile_files(kb.root)
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_query(pilot, "reversed")
        assert result_ids(app)[0] == "bidi-body"
        await settle(pilot)
        svg = screen_text(app)
        assert "desrever" in svg
        for marker in ESCAPE_MARKERS + BIDI_MARKERS:
            assert marker not in svg, repr(marker)
        assert "\x1b" not in svg and "\x07" not in svg


def hostile_entry() -> Entry:
    """An entry as a broken core might hand it over: escape sequences in every field."""
    return Entry(
        id="hostile",
        title=HOSTILE_TITLE,
        forces=("kent",),
        themes=("referrals\x1b[5m",),
        summary="Summary \x1b]0;title\x07",
        stage="untested",
        last_reviewed=date(2026, 1, 1),
        review_due=date(2027, 1, 1),
        contact=Contact(role="Lead\x1b[8m", email="a@example.police.uk\x07"),
        body="## Problem\n\n" + HOSTILE_BODY,
        links=(Link(title="x\x1b[2J", url="https://example.org/\x1b]52;c;x\x07"),),
        tags=("\x9b2J",),
    )


async def test_widgets_strip_escapes_even_if_the_core_let_them_through(kb) -> None:
    entry = hostile_entry()
    hit = Hit(
        id="hostile",
        title=HOSTILE_TITLE,
        forces=("kent",),
        force_names=("Kent \x1b[31mPolice",),
        themes=("referrals",),
        stage="untested",
        outcome=None,
        status="active",
        classification="OFFICIAL",
        last_reviewed=date(2026, 1, 1),
        review_due=date(2027, 1, 1),
        is_due=False,
        path="entries/kent/hostile.md",
        snippet="match \x1b]8;;https://evil\x1b\\here\x1b]8;;\x1b\\ and \x1b[2J",
        snippet_spans=((0, 5),),
    )
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.search_screen
        result = SearchResult(request=SearchRequest(), hits=(hit,), total=1)
        screen.query_one(ResultsList).show_result(result)
        screen.query_one("#preview", EntryView).show_entry(replace(entry))
        await pilot.pause()
        svg = screen_text(app)
        assert "Escapes" in svg
        for bad in ("\x1b", "\x07", "\x9b"):
            assert bad not in svg
        rendered = "".join(
            segment.text
            for widget in screen.query("*")
            for strip in widget.render_lines(widget.region.reset_offset)
            for segment in strip
        )
        for bad in ("\x1b", "\x07", "\x9b"):
            assert bad not in rendered


async def test_raw_html_in_a_body_is_shown_as_text_not_rendered(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        preview = app.search_screen.query_one("#preview", EntryView)
        entry = replace(
            hostile_entry(),
            title="Plain",
            body='<script>alert(1)</script>\n\nText <a href="javascript:x">link</a>',
        )
        preview.show_entry(entry)
        await pilot.pause()
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
        assert "&lt;a href=" in shown
