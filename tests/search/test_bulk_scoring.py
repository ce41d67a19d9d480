"""The bulk scorer gives exactly what Whoosh's own matchers give, on a real index, both with
the private shortcuts of `practicebase.whoosh_internals` and on the public path
(PRACTICEBASE_PUBLIC_WHOOSH=1).

Ranking reads posting blocks without their values, phrases are checked from decoded
positions, and snippets read character offsets segment by segment: each is compared here
with Whoosh's ordinary matcher over the same index, including a segment with deletions.
"""

from __future__ import annotations

import pickle
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from search_helpers import entry_text
from whoosh import query

from practicebase import whoosh_internals
from practicebase.index import open_searcher, rebuild_index, update_index
from practicebase.kb import KnowledgeBase
from practicebase.search import ranking
from practicebase.search.ranking import (
    BulkScorer,
    RankingWeighting,
    ScoreCache,
    segments,
    term_docnums,
)
from practicebase.search.snippets import Snippets
from practicebase.whoosh_internals import MemoryReader, postings_blocks


@pytest.fixture(autouse=True, params=["private", "public"])
def whoosh_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs on both paths of the fenced module."""
    if request.param == "public":
        monkeypatch.setenv("PRACTICEBASE_PUBLIC_WHOOSH", "1")
    else:
        monkeypatch.delenv("PRACTICEBASE_PUBLIC_WHOOSH", raising=False)
    assert whoosh_internals.private_allowed() == (request.param == "private")
    return request.param


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
    ix, _generation, opened = open_searcher(kb)
    whole = opened.__class__(opened.reader(), fromindex=ix, weighting=RankingWeighting())
    paths[5].write_text(
        entry_text("bulk-0005", force="kent", body="case management again. " * 3),
        encoding="utf-8",
    )
    update_index(kb)
    ix2, _generation, opened = open_searcher(kb)
    edited = opened.__class__(opened.reader(), fromindex=ix2, weighting=RankingWeighting())
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
def test_units_packed_out_of_the_cache_score_as_before(searchers: list, which: int) -> None:
    """Words and units pushed out of the scorer's hot cache come back packed, the very same
    scores; past the packed limit they are scored again."""
    searcher = searchers[which]
    fields = ("title", "summary", "body")
    words = [
        query.Or([query.Term(f, w, boost=b) for f, b in zip(fields, (3.0, 2.0, 1.0), strict=True)])
        for w in ("case", "safeguard", "train", "referr")
    ]
    units = [*words, query.Or([words[0], query.Term("body", "panel", boost=0.5)])]
    roomy = BulkScorer(searcher)
    expected = [roomy.query(unit) for unit in units]
    tight = BulkScorer(searcher)
    tight._units = ScoreCache(hot=1, packed=2 * max(map(len, expected)))
    for _ in range(3):
        assert [tight.query(unit) for unit in units] == expected
    assert tight._units._packed, "some came back packed"


@pytest.mark.parametrize("which", [0, 1], ids=["whole", "with-deletion"])
def test_terms_scored_straight_into_a_unit_score_as_cached_terms_do(
    searchers: list, which: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A compound unit's terms of many postings are scored straight into its sum: the
    same scores, to the bit, as from each term's own cached dict."""
    searcher = searchers[which]

    def word(text: str, boost: float) -> query.Or:
        fields = (("title", 3.0), ("summary", 2.0), ("body", 1.0))
        return query.Or([query.Term(f, text, boost=b * boost) for f, b in fields])

    unit = query.Or([word("case", 1.0), word("train", 0.5), word("referr", 0.9)])
    with_phrase = query.Or([unit, query.Phrase("body", ["case", "manag"], boost=1.5)])
    monkeypatch.setattr(ranking, "FUSED_POSTINGS", 10**9)
    cached = BulkScorer(searcher)
    expected = [cached.query(unit), cached.query(with_phrase)]
    assert cached._cache, "terms were scored into dicts of their own"
    monkeypatch.setattr(ranking, "FUSED_POSTINGS", 0)
    fused = BulkScorer(searcher)
    assert fused.query(unit) == expected[0] and expected[0]
    assert not any(fused._cache.values()), "terms were scored straight into the unit's sum"
    assert fused.query(with_phrase) == expected[1]


def test_score_cache_drops_the_least_recently_used() -> None:
    cache = ScoreCache(hot=4, packed=6)
    first, second, third = {1: 0.1, 2: 0.2, 3: 1 / 3}, {4: 0.4, 5: 0.5}, {6: 0.6, 7: 0.7}
    cache.put("first", first)
    cache.put("second", second)  # 5 postings: `first` is packed
    assert cache.get("first") == first  # unpacked: `second` is packed
    cache.put("third", third)  # `first` packed again: 5 packed
    cache.put("fourth", {8: 0.8, 9: 0.9, 10: 1.0})  # `third` packed: 7, `second` dropped
    assert cache.get("second") is None
    assert cache.get("first") == first and cache.get("third") == third
    assert cache.get("first")[3] == 1 / 3


@pytest.mark.parametrize("which", [0, 1], ids=["whole", "with-deletion"])
@pytest.mark.parametrize(("field", "word"), [("body", "case"), ("force", "kent"), ("body", "zzz")])
def test_term_docnums_match_whoosh(searchers: list, which: int, field: str, word: str) -> None:
    searcher = searchers[which]
    expected = set(_whoosh_scores(searcher, query.Term(field, word)))
    assert term_docnums(searcher, field, word) == expected
    assert expected or word == "zzz"


@pytest.mark.parametrize("which", [0, 1], ids=["whole", "with-deletion"])
def test_posting_blocks_equal_whoosh_postings(searchers: list, which: int) -> None:
    blocks = 0
    for sub, _offset in segments(searchers[which]):
        reader = sub.reader()
        for word in (b"case", b"safeguard", b"train"):
            if ("body", word) not in reader:
                continue
            read = [
                (i, w)
                for ids, ws in postings_blocks(reader, "body", word)
                for i, w in zip(ids, ws, strict=True)
            ]
            m = reader.postings("body", word)
            expected = []
            while m.is_active():
                expected.append((m.id(), m.weight()))
                m.next()
            assert read == expected
            blocks += len(read) // 128
    assert blocks > 3, "posting lists of more than one block were compared"


@pytest.mark.parametrize("which", [0, 1], ids=["whole", "with-deletion"])
def test_snippet_spans_are_the_analyzers_character_offsets(searchers: list, which: int) -> None:
    """Snippets mark words by analysing the stored text at display time: the same offsets
    the index's own analyzer gives the term's tokens (the index keeps no offsets)."""
    from practicebase.analysis import spelling_folder
    from practicebase.vocabulary import load_vocabulary

    searcher = searchers[which]
    snippets = Snippets({"case"}, spelling_folder(load_vocabulary()))
    analyzer = searcher.schema["body"].analyzer
    docnums = sorted(_whoosh_scores(searcher, query.Term("body", "case")))[::9]
    assert docnums
    for docnum in docnums:
        text = searcher.stored_fields(docnum)["body"]
        tokens = analyzer(text, chars=True, positions=True, mode="index")
        expected = [(t.startchar, t.endchar) for t in tokens if t.text == "case"]
        assert expected
        assert snippets.spans(text) == expected


def test_memory_reader_reads_as_bytesio_does() -> None:
    from io import BytesIO

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


@pytest.fixture(scope="module")
def long_searchers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list]:
    """Searchers over entries whose positions need every width the position pickles use
    (deltas over 255 and over 65,535), a word held more than 1,000 times (batched appends),
    phrases at the first position, apart, reversed and repeated; and the same index after an
    edit (a segment with a deletion)."""
    root = tmp_path_factory.mktemp("long") / "kb"
    (root / "entries").mkdir(parents=True)
    kb = KnowledgeBase(root)
    bodies = [
        "case management " + "fill " * 300 + "case management" + " fill" * 70_000
        + " case management" + " case" * 1_100 + " management",
        "management case " + "fill " * 200 + "case fill management case case management",
        "case case case management management case",
        "case study of management",
    ] + [
        " ".join(["fill"] * n + ["case", "management"] * (n % 3) + ["case"] * 200)
        for n in range(150)
    ]  # fmt: skip
    for number, body in enumerate(bodies):
        path = kb.entries_dir / "kent" / f"long-{number:04d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(entry_text(f"long-{number:04d}", force="kent", body=body), "utf-8")
    rebuild_index(kb)
    ix, _generation, opened = open_searcher(kb)
    whole = opened.__class__(opened.reader(), fromindex=ix, weighting=RankingWeighting())
    path = kb.entries_dir / "kent" / "long-0002.md"
    path.write_text(entry_text("long-0002", force="kent", body="management case " * 3), "utf-8")
    update_index(kb)
    ix2, _generation, opened = open_searcher(kb)
    edited = opened.__class__(opened.reader(), fromindex=ix2, weighting=RankingWeighting())
    assert any(sub.reader().has_deletions() for sub, _offset in segments(edited))
    assert len(segments(edited)) > 1
    yield [whole, edited]
    for searcher, index in ((whole, ix), (edited, ix2)):
        searcher.close()
        index.close()


def _whoosh_positions(reader, field: str, btext: bytes) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    if (field, btext) not in reader:
        return found
    m = reader.postings(field, btext)
    while m.is_active():
        found[m.id()] = m.value_as("positions")
        m.next()
    return found


@pytest.mark.parametrize("which", [0, 1], ids=["whole", "with-deletion"])
@pytest.mark.parametrize("corpus", ["long", "prose"])
def test_positions_equal_whoosh_values(
    searchers: list, long_searchers: list, corpus: str, which: int
) -> None:
    """Positions and position bits, for every document and for a few, of words held in most
    documents, in a few, and up to 70,000 positions apart."""
    searcher = (long_searchers if corpus == "long" else searchers)[which]
    compared = farthest = 0
    for sub, _offset in segments(searcher):
        reader = sub.reader()
        for field, word in (("body", b"case"), ("body", b"manag"), ("title", b"case")):
            expected = _whoosh_positions(reader, field, word)
            farthest = max([farthest, *(p[-1] for p in expected.values())])
            live = sorted(expected)
            for wanted in (live, live[::3], live[-1:]):
                got = whoosh_internals.positions(reader, field, word, wanted)
                assert got == {d: expected[d] for d in wanted}
                bits = whoosh_internals.positions(reader, field, word, wanted, "bits")
                assert bits == {d: sum(1 << p for p in expected[d]) for d in wanted}
                compared += sum(len(expected[d]) for d in wanted)
    assert compared > 1000
    assert farthest > 65_535 or corpus == "prose"


@pytest.mark.parametrize("which", [0, 1], ids=["whole", "with-deletion"])
@pytest.mark.parametrize(
    "words",
    [("case", "manag"), ("manag", "case"), ("case", "case"), ("case", "manag", "case")],
    ids=["two", "reversed", "repeated", "three"],
)
def test_phrases_far_apart_match_whoosh(long_searchers: list, which: int, words: tuple) -> None:
    searcher = long_searchers[which]
    phrase = query.Phrase("body", list(words))
    whoosh = _whoosh_scores(searcher, phrase)
    _assert_same(BulkScorer(searcher).query(phrase), whoosh)
    assert whoosh


def test_blocks_decode_the_fast_way(long_searchers: list) -> None:
    """The fast path reads these blocks itself (its fallback would give the same values, more
    slowly): every block's values as text, their position pickles decoded in one go, trimmed
    of their STOP or not."""
    if not whoosh_internals.private_allowed():
        pytest.skip("the public path reads no blocks")
    reader = segments(long_searchers[0])[0][0].reader()
    m, _deleted = whoosh_internals._leaf_postings(reader, "body", b"case")
    blocks = 0
    while m.is_active():
        block = whoosh_internals._block_texts(m)
        assert block is not None
        ids, weights, values = block
        m._read_ids()
        m._read_weights()
        m._read_values()
        assert ids == m._ids
        assert list(weights) == list(m._weights)
        texts = [v.start for v in values]
        assert [t.encode("latin-1") for t in texts] == list(m._values)
        expected = [pickle.loads(value[4:]) for value in m._values]
        assert list(whoosh_internals._joined_codes(texts)) == expected
        trimmed = [t[:-1] for t in texts]
        assert list(whoosh_internals._joined_codes(trimmed)) == expected
        assert list(whoosh_internals._joined_codes(trimmed[:1] + texts[1:])) == expected
        blocks += 1
        m._next_block()
    assert blocks > 1


@pytest.mark.parametrize("which", [0, 1], ids=["whole", "with-deletion"])
@pytest.mark.parametrize("name", ["title_sort", "evidence", "record"])
def test_column_bytes_equal_whoosh_column(searchers: list, which: int, name: str) -> None:
    reader = searchers[which].reader()
    column = reader.column_reader(name)
    expected = [column[d] for d in range(reader.doc_count_all())]
    assert all(expected)
    assert whoosh_internals.column_bytes(reader, name) == expected


@pytest.mark.parametrize("which", [0, 1], ids=["whole", "with-deletion"])
@pytest.mark.parametrize("corpus", ["long", "prose"])
def test_phrase_postings_equal_whoosh_postings(
    searchers: list, long_searchers: list, corpus: str, which: int
) -> None:
    """Every live posting of a word (or the wanted ones) with its weight and position bits."""
    searcher = (long_searchers if corpus == "long" else searchers)[which]
    compared = 0
    for sub, _offset in segments(searcher):
        reader = sub.reader()
        for word in (b"case", b"manag"):
            expected = _whoosh_positions(reader, "body", word)
            m = reader.postings("body", word) if expected else None
            weights = {}
            while m is not None and m.is_active():
                weights[m.id()] = m.weight()
                m.next()
            bits, got_weights = whoosh_internals.phrase_postings(reader, "body", word)
            assert bits == {d: sum(1 << p for p in places) for d, places in expected.items()}
            assert got_weights == weights
            some = sorted(expected)[1::4]
            bits, got_weights = whoosh_internals.phrase_postings(reader, "body", word, some)
            assert bits.keys() == got_weights.keys() == set(some)
            compared += len(expected)
    assert compared > 200


@pytest.mark.parametrize("which", [0, 1], ids=["whole", "with-deletion"])
@pytest.mark.parametrize("field", ["title", "body"])
def test_phrase_score_is_the_sum_of_its_term_scores(searchers: list, which: int, field: str):
    """To the last bit: a phrase ranks as its words' own scores add up (`BulkScorer.term`)."""
    scorer = BulkScorer(searchers[which])
    found = scorer.phrase(field, ("case", "manag"))
    assert found
    for docnum, score in found.items():
        assert score == scorer.term(field, "case")[docnum] + scorer.term(field, "manag")[docnum]
