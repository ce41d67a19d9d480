"""Small real knowledge bases for the terminal app tests: real entry files in tmp_path."""

from __future__ import annotations

from datetime import date
from pathlib import Path

TODAY = date(2026, 6, 1)
"""The fixed 'today' of every app test, so due markers and snapshots do not drift."""

SECTIONS = """
## Problem

{problem}

## What we did

{did}

## Outcomes

Partners said the work helped and asked for more.

## Evaluation

A local evaluation compared the year before and after.

## Lessons learned

Start small and keep partners close.

## How to adopt

Talk to the contact below first; see [the guide](https://example.org/guide).
"""


def entry_text(
    entry_id: str,
    title: str,
    force: str,
    themes: list[str],
    *,
    summary: str = "A short summary of the practice for the tests.",
    stage: str = "evaluated-locally",
    outcome: str = "worked",
    classification: str = "OFFICIAL",
    last_reviewed: str = "2026-01-10",
    review_due: str = "2099-01-10",
    problem: str = "Referrals came in late and incomplete.",
    did: str = "We set up a weekly desk with partners.",
    audience: str = "[adults]",
) -> str:
    """An entry file in the Markdown form (front matter plus body)."""
    title_yaml = title.replace("'", "''")
    return (
        "---\n"
        f"id: {entry_id}\n"
        f"title: '{title_yaml}'\n"
        f"force: {force}\n"
        f"themes: [{', '.join(themes)}]\n"
        f"summary: '{summary}'\n"
        f"stage: {stage}\n"
        f"outcome: {outcome}\n"
        "status: active\n"
        f"last_reviewed: {last_reviewed}\n"
        f"review_due: {review_due}\n"
        "contact:\n"
        "  role: Prevent Lead\n"
        f"  email: prevent.{entry_id}@example.police.uk\n"
        f"audience: {audience}\n"
        f"classification: {classification}\n"
        "---\n" + SECTIONS.format(problem=problem, did=did)
    )


ENTRIES = [
    dict(
        entry_id="gp-referral-pathway",
        title="GP practice referral pathway",
        force="west-yorkshire",
        themes=["referrals", "partner-health"],
        problem="GP practices rarely made Prevent referrals and did not know the route.",
        did="A named Prevent lead for each GP practice and a one-page referral form.",
        audience="[adults, vulnerable-adults]",
    ),
    dict(
        entry_id="school-referral-clinic",
        title="School referral clinic for designated safeguarding leads",
        force="west-midlands",
        themes=["referrals", "partner-education"],
        outcome="promising",
        problem="Schools were unsure when a concern should become a referral.",
        did="Monthly clinics where safeguarding leads bring anonymised cases.",
        audience="[children]",
    ),
    dict(
        entry_id="pcm-review-clinic",
        title="Case management review clinic",
        force="west-midlands",
        themes=["case-management"],
        stage="independently-evaluated",
        problem="Long-running cases drifted without decisions.",
        did="A fortnightly clinic reviews every case open for six months.",
    ),
    dict(
        entry_id="online-harms-desk",
        title="Online harms desk for social media concerns",
        force="greater-manchester",
        themes=["online", "referrals"],
        outcome="new-innovative",
        stage="untested",
        classification="OFFICIAL-SENSITIVE",
        problem="Concerns about online content reached the wrong teams.",
        did="A desk triages online concerns and refers them on.",
    ),
    dict(
        entry_id="staff-resilience-programme",
        title="Staff resilience programme",
        force="merseyside",
        themes=["staff-resilience", "training-awareness"],
        outcome="didnt-work",
        last_reviewed="2019-01-10",
        review_due="2020-01-10",
        problem="Officers felt unsupported after difficult cases.",
        did="Peer supporters and a training day for every officer.",
        audience="[police-staff]",
    ),
    dict(
        entry_id="hostile-markup-title",
        title="[@click=app.quit]x[/] referrals [bold]markup[/bold]",
        force="kent",
        themes=["referrals"],
        problem="A title with [link=https://evil.example]markup[/link] in it.",
        did="Nothing [red]special[/red].",
    ),
]


def write_entry(root: Path, spec: dict) -> Path:
    """Write one entry file under `root/entries/<force>/` and return its path."""
    folder = root / "entries" / spec["force"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{spec['entry_id']}.md"
    path.write_text(entry_text(**spec), encoding="utf-8")
    return path


def make_kb(root: Path, entries: list[dict] | None = None) -> Path:
    """A knowledge base at `root` holding `entries` (default: `ENTRIES`)."""
    (root / "entries").mkdir(parents=True, exist_ok=True)
    for spec in ENTRIES if entries is None else entries:
        write_entry(root, spec)
    return root


HOSTILE_TITLE = "Escapes \x1b[2J\x1b]0;pwned\x07\x1b]52;c;aGVsbG8=\x07 title"
HOSTILE_BODY = (
    "Body with \x1b[31mred\x1b[0m, \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ "
    "and \x9b31m C1 and a bell \x07."
)
# Sequences from the data above that must never be written to the terminal.
ESCAPE_MARKERS = (
    "\x1b]0;pwned",
    "\x1b]52;c;aGVsbG8=",
    "\x1b[31mred",
    "\x1b]8;;https://evil",
    "\x9b31m",
)


BIDI_BODY = "Reversed \u202edesrever\u202c, zero\u200bwidth and isolate \u2067x\u2069."
# Display controls a valid body may carry (validation only warns): never written either.
BIDI_MARKERS = ("\u202e", "\u202c", "\u200b", "\u2067", "\u2069")


def write_hostile_files(root: Path) -> list[Path]:
    """Entry files carrying terminal escape sequences (rejected by validation) and a valid
    entry whose body carries bidirectional and zero-width controls."""
    folder = root / "entries" / "kent"
    folder.mkdir(parents=True, exist_ok=True)
    title_yaml = HOSTILE_TITLE.replace("\x1b", "\\e").replace("\x07", "\\a")
    raw = entry_text("escape-title", "placeholder", "kent", ["referrals"])
    one = folder / "escape-title.md"
    one.write_text(raw.replace("'placeholder'", f'"{title_yaml}"'), encoding="utf-8")
    two = folder / "escape-body.md"
    two.write_text(
        entry_text("escape-body", "Escape body", "kent", ["referrals"], did=HOSTILE_BODY),
        encoding="utf-8",
    )
    three = folder / "bidi-body.md"
    three.write_text(
        entry_text("bidi-body", "Bidi body", "kent", ["referrals"], did=BIDI_BODY),
        encoding="utf-8",
    )
    return [one, two, three]
