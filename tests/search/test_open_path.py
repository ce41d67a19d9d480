"""Opening an index: the terms files' directories read in one go (`use_lazy_buffers`) give
the hash readers Whoosh's own `HashReader.__init__` gives, on every segment of a real index,
and searches find the same entries either way."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from whoosh.filedb import filetables

sys.path.insert(0, str(Path(__file__).parent))

from search_helpers import entry_text  # noqa: E402

from practicebase import whoosh_internals  # noqa: E402
from practicebase.index import open_searcher, rebuild_index, update_index  # noqa: E402
from practicebase.kb import KnowledgeBase  # noqa: E402
from practicebase.search import Searcher, SearchRequest  # noqa: E402

ORIGINAL = whoosh_internals._ORIGINAL_HASH_READER_INIT


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    """A knowledge base indexed in three segments: a rebuild and two updates."""
    kb = KnowledgeBase(tmp_path / "kb")
    words = ["referral", "panel", "channel", "schools", "safeguarding", "training", "data"]

    def write(number: int, body: str) -> None:
        path = kb.entries_dir / "kent" / f"entry-{number:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = entry_text(f"entry-{number:03d}", force="kent", body=body)
        path.write_text(text, encoding="utf-8")

    for number in range(60):
        write(number, " ".join(words[(number + i) % len(words)] for i in range(30)) + ".")
    rebuild_index(kb)
    write(3, "Case management for referrals, edited.")
    update_index(kb)
    write(70, "A new entry on youth mentoring and case management.")
    update_index(kb)
    return kb


def _terms_files(kb: KnowledgeBase) -> list[tuple]:
    ix, _generation, searcher = open_searcher(kb)
    found = []
    for segment in ix._segments():
        storage = segment.open_compound_file(ix.storage) if segment.is_compound() else ix.storage
        name = segment.make_filename(".trm")
        found.append((storage, name, storage.file_length(name)))
    searcher.close()
    return found


def test_terms_directory_read_at_once_equals_whoosh(kb: KnowledgeBase) -> None:
    files = _terms_files(kb)
    assert len(files) == 3
    for storage, name, length in files:
        ours = filetables.OrderedHashReader.__new__(filetables.OrderedHashReader)
        whoosh_internals._hash_reader_init(ours, storage.open_file(name), length)
        theirs = filetables.OrderedHashReader.__new__(filetables.OrderedHashReader)
        ORIGINAL(theirs, storage.open_file(name), length)
        for attribute in ("tables", "extras", "startofdata", "endofdata", "hashtype"):
            assert getattr(ours, attribute) == getattr(theirs, attribute), attribute
        assert ours.dbfile.tell() == theirs.dbfile.tell()
        assert list(ours.items()) == list(theirs.items())
        assert list(ours.items())  # the segment holds terms


def test_searches_equal_on_both_paths(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    def results() -> list:
        with Searcher(kb) as searcher:
            found = []
            for text in ("referral", "case management", "mentoring", "safeguarding -mentoring"):
                result = searcher.search(SearchRequest(text=text, limit=100))
                found.append([(h.id, h.score, h.snippet) for h in result.hits])
            return found

    private = results()
    assert filetables.HashReader.__init__ is whoosh_internals._hash_reader_init
    monkeypatch.setenv("PRACTICEBASE_PUBLIC_WHOOSH", "1")
    public = results()
    assert filetables.HashReader.__init__ is ORIGINAL
    monkeypatch.delenv("PRACTICEBASE_PUBLIC_WHOOSH")
    assert private == public and all(private)
