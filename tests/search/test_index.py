"""The index: incremental updates, rebuilds, checks, locks and damaged or outdated indexes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from search_helpers import WriteEntry

from practicebase.index import (
    POINTER,
    IndexBusy,
    IndexUnavailable,
    check_index,
    current_generation,
    open_index,
    rebuild_index,
    update_index,
)
from practicebase.kb import KnowledgeBase
from practicebase.search import Searcher, SearchRequest


def ids(kb: KnowledgeBase, text: str = "") -> list[str]:
    with Searcher(kb) as searcher:
        result = searcher.search(SearchRequest(text=text, limit=100, sort="title"))
    return sorted(hit.id for hit in result.hits)


def indexed_state(kb: KnowledgeBase) -> dict[str, tuple]:
    """Everything each indexed document stores, by id (what a rebuild must reproduce)."""
    ix, _ = open_index(kb)
    try:
        with ix.searcher() as s:
            return {
                f["id"]: tuple(sorted((k, repr(v)) for k, v in f.items()))
                for f in s.all_stored_fields()
            }
    finally:
        ix.close()


def test_first_update_builds_and_second_has_nothing_to_do(kb, write_entry: WriteEntry):
    write_entry("alpha-practice", body="Triage of referrals.")
    write_entry("beta-practice", force="essex", body="Training for officers.")

    first = update_index(kb)
    assert (first.added, first.changed, first.removed, first.total) == (2, 0, 0, 2)
    assert first.rebuilt and first.problems == []

    second = update_index(kb)
    assert (second.added, second.changed, second.removed, second.total) == (0, 0, 0, 2)
    assert second.up_to_date
    assert second.summary().startswith("+0 ~0 -0, 2 entries, ")
    assert ids(kb) == ["alpha-practice", "beta-practice"]


def test_add_edit_delete_and_rename_are_picked_up(kb, write_entry: WriteEntry):
    a = write_entry("alpha-practice", body="Triage of referrals.")
    b = write_entry("beta-practice", body="Training for officers.")
    update_index(kb)

    write_entry("gamma-practice", body="A new clinic for cases.")
    a.write_text(a.read_text().replace("Triage of referrals.", "Mentoring of volunteers."))
    os.utime(a, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns + 5_000_000_000))
    report = update_index(kb)
    assert (report.added, report.changed, report.removed, report.total) == (1, 1, 0, 3)
    assert ids(kb, "mentoring") == ["alpha-practice"]
    assert ids(kb, "triage") == []
    assert ids(kb, "clinic") == ["gamma-practice"]

    b.unlink()
    report = update_index(kb)
    assert (report.added, report.changed, report.removed, report.total) == (0, 0, 1, 2)
    assert ids(kb) == ["alpha-practice", "gamma-practice"]

    moved = kb.entries_dir / "essex" / "alpha-practice.md"
    moved.parent.mkdir()
    a.rename(moved)
    report = update_index(kb)
    assert (report.added, report.removed, report.total) == (1, 1, 2)
    with Searcher(kb) as searcher:
        [hit] = searcher.search(SearchRequest(text="mentoring")).hits
    assert hit.path == "entries/essex/alpha-practice.md"


def test_indexed_ids_map_ids_to_files(kb, write_entry: WriteEntry):
    from practicebase.index import indexed_ids

    write_entry("alpha-practice", body="Triage of referrals.")
    write_entry("beta-practice", force="essex", body="Training.")
    update_index(kb)
    assert indexed_ids(kb) == {
        "alpha-practice": "entries/west-yorkshire/alpha-practice.md",
        "beta-practice": "entries/essex/beta-practice.md",
    }


def test_search_after_every_entry_is_removed(kb, write_entry: WriteEntry):
    path = write_entry("alpha-practice", body="Triage of referrals.")
    update_index(kb)
    with Searcher(kb) as searcher:
        path.unlink()
        assert update_index(kb).total == 0
        searcher.refresh()
        assert searcher.search(SearchRequest(text="triage")).total == 0
    rebuild_index(kb)
    assert ids(kb, "triage") == []


def test_touched_but_unchanged_file_is_not_reported_as_changed(kb, write_entry: WriteEntry):
    path = write_entry("alpha-practice", body="Triage of referrals.")
    update_index(kb)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 7_000_000_000))
    report = update_index(kb)
    assert (report.added, report.changed, report.removed) == (0, 0, 0)
    # The new mtime was recorded: a check now finds nothing to do.
    assert check_index(kb).up_to_date


def test_invalid_files_are_reported_and_skipped(kb, write_entry: WriteEntry):
    write_entry("good-practice", body="Triage of referrals.")
    bad = kb.entries_dir / "west-yorkshire" / "broken.md"
    bad.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    report = update_index(kb)
    assert report.added == 1 and report.total == 1
    assert report.problems and all(p.is_error for p in report.problems)
    assert any("broken.md" in p.path for p in report.problems)
    assert ids(kb) == ["good-practice"]


def test_an_entry_that_becomes_invalid_leaves_the_index(kb, write_entry: WriteEntry):
    path = write_entry("good-practice", body="Triage of referrals.")
    update_index(kb)
    path.write_text("---\ntitle: only a title\n---\n", encoding="utf-8")
    report = update_index(kb)
    assert report.removed == 1 and report.problems
    assert ids(kb) == []


def test_keep_last_good_keeps_an_invalid_edit_out_and_the_last_good_version_in(
    kb, write_entry: WriteEntry
):
    path = write_entry("good-practice", body="Triage of referrals.")
    update_index(kb)
    good = path.read_text(encoding="utf-8")
    path.write_text("---\ntitle: only a title\n---\n", encoding="utf-8")
    report = update_index(kb, keep_last_good=True)
    assert report.problems and report.removed == 0
    assert report.kept == ["entries/west-yorkshire/good-practice.md"]
    assert ids(kb) == ["good-practice"]
    path.write_text(good.replace("Triage of referrals.", "Triage desk."), encoding="utf-8")
    report = update_index(kb, keep_last_good=True)
    assert (report.changed, report.kept, report.problems) == (1, [], [])
    assert ids(kb) == ["good-practice"]


def test_duplicate_id_in_a_second_file_is_refused(kb, write_entry: WriteEntry):
    write_entry("same-id", body="First file.")
    update_index(kb)
    write_entry("same-id", force="essex", body="Second file.")
    report = update_index(kb)
    assert report.added == 0
    assert any("duplicate id" in p.message for p in report.problems)
    with Searcher(kb) as searcher:
        [hit] = searcher.search(SearchRequest(text="")).hits
    assert hit.path == "entries/west-yorkshire/same-id.md"


def test_only_restricts_the_work_to_given_paths(kb, write_entry: WriteEntry):
    write_entry("alpha-practice", body="Triage of referrals.")
    update_index(kb)
    new = write_entry("beta-practice", body="Training for officers.")
    write_entry("gamma-practice", body="Not yet indexed.")
    report = update_index(kb, only=[new])
    assert (report.added, report.total) == (1, 2)
    assert ids(kb) == ["alpha-practice", "beta-practice"]
    new.unlink()
    report = update_index(kb, only=[new])
    assert report.removed == 1
    assert check_index(kb).added == 1  # gamma is still waiting


def test_rebuild_equals_incremental_build(kb, write_entry: WriteEntry, tmp_path: Path):
    write_entry("alpha-practice", body="Triage of referrals.")
    write_entry("beta-practice", force="essex", body="Training for officers.")
    update_index(kb)
    write_entry("gamma-practice", force="kent", body="A clinic.")
    (kb.entries_dir / "essex" / "beta-practice.md").unlink()
    update_index(kb)
    incremental = indexed_state(kb)

    report = rebuild_index(kb)
    assert report.rebuilt and report.total == 2
    assert indexed_state(kb) == incremental


def test_rebuild_switches_generation_and_removes_the_old_one(kb, write_entry: WriteEntry):
    write_entry("alpha-practice", body="Triage of referrals.")
    update_index(kb)
    old = current_generation(kb)
    searcher = Searcher(kb)  # a reader open across the rebuild keeps working
    rebuild_index(kb)
    new = current_generation(kb)
    assert old != new
    assert not (kb.index_dir / old).exists()
    assert [h.id for h in searcher.search(SearchRequest(text="triage")).hits] == ["alpha-practice"]
    searcher.refresh()
    assert [h.id for h in searcher.search(SearchRequest(text="triage")).hits] == ["alpha-practice"]
    searcher.close()


def test_check_reports_drift_and_changes_nothing(kb, write_entry: WriteEntry):
    report = check_index(kb)
    assert not report.up_to_date and "no search index" in report.note
    write_entry("alpha-practice", body="Triage of referrals.")
    update_index(kb)
    assert check_index(kb).up_to_date
    write_entry("beta-practice", body="Training.")
    before = sorted(p.name for p in kb.index_dir.rglob("*"))
    report = check_index(kb)
    assert (report.added, report.up_to_date) == (1, False)
    assert sorted(p.name for p in kb.index_dir.rglob("*")) == before


def test_held_write_lock_gives_index_busy_promptly(kb, write_entry: WriteEntry):
    import time

    from whoosh.filedb.filestore import FileStorage

    write_entry("alpha-practice", body="Triage of referrals.")
    update_index(kb)
    lock = FileStorage(str(kb.index_dir)).lock("write.lock")
    assert lock.acquire()
    try:
        started = time.monotonic()
        with pytest.raises(IndexBusy, match="index busy"):
            update_index(kb)
        assert time.monotonic() - started < 5
        with pytest.raises(IndexBusy, match="index busy"):
            rebuild_index(kb)
        # Readers keep working while a writer holds the lock.
        assert ids(kb, "triage") == ["alpha-practice"]
    finally:
        lock.release()


def test_whoosh_writer_lock_held_gives_index_busy(kb, write_entry: WriteEntry):
    write_entry("alpha-practice", body="Triage of referrals.")
    update_index(kb)
    write_entry("beta-practice", body="Training.")
    ix, _ = open_index(kb)
    writer = ix.writer()
    try:
        with pytest.raises(IndexBusy, match="index busy"):
            update_index(kb)
    finally:
        writer.cancel()
        ix.close()
    assert update_index(kb).added == 1


@pytest.mark.parametrize("damage", ["truncate", "delete-segments", "garbage-pointer", "schema"])
def test_damaged_or_outdated_index_is_reported_then_rebuilt(
    kb, write_entry: WriteEntry, damage: str
):
    write_entry("alpha-practice", body="Triage of referrals.")
    update_index(kb)
    location = kb.index_dir / current_generation(kb)
    if damage == "truncate":
        for f in location.iterdir():
            if f.suffix in (".toc", ".seg"):
                f.write_bytes(f.read_bytes()[:7])
    elif damage == "delete-segments":
        for f in location.iterdir():
            if f.name.endswith((".trm", ".pst", ".seg")):
                f.unlink()
    elif damage == "garbage-pointer":
        (kb.index_dir / POINTER).write_text("{not json", encoding="utf-8")
    else:
        data = json.loads((kb.index_dir / POINTER).read_text())
        data["schema"] = 0
        (kb.index_dir / POINTER).write_text(json.dumps(data))

    with pytest.raises(IndexUnavailable, match=r"practicebase index"):
        Searcher(kb)
    report = update_index(kb)
    assert report.rebuilt and report.note
    assert ids(kb, "triage") == ["alpha-practice"]


def test_missing_index_is_a_clear_message(kb):
    with pytest.raises(IndexUnavailable, match="no search index yet"):
        Searcher(kb)


def test_vocabulary_change_asks_for_a_rebuild(kb, write_entry: WriteEntry):
    write_entry("alpha-practice", body="Triage of referrals.")
    update_index(kb)
    (kb.root / "vocabulary.yaml").write_text("spelling_variants:\n  colour: color\n")
    fresh = KnowledgeBase(kb.root)
    with pytest.raises(IndexUnavailable, match="vocabulary has changed"):
        Searcher(fresh)
    assert update_index(fresh).rebuilt


def test_leftover_partial_generation_is_cleaned_up(kb, write_entry: WriteEntry):
    write_entry("alpha-practice", body="Triage of referrals.")
    update_index(kb)
    junk = kb.index_dir / "gen-deadbeef-1"
    shutil.copytree(kb.index_dir / current_generation(kb), junk)
    rebuild_index(kb)
    assert not junk.exists()
    assert len([p for p in kb.index_dir.iterdir() if p.name.startswith("gen-")]) == 1


def test_index_record_round_trips_and_keeps_its_separator_out() -> None:
    from practicebase.index import IndexedFile, decode_record, encode_record

    record = IndexedFile("gp-referrals", 1_700_000_000_123_456_789, 4096, "ab12", "GP é\x00x", "gp")
    rel, back = decode_record(encode_record("entries/kent/gp-referrals.md", record))
    assert rel == "entries/kent/gp-referrals.md"
    assert back == record._replace(title="GP é\ufffdx")


def _every_posting(kb: KnowledgeBase) -> dict:
    """Every (field, term) -> [(doc id, weight, encoded value)], and every field length."""
    from practicebase.index import open_index

    ix, _generation = open_index(kb)
    with ix.reader() as reader:
        ids = {n: reader.stored_fields(n)["id"] for n in reader.all_doc_ids()}
        postings = {}
        for field, term in reader.all_terms():
            matcher = reader.postings(field, term)
            found = []
            while matcher.is_active():
                found.append((ids[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            postings[(field, term)] = sorted(found)
        lengths = {
            (ids[n], f): reader.doc_field_length(n, f)
            for n in ids
            for f in ("title", "summary", "body", "meta")
        }
    ix.close()
    return {"postings": postings, "lengths": lengths}


def test_fast_indexing_writes_what_whoosh_writes(
    kb, write_entry: WriteEntry, monkeypatch: pytest.MonkeyPatch
):
    """The indexing fast paths (whoosh_internals.install_fast_indexing) against Whoosh's own
    code: the same terms, positions, weights and field lengths, joined acronym terms too."""
    bodies = [
        "Prevent Case Management reviews; the PCM met twice. Radicalisation and radicalization.",
        "Channel panel training for schools, the DSL and the designated safeguarding lead.",
        "Social media, online harms and *emphasis* with [a link](https://example.org/x).",
    ]
    for i in range(12):
        write_entry(f"fast-{i:02d}", body=bodies[i % 3] + f" Entry {i} words word{i}.")
    rebuild_index(kb)
    fast = _every_posting(kb)
    monkeypatch.setenv("PRACTICEBASE_PUBLIC_WHOOSH", "1")
    rebuild_index(kb)
    public = _every_posting(kb)
    assert fast["postings"].keys() == public["postings"].keys()
    assert fast == public
    assert ("body", b"prevent_case_manag") in fast["postings"]


@pytest.mark.parametrize("public", [False, True])
def test_posting_runs_written_in_batches_read_back_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, public: bool
):
    """A writer's postings spilled to sorted runs (batched by practicebase, one by one by
    Whoosh) come back complete and in order, however the runs were written."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.writing import PostingPool

    from practicebase.whoosh_internals import install_fast_indexing

    install_fast_indexing()
    if public:
        monkeypatch.setenv("PRACTICEBASE_PUBLIC_WHOOSH", "1")
    pool = PostingPool(FileStorage(str(tmp_path)), None, limitmb=0.05)
    items = [("body", f"term{n % 977:04d}".encode(), n, 1.0, f"v{n}".encode()) for n in range(9000)]
    for item in items:
        pool.add(item)
    assert len(pool.runs) > 2  # the limit made it spill
    assert list(pool.iter_postings()) == sorted(items)
