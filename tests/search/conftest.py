"""Fixtures for the search tests: small knowledge bases of real entry files in tmp_path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from search_helpers import WriteEntry, entry_text  # noqa: E402

from practicebase.kb import KnowledgeBase  # noqa: E402


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    root = tmp_path / "kb"
    (root / "entries").mkdir(parents=True)
    return KnowledgeBase(root)


@pytest.fixture
def write_entry(kb: KnowledgeBase) -> WriteEntry:
    """Write `entries/<force>/<id>.md` (or `name`) and return its path."""

    def write(entry_id: str, *, name: str | None = None, **kwargs: object) -> Path:
        force = str(kwargs.get("force", "west-yorkshire"))
        path = kb.entries_dir / force / (name or f"{entry_id}.md")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(entry_text(entry_id, **kwargs), encoding="utf-8")  # type: ignore[arg-type]
        return path

    return write
