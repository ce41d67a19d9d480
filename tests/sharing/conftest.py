"""Fixtures for the sharing tests: small knowledge bases built as real entry files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from practicebase.entry import Contact, Entry
from practicebase.kb import KnowledgeBase
from practicebase.vocabulary import Vocabulary, load_vocabulary

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_ENTRIES = REPO_ROOT / "entries"

BODY = """## Problem

{problem}

## What we did

{did}

## Outcomes

Referrals rose by a third in the first year.

## Evaluation

A local before-and-after comparison of referral quality.

## Lessons learned

Start small, and agree the data sharing early.

## How to adopt

Ask the contact for the template pack.
"""


@pytest.fixture(scope="session")
def vocabulary() -> Vocabulary:
    return load_vocabulary(None)


@pytest.fixture
def make_entry() -> Callable[..., Entry]:
    """Build a real `Entry` with sensible defaults; keyword arguments override fields."""

    def make(entry_id: str, **fields: object) -> Entry:
        values: dict[str, object] = {
            "id": entry_id,
            "title": f"Practice {entry_id}",
            "forces": ("west-yorkshire",),
            "themes": ("referrals",),
            "summary": f"Summary of {entry_id}.",
            "stage": "evaluated-locally",
            "last_reviewed": date(2026, 1, 10),
            "review_due": date(2027, 1, 10),
            "contact": Contact(role="Prevent Lead", email="prevent@example.police.uk"),
            "body": BODY.format(problem="A problem.", did="Something useful."),
        }
        values.update(fields)
        return Entry(**values)  # type: ignore[arg-type]

    return make


def entry_markdown(
    entry_id: str,
    *,
    title: str | None = None,
    force: str | list[str] = "west-yorkshire",
    themes: tuple[str, ...] = ("referrals",),
    summary: str | None = None,
    stage: str = "evaluated-locally",
    last_reviewed: str = "2026-01-10",
    review_due: str | None = None,
    classification: str = "OFFICIAL",
    outcome: str = "worked",
    status: str = "active",
    started: str | None = None,
    extra: str = "",
    problem: str = "Referrals from GP practices were rare and late.",
    did: str = "We trained practice managers and set up a single referral inbox.",
    body: str | None = None,
) -> str:
    """A small valid Markdown entry file's text."""
    forces = force if isinstance(force, list) else [force]
    lines = [
        "---",
        f"id: {entry_id}",
        f'title: "{title or "Practice " + entry_id}"',
        f"force: [{', '.join(forces)}]",
        f"themes: [{', '.join(themes)}]",
        f'summary: "{summary or "Summary of " + entry_id + "."}"',
        f"stage: {stage}",
        f"outcome: {outcome}",
        f"status: {status}",
        f"last_reviewed: {last_reviewed}",
        f"classification: {classification}",
        "contact:",
        "  role: Prevent Lead",
        f"  email: prevent@{forces[0]}.example.police.uk",
    ]
    if review_due:
        lines.append(f"review_due: {review_due}")
    if started:
        lines.append(f"started: {started}")
    if extra:
        lines.append(extra.rstrip("\n"))
    lines.append("---")
    lines.append("")
    lines.append(body if body is not None else BODY.format(problem=problem, did=did))
    return "\n".join(lines)


@pytest.fixture
def write_entry(tmp_path: Path) -> Callable[..., Path]:
    """Write an entry file under `tmp_path/kb/entries/<force>/<id>.md`; returns its path."""

    def write(entry_id: str, **kwargs: object) -> Path:
        force = kwargs.get("force", "west-yorkshire")
        first = force[0] if isinstance(force, list) else force
        folder = tmp_path / "kb" / "entries" / str(first)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{entry_id}.md"
        path.write_text(entry_markdown(entry_id, **kwargs), encoding="utf-8")  # type: ignore[arg-type]
        return path

    return write


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    """An empty knowledge base in tmp_path/kb."""
    (tmp_path / "kb" / "entries").mkdir(parents=True, exist_ok=True)
    return KnowledgeBase(tmp_path / "kb")


@pytest.fixture
def entry_text() -> Callable[..., str]:
    """The `entry_markdown` builder, for tests that write files themselves."""
    return entry_markdown


@pytest.fixture(scope="session")
def sample_root() -> Path:
    """The repository root, whose entries/ holds the 40 sample entries (read only)."""
    if len(list(SAMPLE_ENTRIES.glob("*/*.*"))) < 40:
        pytest.skip("the sample knowledge base is not complete yet")
    return REPO_ROOT
