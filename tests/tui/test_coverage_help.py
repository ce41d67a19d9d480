"""Coverage matrix and choosing a cell; help lists every key; the command palette."""

from __future__ import annotations

from tui_helpers import palette_choose, result_ids, settle, workers_done
from tui_kb import TODAY

from practicebase.tui.app import PracticebaseApp
from practicebase.tui.screens.coverage import CoverageScreen
from practicebase.tui.screens.entry import EntryScreen
from practicebase.tui.screens.help import HelpScreen
from practicebase.tui.screens.search import SearchScreen


async def test_coverage_counts_totals_and_choosing_a_cell_searches_it(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+g")
        await workers_done(pilot)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CoverageScreen)
        table = screen.query_one("#coverage")
        row = table.get_row("west-midlands")
        themes = [column.key.value for column in table.columns.values()]
        assert str(row[themes.index("referrals")]) == "1"
        assert str(row[themes.index("case-management")]) == "1"
        assert str(row[themes.index("__total__")]) == "2"
        assert str(table.get_row("__total__")[themes.index("referrals")]) == "4"
        table.move_cursor(
            row=table.get_row_index("west-midlands"), column=themes.index("referrals")
        )
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is app.search_screen
        assert app.search_screen.filters == (("force", "west-midlands"), ("theme", "referrals"))
        assert result_ids(app) == ["school-referral-clinic"]


async def test_help_lists_every_binding_and_closes(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = str(app.screen.query_one("#help-keys").render())
        for cls in (PracticebaseApp, SearchScreen, EntryScreen, CoverageScreen):
            for binding in cls.BINDINGS:
                assert binding.id, f"{cls.__name__} binding {binding.key} has no id"
                assert binding.description in shown, binding.description
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.search_screen


async def test_palette_jumps_to_an_entry_by_title_and_runs_actions(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await palette_choose(pilot, "gp pract", "GP practice referral pathway")
        await settle(pilot)
        assert isinstance(app.screen, EntryScreen)
        assert app.screen.entry_id == "gp-referral-pathway"
        await palette_choose(pilot, "copy entry id", "Copy entry id")
        assert app.clipboard == "gp-referral-pathway"
        await palette_choose(pilot, "Coverage", "Coverage")
        await settle(pilot)
        assert isinstance(app.screen, CoverageScreen)


async def test_theme_toggles_dark_and_light(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-dark"


async def test_bindings_can_be_remapped_by_id(kb, monkeypatch) -> None:
    monkeypatch.setenv("PRACTICEBASE_KEYMAP", "search.sort=ctrl+o;app.coverage=f9")
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert app.search_screen.sort == "reviewed"
        await pilot.press("f1")
        await pilot.pause()
        assert "^o" in str(app.screen.query_one("#help-keys").render())
        await pilot.press("escape")
        await pilot.press("f9")
        await workers_done(pilot)
        assert isinstance(app.screen, CoverageScreen)
