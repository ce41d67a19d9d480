"""Snapshots at 80x24 and 120x36, the sizes people use: every footer key whole, the results
beside the preview at 60% of the width, the count saying how to see more.

Update with `pytest tests/tui/test_snapshots_layout.py --snapshot-update` after a deliberate
change, and look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import settle
from tui_kb import TODAY

from practicebase.kb import KnowledgeBase
from practicebase.tui.app import PracticebaseApp
from practicebase.tui.screens import search


@pytest.fixture
def snapshot_kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KnowledgeBase:
    from tui_kb import ENTRIES, make_kb

    monkeypatch.setattr(search, "PAGE_SIZE", 2)  # so the status line offers more
    return KnowledgeBase(make_kb(tmp_path / "kb", ENTRIES[:5]))


async def _searched(pilot) -> None:
    pilot.app.search_screen.query_one("#query").cursor_blink = False
    await settle(pilot)
    await pilot.press(*"referral")
    await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_search_screen(snap_compare, snapshot_kb, size) -> None:
    assert snap_compare(
        PracticebaseApp(snapshot_kb, today=TODAY), terminal_size=size, run_before=_searched
    )


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_entry_screen(snap_compare, snapshot_kb, size) -> None:
    async def run_before(pilot) -> None:
        await _searched(pilot)
        pilot.app.open_entry("online-harms-desk")
        await settle(pilot)

    assert snap_compare(
        PracticebaseApp(snapshot_kb, today=TODAY), terminal_size=size, run_before=run_before
    )


def test_coverage_80x24(snap_compare, snapshot_kb) -> None:
    async def run_before(pilot) -> None:
        pilot.app.search_screen.query_one("#query").cursor_blink = False
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)

    assert snap_compare(
        PracticebaseApp(snapshot_kb, today=TODAY), terminal_size=(80, 24), run_before=run_before
    )
