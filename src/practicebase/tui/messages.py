"""Messages that workers post when slow work finishes; `@on` handlers update the widgets.

Workers never touch widgets: they build one of these and post it. Names say what happened.
Worker messages do not bubble: each is for the widget or screen whose worker posted it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from datetime import date

    from practicebase.entry import Entry, Problem
    from practicebase.search import Hit, Searcher, SearchResult


class IndexProgressed(Message, bubble=False):
    """An index update or rebuild has processed `done` of `total` files."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class IndexReady(Message, bubble=False):
    """The index is open and searchable; `summary` says what a build before opening did.

    An existing index is opened first and checked for changes afterwards (`IndexUpdated`).
    """

    def __init__(self, searcher: Searcher, summary: str, problems: list[Problem]) -> None:
        super().__init__()
        self.searcher = searcher
        self.summary = summary
        self.problems = problems


class IndexFollowed(Message, bubble=False):
    """The live index changed since it was last searched (an `add`, `index` or rebuild by
    this app or another process); the searcher has been refreshed."""


class IndexUpdated(Message, bubble=False):
    """The update check after opening an existing index finished.

    `changed` is True when entries were added, changed or removed (the searcher has been
    refreshed, so results should be searched again); `summary` starts with "not updated"
    when the update could not run.
    """

    def __init__(self, summary: str, problems: list[Problem], changed: bool) -> None:
        super().__init__()
        self.summary = summary
        self.problems = problems
        self.changed = changed


class TitlesLoaded(Message, bubble=False):
    """The (id, title) list for the palette was read (after the first results, or a change)."""

    def __init__(self, titles: list[tuple[str, str]]) -> None:
        super().__init__()
        self.titles = titles


class IndexFailed(Message, bubble=False):
    """The index could not be opened, updated or rebuilt; `reason` says why and what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class ResultsFetched(Message, bubble=False):
    """A search finished; `seq` is the request's sequence number, to drop stale results."""

    def __init__(self, seq: int, result: SearchResult) -> None:
        super().__init__()
        self.seq = seq
        self.result = result


class SearchFailed(Message, bubble=False):
    """A search raised; `reason` is a one-line explanation."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__()
        self.seq = seq
        self.reason = reason


class EntryLoaded(Message, bubble=False):
    """An entry was read from its file (`entry` is None when it has gone or is invalid)."""

    def __init__(
        self,
        entry_id: str,
        entry: Entry | None,
        path: str = "",
        problems: list[Problem] | None = None,
    ) -> None:
        super().__init__()
        self.entry_id = entry_id
        self.entry = entry
        # When `entry` is None but the index still holds the entry: its file and problems.
        self.path = path
        self.problems = problems or []


class SimilarFound(Message, bubble=False):
    """More-like-this hits for `entry_id` were found."""

    def __init__(self, entry_id: str, hits: tuple[Hit, ...]) -> None:
        super().__init__()
        self.entry_id = entry_id
        self.hits = hits


class EntryReindexed(Message, bubble=False):
    """An entry's file was checked and indexed again after editing; `problems` are its
    validation problems, and `kept_last_good` says the index still holds its last good
    version because the file now has errors."""

    def __init__(
        self,
        entry_id: str,
        summary: str,
        problems: list[Problem],
        kept_last_good: bool = False,
        path: str = "",
    ) -> None:
        super().__init__()
        self.entry_id = entry_id
        self.summary = summary
        self.problems = problems
        self.kept_last_good = kept_last_good
        self.path = path


class EntryRejected(Message, bubble=False):
    """A file given to the add dialog was not added; `problems` say every reason."""

    def __init__(self, problems: list[Problem], reason: str = "") -> None:
        super().__init__()
        self.problems = problems
        self.reason = reason


class EntryAdded(Message, bubble=False):
    """A file was validated, filed under entries/ and indexed."""

    def __init__(self, entry_id: str, path: str, problems: list[Problem]) -> None:
        super().__init__()
        self.entry_id = entry_id
        self.path = path
        self.problems = problems


class IndexRebuilt(Message, bubble=False):
    """A rebuild finished; `summary` is the index report's summary line."""

    def __init__(self, summary: str, problems: list[Problem]) -> None:
        super().__init__()
        self.summary = summary
        self.problems = problems


class CoverageBuilt(Message, bubble=False):
    """The forces-by-themes coverage was computed from the index."""

    def __init__(self, coverage: Any) -> None:
        super().__init__()
        self.coverage = coverage


class FacetToggled(Message):
    """The user chose a facet value: add it to the filters, or remove it if present."""

    def __init__(self, field: str, value: str) -> None:
        super().__init__()
        self.field = field
        self.value = value


class ResultsGathered(Message, bubble=False):
    """Every hit of the current search was read from its file, to be saved; `unreadable` is
    how many could not be read (gone or broken since they were indexed)."""

    def __init__(self, entries: list[Entry], unreadable: int, notes: list[str]) -> None:
        super().__init__()
        self.entries = entries
        self.unreadable = unreadable
        self.notes = notes


class DocumentSaved(Message, bubble=False):
    """Entries were written to `path` as one Markdown or HTML document."""

    def __init__(self, path: str, count: int, sensitive: int) -> None:
        super().__init__()
        self.path = path
        self.count = count
        self.sensitive = sensitive


class SaveFailed(Message, bubble=False):
    """Entries could not be gathered or written; `reason` says why (nothing was written)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class RecommendationsBuilt(Message, bubble=False):
    """The recommendations report was computed from the entry files."""

    def __init__(self, report: Any) -> None:
        super().__init__()
        self.report = report


class ForcesCompared(Message, bubble=False):
    """The comparison of two forces was computed from the entry files."""

    def __init__(self, comparison: Any) -> None:
        super().__init__()
        self.comparison = comparison


class ReportFailed(Message, bubble=False):
    """A report for a view could not be computed; `reason` says why, in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class VisitRecorded(Message, bubble=False):
    """This visit was recorded in the user's state folder; `previous` is the day of the last
    one (None on a first visit), `problem` why the folder could not be read or written."""

    def __init__(self, previous: date | None, problem: str) -> None:
        super().__init__()
        self.previous = previous
        self.problem = problem


class NewCounted(Message, bubble=False):
    """`count` entries were added after the previous visit, `since` (the whole knowledge base,
    whatever the search)."""

    def __init__(self, count: int, since: date) -> None:
        super().__init__()
        self.count = count
        self.since = since
