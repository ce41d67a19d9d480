"""A stateful property test of the whole store + index: an id is found by search exactly when
its file is present and valid, whatever sequence of adds, replaces, edits, deletes, index
updates and rebuilds came before.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hardening_harness import entry_text
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from practicebase.index import rebuild_index, update_index
from practicebase.kb import KnowledgeBase
from practicebase.search import Searcher, SearchRequest
from practicebase.store import add_file

IDS = st.sampled_from(["state-alpha", "state-beta", "state-gamma", "state-delta"])
FORCES = st.sampled_from(["west-yorkshire", "kent", "metropolitan"])
EVERYONE = "practice managers"  # in every valid entry's body


class KnowledgeBaseMachine(RuleBasedStateMachine):
    """Model: id -> (force folder, valid?) for each entry file on disk."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="pb-stateful-"))
        (self.root / "entries").mkdir()
        (self.root / "inbox").mkdir()
        self.kb = KnowledgeBase(self.root)
        self.model: dict[str, tuple[str, bool]] = {}
        self.indexed = False  # an index exists
        self.fresh = False  # nothing changed since the last index or rebuild
        self.writes = 0  # grows every write, so every new version has a new size

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # ---- helpers

    def text(self, entry_id: str, force: str, *, valid: bool = True) -> str:
        self.writes += 1
        text = entry_text(entry_id, force=force, title=f"Version {self.writes} of {entry_id}")
        text += "\n" + "x" * self.writes + "\n"
        if not valid:
            text = text.replace("\n---\n", "\n", 1)  # no closing `---`: unreadable
        return text

    def inbox_file(self, entry_id: str, force: str) -> Path:
        path = self.root / "inbox" / f"{entry_id}.md"
        path.write_text(self.text(entry_id, force), encoding="utf-8")
        return path

    def path_of(self, entry_id: str) -> Path:
        force, _valid = self.model[entry_id]
        return self.root / "entries" / force / f"{entry_id}.md"

    def entries_snapshot(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.root).as_posix(): p.read_bytes()
            for p in (self.root / "entries").rglob("*")
            if p.is_file()
        }

    # ---- rules

    @rule(entry_id=IDS, force=FORCES)
    def add(self, entry_id: str, force: str) -> None:
        before = self.entries_snapshot()
        outcome = add_file(self.kb, self.inbox_file(entry_id, force))
        if entry_id in self.model:
            assert not outcome.ok, f"a second {entry_id} was added"
            assert self.entries_snapshot() == before
        else:
            assert outcome.ok, [p.format() for p in outcome.problems]
            self.model[entry_id] = (force, True)
            assert self.path_of(entry_id).is_file()
            self.fresh = False

    @precondition(lambda self: any(valid for _f, valid in self.model.values()))
    @rule(data=st.data(), force=FORCES)
    def replace(self, data: st.DataObject, force: str) -> None:
        entry_id = data.draw(st.sampled_from(sorted(i for i, (_f, v) in self.model.items() if v)))
        outcome = add_file(self.kb, self.inbox_file(entry_id, force), replace=True)
        assert outcome.ok, [p.format() for p in outcome.problems]
        old = self.path_of(entry_id)
        self.model[entry_id] = (force, True)
        assert self.path_of(entry_id).is_file()
        if old != self.path_of(entry_id):
            assert not old.exists(), "replace left the old file of the same id"
        self.fresh = False

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), valid=st.booleans())
    def edit_file(self, data: st.DataObject, valid: bool) -> None:
        entry_id = data.draw(st.sampled_from(sorted(self.model)))
        force, _ = self.model[entry_id]
        self.path_of(entry_id).write_text(self.text(entry_id, force, valid=valid), "utf-8")
        self.model[entry_id] = (force, valid)
        self.fresh = False

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def delete_file(self, data: st.DataObject) -> None:
        entry_id = data.draw(st.sampled_from(sorted(self.model)))
        self.path_of(entry_id).unlink()
        del self.model[entry_id]
        self.fresh = False

    @rule()
    def index(self) -> None:
        report = update_index(self.kb)
        invalid = sum(1 for _f, valid in self.model.values() if not valid)
        assert len(report.problems) >= invalid
        self.indexed = self.fresh = True

    @rule()
    def rebuild(self) -> None:
        report = rebuild_index(self.kb)
        assert report.total == sum(1 for _f, valid in self.model.values() if valid)
        self.indexed = self.fresh = True

    @precondition(lambda self: self.indexed)
    @rule()
    def search_while_stale(self) -> None:
        """Searching an out-of-date index still answers (from the last index), never raises."""
        searcher = Searcher(self.kb)
        try:
            searcher.search(SearchRequest(text=EVERYONE, limit=100))
        finally:
            searcher.close()

    @invariant()
    def search_agrees_with_the_files(self) -> None:
        if not (self.indexed and self.fresh):
            return
        searcher = Searcher(self.kb)
        try:
            result = searcher.search(SearchRequest(text=EVERYONE, limit=100))
            found = {hit.id for hit in result.hits}
            for entry_id in self.model:
                one = searcher.search(SearchRequest(text=entry_id, limit=100))
                assert (entry_id in {h.id for h in one.hits}) == self.model[entry_id][1]
        finally:
            searcher.close()
        assert found == {i for i, (_f, valid) in self.model.items() if valid}
        assert result.total == len(found)


KnowledgeBaseMachine.TestCase.settings = settings(
    max_examples=12 * int(os.environ.get("PRACTICEBASE_HYPOTHESIS_SCALE", "1")),
    derandomize=os.environ.get("PRACTICEBASE_HYPOTHESIS_SCALE", "1") == "1",
    stateful_step_count=14,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_store_and_index_agree_with_a_simple_model = KnowledgeBaseMachine.TestCase
