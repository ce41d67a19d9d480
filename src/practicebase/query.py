"""The query language: parse what a person typed into clauses, never failing.

Grammar (documented for users in docs/search.md):

    words            plain words; entries with all of them rank first, most of them after
    "a phrase"       the words next to each other
    a OR b           either (binds the clauses either side of OR)
    NOT a, -a        leave out entries matching a (a word, phrase or field filter)
    field:value      filter: force theme stage outcome status audience partner ideology
                     classification tag recommendation; title:word searches titles only
    field:"a b"      a filter value with spaces (e.g. force:"Greater Manchester Police")
    word*            words starting with `word` (from 3 characters)
    reviewed:>=DATE  date filters on last_reviewed (`reviewed`), review_due (`due`), started
    due:<today       and added: =, <, <=, >, >=, or FROM..TO; DATE is YYYY-MM-DD, YYYY-MM,
    added:>=2026-01  YYYY or today (an entry without the date matches no filter on it)
    is:due           entries past their review date

Whatever cannot be read as syntax is read as plain words: an unclosed quote, a dangling
`OR`/`AND`/`NOT`, `force:` with no value, stray punctuation. The parser only produces
clauses; turning them into Whoosh queries happens in `practicebase.search`.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta

from practicebase.lazyre import lazy_pattern
from practicebase.textnorm import WORD_PATTERN

MAX_QUERY_CHARS = 4000
MAX_CLAUSES = 512

FILTER_FIELDS = {
    "force": "force",
    "forces": "force",
    "theme": "theme",
    "themes": "theme",
    "stage": "stage",
    "outcome": "outcome",
    "status": "status",
    "audience": "audience",
    "partner": "partner",
    "partners": "partner",
    "ideology": "ideology",
    "classification": "classification",
    "class": "classification",
    "tag": "tag",
    "tags": "tag",
    "recommendation": "recommendation",
    "rec": "recommendation",
}
TEXT_FIELD_NAMES = {"title": "title", "summary": "summary", "body": "body"}
DATE_FIELD_NAMES = {
    "reviewed": "last_reviewed",
    "last_reviewed": "last_reviewed",
    "due": "review_due",
    "review_due": "review_due",
    "started": "started",
    "added": "added",
}
KEYWORDS = {"AND", "OR", "NOT"}


@dataclass(frozen=True)
class Words:
    """Plain words (already split); `prefix` marks a trailing `*`."""

    words: tuple[str, ...]
    prefix: bool = False
    field: str | None = None  # title/summary/body restriction


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    field: str | None = None


@dataclass(frozen=True)
class Filter:
    field: str
    value: str


@dataclass(frozen=True)
class DateRange:
    """Inclusive range on a date field; None ends are open."""

    field: str
    start: date | None
    end: date | None


@dataclass(frozen=True)
class Due:
    """`is:due`: review date before today."""


Atom = Words | Phrase | Filter | DateRange | Due


@dataclass
class Clause:
    """Atoms ORed together, possibly negated."""

    atoms: list[Atom]
    negated: bool = False


@dataclass
class ParsedQuery:
    clauses: list[Clause] = field(default_factory=list)
    # Words the user typed that are plain text, in order (for "did you mean").
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.clauses


_TOKEN = lazy_pattern(
    r"""
    (?P<neg>-)?
    (?:
        (?P<field>[A-Za-z_]+):(?P<fquote>"[^"]*"?|(?P<fval>[^\s"]*))
      | (?P<quote>"[^"]*"?)
      | (?P<word>[^\s"]+)
    )
    """,
    re.VERBOSE,
)
_DATE_OP = lazy_pattern(r"^(>=|<=|>|<|=)?(.*)$")


def _split_words(text: str) -> tuple[str, ...]:
    return tuple(m.group(0) for m in WORD_PATTERN.finditer(text))


def parse_date(text: str, today: date) -> tuple[date, date] | None:
    """(first day, last day) for YYYY-MM-DD, YYYY-MM, YYYY, today, yesterday, tomorrow."""
    text = text.strip().lower()
    if text in ("today", "now"):
        return today, today
    if text == "yesterday":
        d = today - timedelta(days=1)
        return d, d
    if text == "tomorrow":
        d = today + timedelta(days=1)
        return d, d
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
    if not m:
        return None
    try:
        year = int(m.group(1))
        if m.group(3):
            d = date(year, int(m.group(2)), int(m.group(3)))
            return d, d
        if m.group(2):
            month = int(m.group(2))
            return date(year, month, 1), date(year, month, monthrange(year, month)[1])
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        return None


def parse_date_filter(field_name: str, value: str, today: date) -> DateRange | None:
    """A DateRange for `>=2024-01-01`, `<today`, `2024`, `2024-01..2024-06`; None if unreadable."""
    value = value.strip()
    if ".." in value:
        left, _, right = value.partition("..")
        lo = parse_date(left, today) if left.strip() else None
        hi = parse_date(right, today) if right.strip() else None
        if (left.strip() and lo is None) or (right.strip() and hi is None) or (not lo and not hi):
            return None
        return DateRange(field_name, lo[0] if lo else None, hi[1] if hi else None)
    m = _DATE_OP.match(value)
    op, rest = (m.group(1) or "="), m.group(2)
    span = parse_date(rest, today)
    if span is None:
        return None
    first, last = span
    if op == "=":
        return DateRange(field_name, first, last)
    if op == ">=":
        return DateRange(field_name, first, None)
    if op == ">":
        return DateRange(field_name, last + timedelta(days=1), None)
    if op == "<=":
        return DateRange(field_name, None, last)
    return DateRange(field_name, None, first - timedelta(days=1))


def parse(text: str, *, today: date | None = None) -> ParsedQuery:
    """Parse typed text into clauses; never raises. Overlong input is cut."""
    today = today or date.today()
    text = (text or "")[:MAX_QUERY_CHARS]
    parsed = ParsedQuery()
    pending_or = False
    pending_not = False
    for m in _TOKEN.finditer(text):
        if len(parsed.clauses) >= MAX_CLAUSES:
            break
        negated = bool(m.group("neg")) or pending_not
        atom: Atom | None = None
        word = m.group("word")
        if word is not None and not m.group("neg") and word in KEYWORDS:
            if word == "OR":
                pending_or = bool(parsed.clauses)
            elif word == "NOT":
                pending_not = True
            continue
        pending_not = False
        if m.group("field") is not None:
            atom = _field_atom(m, today)
            if atom is None:
                # Not a known field, or no usable value: read it all as plain words.
                words = _split_words(m.group(0))
                atom = Words(words) if words else None
        elif m.group("quote") is not None:
            raw = m.group("quote")
            closed = len(raw) >= 2 and raw.endswith('"')
            words = _split_words(raw.strip('"'))
            if words:
                atom = Phrase(words) if closed and len(words) > 1 else Words(words)
        elif word is not None:
            prefix = word.endswith("*")
            words = _split_words(word)
            if words:
                atom = Words(words, prefix=prefix and len(words) == 1)
                parsed.notes.extend(words)
        if atom is None:
            pending_or = False
            continue
        if pending_or and parsed.clauses and not negated and not parsed.clauses[-1].negated:
            parsed.clauses[-1].atoms.append(atom)
        else:
            parsed.clauses.append(Clause([atom], negated=negated))
        pending_or = False
    return parsed


def _field_atom(m: re.Match[str], today: date) -> Atom | None:
    name = m.group("field").lower()
    fval = m.group("fval")
    value = (fval if fval is not None else m.group("fquote").strip('"')).strip()
    if name == "is":
        return Due() if value.lower() in ("due", "overdue") else None
    if not value:
        return None
    if name in FILTER_FIELDS:
        return Filter(FILTER_FIELDS[name], value)
    if name in DATE_FIELD_NAMES:
        return parse_date_filter(DATE_FIELD_NAMES[name], value, today)
    if name in TEXT_FIELD_NAMES:
        words = _split_words(value)
        if not words:
            return None
        quoted = m.group("fval") is None and len(words) > 1
        fname = TEXT_FIELD_NAMES[name]
        if quoted:
            return Phrase(words, field=fname)
        return Words(words, prefix=value.endswith("*") and len(words) == 1, field=fname)
    return None


def last_word_prefix(text: str) -> bool:
    """True when the text ends inside a bare word (typing), so that word may be a prefix."""
    return bool(text) and not text[-1].isspace() and text.count('"') % 2 == 0
