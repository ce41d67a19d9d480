"""A small knowledge base whose entries link to inspection recommendations, for the
recommendations and compare views (the entries of `tui_kb`, with `recommendations` added)."""

from __future__ import annotations

from pathlib import Path

from tui_kb import ENTRIES, entry_text

LINKS = {
    "gp-referral-pathway": ["CT4-2020-R5"],
    "school-referral-clinic": ["CT4-2020-R5", "CT4-2020-R1"],
    "pcm-review-clinic": ["CT4-2020-R4"],
    "online-harms-desk": ["CT4-2020-R4"],
    "staff-resilience-programme": ["CT4-2020-R2"],
}
"""Entry id -> the recommendations it is linked to (entries not listed link to none)."""


def make_linked_kb(root: Path, count: int = 5) -> Path:
    """A knowledge base at `root` with the first `count` test entries, linked as `LINKS`."""
    (root / "entries").mkdir(parents=True, exist_ok=True)
    for spec in ENTRIES[:count]:
        text = entry_text(**spec)
        links = LINKS.get(spec["entry_id"])
        if links:
            text = text.replace(
                "classification:", f"recommendations: [{', '.join(links)}]\nclassification:", 1
            )
        folder = root / "entries" / spec["force"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{spec['entry_id']}.md").write_text(text, encoding="utf-8")
    return root
