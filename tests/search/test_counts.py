"""Counts over the index: facet counts equal the counts over every matching entry, whether a
query matches most of the knowledge base (counted through the entries it does not match) or
few of it; words rank by how many entries hold them."""

from __future__ import annotations

from collections import Counter

import pytest
from search_helpers import WriteEntry

from practicebase.index import update_index
from practicebase.kb import KnowledgeBase
from practicebase.search import Searcher, SearchRequest

STAGES = ("untested", "evaluated-locally", "independently-evaluated")


@pytest.fixture
def searcher(kb: KnowledgeBase, write_entry: WriteEntry):
    for number in range(12):
        body = "mentoring scheme" if number < 10 else "helpline audit"
        if number in (3, 7):
            body += " with a dashboard"
        write_entry(
            f"facet-{number:02d}",
            force=("kent", "essex", "surrey")[number % 3],
            stage=STAGES[number % len(STAGES)],
            body=body,
        )
    update_index(kb)
    with Searcher(kb) as opened:
        yield opened


@pytest.mark.parametrize(
    ("text", "expected_total"),
    [("mentoring", 10), ("dashboard", 2), ("helpline OR mentoring", 12)],
    ids=["most", "few", "all"],
)
def test_facet_counts_cover_every_match(searcher: Searcher, text: str, expected_total: int):
    # A reader's first count intersects sets, the later ones count bits: both are checked.
    for _first_then_later in range(2):
        result = searcher.search(SearchRequest(text, limit=100))
        assert result.total == expected_total == len(result.hits)
        for field, attribute in (("stage", "stage"), ("force", "forces")):
            counted: Counter[str] = Counter()
            for hit in result.hits:
                value = getattr(hit, attribute)
                counted.update(value if isinstance(value, tuple) else (value,))
            assert dict(result.facets[field]) == dict(counted), field


def test_rarest_words_rank_by_how_few_entries_hold_them(searcher: Searcher) -> None:
    # "mentoring" is in ten bodies, "helpline" in two, "dashboard" in two; "zeppelin" in none.
    words = ["mentoring", "zeppelin", "dashboard", "helpline", "helpline", "of the"]
    assert searcher.rarest_words(words, 2) == ["dashboard", "helpline"]
    assert searcher.rarest_words(words, 5) == ["dashboard", "helpline", "mentoring"]
    assert searcher.rarest_words(words, 0) == []
