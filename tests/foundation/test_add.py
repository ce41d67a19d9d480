"""`practicebase add`: filing entries atomically, refusing clashes, never touching others."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from foundation_helpers import entry_text, run_subprocess, tree_digest, without_added_line

from practicebase.kb import KnowledgeBase
from practicebase.store import (
    TEMP_PREFIX,
    add_file,
    entry_files,
    existing_ids,
    stored_id,
    sweep_temp_files,
)


def test_valid_file_from_outside_is_filed_under_its_force(cli, kb, write_entry):
    src = write_entry()
    run = cli("--root", kb, "add", src)
    assert run.code == 0, run.out
    dest = kb / "entries" / "west-midlands" / "school-liaison-pilot.md"
    assert without_added_line(dest.read_bytes()) == src.read_bytes()
    assert f"added         {dest}  (from {src})" in run.out
    assert run.out.rstrip().endswith("1 added, 0 failed")
    assert cli("--root", kb, "validate").code == 0


def test_second_add_of_the_same_id_is_refused_and_leaves_the_first(cli, kb, write_entry):
    first = write_entry()
    assert cli("--root", kb, "add", first).code == 0
    before = tree_digest(kb)
    second = write_entry("other-name.md", title="A different write-up", force="kent")
    assert "school-liaison-pilot" in second.read_text()
    run = cli("--root", kb, "add", second)
    assert run.code == 1
    assert (
        "error: id: an entry with id `school-liaison-pilot` already exists in "
        "entries/west-midlands/school-liaison-pilot.md; use --replace to replace it"
    ) in run.out
    assert "0 added, 1 failed" in run.out
    assert tree_digest(kb) == before


def test_ids_differing_only_in_case_clash(cli, kb, write_entry):
    (kb / "entries" / "kent").mkdir()
    (kb / "entries" / "kent" / "School-Liaison-Pilot.md").write_text("not even valid")
    before = tree_digest(kb)
    run = cli("--root", kb, "add", write_entry())
    assert run.code == 1
    assert "already exists in entries/kent/School-Liaison-Pilot.md" in run.out
    assert tree_digest(kb) == before


def test_refused_add_changes_nothing(cli, kb, write_entry):
    cli("--root", kb, "add", write_entry("keep-me.md", id=None))
    before = tree_digest(kb)
    run = cli("--root", kb, "add", write_entry(title=None, id="'../../escape'"))
    assert run.code == 1
    assert "title: required field is missing" in run.out
    assert "`../../escape` is not a valid id" in run.out
    assert tree_digest(kb) == before
    assert not (kb.parent / "escape.md").exists()


def test_valid_files_are_added_even_when_others_fail(cli, kb, write_entry):
    good = write_entry("good-entry.md", id=None)
    bad = write_entry("bad-entry.md", id=None, stage="tested")
    run = cli("--root", kb, "add", bad, good)
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0].startswith("failed") and str(bad) in lines[0]
    assert "stage: unknown value `tested`" in lines[1]
    assert lines[2].startswith("added") and "good-entry.md" in lines[2]
    assert lines[-1] == "1 added, 1 failed"
    assert (kb / "entries" / "west-midlands" / "good-entry.md").is_file()
    assert not (kb / "entries" / "west-midlands" / "bad-entry.md").exists()


def test_a_folder_adds_every_entry_in_it_and_clashes_within_the_call(cli, kb, outside, write_entry):
    write_entry("a-one.md", id=None, force="kent")
    write_entry("b-two.yml", id=None, force="[Sussex Police, kent]")
    write_entry("c-three.md", id="a-one")
    (outside / "README.md").write_text("not an entry")
    (outside / "notes.txt").write_text("not an entry")
    run = cli("--root", kb, "add", outside)
    assert run.code == 1
    assert (kb / "entries" / "kent" / "a-one.md").is_file()
    assert (kb / "entries" / "sussex" / "b-two.yaml").is_file()  # .yml filed as .yaml
    assert "an entry with id `a-one` already exists in entries/kent/a-one.md" in run.out
    assert "2 added, 1 failed" in run.out


def test_dry_run_checks_clashes_within_the_call(cli, kb, write_entry):
    first = write_entry("one/school-liaison-pilot.md")
    second = write_entry("two/school-liaison-pilot.md", force="kent")
    run = cli("--root", kb, "add", "--dry-run", first, second)
    assert run.code == 1
    assert "would add" in run.out
    assert "already exists in entries/west-midlands/school-liaison-pilot.md" in run.out


def test_dry_run_writes_nothing(cli, kb, write_entry):
    before = tree_digest(kb)
    run = cli("--root", kb, "add", "--dry-run", write_entry())
    assert run.code == 0
    assert "would add" in run.out
    assert "entries/west-midlands/school-liaison-pilot.md" in run.out
    assert "nothing was written" in run.out
    assert tree_digest(kb) == before


def test_replace_moves_an_entry_to_its_new_force(cli, kb, write_entry):
    assert cli("--root", kb, "add", write_entry()).code == 0
    new = write_entry("school-liaison-pilot.yaml", force="kent", title="Updated")
    run = cli("--root", kb, "add", "--replace", new)
    assert run.code == 0, run.out
    assert "replaced" in run.out
    assert "removed" in run.out
    assert not (kb / "entries" / "west-midlands" / "school-liaison-pilot.md").exists()
    filed = (kb / "entries" / "kent" / "school-liaison-pilot.yaml").read_bytes()
    assert without_added_line(filed) == new.read_bytes()
    assert "0 added, 1 replaced, 0 failed" in run.out


def test_replace_in_place(cli, kb, write_entry):
    assert cli("--root", kb, "add", write_entry()).code == 0
    new = write_entry(title="Updated title")
    assert cli("--root", kb, "add", "--replace", new).code == 0
    stored = kb / "entries" / "west-midlands" / "school-liaison-pilot.md"
    assert without_added_line(stored.read_bytes()) == new.read_bytes()
    assert [p.name for p in entry_files(KnowledgeBase(kb))] == ["school-liaison-pilot.md"]


def test_replace_never_overwrites_a_file_holding_another_entry(cli, kb, write_entry):
    folder = kb / "entries" / "west-midlands"
    folder.mkdir()
    (folder / "school-liaison-pilot.md").write_text(entry_text(id="something-else"))
    before = tree_digest(kb)
    run = cli("--root", kb, "add", "--replace", write_entry())
    assert run.code == 1
    assert "already exists and holds a different entry" in run.out
    assert tree_digest(kb) == before


def test_symlinked_force_folder_is_not_written_through(cli, kb, write_entry, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (kb / "entries" / "west-midlands").symlink_to(elsewhere, target_is_directory=True)
    run = cli("--root", kb, "add", write_entry())
    assert run.code == 1
    assert "is a symbolic link; refusing to write through it" in run.out
    assert list(elsewhere.iterdir()) == []


def test_add_api_outcome_and_no_temp_files_left(kb, write_entry):
    knowledge_base = KnowledgeBase(kb)
    outcome = add_file(knowledge_base, write_entry())
    assert outcome.status == "added"
    assert outcome.entry is not None and outcome.entry.id == "school-liaison-pilot"
    names = [p.name for p in (kb / "entries").rglob("*")]
    assert not [n for n in names if n.startswith(TEMP_PREFIX)]
    assert existing_ids(knowledge_base) == {"school-liaison-pilot": outcome.destination}


def test_temp_files_of_killed_adds_are_never_entries_and_are_swept(kb, write_entry):
    folder = kb / "entries" / "kent"
    folder.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = folder / f"{TEMP_PREFIX}{dead.pid}-abc.part"
    stale.write_text(entry_text())
    mine = folder / f"{TEMP_PREFIX}{os.getpid()}-abc.part"
    mine.write_text("in progress")
    knowledge_base = KnowledgeBase(kb)
    assert entry_files(knowledge_base) == []
    assert sweep_temp_files(knowledge_base) == 1
    assert not stale.exists()
    assert mine.exists()  # a live process's temp file is left alone


def test_two_processes_adding_the_same_id_at_once_exactly_one_wins(kb, write_entry):
    first = write_entry("one/school-liaison-pilot.md")
    second = write_entry("two/school-liaison-pilot.md", force="kent")
    command = [sys.executable, "-m", "practicebase", "--root", str(kb), "add"]
    procs = [
        subprocess.Popen([*command, str(src)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for src in (first, second)
    ]
    results = [
        (p.wait(timeout=30), p.stdout.read().decode(), p.stderr.read().decode()) for p in procs
    ]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    files = entry_files(KnowledgeBase(kb))
    assert len(files) == 1
    assert all("Traceback" not in out + err for _, out, err in results)


def test_two_processes_adding_different_entries_both_land(kb, write_entry):
    first = write_entry("first-entry.md", id=None)
    second = write_entry("second-entry.md", id=None)
    command = [sys.executable, "-m", "practicebase", "--root", str(kb), "add"]
    procs = [
        subprocess.Popen([*command, str(src)], stdout=subprocess.DEVNULL) for src in (first, second)
    ]
    assert [p.wait(timeout=30) for p in procs] == [0, 0]
    assert len(entry_files(KnowledgeBase(kb))) == 2


def test_add_as_a_subprocess(kb, write_entry):
    run = run_subprocess("--root", kb, "add", write_entry())
    assert run.code == 0
    assert "1 added, 0 failed" in run.out
    again = run_subprocess("--root", kb, "add", write_entry())
    assert again.code == 1
    assert "already exists" in again.out


def test_add_needs_a_knowledge_base(cli, tmp_path, write_entry, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PRACTICEBASE_ROOT", raising=False)
    run = cli("add", write_entry())
    assert run.code == 2
    assert "no knowledge base found" in run.err


def test_add_updates_an_existing_search_index(cli, kb, write_entry):
    from practicebase.index import rebuild_index

    knowledge_base = KnowledgeBase(kb)
    rebuild_index(knowledge_base)
    run = cli("--root", kb, "add", write_entry())
    assert run.code == 0, run.text
    assert "index updated: +1" in run.out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\nid: plain-id\ntitle: x\n---\nbody", "plain-id"),
        ("\ufeff---\r\nid: 'quoted-id'  # note\r\n---\r\n", "quoted-id"),
        ('---\ntitle: x\nid: "double-id"\n---\n', "double-id"),
        ("---\ntitle: x\n---\nid: in-the-body\n", "the-stem"),
        ("---\ntitle: |\n  id: in-a-block\n---\n", "the-stem"),
        ("---\n{id: flow-id, title: x}\n---\n", "flow-id"),
        ("---\n'id': key-quoted\n---\n", "key-quoted"),
        ("---\nid: first\nid: second\n---\n", "the-stem"),  # duplicate keys: unreadable
        ("---\nid: Upper-Case\n---\n", "Upper-Case"),
        ("no front matter\nid: x\n", "the-stem"),
    ],
)
def test_stored_id_matches_a_full_read(tmp_path, text, expected):
    path = tmp_path / "the-stem.md"
    path.write_text(text, encoding="utf-8", newline="")
    assert stored_id(path) == expected


def test_add_with_a_busy_index_still_adds(cli, kb, write_entry):
    from whoosh.filedb.filestore import FileStorage

    from practicebase import index

    index.rebuild_index(KnowledgeBase(kb))
    lock = FileStorage(str(kb / "index")).lock(index.LOCK_NAME)
    assert lock.acquire(blocking=False)
    try:
        run = cli("--root", kb, "add", write_entry())
    finally:
        lock.release()
    assert run.code == 0, run.text
    assert "search index is busy and will catch up on the next `practicebase index`" in run.out
    assert (kb / "entries" / "west-midlands" / "school-liaison-pilot.md").is_file()
    assert "+1" in cli("--root", kb, "index").out


def test_a_batch_of_near_copies_prints_three_warnings_per_file_and_one_summary(
    cli, kb, write_entry, outside
):
    batch = outside / "batch"
    for n in range(20):
        write_entry(f"copy-{n:02}.md", folder=batch, id=f"school-liaison-copy-{n:02}")
    run = cli("--root", kb, "add", batch)
    assert run.code == 0, run.out
    lines = run.out.splitlines()
    assert lines[-1] == "20 added, 0 failed, 20 with warnings"
    assert sum(line.startswith("added ") for line in lines) == 20
    blocks = "\n".join(lines[:-1]).split("\nadded ")
    for block in blocks:
        similar = [line for line in block.splitlines() if "very similar to existing entry" in line]
        assert 1 <= len(similar) <= 3, block
    assert sum("... and 16 more entries look similar" in line for line in lines) >= 15
    assert len(lines) <= 20 * 5 + 1


def test_quiet_prints_only_files_with_problems_and_the_summary(cli, kb, write_entry, outside):
    clean = write_entry("clean.md")
    bad = write_entry("bad.md", id="bad-one", stage="maybe")
    run = cli("--root", kb, "add", "--quiet", clean, bad)
    assert run.code == 1
    assert "clean.md" not in run.out
    assert "bad.md" in run.out and "error: stage" in run.out
    assert run.out.splitlines()[-1].startswith("1 added, 1 failed")


def test_summary_and_app_toast_say_one_file_in_the_singular():
    from practicebase.actions import plural

    assert plural(1, "entry file") == "1 entry file"
    assert plural(2, "entry file") == "2 entry files"
