"""Facet counts equal the counts over every matching entry, whether a query matches most of
the knowledge base (counted through the entries it does not match) or few of it."""

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
    result = searcher.search(SearchRequest(text, limit=100))
    assert result.total == expected_total == len(result.hits)
    for field, attribute in (("stage", "stage"), ("force", "forces")):
        counted: Counter[str] = Counter()
        for hit in result.hits:
            value = getattr(hit, attribute)
            counted.update(value if isinstance(value, tuple) else (value,))
        assert dict(result.facets[field]) == dict(counted), field
