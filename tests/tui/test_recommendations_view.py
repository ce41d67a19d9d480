"""The recommendations view: open it (key, palette), its counts, Enter on a cell searches it,
Escape returns; and the facet panel's recommendation group."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import palette_choose, result_ids, settle, workers_done
from tui_kb import TODAY
from views_kb import make_linked_kb

from practicebase.kb import KnowledgeBase
from practicebase.tui.app import PracticebaseApp
from practicebase.tui.screens.help import HelpScreen
from practicebase.tui.screens.recommendations import RecommendationsScreen


@pytest.fixture
def linked_kb(tmp_path: Path) -> KnowledgeBase:
    return KnowledgeBase(make_linked_kb(tmp_path / "kb"))


async def open_view(pilot) -> RecommendationsScreen:
    await pilot.press("f5")
    await workers_done(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RecommendationsScreen)
    assert screen.report is not None
    return screen


def column_keys(table) -> list[str]:
    return [column.key.value for column in table.columns.values()]


async def choose(pilot, rec_id: str, column: str) -> None:
    table = pilot.app.screen.query_one("#recommendations")
    table.move_cursor(row=table.get_row_index(rec_id), column=column_keys(table).index(column))
    await pilot.press("enter")
    await settle(pilot)


async def test_view_counts_per_recommendation(linked_kb) -> None:
    app = PracticebaseApp(linked_kb, today=TODAY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = await open_view(pilot)
        table = screen.query_one("#recommendations")
        keys = column_keys(table)
        assert [str(row.key.value) for row in table.rows.values()] == [
            f"CT4-2020-R{n}" for n in range(1, 9)
        ]
        r5 = table.get_row("CT4-2020-R5")
        assert str(r5[0]).startswith("CT4-2020-R5 Referral consistency")
        assert str(r5[keys.index("entries")]) == "2"
        assert str(r5[keys.index("forces")]) == "2"
        assert str(r5[keys.index("without")]) == str(len(linked_kb.vocabulary.forces) - 2)
        assert str(r5[keys.index("force:west-midlands")]) == "1"
        assert str(r5[keys.index("force:greater-manchester")]) == "·"
        assert str(r5[keys.index("outcome:promising")]) == "1"
        r4 = table.get_row("CT4-2020-R4")
        assert str(r4[keys.index("stage:independently-evaluated")]) == "1"
        assert str(r4[keys.index("stage:untested")]) == "1"
        title = str(screen.query_one("#recommendations-title").render())
        assert "5 of 5 entries linked" in title
        assert "provisional" in title
        # the highlighted row in full: label marked provisional, forces with and without
        table.move_cursor(row=table.get_row_index("CT4-2020-R5"), column=1)
        await pilot.pause()
        detail = str(screen.query_one("#recommendations-detail").render())
        assert "Referral consistency and scrutiny (provisional)" in detail
        assert "Forces with practice (2): West Midlands Police (1), West Yorkshire Police (1)" in (
            detail.replace("\n", " ")
        )
        assert "Forces with none (" in detail


@pytest.mark.parametrize(
    ("rec_id", "column", "filters", "ids"),
    [
        (
            "CT4-2020-R5",
            "force:west-midlands",
            (("recommendation", "CT4-2020-R5"), ("force", "west-midlands")),
            ["school-referral-clinic"],
        ),
        (
            "CT4-2020-R4",
            "stage:untested",
            (("recommendation", "CT4-2020-R4"), ("stage", "untested")),
            ["online-harms-desk"],
        ),
        (
            "CT4-2020-R5",
            "outcome:worked",
            (("recommendation", "CT4-2020-R5"), ("outcome", "worked")),
            ["gp-referral-pathway"],
        ),
        (
            "CT4-2020-R4",
            "recommendation",
            (("recommendation", "CT4-2020-R4"),),
            ["online-harms-desk", "pcm-review-clinic"],
        ),
    ],
)
async def test_enter_on_a_cell_searches_it(linked_kb, rec_id, column, filters, ids) -> None:
    app = PracticebaseApp(linked_kb, today=TODAY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await open_view(pilot)
        await choose(pilot, rec_id, column)
        assert app.screen is app.search_screen
        assert app.search_screen.filters == filters
        assert sorted(result_ids(app)) == ids


async def test_escape_returns_and_palette_and_help_reach_it(linked_kb) -> None:
    app = PracticebaseApp(linked_kb, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_view(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.search_screen
        assert app.search_screen.filters == ()
        await palette_choose(pilot, "recommend", "Recommendations")
        await workers_done(pilot)
        assert isinstance(app.screen, RecommendationsScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = str(app.screen.query_one("#help-keys").render())
        assert "Recommendations screen" in keys
        assert "app.recommendations" in keys


async def test_knowledge_base_without_links_still_lists_the_recommendations(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_view(pilot)
        table = screen.query_one("#recommendations")
        assert table.row_count == 8
        assert str(table.get_row("CT4-2020-R1")[1]) == "0"
        assert "0 of 6 entries linked" in str(screen.query_one("#recommendations-title").render())


async def test_facet_panel_names_the_recommendation_group(linked_kb) -> None:
    app = PracticebaseApp(linked_kb, today=TODAY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await pilot.pause()
        facets = app.search_screen.query_one("#facets")
        prompts = [str(facets.get_option_at_index(i).prompt) for i in range(facets.option_count)]
        assert "Inspection recommendation" in prompts
        r5 = next(p for p in prompts if "CT4-2020-R5" in p)
        assert "Referral consistency and scrutiny (provisional)" in r5


async def test_local_wording_is_not_called_provisional(tmp_path: Path) -> None:
    root = make_linked_kb(tmp_path / "kb")
    (root / "vocabulary.yaml").write_text(
        'recommendations:\n  - {id: CT4-2020-R5, label: "Exact wording of five [bold]x[/bold]"}\n',
        encoding="utf-8",
    )
    app = PracticebaseApp(KnowledgeBase(root), today=TODAY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = await open_view(pilot)
        table = screen.query_one("#recommendations")
        rows = [str(row.key.value) for row in table.rows.values()]
        # the local list replaces the packaged one; ids entries use that it lacks follow
        assert rows == ["CT4-2020-R5", "CT4-2020-R1", "CT4-2020-R2", "CT4-2020-R4"]
        assert "provisional" not in str(screen.query_one("#recommendations-title").render())
        table.move_cursor(row=0, column=1)
        await pilot.pause()
        detail = str(screen.query_one("#recommendations-detail").render())
        assert "Exact wording of five [bold]x[/bold]" in detail
        assert "provisional" not in detail
        assert "(not in the vocabulary)" in str(table.get_row("CT4-2020-R1")[0])
