"""Snapshots of the recommendations view at 80x24 and 120x36, and of two forces compared.

Update with `pytest tests/tui/test_snapshots_views.py --snapshot-update -n 0` after a
deliberate change, and look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import settle, workers_done
from tui_kb import TODAY
from views_kb import make_linked_kb

from practicebase.kb import KnowledgeBase
from practicebase.tui.app import PracticebaseApp


@pytest.fixture
def snapshot_kb(tmp_path: Path) -> KnowledgeBase:
    return KnowledgeBase(make_linked_kb(tmp_path / "kb"))


async def _ready(pilot) -> None:
    pilot.app.search_screen.query_one("#query").cursor_blink = False
    await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_recommendations(snap_compare, snapshot_kb, size) -> None:
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("f5")
        await workers_done(pilot)
        await pilot.press("down", "down", "down", "down")  # R5: two forces
        await pilot.pause()

    assert snap_compare(
        PracticebaseApp(snapshot_kb, today=TODAY), terminal_size=size, run_before=run_before
    )


def test_compare_120x36(snap_compare, snapshot_kb) -> None:
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("ctrl+g")
        await workers_done(pilot)
        table = pilot.app.screen.query_one("#coverage")
        for force in ("west-midlands", "west-yorkshire"):
            table.move_cursor(row=table.get_row_index(force))
            await pilot.press("m")
        await pilot.press("c")
        await workers_done(pilot)
        await pilot.pause()

    assert snap_compare(
        PracticebaseApp(snapshot_kb, today=TODAY), terminal_size=(120, 36), run_before=run_before
    )
