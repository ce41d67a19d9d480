"""The forces-by-themes coverage matrix: where practice exists and where it is missing.

Built from (force ids, theme ids) pairs, one per entry, so it can come from loaded entries
or from the search index (`Searcher.coverage_pairs()`). Used by `practicebase report coverage`
and the terminal app's coverage screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from practicebase.vocabulary import Vocabulary

DEFAULT_MIN_FORCES = 2


@dataclass(frozen=True)
class Coverage:
    """Entry counts per (force, theme), with totals.

    `forces` and `themes` are the row and column orders: every vocabulary force and theme in
    vocabulary order, then any id found in the data but not in the vocabulary, sorted.
    A joint entry counts once for each of its forces; an entry counts once per theme.
    Totals count entries, not cells: `force_totals[f]` is the number of entries of force `f`,
    `theme_totals[t]` the number of entries with theme `t`, `total` the number of entries.
    """

    forces: tuple[str, ...]
    themes: tuple[str, ...]
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    force_totals: dict[str, int] = field(default_factory=dict)
    theme_totals: dict[str, int] = field(default_factory=dict)
    # theme id -> number of distinct forces with at least one entry on that theme
    theme_force_counts: dict[str, int] = field(default_factory=dict)
    total: int = 0
    min_forces: int = DEFAULT_MIN_FORCES

    def count(self, force: str, theme: str) -> int:
        """Entries of `force` on `theme` (0 when none)."""
        return self.counts.get((force, theme), 0)

    def row(self, force: str) -> tuple[int, ...]:
        """The counts of one force, in `themes` order."""
        return tuple(self.count(force, theme) for theme in self.themes)

    @property
    def forces_without_entries(self) -> tuple[str, ...]:
        """Forces (in row order) that have no entry at all."""
        return tuple(f for f in self.forces if not self.force_totals.get(f))

    @property
    def thin_themes(self) -> tuple[str, ...]:
        """Themes (in column order) with fewer than `min_forces` contributing forces."""
        return self.themes_with_fewer_forces(self.min_forces)

    def themes_with_fewer_forces(self, n: int) -> tuple[str, ...]:
        """Themes (in column order) that fewer than `n` distinct forces have entries on."""
        return tuple(t for t in self.themes if self.theme_force_counts.get(t, 0) < n)


def build_coverage(
    pairs: Iterable[tuple[Sequence[str], Sequence[str]]],
    vocabulary: Vocabulary,
    *,
    min_forces: int = DEFAULT_MIN_FORCES,
) -> Coverage:
    """Count entries per (force, theme); each pair is one entry's (force ids, theme ids)."""
    counts: dict[tuple[str, str], int] = {}
    force_totals: dict[str, int] = {}
    theme_totals: dict[str, int] = {}
    theme_forces: dict[str, set[str]] = {}
    total = 0
    for forces, themes in pairs:
        entry_forces = list(dict.fromkeys(forces))
        entry_themes = list(dict.fromkeys(themes))
        total += 1
        for force in entry_forces:
            force_totals[force] = force_totals.get(force, 0) + 1
        for theme in entry_themes:
            theme_totals[theme] = theme_totals.get(theme, 0) + 1
            theme_forces.setdefault(theme, set()).update(entry_forces)
            for force in entry_forces:
                counts[(force, theme)] = counts.get((force, theme), 0) + 1
    known_forces = tuple(f.id for f in vocabulary.forces)
    known_themes = vocabulary.theme_ids()
    forces = known_forces + tuple(sorted(set(force_totals) - set(known_forces)))
    themes = known_themes + tuple(sorted(set(theme_totals) - set(known_themes)))
    return Coverage(
        forces=forces,
        themes=themes,
        counts=counts,
        force_totals={f: force_totals.get(f, 0) for f in forces},
        theme_totals={t: theme_totals.get(t, 0) for t in themes},
        theme_force_counts={t: len(theme_forces.get(t, ())) for t in themes},
        total=total,
        min_forces=min_forces,
    )


def short_codes(ids: Sequence[str]) -> dict[str, str]:
    """Short unique upper-case codes for ids: initials of hyphenated parts, else 3 letters.

    The column headings of `report coverage` and of the app's coverage screen when narrow.
    """
    codes: dict[str, str] = {}
    used: set[str] = set()
    for item in ids:
        parts = [p for p in item.split("-") if p and p != "and"]
        base = "".join(p[0] for p in parts[:3]) if len(parts) > 1 else item[:3]
        base = base.upper() or "?"
        code, n = base, 2
        while code in used:
            code, n = f"{base}{n}", n + 1
        used.add(code)
        codes[item] = code
    return codes
