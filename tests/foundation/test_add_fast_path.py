"""`add` takes existing ids and titles from the search index, and stays right when it is stale.

The index only vouches for files whose mtime and size it recorded; every other file (added or
edited behind its back, invalid, or all of them without an index) is read.
"""

from __future__ import annotations

import os
import subprocess
import sys

from foundation_helpers import entry_text, tree_digest, without_added_line

from practicebase.index import check_index, index_records, update_index
from practicebase.kb import KnowledgeBase
from practicebase.store import entry_files, existing_ids, stored_id


def _full_read_ids(kb: KnowledgeBase) -> dict:
    """The ids every file holds, read from the files themselves (what the index stands for)."""
    ids: dict = {}
    for path in entry_files(kb):
        ids.setdefault(stored_id(path).casefold(), path)
    return ids


def _indexed_kb(cli, kb, write_entry) -> KnowledgeBase:
    """A knowledge base with two entries and an up-to-date index."""
    for entry_id, force in (("alpha-practice", "kent"), ("beta-practice", "essex")):
        src = write_entry(f"{entry_id}.md", id=entry_id, title=f"{entry_id} work", force=force)
        assert cli("--root", kb, "add", src).code == 0
    assert cli("--root", kb, "index").code == 0
    knowledge_base = KnowledgeBase(kb)
    assert check_index(knowledge_base).up_to_date
    return knowledge_base


def test_id_added_behind_the_index_in_other_case_and_file_name_is_refused(cli, kb, write_entry):
    knowledge_base = _indexed_kb(cli, kb, write_entry)
    hidden = kb / "entries" / "kent" / "renamed-copy.md"
    hidden.write_text(entry_text("md", id="School-Liaison-Pilot", force="kent"))
    assert check_index(knowledge_base).added == 1  # the index does not know it
    before = tree_digest(kb)
    run = cli("--root", kb, "add", write_entry())
    assert run.code == 1
    assert "already exists in entries/kent/renamed-copy.md" in run.out
    assert tree_digest(kb) == before


def test_id_edited_into_an_indexed_file_behind_the_index_is_refused(cli, kb, write_entry):
    knowledge_base = _indexed_kb(cli, kb, write_entry)
    edited = kb / "entries" / "kent" / "alpha-practice.md"
    edited.write_text(entry_text("md", id="SCHOOL-liaison-pilot", force="kent"))
    assert check_index(knowledge_base).changed == 1
    before = tree_digest(kb)
    run = cli("--root", kb, "add", write_entry())
    assert run.code == 1
    assert "already exists in entries/kent/alpha-practice.md" in run.out
    assert tree_digest(kb) == before


def test_id_freed_behind_the_index_can_be_added(cli, kb, write_entry):
    """A file the index holds, removed since, no longer blocks its id."""
    _indexed_kb(cli, kb, write_entry)
    (kb / "entries" / "kent" / "alpha-practice.md").unlink()
    src = write_entry("alpha-practice.md", id="alpha-practice", title="Alpha again", force="kent")
    run = cli("--root", kb, "add", src)
    assert run.code == 0, run.out
    filed = (kb / "entries" / "kent" / "alpha-practice.md").read_bytes()
    assert without_added_line(filed) == src.read_bytes()


def test_ids_from_the_index_match_a_full_read(cli, kb, write_entry):
    knowledge_base = _indexed_kb(cli, kb, write_entry)
    # Invalid files are not in the index; they still hold their ids.
    (kb / "entries" / "kent" / "broken.md").write_text("---\nid: Broken-One\n---\nno title\n")
    (kb / "entries" / "essex" / "Gamma.yaml").write_text("not: [valid")
    records = index_records(knowledge_base)
    assert records is not None
    ids = existing_ids(knowledge_base, indexed=records)
    assert ids == _full_read_ids(knowledge_base)
    assert {"alpha-practice", "beta-practice", "broken-one", "gamma"} <= set(ids)


def test_add_without_an_index_works_and_refuses_clashes(cli, kb, write_entry):
    first = write_entry("alpha-practice.md", id="alpha-practice", force="kent")
    assert cli("--root", kb, "add", first).code == 0
    assert not (kb / "index").exists()
    (kb / "entries" / "essex").mkdir()
    (kb / "entries" / "essex" / "odd-name.md").write_text(
        entry_text("md", id="School-Liaison-PILOT", force="essex")
    )
    knowledge_base = KnowledgeBase(kb)
    assert index_records(knowledge_base) is None
    assert existing_ids(knowledge_base) == _full_read_ids(knowledge_base)
    run = cli("--root", kb, "add", write_entry())
    assert run.code == 1
    assert "already exists in entries/essex/odd-name.md" in run.out
    second = write_entry("beta-practice.md", id="beta-practice", force="kent")
    assert cli("--root", kb, "add", second).code == 0
    assert (kb / "entries" / "kent" / "beta-practice.md").is_file()
    assert not (kb / "index").exists()


def test_index_records_follow_each_commit(cli, kb, write_entry):
    knowledge_base = _indexed_kb(cli, kb, write_entry)
    assert set(index_records(knowledge_base)) == {
        "entries/kent/alpha-practice.md",
        "entries/essex/beta-practice.md",
    }
    (kb / "entries" / "essex" / "gamma-practice.md").write_text(
        entry_text("md", id="gamma-practice", title="Gamma work", force="essex")
    )
    update_index(knowledge_base)
    records = index_records(knowledge_base)
    assert records["entries/essex/gamma-practice.md"].id == "gamma-practice"
    assert records["entries/essex/gamma-practice.md"].title == "Gamma work"


def test_duplicate_warning_from_the_index_names_the_existing_file(cli, kb, write_entry):
    _indexed_kb(cli, kb, write_entry)
    src = write_entry("alpha-copy.md", id="alpha-copy", title="alpha-practice work", force="kent")
    run = cli("--root", kb, "add", src)
    assert run.code == 0, run.out
    assert (
        "very similar to existing entry 'alpha-practice' (entries/kent/alpha-practice.md): "
        "same title"
    ) in run.out


def test_add_as_a_process_imports_no_markdown_or_textual(kb, write_entry):
    code = (
        "import sys\n"
        "from practicebase.cli import main\n"
        f"status = main(['--root', {str(kb)!r}, 'add', {str(write_entry())!r}])\n"
        "loaded = sorted(m for m in ('markdown', 'textual', 'rich') if m in sys.modules)\n"
        "print('loaded:', loaded)\n"
        "sys.exit(status)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "loaded: []" in proc.stdout


def _index_ids(knowledge_base: KnowledgeBase) -> list[str]:
    """Every live document's id, read afresh from the index (duplicates kept)."""
    from practicebase.index import open_index

    ix, _generation = open_index(knowledge_base)
    try:
        with ix.searcher() as searcher:
            return sorted(fields["id"] for fields in searcher.all_stored_fields())
    finally:
        ix.close()


def test_update_after_a_commit_by_another_process_uses_the_new_state(cli, kb, write_entry):
    knowledge_base = _indexed_kb(cli, kb, write_entry)
    assert index_records(knowledge_base) is not None  # this process has read the columns
    # Another process adds an entry and commits to the index meanwhile.
    other = write_entry("gamma-practice.md", id="gamma-practice", title="Gamma work", force="kent")
    proc = subprocess.run(
        [sys.executable, "-m", "practicebase", "--root", str(kb), "add", str(other)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # This process then replaces that entry: the update must see the other commit, or the
    # old document would stay beside the new one.
    changed = write_entry(
        "gamma-practice.md", id="gamma-practice", title="Gamma work, revised", force="kent"
    )
    assert cli("--root", kb, "add", "--replace", changed).code == 0
    assert _index_ids(knowledge_base) == ["alpha-practice", "beta-practice", "gamma-practice"]
    assert index_records(knowledge_base)["entries/kent/gamma-practice.md"].title == (
        "Gamma work, revised"
    )
    assert check_index(knowledge_base).up_to_date


def test_adds_in_one_process_keep_the_index_exact(cli, kb, write_entry):
    knowledge_base = _indexed_kb(cli, kb, write_entry)
    for n in range(3):
        src = write_entry(f"extra-{n}.md", id=f"extra-{n}", title=f"Extra {n} work", force="kent")
        run = cli("--root", kb, "add", src)
        assert run.code == 0, run.out
        assert "index updated: +1 ~0 -0" in run.out
    expected = ["alpha-practice", "beta-practice", "extra-0", "extra-1", "extra-2"]
    assert _index_ids(knowledge_base) == expected
    assert check_index(knowledge_base).up_to_date


def test_searcher_after_reading_the_columns_sees_the_current_index(cli, kb, write_entry):
    from practicebase.search import Searcher

    knowledge_base = _indexed_kb(cli, kb, write_entry)
    assert index_records(knowledge_base) is not None  # leaves a reader the next searcher may use
    searcher = Searcher(knowledge_base)
    try:
        assert sorted(entry_id for entry_id, _title in searcher.titles()) == [
            "alpha-practice",
            "beta-practice",
        ]
    finally:
        searcher.close()
    assert index_records(knowledge_base) is not None
    (kb / "entries" / "essex" / "gamma-practice.md").write_text(
        entry_text("md", id="gamma-practice", title="Gamma work", force="essex")
    )
    update_index(knowledge_base)  # a commit after the read: the spare reader is out of date
    searcher = Searcher(knowledge_base)
    try:
        assert "gamma-practice" in {entry_id for entry_id, _title in searcher.titles()}
    finally:
        searcher.close()
