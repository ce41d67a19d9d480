"""Snapshots at a fixed size of the main screen, the entry view and coverage.

Deterministic: a fixed knowledge base and `today`, no cursor blink, everything settled.
Update with `pytest tests/tui/test_snapshots.py --snapshot-update` after a deliberate change.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import settle
from tui_kb import TODAY

from practicebase.kb import KnowledgeBase
from practicebase.tui.app import PracticebaseApp

SIZE = (100, 30)


@pytest.fixture
def snapshot_kb(tmp_path: Path) -> KnowledgeBase:
    from tui_kb import ENTRIES, make_kb

    return KnowledgeBase(make_kb(tmp_path / "kb", ENTRIES[:5]))


async def _ready(pilot) -> None:
    pilot.app.search_screen.query_one("#query").cursor_blink = False
    await settle(pilot)


def test_main_screen(snap_compare, snapshot_kb) -> None:
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press(*"referral")
        await settle(pilot)

    assert snap_compare(
        PracticebaseApp(snapshot_kb, today=TODAY), terminal_size=SIZE, run_before=run_before
    )


def test_main_screen_80x24_light(snap_compare, snapshot_kb) -> None:
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)

    assert snap_compare(
        PracticebaseApp(snapshot_kb, today=TODAY), terminal_size=(80, 24), run_before=run_before
    )


def test_entry_view(snap_compare, snapshot_kb) -> None:
    async def run_before(pilot) -> None:
        await _ready(pilot)
        pilot.app.open_entry("online-harms-desk")
        await settle(pilot)

    assert snap_compare(
        PracticebaseApp(snapshot_kb, today=TODAY), terminal_size=SIZE, run_before=run_before
    )


def test_coverage(snap_compare, snapshot_kb) -> None:
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)

    assert snap_compare(
        PracticebaseApp(snapshot_kb, today=TODAY), terminal_size=SIZE, run_before=run_before
    )
