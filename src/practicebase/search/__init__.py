"""Search: the API the CLI and the app call, with plain dataclasses in and out.

Where each part lives:
  types.py      the request and result dataclasses (cheap to import: no Whoosh)
  searcher.py   `Searcher`: opens the index, runs a request, builds hits
  compile.py    parsed query -> ranking units, filters and exclusions
  spelling.py   which words the entries hold, and confident corrections
  ranking.py    the ranking model (BM25F weighted by query coverage) and bulk scoring
  snippets.py   highlighted snippets of the hits shown
  facets.py     facet counts; docsets.py: matching sets and sort orders
Whoosh's private internals are used only in `practicebase.whoosh_internals`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from practicebase.search.types import FACET_FIELDS, SORTS, Hit, SearchRequest, SearchResult

if TYPE_CHECKING:
    from practicebase.search.searcher import Searcher

__all__ = ["FACET_FIELDS", "SORTS", "Hit", "SearchRequest", "SearchResult", "Searcher"]


def __getattr__(name: str) -> Any:
    # Lazy, for start-up time: the app's widgets import the dataclasses only, and
    # `Searcher` pulls in Whoosh.
    if name == "Searcher":
        from practicebase.search.searcher import Searcher

        return Searcher
    raise AttributeError(name)
