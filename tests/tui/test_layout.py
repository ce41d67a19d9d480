"""Layout at 80x24 and 120x36: footers never cut a key, filters hide at every width, the
results keep 60% of the width beside the preview, status lines shorten, addresses wrap well."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.text import Text
from textual.widgets._footer import FooterKey
from tui_helpers import settle, type_query
from tui_kb import TODAY

from practicebase.tui.app import PracticebaseApp
from practicebase.tui.widgets.metadata import Breakable


def footer_keys_fit(app: PracticebaseApp) -> list[str]:
    """The footer's keys, after checking each is whole: inside the screen and clear of the
    palette key docked at the right."""
    keys = list(app.screen.query(FooterKey))
    palette = next(key for key in keys if key.action == "command_palette")
    shown = []
    for key in keys:
        assert key.region.right <= app.screen.size.width
        if key is not palette:
            assert key.region.right <= palette.region.x, f"{key.description!r} is cut"
            shown.append(key.description)
    return shown


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_no_footer_key_is_cut(kb, size) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert {"Filters", "Sort", "Save", "Help", "Quit"} <= set(footer_keys_fit(app))
        app.open_entry("online-harms-desk")
        await settle(pilot)
        assert {"Back", "Edit", "Save", "Links", "Similar", "Help"} <= set(footer_keys_fit(app))
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert "Back" in footer_keys_fit(app)


async def test_f2_hides_and_shows_the_filters_at_120_columns(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.search_screen
        facets, results, preview = (
            screen.query_one(n) for n in ("#facets", "#results", "#preview")
        )
        assert not facets.display  # hidden until asked for, at every width
        assert preview.display and results.region.width >= 0.6 * 120
        await pilot.press("f2")
        await pilot.pause()
        assert facets.display and facets.has_focus and facets.region.width > 0
        assert not preview.display  # the filters take the preview's place
        assert results.region.width >= 0.6 * 120
        # The choice lasts the session: still open after reading an entry.
        app.open_entry("gp-referral-pathway")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert facets.display
        await pilot.press("f2")
        await settle(pilot)
        assert not facets.display and preview.display
        assert preview.entry is not None  # the preview reads the highlighted entry again


async def test_status_line_keeps_count_and_sort_at_80_columns(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.search_screen
        screen.set_filters((("force", "west-midlands"), ("theme", "referrals")), text="referral")
        await settle(pilot)
        status = str(screen.query_one("#status").render())
        assert status.startswith("1 entry") and "sort: relevance" in status
        assert len(status) <= 78
        await pilot.resize_terminal(140, 24)
        await settle(pilot)
        wide = str(screen.query_one("#status").render())
        assert "(ctrl+r clears)" in wide and "West Midlands Police" in wide


async def test_did_you_mean_line_keeps_its_key_at_80_columns(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_query(pilot, "staff resilence programe training officers supported")
        line = str(app.search_screen.query_one("#suggestion").render())
        assert "Did you mean" in line and "ctrl+y" in line and len(line) <= 78


def rendered(text: str, width: int) -> list[str]:
    console = Console(width=width, record=True)
    console.print(Breakable(Text(text)))
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_addresses_wrap_only_at_sensible_points() -> None:
    contact = "Prevent Lead <prevent.referrals@westmidlands.police.uk>"
    assert rendered(contact, 30) == [
        "Prevent Lead",
        "<prevent.referrals@",
        "westmidlands.police.uk>",
    ]
    assert rendered(contact, 60) == [contact]
    assert rendered("entries/west-midlands/online-harms-desk.md", 30) == [
        "entries/west-midlands/",
        "online-harms-desk.md",
    ]


async def test_coverage_at_80_columns_uses_theme_codes_with_a_legend(kb) -> None:
    from practicebase.coverage import short_codes

    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#coverage")
        codes = short_codes(screen.coverage.themes)  # the codes `report coverage` prints
        headings = [str(column.label) for column in table.columns.values()]
        assert headings[1:3] == [codes[theme] for theme in screen.coverage.themes[:2]]
        key = str(screen.query_one("#coverage-legend").render())
        assert key.startswith("Theme codes:") and f"{codes['referrals']}=referrals" in key
        await pilot.resize_terminal(400, 40)  # room for every theme name
        await settle(pilot)
        assert not screen.query_one("#coverage-legend").display
        wide = [str(column.label) for column in table.columns.values()]
        assert wide[1] == screen.coverage.themes[0].replace("-", "\n", 1)
