"""Review-due and statistics reports over validated entries (plain data, no printing)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from practicebase.entry import Entry
from practicebase.kb import KnowledgeBase
from practicebase.store import load_all
from practicebase.vocabulary import Vocabulary

NO_VALUE = "(none)"
ENDED = "ended"  # the status of practice that has stopped: never due for review


@dataclass(frozen=True)
class DueItem:
    """One entry past or near its review date, with the contact to chase."""

    id: str
    title: str
    forces: tuple[str, ...]
    review_due: date
    days_left: int  # negative: days overdue
    contact_role: str
    contact_email: str
    path: str
    classification: str = "OFFICIAL"

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


@dataclass(frozen=True)
class DueReport:
    """Entries due for review by `today + within` days, grouped by force.

    A joint entry appears under each of its forces; `items` lists each entry once, soonest
    (most overdue) first.
    """

    today: date
    within: int
    force: str | None
    items: tuple[DueItem, ...]
    by_force: tuple[tuple[str, tuple[DueItem, ...]], ...]
    # Entries whose practice has ended (status `ended`): never due, only counted.
    ended: int = 0

    @property
    def cutoff(self) -> date:
        return self.today + timedelta(days=self.within)

    @property
    def overdue_count(self) -> int:
        return sum(1 for item in self.items if item.overdue)


def due_report(
    entries: Iterable[Entry],
    *,
    today: date,
    within: int = 0,
    force: str | None = None,
    vocabulary: Vocabulary | None = None,
) -> DueReport:
    """Entries whose review date is before `today` (overdue) or within `within` days of it.

    Ended practice (status `ended`) is left out: it is not reviewed any more; `ended` counts
    the entries left out that would otherwise be due. With `force`, only entries that force
    is part of (joint entries included).
    Groups follow the vocabulary's force order, then unknown ids alphabetically.
    """
    cutoff = today + timedelta(days=within)
    items: list[DueItem] = []
    ended = 0
    for entry in entries:
        if force is not None and force not in entry.forces:
            continue
        if entry.review_due > cutoff:
            continue
        if entry.status == ENDED:
            ended += 1
            continue
        items.append(
            DueItem(
                id=entry.id,
                title=entry.title,
                forces=entry.forces,
                review_due=entry.review_due,
                days_left=(entry.review_due - today).days,
                contact_role=entry.contact.role,
                contact_email=entry.contact.email,
                path=str(entry.path) if entry.path is not None else "",
                classification=entry.classification,
            )
        )
    items.sort(key=lambda item: (item.review_due, item.id))
    groups: dict[str, list[DueItem]] = {}
    for item in items:
        for force_id in dict.fromkeys(item.forces):
            if force is None or force_id == force:
                groups.setdefault(force_id, []).append(item)
    order = _vocabulary_order([f.id for f in vocabulary.forces] if vocabulary else [], groups)
    return DueReport(
        today=today,
        within=within,
        force=force,
        items=tuple(items),
        by_force=tuple((f, tuple(groups[f])) for f in order),
        ended=ended,
    )


@dataclass(frozen=True)
class Stats:
    """Counts of entries by each facet; an entry counts once per force and once per theme."""

    total: int
    by_force: dict[str, int] = field(default_factory=dict)
    by_theme: dict[str, int] = field(default_factory=dict)
    by_stage: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_classification: dict[str, int] = field(default_factory=dict)
    # "2026-Q1" -> entries whose `started` date falls in that quarter
    started_per_quarter: dict[str, int] = field(default_factory=dict)
    # "2026-Q1" -> entries whose `last_reviewed` date falls in that quarter
    reviewed_per_quarter: dict[str, int] = field(default_factory=dict)
    joint_entries: int = 0
    due_for_review: int = 0

    def as_dict(self) -> dict[str, object]:
        """The JSON structure of `report stats --json`."""
        return {
            "total": self.total,
            "joint_entries": self.joint_entries,
            "due_for_review": self.due_for_review,
            "by_force": self.by_force,
            "by_theme": self.by_theme,
            "by_stage": self.by_stage,
            "by_outcome": self.by_outcome,
            "by_status": self.by_status,
            "by_classification": self.by_classification,
            "started_per_quarter": self.started_per_quarter,
            "reviewed_per_quarter": self.reviewed_per_quarter,
        }


def quarter(day: date) -> str:
    """The calendar quarter of `day`, as "YYYY-Qn"."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def build_stats(entries: Sequence[Entry], vocabulary: Vocabulary, *, today: date) -> Stats:
    """Count entries by force, theme, stage, outcome, status, classification and quarter.

    Forces list only those with entries (most first); the other facets list every vocabulary
    value, zero counts included, so gaps show. A missing outcome counts as "(none)".
    """
    by_force: dict[str, int] = {}
    by_theme = dict.fromkeys(vocabulary.theme_ids(), 0)
    by_stage = dict.fromkeys(vocabulary.stages, 0)
    by_outcome = dict.fromkeys((*vocabulary.outcomes, NO_VALUE), 0)
    by_status = dict.fromkeys(vocabulary.statuses, 0)
    by_classification = dict.fromkeys(vocabulary.classifications, 0)
    started: dict[str, int] = {}
    reviewed: dict[str, int] = {}
    joint = due = 0
    for entry in entries:
        forces = tuple(dict.fromkeys(entry.forces))
        joint += len(forces) > 1
        due += entry.is_due(today) and entry.status != ENDED
        for force_id in forces:
            by_force[force_id] = by_force.get(force_id, 0) + 1
        for theme in dict.fromkeys(entry.themes):
            by_theme[theme] = by_theme.get(theme, 0) + 1
        by_stage[entry.stage] = by_stage.get(entry.stage, 0) + 1
        outcome = entry.outcome or NO_VALUE
        by_outcome[outcome] = by_outcome.get(outcome, 0) + 1
        by_status[entry.status] = by_status.get(entry.status, 0) + 1
        by_classification[entry.classification] = by_classification.get(entry.classification, 0) + 1
        if entry.started is not None:
            key = quarter(entry.started)
            started[key] = started.get(key, 0) + 1
        key = quarter(entry.last_reviewed)
        reviewed[key] = reviewed.get(key, 0) + 1
    return Stats(
        total=len(entries),
        by_force=dict(sorted(by_force.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_theme=by_theme,
        by_stage=by_stage,
        by_outcome=by_outcome,
        by_status=by_status,
        by_classification=by_classification,
        started_per_quarter=dict(sorted(started.items())),
        reviewed_per_quarter=dict(sorted(reviewed.items())),
        joint_entries=joint,
        due_for_review=due,
    )


def _vocabulary_order(known: Sequence[str], present: Iterable[str]) -> list[str]:
    present = set(present)
    ordered = [f for f in known if f in present]
    return ordered + sorted(present - set(ordered))


@dataclass(frozen=True)
class LoadedEntries:
    """The valid entries of a knowledge base, and how many files were skipped for errors."""

    entries: list[Entry]
    skipped: list[str]  # paths of files with errors, left out of reports and exports


def load_entries(kb: KnowledgeBase) -> LoadedEntries:
    """Every valid entry under `entries/`; files with errors are skipped and named."""
    entries: list[Entry] = []
    skipped: list[str] = []
    for loaded in load_all(kb):
        if loaded.entry is None:
            skipped.append(str(loaded.path))
        else:
            entries.append(loaded.entry)
    return LoadedEntries(entries, skipped)


@dataclass(frozen=True)
class RecommendationRow:
    """The practice linked to one inspection recommendation."""

    id: str
    label: str  # as listed in the vocabulary, "" when not listed
    provisional: bool  # a packaged label whose wording and number are not confirmed
    in_vocabulary: bool  # False: an id entries use that the vocabulary does not list
    entries: tuple[str, ...]  # entry ids, sorted
    forces: dict[str, int]  # force id -> entries, in the vocabulary's force order
    by_stage: dict[str, int]  # every stage, zero counts included
    by_outcome: dict[str, int]  # every outcome and "(none)", zero counts included
    forces_without: tuple[str, ...]  # the vocabulary's forces with no linked practice

    @property
    def shown_label(self) -> str:
        if not self.in_vocabulary:
            return "(not in the vocabulary)"
        if not self.label:
            return ""
        return f"{self.label} (provisional)" if self.provisional else self.label


@dataclass(frozen=True)
class RecommendationsReport:
    """Per recommendation: forces with practice, counts by stage and outcome, forces with none."""

    rows: tuple[RecommendationRow, ...]
    total: int  # valid entries
    linked: int  # entries linked to at least one recommendation

    @property
    def any_provisional(self) -> bool:
        return any(r.provisional and r.in_vocabulary for r in self.rows)


def recommendations_report(
    entries: Sequence[Entry], vocabulary: Vocabulary
) -> RecommendationsReport:
    """Every recommendation the vocabulary lists (in its order), then any other ids entries use
    (alphabetically). A joint entry counts for each of its forces; stage and outcome counts
    count entries."""
    linked: dict[str, list[Entry]] = {r.id: [] for r in vocabulary.recommendations}
    extra: dict[str, list[Entry]] = {}
    for entry in entries:
        for rec_id in dict.fromkeys(entry.recommendations):
            (linked if rec_id in linked else extra).setdefault(rec_id, []).append(entry)
    force_ids = [f.id for f in vocabulary.forces]
    listed = {r.id: r for r in vocabulary.recommendations}
    rows: list[RecommendationRow] = []
    for rec_id, items in [*linked.items(), *sorted(extra.items())]:
        rec = listed.get(rec_id)
        by_force: dict[str, int] = {}
        by_stage = dict.fromkeys(vocabulary.stages, 0)
        by_outcome = dict.fromkeys((*vocabulary.outcomes, NO_VALUE), 0)
        for entry in items:
            for force_id in dict.fromkeys(entry.forces):
                by_force[force_id] = by_force.get(force_id, 0) + 1
            by_stage[entry.stage] = by_stage.get(entry.stage, 0) + 1
            outcome = entry.outcome or NO_VALUE
            by_outcome[outcome] = by_outcome.get(outcome, 0) + 1
        order = _vocabulary_order(force_ids, by_force)
        rows.append(
            RecommendationRow(
                id=rec_id,
                label=rec.label if rec else "",
                provisional=rec.provisional if rec else False,
                in_vocabulary=rec is not None,
                entries=tuple(sorted(e.id for e in items)),
                forces={f: by_force[f] for f in order},
                by_stage=by_stage,
                by_outcome=by_outcome,
                forces_without=tuple(f for f in force_ids if f not in by_force),
            )
        )
    return RecommendationsReport(
        rows=tuple(rows),
        total=len(entries),
        linked=sum(1 for e in entries if e.recommendations),
    )


@dataclass(frozen=True)
class ComparedEntry:
    """An entry one of two compared forces has and the other is not part of."""

    id: str
    title: str
    classification: str = "OFFICIAL"


@dataclass(frozen=True)
class ThemeComparison:
    """One theme for two forces: each one's entry count, the entries only one has, joint ones.

    Pairs are (first force, second force), in the order the forces were given.
    """

    theme: str
    counts: tuple[int, int]
    only: tuple[tuple[ComparedEntry, ...], tuple[ComparedEntry, ...]]
    joint: tuple[str, ...]  # ids of entries both forces are part of


@dataclass(frozen=True)
class RecommendationComparison:
    """One recommendation for two forces: how many of each one's entries are linked to it."""

    id: str
    shown_label: str  # the label with "(provisional)" when it is the packaged one
    provisional: bool
    counts: tuple[int, int]


@dataclass(frozen=True)
class ForceComparison:
    """Two forces side by side: themes and recommendations each covers, counts, and the
    entries only one has, by theme. Pairs follow the order the forces were given."""

    forces: tuple[str, str]
    totals: tuple[int, int]  # entries of each force (joint entries count for both)
    joint: tuple[str, ...]  # ids of entries both forces are part of
    themes: tuple[ThemeComparison, ...]  # every vocabulary theme, then others either uses
    recommendations: tuple[RecommendationComparison, ...]

    def themes_only(self, side: int) -> tuple[str, ...]:
        """Themes force `side` (0 or 1) has entries on and the other has none on."""
        return tuple(t.theme for t in self.themes if t.counts[side] and not t.counts[1 - side])

    @property
    def themes_both(self) -> tuple[str, ...]:
        return tuple(t.theme for t in self.themes if all(t.counts))

    @property
    def themes_neither(self) -> tuple[str, ...]:
        return tuple(t.theme for t in self.themes if not any(t.counts))

    def recommendations_covered(self, side: int) -> tuple[str, ...]:
        """Ids of the recommendations force `side` has linked practice for."""
        return tuple(r.id for r in self.recommendations if r.counts[side])

    def recommendations_only(self, side: int) -> tuple[str, ...]:
        return tuple(
            r.id for r in self.recommendations if r.counts[side] and not r.counts[1 - side]
        )

    @property
    def any_provisional(self) -> bool:
        return any(r.provisional for r in self.recommendations)

    @property
    def classifications(self) -> tuple[str, ...]:
        """The classification of every entry listed by title, for the output's marking."""
        return tuple(e.classification for t in self.themes for side in t.only for e in side)


def compare_forces(
    entries: Sequence[Entry], vocabulary: Vocabulary, first: str, second: str
) -> ForceComparison:
    """Compare the practice of force ids `first` and `second` (already resolved, different).

    An entry counts for a force when the force is one of its forces, so a joint entry of both
    counts for each and is never "only one has". Entries of neither force are ignored.
    """
    pair = (first, second)
    mine = [e for e in entries if first in e.forces or second in e.forces]
    theme_ids = list(vocabulary.theme_ids())
    theme_ids += sorted({th for e in mine for th in e.themes} - set(theme_ids))
    rec_ids = list(vocabulary.recommendation_ids())
    rec_ids += sorted({r for e in mine for r in e.recommendations} - set(rec_ids))
    themes: list[ThemeComparison] = []
    for theme in theme_ids:
        on_theme = [e for e in mine if theme in e.themes]
        counts = tuple(sum(1 for e in on_theme if f in e.forces) for f in pair)
        only = tuple(
            tuple(
                ComparedEntry(e.id, e.title, e.classification)
                for e in sorted(on_theme, key=lambda e: e.id)
                if f in e.forces and other not in e.forces
            )
            for f, other in (pair, pair[::-1])
        )
        joint = tuple(sorted(e.id for e in on_theme if first in e.forces and second in e.forces))
        themes.append(ThemeComparison(theme, counts, only, joint))  # type: ignore[arg-type]
    recommendations: list[RecommendationComparison] = []
    for rec_id in rec_ids:
        rec = vocabulary.recommendation(rec_id)
        linked = [e for e in mine if rec_id in e.recommendations]
        counts = tuple(sum(1 for e in linked if f in e.forces) for f in pair)
        recommendations.append(
            RecommendationComparison(
                id=rec_id,
                shown_label=rec.shown_label if rec else "(not in the vocabulary)",
                provisional=bool(rec and rec.provisional),
                counts=counts,  # type: ignore[arg-type]
            )
        )
    return ForceComparison(
        forces=pair,
        totals=(
            sum(1 for e in mine if first in e.forces),
            sum(1 for e in mine if second in e.forces),
        ),
        joint=tuple(sorted(e.id for e in mine if first in e.forces and second in e.forces)),
        themes=tuple(themes),
        recommendations=tuple(recommendations),
    )


@dataclass(frozen=True)
class NewReport:
    """Entries added on or after `since`, newest first (then by title), and how many entries
    have no `added` date, so cannot be said to be new or not."""

    since: date
    today: date
    entries: tuple[Entry, ...]
    undated: int


def new_report(entries: Iterable[Entry], *, since: date, today: date) -> NewReport:
    """What joined the knowledge base on or after `since`: entries whose `added` date is
    from `since` on, newest first, then by title and id."""
    found: list[Entry] = []
    undated = 0
    for entry in entries:
        if entry.added is None:
            undated += 1
        elif entry.added >= since:
            found.append(entry)
    found.sort(key=lambda e: (e.title.casefold(), e.id))
    found.sort(key=lambda e: e.added, reverse=True)  # stable: titles stay in order per day
    return NewReport(since=since, today=today, entries=tuple(found), undated=undated)
