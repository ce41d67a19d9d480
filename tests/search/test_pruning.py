"""Top-k pruning never changes a result: the pruned ranking gives the same hits, in the same
order, with the same scores (to the last bit), the same totals and facets as scoring every
match (PRACTICEBASE_EXHAUSTIVE=1), on a generated knowledge base of 700 entries, on one
segment and on several with deletions, through the private and the public Whoosh path.
"""

from __future__ import annotations

import random
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from benchmarks.corpus import generate_corpus, touch_fraction  # noqa: E402
from benchmarks.queries import query_mix  # noqa: E402
from benchmarks.words import build_word_table  # noqa: E402
from practicebase import whoosh_internals  # noqa: E402
from practicebase.index import open_searcher, rebuild_index, update_index  # noqa: E402
from practicebase.kb import KnowledgeBase  # noqa: E402
from practicebase.search import Searcher, SearchRequest, SearchResult  # noqa: E402

ENTRIES = 700
SEED = 5
# An entry copied this many times: its words give a page boundary inside a run of equal scores.
TWINS = 30

QUESTIONS = [
    "online radicalisation young people",
    "how do other forces get GP practices to make referrals",
    "what works with young people online in schools and colleges after a referral",
    "referrals referrals referrals training",  # a repeated word weighs more
    "safeguarding safeguarding schools",
    "training workshop mentoring governance helpline intelligence dashboard probation",
    "refferal triage",  # an unknown word that only ranks what `triage` finds
    "safegaurding",  # searched as its correction
    "radicalisation -online",
    "referrals NOT schools",
    '"case management" referrals training',
    "training stage:untested",
    "theme:referrals online young people",
    "force:gmp OR force:kent training",
    "PCM channel panel",
    "zzqx",  # nothing
]
FILTERED = [
    ("online young people", (("theme", "referrals"),)),
    ("training schools", (("stage", "untested"), ("stage", "promising"))),
    ("safeguarding", (("force", "greater-manchester"),)),
]
TYPED = ["safeguarding sch", "online radical", "refer", "channel panel traini"]


def _twin(path: Path, number: int) -> None:
    """A copy of an entry under another id: it scores exactly as the original does."""
    text = path.read_text(encoding="utf-8")
    old_id = re.search(r"^\s*id: (\S+)$", text, re.M).group(1)  # type: ignore[union-attr]
    new_id = f"{old_id[:40]}-twin-{number:02d}"
    target = path.with_name(new_id + path.suffix)
    target.write_text(text.replace(f"id: {old_id}", f"id: {new_id}"), encoding="utf-8")


TWIN_TITLE: list[str] = []  # the title of the entry copied TWINS times, once built


@pytest.fixture(scope="module")
def knowledge_bases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, KnowledgeBase]:
    """The generated knowledge base on one segment, and a copy edited afterwards: a second
    segment, deleted documents (edited and removed entries), new entries."""
    base = tmp_path_factory.mktemp("pruning")
    corpus = generate_corpus(base / "one", ENTRIES, seed=SEED)
    for number in range(TWINS):
        _twin(corpus.paths[0], number)
    title = re.search(r"^title: (.+)$", corpus.paths[0].read_text(encoding="utf-8"), re.M)
    TWIN_TITLE[:] = [title.group(1).strip("'\"")]  # type: ignore[union-attr]
    one = KnowledgeBase(corpus.root)
    rebuild_index(one)
    shutil.copytree(corpus.root, base / "many")
    many = KnowledgeBase(base / "many")
    moved = [many.root / p.relative_to(corpus.root) for p in corpus.paths]
    touch_fraction(type(corpus)(root=many.root, paths=tuple(moved), seed=SEED), 0.05)
    for path in random.Random(SEED).sample(moved[1:], 15):
        path.unlink()
    for number in range(TWINS, TWINS + 5):
        _twin(moved[0], number)
    update_index(many)
    return {"one segment": one, "segments with deletions": many}


@pytest.fixture(params=["private", "public"])
def whoosh_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "public":
        monkeypatch.setenv("PRACTICEBASE_PUBLIC_WHOOSH", "1")
    else:
        monkeypatch.delenv("PRACTICEBASE_PUBLIC_WHOOSH", raising=False)
    assert whoosh_internals.private_allowed() == (request.param == "private")
    return request.param


@pytest.fixture(params=["one segment", "segments with deletions"])
def searcher(
    request: pytest.FixtureRequest, knowledge_bases: dict[str, KnowledgeBase], whoosh_path: str
) -> Iterator[Searcher]:
    with Searcher(knowledge_bases[request.param]) as opened:
        yield opened


def _requests() -> list[SearchRequest]:
    table = build_word_table(SEED)
    # Long questions of rarer words; in the last, no word holds a page of entries.
    long_questions = [" ".join(table.words[start : start + 60]) for start in (500, 1500)]
    long_questions.append(" ".join(table.words[2500::9]))
    texts = [q.text for q in query_mix(table)] + QUESTIONS + long_questions
    plain = {"with_facets": False, "with_snippets": False}  # (neither depends on pruning)
    requests = [SearchRequest(text, limit=20, **plain) for text in texts]
    requests += [SearchRequest(text, offset=20, limit=20, **plain) for text in texts]
    requests += [SearchRequest(text, limit=1, **plain) for text in QUESTIONS]
    requests += [SearchRequest(text, filters=f, limit=20) for text, f in FILTERED]
    requests += [SearchRequest(text, limit=20, as_you_type=True) for text in TYPED]
    requests += [SearchRequest(text, limit=20, sort="reviewed") for text in QUESTIONS[:3]]
    return requests


def _seen(result: SearchResult) -> tuple:
    """Everything a caller sees of a result, scores to the bit."""
    return (
        [(hit.id, hit.score.hex()) for hit in result.hits],
        result.total,
        result.facets,
        result.corrections,
        result.reranked,
        result.suggestion,
    )


def _both(searcher: Searcher, request: SearchRequest, monkeypatch: pytest.MonkeyPatch):
    """(exhaustive, pruned) results and documents scored of one request."""
    monkeypatch.setenv("PRACTICEBASE_EXHAUSTIVE", "1")
    exhaustive = searcher.search(request)
    scored_all = searcher.documents_scored
    monkeypatch.delenv("PRACTICEBASE_EXHAUSTIVE")
    pruned = searcher.search(request)
    return exhaustive, pruned, scored_all, searcher.documents_scored


def test_pruning_changes_no_result(searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    differences = []
    pruned_any = 0
    for request in _requests():
        exhaustive, pruned, scored_all, scored = _both(searcher, request, monkeypatch)
        if _seen(exhaustive) != _seen(pruned):
            differences.append((request.text, request.offset, request.limit))
        pruned_any += scored < scored_all
    assert differences == []
    assert pruned_any >= 20  # the comparison is not vacuous: pruning did skip documents


def test_ties_at_the_page_boundary_keep_document_order(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copies of one entry score alike: which of them make the page is decided by
    document number, as when every match is scored."""
    title = TWIN_TITLE[0]
    ids = [hit.id for hit in searcher.search(SearchRequest(title, limit=100)).hits]
    assert len([i for i in ids if "-twin-" in i]) >= TWINS
    request = SearchRequest(title, limit=20, with_facets=False)
    exhaustive, pruned, _all, _scored = _both(searcher, request, monkeypatch)
    scores = [hit.score for hit in pruned.hits]
    assert len(set(scores)) < len(scores)  # equal scores on the page
    assert _seen(exhaustive) == _seen(pruned)


def test_broad_query_scores_few_documents(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = SearchRequest("online radicalisation young people", limit=20, with_facets=False)
    exhaustive, pruned, scored_all, scored = _both(searcher, request, monkeypatch)
    assert pruned.total == exhaustive.total > ENTRIES // 2
    assert scored_all >= pruned.total
    assert scored < pruned.total // 2, (scored, pruned.total)


def test_facets_count_every_match_across_segments(
    knowledge_bases: dict[str, KnowledgeBase], whoosh_path: str
) -> None:
    """Facet counts (from posting blocks, deleted documents left out) equal counts over the
    stored values of every match."""
    kb = knowledge_bases["segments with deletions"]
    with Searcher(kb) as opened:
        result = opened.search(SearchRequest("training", limit=1000))
    assert result.total == len(result.hits) > 50
    expected: dict[str, dict[str, int]] = {"force": {}, "stage": {}, "status": {}}
    for hit in result.hits:
        for force in hit.forces:
            expected["force"][force] = expected["force"].get(force, 0) + 1
        expected["stage"][hit.stage] = expected["stage"].get(hit.stage, 0) + 1
        expected["status"][hit.status] = expected["status"].get(hit.status, 0) + 1
    for field, counts in expected.items():
        assert dict(result.facets[field]) == counts
    ix, _generation, whoosh_searcher = open_searcher(kb)
    try:
        assert whoosh_searcher.reader().has_deletions()  # the case this test is about
        assert not whoosh_searcher.is_atomic()
    finally:
        whoosh_searcher.close()
        ix.close()
