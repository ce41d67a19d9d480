"""Searcher.entry reads only files inside entries/, whatever the index and the folders say."""

from pathlib import Path

from practicebase.index import update_index
from practicebase.kb import KnowledgeBase
from practicebase.search import Searcher

ENTRY = """---
title: A practice that moved out of the knowledge base
force: kent
themes: [referrals]
summary: Its force folder became a link to somewhere else after it was indexed.
stage: untested
last_reviewed: 2026-01-10
contact: {role: Prevent Lead, email: prevent@kent.example.police.uk}
---
## Problem
Text.
"""


def test_entry_is_not_read_through_a_folder_that_now_leads_outside(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    force_folder = root / "entries" / "kent"
    force_folder.mkdir(parents=True)
    (force_folder / "moved.md").write_text(ENTRY, encoding="utf-8")
    kb = KnowledgeBase(root)
    update_index(kb)
    with Searcher(kb) as searcher:
        assert searcher.entry("moved") is not None

    outside = tmp_path / "elsewhere"
    force_folder.rename(outside)
    force_folder.symlink_to(outside, target_is_directory=True)

    with Searcher(kb) as searcher:
        assert searcher.entry("moved") is None
