"""What a search asks and what it answers: plain dataclasses, the contract of the CLI and the app.

Fields may be added, not renamed or removed. Importing this module is cheap (no Whoosh).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# "newest": by `added`, newest first (entries without it last); "evidence": see
# `practicebase.evidence`. Both then by title.
SORTS = ("relevance", "reviewed", "title", "newest", "evidence")
FACET_FIELDS = (
    "force",
    "theme",
    "stage",
    "outcome",
    "status",
    "audience",
    "classification",
    "recommendation",
)


@dataclass(frozen=True)
class SearchRequest:
    """One search: the typed query plus facet filters, sort and paging.

    `filters` are (field, value) pairs using the query language's field names and stored ids,
    e.g. ("force", "west-midlands"), ("theme", "referrals"). Values of the same field are ORed,
    different fields ANDed; they are combined with `text` into one query.
    """

    text: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20
    with_facets: bool = True
    with_snippets: bool = True
    # While typing: the last word may be unfinished, so it also matches as a prefix.
    as_you_type: bool = False


@dataclass(frozen=True)
class Hit:
    """One matching entry, with what a results row shows."""

    id: str
    title: str
    forces: tuple[str, ...]
    force_names: tuple[str, ...]
    themes: tuple[str, ...]
    stage: str
    outcome: str | None
    status: str
    classification: str
    last_reviewed: date
    review_due: date
    is_due: bool
    path: str
    score: float = 0.0
    snippet: str = ""
    # (start, end) character offsets in `snippet` of the matched words, to emphasise.
    snippet_spans: tuple[tuple[int, int], ...] = ()
    # When the entry joined the knowledge base; None when its file has no `added` date.
    added: date | None = None
    sms_level: int | None = None


@dataclass(frozen=True)
class SearchResult:
    """The hits of one page, the total over all pages, facet counts and spelling help."""

    request: SearchRequest
    hits: tuple[Hit, ...]
    total: int
    # facet field -> [(value id, count)], most frequent first, over all hits.
    facets: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    # A corrected query to offer as "did you mean", when the query finds nothing or little.
    suggestion: str | None = None
    # Words the knowledge base does not hold, searched as a confident correction instead:
    # (typed, (used, ...)).
    corrections: tuple[tuple[str, tuple[str, ...]], ...] = ()
    elapsed_ms: float = 0.0
    # Words the knowledge base does not hold in a query whose other words find entries: the
    # entries those words find are ranked also by these spellings, which add none of their
    # own, so an unknown word never pulls the results to another topic: (typed, (used, ...)).
    reranked: tuple[tuple[str, tuple[str, ...]], ...] = ()
