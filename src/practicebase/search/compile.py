"""Query compilation: parsed clauses into ranking units, filters and exclusions for one reader.

Plain words become one `Unit` each (a multi-word acronym or synonym one unit together); a word
asked for more than once is one unit counted that many times. Each unit is the word's terms in
the text fields with their boosts, widened by acronym equivalents and synonyms. A word the
knowledge base does not hold as typed is searched as its confident correction
(`spelling.py`); when the other words of the query find entries, such a word only ranks them
(an optional unit), so it cannot pull the results to another topic. Filters and exclusions are
kept apart from the units: they restrict the matching documents by sets, never the scores.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from whoosh import query

from practicebase import query as ql
from practicebase.analysis import STOP_WORDS, WORD_PATTERN, joined
from practicebase.search.ranking import Unit
from practicebase.search.spelling import Spelling

TEXT_BOOSTS = (("title", 3.0), ("summary", 2.0), ("body", 1.0), ("meta", 1.5))
SYNONYM_BOOST = 0.5
EQUIVALENT_BOOST = 0.9
# The word as typed, beside its confident correction: its stem may still be what was meant.
AS_TYPED_BOOST = 0.5
PREFIX_BOOST = 0.8
PREFIX_LIMIT = 12
PREFIX_BUDGET = 24
# Distinct units scored per query; a longer question keeps its rarest words.
MAX_UNITS = 64
MIN_HITS_FOR_NO_SUGGESTION = 3


def union(subqueries: Iterable[Any]) -> Any:
    """An OR query that always uses Whoosh's binary union matchers.

    For more than two clauses on a segment of up to 5,000 documents Whoosh would otherwise
    preload every match into arrays, which cannot skip blocks that cannot reach the top page.
    """
    from whoosh.query.compound import DefaultOr

    return DefaultOr(list(subqueries))


@dataclass
class _WordUnit:
    """A word's unit before the whole query is known: whether it is unknown, and how."""

    query: Any
    count: int
    unknown: bool = False
    typed: str = ""
    corrected: str | None = None


class Compiler:
    """Turns parsed clauses into units, filters and exclusions against one reader, noting what
    it corrected so the caller can say so."""

    def __init__(
        self,
        searcher: Any,
        analyzer: Any,
        expansions: Any,
        vocabulary: Any,
        spelling: Spelling,
        today: date,
        typing: bool,
    ) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.vocabulary = vocabulary
        self.analyzer = analyzer
        self.expansions = expansions
        self.joinable = frozenset(expansions.joinable)
        self.spelling = spelling
        self.today = today
        self.typing = typing
        self.highlight_terms: set[str] = set()
        # (typed, (used,)) of unknown words searched as a correction, and of filter values.
        self.corrections: list[tuple[str, tuple[str, ...]]] = []
        self.reranked: list[tuple[str, tuple[str, ...]]] = []
        self.units: list[Unit] = []
        self.filter_query: Any = None
        self.negative_query: Any = None
        self._unknown: list[_WordUnit] = []
        self._typed_words: list[str] = []
        self._text = ""
        # Words all the prefixes of one query may expand to, together.
        self._prefix_budget = PREFIX_BUDGET

    # -- building blocks --

    def analyse(self, text: str) -> tuple[str, ...]:
        return tuple(t.text for t in self.analyzer(text))

    def terms_query(self, seq: tuple[str, ...], boost: float = 1.0, field: str | None = None):
        fields = [(field, 1.0)] if field else TEXT_BOOSTS
        if len(seq) > 1 and seq in self.joinable:
            seq = (joined(seq),)  # the index holds known sequences as one term
        self.highlight_terms.update(seq)
        if len(seq) == 1:
            parts = [query.Term(f, seq[0], boost=b * boost) for f, b in fields]
        else:
            parts = [query.Phrase(f, list(seq), boost=b * boost) for f, b in fields]
        return parts[0] if len(parts) == 1 else union(parts)

    def widened(self, seq: tuple[str, ...], field: str | None = None) -> tuple[Any, bool]:
        """The query for a term sequence plus its acronym equivalents and synonyms."""
        parts = [self.terms_query(seq, field=field)]
        equivalents, synonyms = self.expansions.alternatives(seq)
        for alt in equivalents:
            parts.append(self.terms_query(alt, EQUIVALENT_BOOST, field))
        for alt in synonyms:
            parts.append(self.terms_query(alt, SYNONYM_BOOST, field))
        return parts[0] if len(parts) == 1 else union(parts), bool(equivalents or synonyms)

    def rarity(self, word: str) -> int:
        """How many entries hold the word at most, in any text field (cheap, from the term
        dictionary): what a long question's words are ranked by when some must go."""
        seq = self.analyse(word)
        if not seq:
            return 0
        reader = self.reader
        return max((reader.doc_frequency(f, t) for t in seq for f, _b in TEXT_BOOSTS), default=0)

    # -- units --

    def word_unit(self, word: str, count: int = 1, field: str | None = None) -> _WordUnit | None:
        """One typed word: its terms widened; when the entries do not hold it as typed, its
        confident correction (with the word as typed kept at a lower boost)."""
        seq = self.analyse(word)
        if not seq:
            return None
        q, has_alternatives = self.widened(seq, field)
        if has_alternatives or self.spelling.known(word):
            return _WordUnit(q, count)
        correction = self.spelling.confident(word)
        if correction is not None:
            alt = self.analyse(correction)
            if alt and alt != seq:
                corrected, _ = self.widened(alt, field)
                as_typed = self.terms_query(seq, AS_TYPED_BOOST, field)
                q = union([corrected, as_typed])
            else:
                correction = None
        return _WordUnit(q, count, unknown=True, typed=word, corrected=correction)

    def prefix_unit(self, word: str, field: str | None = None) -> _WordUnit | None:
        """The word being typed: the whole word (widened as `word_unit` does, never
        corrected) or the commonest known words it begins."""
        seq = self.analyse(word)
        if not seq:
            return None
        q, _ = self.widened(seq, field)
        lower = word.lower()
        expanded: list[str] = []
        if len(lower) >= 3 and self._prefix_budget > 0:
            limit = min(PREFIX_LIMIT, self._prefix_budget)
            expanded = self.spelling.words.with_prefix(lower, limit)
            self._prefix_budget -= len(expanded)
        seqs: list[tuple[str, ...]] = [seq]
        for w in expanded:
            s = self.analyse(w)
            if s and s not in seqs:
                seqs.append(s)
        if len(seqs) == 1:
            return _WordUnit(q, 1)
        return _WordUnit(
            union([q, *(self.terms_query(s, PREFIX_BOOST, field) for s in seqs[1:])]), 1
        )

    def run_units(self, words: list[str]) -> list[_WordUnit]:
        """Units for a run of plain words: multi-word acronyms/synonyms grouped, stop words
        dropped unless every word is one, repeated words counted, the rarest kept."""
        analysed = [(w, self.analyse(w)) for w in words]
        analysed = [(w, s) for w, s in analysed if s]
        all_stop = all(w.lower() in STOP_WORDS for w, _ in analysed)
        groups: dict[tuple[str, ...], list] = {}  # key -> [kind, words, count]
        i = 0
        longest = self.expansions.longest
        while i < len(analysed):
            for length in range(min(longest, len(analysed) - i), 1, -1):
                seq = tuple(t for _, s in analysed[i : i + length] for t in s)
                equivalents, synonyms = self.expansions.alternatives(seq)
                if equivalents or synonyms:
                    entry = groups.setdefault(
                        ("\x00", *seq), ["group", analysed[i : i + length], 0]
                    )
                    entry[2] += 1
                    i += length
                    break
            else:
                word, seq = analysed[i]
                i += 1
                if not all_stop and word.lower() in STOP_WORDS:
                    continue
                entry = groups.setdefault(seq, ["word", word, 0])
                entry[2] += 1
        chosen = list(groups.values())
        if len(chosen) > MAX_UNITS:
            # Keep the words that say most: the rarest in the knowledge base.
            def rarity(item: list) -> int:
                return self.rarity(item[1]) if item[0] == "word" else 0

            keep = sorted(range(len(chosen)), key=lambda k: (rarity(chosen[k]), k))[:MAX_UNITS]
            chosen = [chosen[k] for k in sorted(keep)]
        units: list[_WordUnit] = []
        for kind, what, count in chosen:
            if kind == "group":
                seq = tuple(t for _, s in what for t in s)
                equivalents, synonyms = self.expansions.alternatives(seq)
                each = [self.terms_query(s) for _, s in what]
                parts = [query.And(each), self.terms_query(seq, 1.5)]
                parts += [self.terms_query(a, EQUIVALENT_BOOST) for a in equivalents]
                parts += [self.terms_query(a, SYNONYM_BOOST) for a in synonyms]
                units.append(_WordUnit(union(parts), count))
            else:
                unit = self.word_unit(what, count)
                if unit is not None:
                    units.append(unit)
        return units

    def atom_query(self, atom: Any) -> tuple[Any, bool]:
        """The query of one non-run atom; (query, is_text)."""
        if isinstance(atom, ql.Words):
            if atom.prefix and len(atom.words) == 1:
                unit = self.prefix_unit(atom.words[0], atom.field)
                return (unit.query if unit else None), True
            parts = [self.word_unit(w, field=atom.field) for w in atom.words]
            queries = [p.query for p in parts if p is not None]
            if not queries:
                return None, True
            return (queries[0] if len(queries) == 1 else query.And(queries)), True
        if isinstance(atom, ql.Phrase):
            seq = tuple(t for w in atom.words for t in self.analyse(w))
            if not seq:
                return None, True
            q, _ = self.widened(seq, atom.field)
            return q, True
        if isinstance(atom, ql.Filter):
            ids = self.resolve(atom.field, atom.value)
            if ids is None:
                words = ql._split_words(atom.value)
                if not words:
                    return None, True
                return self.atom_query(ql.Words(words))
            return query.Term(atom.field, ids.lower()), False
        if isinstance(atom, ql.DateRange):
            return self.date_query(atom.field, atom.start, atom.end), False
        if isinstance(atom, ql.Due):
            return self.date_query("review_due", None, self.today - timedelta(days=1)), False
        return None, True

    def date_query(self, fieldname: str, start: date | None, end: date | None) -> Any:
        lo = datetime(*(start or date(1, 1, 1)).timetuple()[:3])
        hi = datetime(*(end or date(9999, 12, 31)).timetuple()[:3])
        return query.DateRange(fieldname, lo, hi)

    def resolve(self, fieldname: str, value: str) -> str | None:
        """The stored id for a filter value (ids, names, aliases; close typos corrected)."""
        vocab = self.vocabulary
        value = " ".join(value.split())
        if fieldname == "recommendation":
            # `rec:R4` is the listed recommendation numbered 4 (`CT4-2020-R4`), any case.
            return (vocab.resolve_recommendation(value) or value).lower() or None
        if fieldname == "tag":
            return value.lower() or None
        if fieldname == "force":
            found = vocab.resolve_force(value)
            if found is None:
                close = vocab.nearest_force(value, n=1)
                if close:
                    found = close[0]
                    self.corrections.append((f"force:{value}", (found,)))
            return found
        choices: tuple[str, ...] = {
            "theme": vocab.theme_ids(),
            "stage": vocab.stages,
            "outcome": vocab.outcomes,
            "status": vocab.statuses,
            "audience": tuple(t.id for t in vocab.audience),
            "partner": tuple(t.id for t in vocab.partners),
            "ideology": tuple(t.id for t in vocab.ideology),
            "classification": vocab.classifications,
        }.get(fieldname, ())
        folded = {c.casefold(): c for c in choices}
        key = value.casefold().replace(" ", "-").replace("_", "-")
        if key in folded:
            return folded[key]
        if fieldname == "theme":
            for term in vocab.themes:
                if term.meaning.casefold() == value.casefold():
                    return term.id
        close = vocab.nearest(key, list(choices), n=1)
        if close:
            self.corrections.append((f"{fieldname}:{value}", (close[0],)))
            return close[0]
        return None

    # -- the whole query --

    def compile(self, text: str, parsed: Any, request_filters: Iterable[tuple[str, str]]) -> None:
        """Fill `units`, `filter_query` and `negative_query` from a parsed query."""
        self._text = text or ""
        word_units: list[_WordUnit] = []
        filters: list = []
        negatives: list = []
        run: list[str] = []

        def flush() -> None:
            if run:
                word_units.extend(self.run_units(list(run)))
                run.clear()

        clauses = list(parsed.clauses)
        last_prefix_word: str | None = None
        if self.typing and clauses:
            last = clauses[-1]
            if (
                not last.negated
                and len(last.atoms) == 1
                and isinstance(last.atoms[0], ql.Words)
                and last.atoms[0].field is None
                and len(last.atoms[0].words[-1]) >= 3
            ):
                atom = last.atoms[0]
                last_prefix_word = atom.words[-1]
                rest = atom.words[:-1]
                clauses = clauses[:-1] + ([ql.Clause([ql.Words(rest)])] if rest else [])

        for clause in clauses:
            atoms = clause.atoms
            if (
                not clause.negated
                and len(atoms) == 1
                and isinstance(atoms[0], ql.Words)
                and not atoms[0].prefix
                and atoms[0].field is None
            ):
                run.extend(atoms[0].words)
                self._typed_words.extend(atoms[0].words)
                continue
            flush()
            built = [self.atom_query(a) for a in atoms]
            built = [(q, is_text) for q, is_text in built if q is not None]
            if not built:
                continue
            if clause.negated:
                negatives.extend(q for q, _ in built)
                continue
            if len(built) == 1:
                q, is_text = built[0]
                if is_text:
                    word_units.append(_WordUnit(q, 1))
                else:
                    filters.append(q)
            elif all(not is_text for _, is_text in built):
                filters.append(query.Or([q for q, _ in built]))
            else:
                word_units.append(_WordUnit(union([q for q, _ in built]), 1))
        flush()
        if last_prefix_word is not None:
            unit = self.prefix_unit(last_prefix_word)
            if unit is not None:
                word_units.append(unit)
        word_units = word_units[:MAX_UNITS]

        # An unknown word only ranks what the other words find, when there are other words.
        has_known = any(not u.unknown for u in word_units)
        self._unknown = [u for u in word_units if u.unknown]
        self.units = [
            Unit(u.query, count=u.count, optional=u.unknown and has_known) for u in word_units
        ]

        by_field: dict[str, list] = {}
        for fieldname, value in request_filters or ():
            name = ql.FILTER_FIELDS.get(str(fieldname).lower())
            if not name:
                continue
            resolved = self.resolve(name, str(value))
            if resolved is not None:
                by_field.setdefault(name, []).append(query.Term(name, resolved.lower()))
        for terms in by_field.values():
            filters.append(terms[0] if len(terms) == 1 else query.Or(terms))
        if filters:
            self.filter_query = query.And(filters) if len(filters) > 1 else filters[0]
        if negatives:
            self.negative_query = query.Or(negatives) if len(negatives) > 1 else negatives[0]

    @property
    def scored(self) -> bool:
        return bool(self.units)

    def note_spelling(self, optional_only_ranked: bool) -> None:
        """Record what was done with unknown words: searched as their correction, or (when
        the other words found entries) used only to rank those entries."""
        for unit in self._unknown:
            if unit.corrected is None:
                continue
            used = (unit.typed, (unit.corrected,))
            (self.reranked if optional_only_ranked else self.corrections).append(used)

    def suggestion(self, total: int) -> str | None:
        """A corrected query to offer ("did you mean", to keep): the corrections made, the
        likeliest spelling of other unknown words, or of rare words when little was found."""
        replacements: dict[str, str] = {}
        for typed, used in (*self.corrections, *self.reranked):
            if ":" not in typed and used:
                replacements[typed.lower()] = used[0]
        for unit in self._unknown:
            if unit.corrected is None and unit.typed.lower() not in replacements:
                close = self.spelling.suggestion_for(unit.typed)
                if close:
                    replacements[unit.typed.lower()] = close
        if not replacements and total < MIN_HITS_FOR_NO_SUGGESTION:
            for word in self._typed_words:
                lower = word.lower()
                if lower in replacements or lower in STOP_WORDS:
                    continue
                close = self.spelling.suggestion_for(lower)
                if close:
                    replacements[lower] = close
        if not replacements:
            return None

        def swap(m: Any) -> str:
            return replacements.get(m.group(0).lower(), m.group(0))

        suggested = WORD_PATTERN.sub(swap, self._text)
        return suggested if suggested != self._text else None
