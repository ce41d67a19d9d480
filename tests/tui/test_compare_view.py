"""Marking two forces in the coverage view and comparing them: marking (a third replaces the
oldest), opening the compare view, Enter on a count or an entry, Escape back."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import result_ids, settle, workers_done
from tui_kb import TODAY
from views_kb import make_linked_kb

from practicebase.kb import KnowledgeBase
from practicebase.tui.app import PracticebaseApp
from practicebase.tui.screens.compare import CompareScreen
from practicebase.tui.screens.coverage import MARK, CoverageScreen
from practicebase.tui.screens.entry import EntryScreen


@pytest.fixture
def linked_kb(tmp_path: Path) -> KnowledgeBase:
    return KnowledgeBase(make_linked_kb(tmp_path / "kb"))


async def open_coverage(pilot) -> CoverageScreen:
    await pilot.press("ctrl+g")
    await workers_done(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CoverageScreen)
    return screen


async def mark(pilot, force: str) -> None:
    table = pilot.app.screen.query_one("#coverage")
    table.move_cursor(row=table.get_row_index(force))
    await pilot.press("m")
    await pilot.pause()


async def open_compare(pilot, first: str, second: str) -> CompareScreen:
    await open_coverage(pilot)
    await mark(pilot, first)
    await mark(pilot, second)
    await pilot.press("c")
    await workers_done(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CompareScreen)
    assert screen.comparison is not None
    return screen


async def test_marking_shows_the_mark_and_a_third_replaces_the_oldest(linked_kb) -> None:
    app = PracticebaseApp(linked_kb, today=TODAY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = await open_coverage(pilot)
        table = screen.query_one("#coverage")
        await pilot.press("c")  # nothing marked yet: says what to do, stays here
        await pilot.pause()
        assert app.screen is screen
        await mark(pilot, "west-midlands")
        assert str(table.get_row("west-midlands")[0]).startswith(MARK)
        assert "m on another force" in str(screen.query_one("#coverage-title").render())
        await mark(pilot, "west-yorkshire")
        await mark(pilot, "merseyside")
        assert screen.marked == ["west-yorkshire", "merseyside"]
        assert not str(table.get_row("west-midlands")[0]).startswith(MARK)
        title = str(screen.query_one("#coverage-title").render())
        assert "Marked West Yorkshire Police and Merseyside Police: c compares them" in title
        await mark(pilot, "merseyside")  # again: unmarked
        assert screen.marked == ["west-yorkshire"]
        table.move_cursor(row=table.get_row_index("__total__"))
        await pilot.press("m")  # the totals row is not a force
        await pilot.pause()
        assert screen.marked == ["west-yorkshire"]
        assert "m" in [b.key for b in CoverageScreen.BINDINGS if b.show]  # in the footer


async def test_compare_view_has_the_report_content(linked_kb) -> None:
    app = PracticebaseApp(linked_kb, today=TODAY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = await open_compare(pilot, "west-midlands", "west-yorkshire")
        assert screen.forces == ("west-midlands", "west-yorkshire")
        table = screen.query_one("#compare")
        referrals = table.get_row("theme:referrals")
        assert [str(cell) for cell in referrals] == ["referrals", "1", "1"]
        assert [str(c) for c in table.get_row("theme:case-management")][1:] == ["1", "·"]
        assert [str(c) for c in table.get_row("recommendation:CT4-2020-R5")][1:] == ["1", "1"]
        entry = table.get_row("entry:case-management:pcm-review-clinic")
        assert "Case management review clinic" in str(entry[0])
        assert [str(c) for c in entry[1:]] == ["●", ""]
        assert "theme:online" in [key.value for key in table.rows]  # neither covers it
        summary = str(screen.query_one("#compare-summary").render())
        assert "Only West Midlands Police: 2 themes (case-management, partner-education)" in (
            summary
        )
        assert "CT4-2020-R1" in summary


async def test_enter_on_a_count_searches_and_on_an_entry_opens_it(linked_kb) -> None:
    app = PracticebaseApp(linked_kb, today=TODAY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = await open_compare(pilot, "west-midlands", "west-yorkshire")
        table = screen.query_one("#compare")
        table.move_cursor(row=table.get_row_index("entry:case-management:pcm-review-clinic"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryScreen)
        assert app.screen.entry_id == "pcm-review-clinic"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen  # back to the comparison
        table.move_cursor(row=table.get_row_index("theme:referrals"), column=2)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is app.search_screen
        assert app.search_screen.filters == (("force", "west-yorkshire"), ("theme", "referrals"))
        assert result_ids(app) == ["gp-referral-pathway"]


async def test_escape_goes_back_to_coverage_with_the_marks(linked_kb) -> None:
    app = PracticebaseApp(linked_kb, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_compare(pilot, "kent", "merseyside")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CoverageScreen)
        assert app.screen.marked == ["kent", "merseyside"]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.search_screen


async def test_titles_in_the_comparison_are_text_never_markup(kb) -> None:
    """The standard test knowledge base's Kent entry has Rich/Textual markup in its title."""
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = await open_compare(pilot, "kent", "west-yorkshire")
        table = screen.query_one("#compare")
        cell = table.get_row("entry:referrals:hostile-markup-title")[0]
        assert "[@click=app.quit]x[/] referrals" in str(cell)
        assert app.screen is screen and app.is_running
