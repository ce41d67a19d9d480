"""The bulk scorer's shortcuts give exactly what Whoosh's own matchers give, on a real index.

Ranking reads posting blocks without their values, phrases are checked from decoded
positions, and snippets read character offsets segment by segment: each is compared here
with Whoosh's ordinary matcher over the same index, including a segment with deletions
(whose postings Whoosh filters, so the shortcuts take their general path).
"""

from __future__ import annotations

import pickle
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from search_helpers import entry_text
from whoosh import query
from whoosh.codec.whoosh3 import W3LeafMatcher

from practicebase.index import open_searcher, rebuild_index, update_index
from practicebase.kb import KnowledgeBase
from practicebase.scoring import (
    BulkScorer,
    _block_ids_weights,
    segments,
    term_characters,
    term_docnums,
)

WORDS = [
    "case", "management", "referral", "panel", "channel",
    "schools", "safeguarding", "training", "data", "sharing",
]  # fmt: skip


def _body(rng: random.Random) -> str:
    """Prose where 'case management' sometimes occurs as a phrase, sometimes apart."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(20, 60))]
    if rng.random() < 0.4:
        words.insert(rng.randint(0, len(words)), "case management")
    return " ".join(words) + "."


def _write(kb: KnowledgeBase, number: int, rng: random.Random) -> Path:
    entry_id = f"bulk-{number:04d}"
    path = kb.entries_dir / "kent" / f"{entry_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    title = "Case management clinic" if number % 7 == 0 else f"Practice {number}"
    text = entry_text(entry_id, title=title, force="kent", body=_body(rng))
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def searchers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list]:
    """A Whoosh searcher over 300 entries (several posting blocks per common word), and one
    over the same index after an entry was edited (a segment with a deletion)."""
    root = tmp_path_factory.mktemp("bulk") / "kb"
    (root / "entries").mkdir(parents=True)
    kb = KnowledgeBase(root)
    rng = random.Random(7)
    paths = [_write(kb, number, rng) for number in range(300)]
    rebuild_index(kb)
    ix, _generation, whole = open_searcher(kb)
    paths[5].write_text(
        entry_text("bulk-0005", force="kent", body="case management again. " * 3),
        encoding="utf-8",
    )
    update_index(kb)
    ix2, _generation, edited = open_searcher(kb)
    assert any(sub.reader().has_deletions() for sub, _offset in segments(edited))
    yield [whole, edited]
    for searcher, index in ((whole, ix), (edited, ix2)):
        searcher.close()
        index.close()


def _whoosh_scores(searcher, q) -> dict[int, float]:
    m = q.matcher(searcher, searcher.context())
    found = {}
    while m.is_active():
        found[m.id()] = m.score()
        m.next()
    return found


def _assert_same(bulk: dict[int, float], whoosh: dict[int, float]) -> None:
    assert bulk.keys() == whoosh.keys()
    for docnum, score in whoosh.items():
        assert bulk[docnum] == pytest.approx(score, rel=1e-6)


@pytest.mark.parametrize("which", [0, 1], ids=["whole", "with-deletion"])
@pytest.mark.parametrize("field", ["title", "summary", "body"])
def test_phrase_scores_match_whoosh(searchers: list, which: int, field: str) -> None:
    searcher = searchers[which]
    phrase = query.Phrase(field, ["case", "manag"], boost=1.5)
    bulk = BulkScorer(searcher).query(phrase)
    whoosh = _whoosh_scores(searcher, phrase)
    _assert_same(bulk, whoosh)
    if field == "body":
        assert whoosh, "the corpus holds the phrase in some bodies"
        apart = _whoosh_scores(
            searcher, query.And([query.Term(field, "case"), query.Term(field, "manag")])
        )
        assert len(apart) > len(whoosh), "and both words apart in others"


@pytest.mark.parametrize("which", [0, 1], ids=["whole", "with-deletion"])
def test_three_word_phrase_matches_whoosh(searchers: list, which: int) -> None:
    searcher = searchers[which]
    phrase = query.Phrase("body", ["case", "manag", "referr"])
    _assert_same(BulkScorer(searcher).query(phrase), _whoosh_scores(searcher, phrase))


@pytest.mark.parametrize("which", [0, 1], ids=["whole", "with-deletion"])
def test_term_and_or_scores_match_whoosh(searchers: list, which: int) -> None:
    searcher = searchers[which]
    tree = query.Or(
        [
            query.Term("body", "safeguard", boost=2.0),
            query.Or([query.Term("title", "case"), query.Term("summary", "summari")]),
        ]
    )
    _assert_same(BulkScorer(searcher).query(tree), _whoosh_scores(searcher, tree))


@pytest.mark.parametrize("which", [0, 1], ids=["whole", "with-deletion"])
@pytest.mark.parametrize(("field", "word"), [("body", "case"), ("force", "kent"), ("body", "zzz")])
def test_term_docnums_match_whoosh(searchers: list, which: int, field: str, word: str) -> None:
    searcher = searchers[which]
    expected = set(_whoosh_scores(searcher, query.Term(field, word)))
    assert term_docnums(searcher, field, word) == expected
    assert expected or word == "zzz"


def test_blocks_read_without_values_equal_whoosh_blocks(searchers: list) -> None:
    searcher = searchers[0]
    blocks = 0
    for sub, _offset in searcher.subsearchers if not searcher.is_atomic() else [(searcher, 0)]:
        for word in (b"case", b"safeguard", b"train"):
            fast = sub.reader().postings("body", word)
            slow = sub.reader().postings("body", word)
            assert isinstance(fast, W3LeafMatcher)
            while fast.is_active():
                ids, weights = _block_ids_weights(fast)
                slow._read_ids()
                slow._read_weights()
                assert list(ids) == list(slow._ids)
                assert list(weights) == list(slow._weights)
                fast._next_block()
                slow._next_block()
                blocks += 1
            assert not slow.is_active()
    assert blocks > 3, "posting lists of more than one block were compared"


@pytest.mark.parametrize("which", [0, 1], ids=["whole", "with-deletion"])
def test_term_characters_match_whoosh(searchers: list, which: int) -> None:
    searcher = searchers[which]
    docnums = sorted(_whoosh_scores(searcher, query.Term("body", "case")))[::9]
    found = term_characters(searcher, "body", "case", docnums)
    m = searcher.postings("body", "case")
    expected = {}
    for docnum in docnums:
        m.skip_to(docnum)
        expected[docnum] = m.value_as("characters")
    assert found == expected


def test_memory_reader_reads_as_bytesio_does() -> None:
    from io import BytesIO

    from practicebase.whoosh_files import MemoryReader

    data = bytes(random.Random(3).randrange(256) for _ in range(3000)) + b"\nlast line"
    ours, theirs = MemoryReader(memoryview(data)), BytesIO(data)
    for step in (0, 5, 1, 700, -1):
        assert ours.read(step) == theirs.read(step)
        assert ours.tell() == theirs.tell()
        assert ours.seek(step % 37) == theirs.seek(step % 37)
        assert ours.readline() == theirs.readline()
        assert ours.readline(3) == theirs.readline(3)
    assert ours.peek(9) == theirs.getvalue()[ours.tell() : ours.tell() + 9]
    assert ours.read(2) == theirs.read(2)
    assert ours.seek(-4, 2) == theirs.seek(-4, 2)
    assert ours.read() == theirs.read() == b"line"
    assert ours.read(10) == theirs.read(10) == b""
    ours.seek(0)
    theirs.seek(0)
    assert list(ours) == list(theirs)
    pickled = pickle.dumps([(1, 2.5, "x")] * 40, 2) * 3
    reader = MemoryReader(memoryview(pickled))
    assert [pickle.load(reader) for _ in range(3)] == [[(1, 2.5, "x")] * 40] * 3
    assert reader.tell() == len(pickled)
