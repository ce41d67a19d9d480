"""Whoosh pieces for ranking: "all words first" grouping and a collector that keeps every match.

`UnitsQuery` matches a document when any of its units (one typed word with its spellings,
acronym expansions and synonyms, or one phrase) matches, and ranks documents by how many units
they match first, BM25F score second: entries with all the words come first, entries with most
of them still appear. `RecordingCollector` remembers every matching document number so facet
counts and the total come from one pass over the matches.
"""

from __future__ import annotations

from whoosh import collectors, matching, query

UNIT_BONUS = 1000.0


class UnitsMatcher(matching.Matcher):
    """A union of unit matchers whose score adds UNIT_BONUS per matching unit."""

    def __init__(self, children: list[matching.Matcher], bonus: float = UNIT_BONUS):
        self._children = children
        self._bonus = bonus
        self._id: int | None = None
        self._update()

    def _update(self) -> None:
        ids = [c.id() for c in self._children if c.is_active()]
        self._id = min(ids) if ids else None

    def is_active(self) -> bool:
        return self._id is not None

    def id(self) -> int:
        return self._id  # type: ignore[return-value]

    def children(self) -> list[matching.Matcher]:
        return [c for c in self._children if c.is_active()]

    def copy(self) -> UnitsMatcher:
        return UnitsMatcher([c.copy() for c in self._children], self._bonus)

    def reset(self) -> None:
        for c in self._children:
            c.reset()
        self._update()

    def supports_block_quality(self) -> bool:
        return all(c.supports_block_quality() for c in self._children)

    def max_quality(self) -> float:
        return sum(self._bonus + c.max_quality() for c in self._children if c.is_active())

    def block_quality(self) -> float:
        return sum(self._bonus + c.block_quality() for c in self._children if c.is_active())

    def skip_to_quality(self, minquality: float) -> int:
        """Skip blocks that cannot beat `minquality`, one child at a time (lowest first)."""
        skipped = 0
        bonus = self._bonus
        while True:
            active = [c for c in self._children if c.is_active()]
            if not active:
                break
            qualities = [bonus + c.block_quality() for c in active]
            total = sum(qualities)
            if total > minquality:
                break
            i = min(range(len(active)), key=qualities.__getitem__)
            # This child's block must beat what the others cannot make up on their own.
            need = minquality - (total - qualities[i]) - bonus
            moved = active[i].skip_to_quality(need)
            if not moved and active[i].is_active():
                active[i].next()  # cannot happen with exact bounds; never loop forever
            skipped += moved
        self._update()
        return skipped

    def supports(self, astype: str) -> bool:
        return all(c.supports(astype) for c in self._children)

    def next(self) -> None:
        current = self._id
        for c in self._children:
            if c.is_active() and c.id() == current:
                c.next()
        self._update()

    def skip_to(self, target: int) -> None:
        for c in self._children:
            if c.is_active() and c.id() < target:
                c.skip_to(target)
        self._update()

    def weight(self) -> float:
        current = self._id
        return sum(c.weight() for c in self._children if c.is_active() and c.id() == current)

    def score(self) -> float:
        current = self._id
        total = 0.0
        for c in self._children:
            if c.is_active() and c.id() == current:
                total += self._bonus + c.score()
        return total

    def spans(self):
        current = self._id
        out = []
        for c in self._children:
            if c.is_active() and c.id() == current:
                out.extend(c.spans())
        return sorted(set(out))


class UnitsQuery(query.Or):
    """Documents matching any unit, ranked by the number of units matched, then by score."""

    def __init__(self, subqueries, boost: float = 1.0, bonus: float = UNIT_BONUS):
        super().__init__(subqueries, boost=boost)
        self.bonus = bonus

    def normalize(self):
        return self.__class__([q.normalize() for q in self.subqueries], self.boost, self.bonus)

    def matcher(self, searcher, context=None):
        subs = [q.matcher(searcher, context) for q in self.subqueries]
        subs = [m for m in subs if m.is_active()]
        if not subs:
            return matching.NullMatcher()
        return UnitsMatcher(subs, self.bonus)


class RecordingCollector(collectors.WrappingCollector):
    """Passes every match to its child and remembers the global document numbers."""

    def prepare(self, top_searcher, q, context):
        self.matched: list[int] = []
        super().prepare(top_searcher, q, context)

    def collect(self, sub_docnum):
        self.matched.append(sub_docnum + self.child.offset)
        return self.child.collect(sub_docnum)

    def matches(self):
        return self.child.matches()

    def count(self) -> int:
        return len(self.matched)


class Filtered(query.Require):
    """Documents of `a` that also match `b`, scored by `a` alone.

    Whoosh 2.7.4's own `Require.matcher` returns an AND NOT matcher (the opposite); this uses
    the `RequireMatcher` it meant to.
    """

    def matcher(self, searcher, context=None):
        scored = self.a.matcher(searcher, context)
        required = self.b.matcher(searcher, searcher.boolean_context())
        if not scored.is_active() or not required.is_active():
            return matching.NullMatcher()
        return matching.RequireMatcher(scored, required)
