"""Concurrency: simultaneous adds, searches during a rebuild, and a held index lock."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from hardening_harness import (
    assert_clean_run,
    copy_kb,
    make_kb,
    run_cli,
    start_cli,
    without_added_line,
    write_entry,
)

from practicebase.kb import KnowledgeBase
from practicebase.search import Searcher, SearchRequest
from practicebase.store import is_entry_name

EVERYONE = "practice managers"


def finish(process: subprocess.Popen, timeout: float = 30) -> tuple[int, str]:
    out, err = process.communicate(timeout=timeout)
    text = (out + err).decode("utf-8", "replace")
    assert "Traceback" not in text, text
    return process.returncode, text


def searchable_ids(kb: Path) -> set[str]:
    searcher = Searcher(KnowledgeBase(kb))
    try:
        result = searcher.search(SearchRequest(text=EVERYONE, limit=1000, with_facets=False))
        return {hit.id for hit in result.hits}
    finally:
        searcher.close()


def entry_files_with_id(kb: Path, entry_id: str) -> list[Path]:
    return [p for p in (kb / "entries").rglob("*") if is_entry_name(p.name) and p.stem == entry_id]


@pytest.mark.parametrize("round_", range(3))
def test_two_adds_of_different_entries_both_land(base_kb: Path, tmp_path: Path, round_: int):
    kb = copy_kb(base_kb, tmp_path / "kb")
    sources = {
        name: write_entry(tmp_path / "inbox" / name / f"{name}.md", name, force=force)
        for name, force in (("together-one", "kent"), ("together-two", "kent"))
    }
    processes = {name: start_cli(kb, "add", path) for name, path in sources.items()}
    results = {name: finish(p) for name, p in processes.items()}
    for name, (code, text) in results.items():
        assert code == 0, text
        (stored,) = entry_files_with_id(kb, name)
        assert without_added_line(stored.read_bytes()) == sources[name].read_bytes()
    found = searchable_ids(kb)
    for name, (_code, text) in results.items():
        # Searchable at once, or the add said truthfully that the index will catch up.
        assert name in found or "busy" in text, text
    index = run_cli(kb, "index")
    assert_clean_run(index)
    assert set(sources) <= searchable_ids(kb)


@pytest.mark.parametrize("forces", [("kent", "kent"), ("kent", "essex")], ids=["same", "moved"])
def test_same_id_at_once_exactly_one_wins(base_kb: Path, tmp_path: Path, forces: tuple[str, str]):
    kb = copy_kb(base_kb, tmp_path / "kb")
    sources = [
        write_entry(
            tmp_path / f"inbox-{n}" / "contested-id.md",
            "contested-id",
            force=force,
            title=f"Contender {n}",
        )
        for n, force in enumerate(forces)
    ]
    processes = [start_cli(kb, "add", path) for path in sources]
    results = [finish(p) for p in processes]
    codes = sorted(code for code, _text in results)
    assert codes == [0, 1], results
    loser_text = next(text for code, text in results if code == 1)
    assert "contested-id" in loser_text and "exist" in loser_text, loser_text
    (stored,) = entry_files_with_id(kb, "contested-id")
    winner = sources[[code for code, _t in results].index(0)]
    assert without_added_line(stored.read_bytes()) == winner.read_bytes()


@pytest.fixture(scope="module")
def large_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough entries that a rebuild takes long enough to search during it."""
    entries = {
        f"bulk-{n:04d}": {
            "title": f"Bulk entry {n}",
            "force": ("kent", "essex", "durham", "lancashire")[n % 4],
            "problem": f"Bulk problem {n}: referrals waited {n % 17} weeks for triage.",
        }
        for n in range(400)
    }
    kb = make_kb(tmp_path_factory.mktemp("large") / "kb", entries)
    run = run_cli(kb, "index", timeout=120)
    assert_clean_run(run)
    return kb


@pytest.mark.slow
def test_search_during_rebuild_always_answers_from_a_complete_index(large_kb: Path):
    expected = searchable_ids(large_kb)
    assert len(expected) == 400
    index = large_kb / "index"
    long_lived = Searcher(KnowledgeBase(large_kb))
    rebuild = start_cli(large_kb, "index", "--rebuild")
    answers = during_build = 0
    try:
        while rebuild.poll() is None:
            building = len(list(index.glob("gen-*"))) > 1  # the new generation is being written
            long_lived.refresh()
            result = long_lived.search(SearchRequest(text=EVERYONE, limit=1000, with_facets=False))
            assert {hit.id for hit in result.hits} == expected
            assert searchable_ids(large_kb) == expected
            answers += 1
            during_build += building
        code, text = finish(rebuild)
        assert code == 0, text
    finally:
        long_lived.close()
        if rebuild.poll() is None:
            rebuild.kill()
    assert during_build >= 1, f"no search overlapped the build ({answers} searches in all)"
    long_lived = Searcher(KnowledgeBase(large_kb))
    try:
        assert long_lived.search(SearchRequest(text=EVERYONE, limit=1000)).total == 400
    finally:
        long_lived.close()


HOLD_LOCK = """
import sys
from whoosh.filedb.filestore import FileStorage
lock = FileStorage(sys.argv[1]).lock("write.lock")
assert lock.acquire(blocking=False)
print("held", flush=True)
sys.stdin.read()
"""


def test_held_lock_gives_index_busy_quickly(base_kb: Path, tmp_path: Path):
    kb = copy_kb(base_kb, tmp_path / "kb")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(kb / "index")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        for args in (("index",), ("index", "--rebuild")):
            started = time.monotonic()
            run = run_cli(kb, *args)
            assert_clean_run(run)
            assert run.returncode not in (0, None), run.describe()
            assert "index busy" in run.text, run.describe()
            assert time.monotonic() - started < 6, "index busy took too long to say"
            assert len(run.text.strip().splitlines()) <= 3, run.describe()
        # Readers keep working while a writer holds the lock.
        search = run_cli(kb, "search", "referrals")
        assert_clean_run(search)
        assert search.returncode == 0, search.describe()
        # An add files the entry and says the index will catch up.
        new = write_entry(tmp_path / "inbox" / "while-locked.md", "while-locked")
        add = run_cli(kb, "add", new)
        assert_clean_run(add)
        assert add.returncode == 0, add.describe()
        assert "busy" in add.text, add.describe()
        assert entry_files_with_id(kb, "while-locked")
    finally:
        holder.communicate(b"", timeout=10)
    index = run_cli(kb, "index")
    assert_clean_run(index)
    assert index.returncode == 0, index.describe()
    assert "while-locked" in searchable_ids(kb)
