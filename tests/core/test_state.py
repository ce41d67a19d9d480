"""The user's last visit per knowledge base, kept in their state folder, never in the base."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from practicebase.state import VISITS_FILE, last_visit, record_visit, state_dir, visit

DAY1, DAY2 = date(2026, 5, 1), date(2026, 6, 1)


@pytest.fixture
def roots(tmp_path: Path) -> tuple[Path, Path]:
    one, two = tmp_path / "kb1", tmp_path / "kb2"
    one.mkdir()
    two.mkdir()
    return one, two


def test_state_dir_follows_xdg_else_home(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert state_dir() == tmp_path / "state" / "practicebase"
    for unusable in ("", "relative/state"):
        monkeypatch.setenv("XDG_STATE_HOME", unusable)
        assert state_dir() == tmp_path / "home" / ".local" / "state" / "practicebase"


def test_visits_are_kept_per_resolved_root(roots, tmp_path: Path) -> None:
    one, two = roots
    folder = tmp_path / "state"
    first = visit(one, DAY1, folder)
    assert first.previous is None and first.problem == ""
    record_visit(two, DAY1, folder)
    assert visit(one, DAY2, folder).previous == DAY1
    link = tmp_path / "link-to-kb1"
    link.symlink_to(one)
    assert last_visit(link, folder) == DAY2  # the same knowledge base by another path
    assert last_visit(two, folder) == DAY1
    document = json.loads((folder / VISITS_FILE).read_text(encoding="utf-8"))
    assert document["visits"] == {
        str(one.resolve()): "2026-06-01",
        str(two.resolve()): "2026-05-01",
    }
    assert sorted(p.name for p in folder.iterdir()) == [VISITS_FILE]  # no temporary left


def test_a_damaged_file_is_said_and_replaced(roots, tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    (folder / VISITS_FILE).write_text("{not json", encoding="utf-8")
    result = visit(roots[0], DAY2, folder)
    assert result.previous is None and "is not a practicebase visits file" in result.problem
    assert visit(roots[0], DAY2, folder) == type(result)(DAY2, "")


def test_unwritable_state_folder_is_a_problem_not_an_error(roots, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    result = visit(roots[0], DAY2, blocker / "practicebase")
    assert result.previous is None
    assert "cannot write" in result.problem and str(blocker) in result.problem


def test_never_written_inside_the_knowledge_base(roots) -> None:
    one, _ = roots
    result = visit(one, DAY2, one / ".state")
    assert "inside the knowledge base" in result.problem
    assert sorted(os.listdir(one)) == []
