"""Words, stop words and spelling folding: the one place text is normalised.

Two users, one set of rules:

- Search (`practicebase.analysis`, `practicebase.query`, `practicebase.search`) splits text
  with `WORD_PATTERN`, folds British and American spellings with `SpellingFolder` before
  stemming, and leaves `STOP_WORDS` out of plain queries.
- Duplicate warnings (`practicebase.duplicates`) compare titles and content as
  `TextNormaliser` reduces them: accents and case dropped, letters-only words
  (`PLAIN_WORD`), acronym expansions folded to the acronym, spellings folded by the same
  `SpellingFolder`, and `COMPARISON_STOP_WORDS` dropped. `title_key` is a title so reduced,
  which the index stores per entry.

Spellings are folded BEFORE stemming (Porter stems `organisation` to `organis` but
`organization` to `organ`), by the general -ise/-ize, -isation/-ization, -yse/-yze, -our/-or
and -tre/-ter rules plus the vocabulary's `spelling_variants` list. A folded form never has to
be a real word: it only has to be the same for both spellings.

A change to what `title_key` returns must come with a new index `SCHEMA_VERSION`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from practicebase.lazyre import lazy_pattern

if TYPE_CHECKING:
    from practicebase.vocabulary import Vocabulary

# A word as search sees it: letters and digits, with inner `.`, `'` or `’` ("e.g", "don't").
WORD_PATTERN = lazy_pattern(r"\w+(?:[.'’]\w+)*", re.UNICODE)

# Stop words dropped from plain query words (never from the index, so phrases stay exact).
_STOP_WORDS_TEXT = """a an and are as at be been but by can could did do does for from get gets
    got had has
    have how i if in into is it its me my of on or other others our so that the their them then
    there these they this those to us was we were what when where which who why will with would
    you your"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

# Comparing two write-ups also ignores the words that say little about which practice it is.
COMPARISON_STOP_WORDS = STOP_WORDS | frozenset(
    """not no all any also more most some such than very new using use used about after before
    over under between within across per via""".split()  # noqa: SIM905
)

# A word as the duplicate check sees it: letters and digits only ("don't" is "don" and "t").
PLAIN_WORD = lazy_pattern(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The lowercase words of `text`, as the analyzers split them."""
    return [m.group(0).lower() for m in WORD_PATTERN.finditer(text)]


def fold_case_and_accents(text: str) -> str:
    """`text` case-folded, with accents dropped ("Café" -> "cafe")."""
    if text.isascii():
        return text.casefold()
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


# --- spelling --------------------------------------------------------------------------------

# Words the general rules would fold but which have no other spelling, or would collide.
_NOT_VARIANTS = frozenset(
    {
        "contour", "contours", "devour", "devours", "devoured", "detour", "detours",
        "glamour", "troubadour", "paramour", "velour", "macabre",
        "our", "ours", "your", "yours", "four", "hour", "hours", "tour", "tours",
        "pour", "flour", "sour", "scour", "dour", "amour",
    }
)  # fmt: skip

_ISE = lazy_pattern(r"^(\w{2,}[^aeiou\W])is(e|es|ed|ing|er|ers|ation|ations|ational|ationally)$")
_YSE = lazy_pattern(r"^(\w{2,})ys(e|es|ed|ing|er|ers)$")
_OUR = lazy_pattern(
    r"^(\w{3,})our(s|ed|ing|al|ally|ite|ites|able|ably|er|ers|ful|fully|less|hood|hoods|ism|ist|ists)?$"
)
_TRE = lazy_pattern(r"^(\w{2,}[^aeiou\W])(t|b)r(e|es|ed)$")
_TRE_ENDINGS = {"e": "er", "es": "ers", "ed": "ered"}


class SpellingFolder:
    """Folds British and American spellings of a lowercase word to one form."""

    def __init__(self, variants: dict[str, str] | None = None):
        self._map: dict[str, str] = {}
        for british, american in (variants or {}).items():
            b, a = british.casefold().strip(), american.casefold().strip()
            if b and a:
                self._map[b] = a
                self._map[a] = a
        self._cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        folded = self._fold(word)
        if len(self._cache) < 200_000:
            self._cache[word] = folded
        return folded

    def respelled(self) -> list[tuple[str, str]]:
        """(word, folded) for each word the variant list rewrites: its listed spellings and
        their plurals. Only these can fold to a word with other first two characters: the
        general rules rewrite endings and keep at least the first two."""
        pairs: list[tuple[str, str]] = []
        for word, folded in self._map.items():
            if word != folded:
                pairs += [(word, folded), (word + "s", folded + "s")]
        return pairs

    def _fold(self, word: str) -> str:
        mapped = self._map.get(word)
        if mapped is not None:
            return mapped
        if word.endswith("s") and word[:-1] in self._map:
            return self._map[word[:-1]] + "s"
        if len(word) < 5 or word in _NOT_VARIANTS:
            return word
        if "is" in word:
            m = _ISE.match(word)
            if m:
                return f"{m.group(1)}iz{m.group(2)}"
        if "ys" in word:
            m = _YSE.match(word)
            if m:
                return f"{m.group(1)}yz{m.group(2)}"
        if "our" in word:
            m = _OUR.match(word)
            if m:
                return f"{m.group(1)}or{m.group(2) or ''}"
        if "re" in word:
            m = _TRE.match(word)
            if m:
                return f"{m.group(1)}{m.group(2)}{_TRE_ENDINGS[m.group(3)]}"
        return word


def variants_key(vocabulary: Vocabulary | None) -> tuple[tuple[str, str], ...]:
    """A vocabulary's spelling variants as a hashable cache key."""
    if vocabulary is None:
        return ()
    return tuple(sorted(vocabulary.spelling_variants.items()))


@lru_cache(maxsize=8)
def folder_for(variants: tuple[tuple[str, str], ...]) -> SpellingFolder:
    """The (shared, cached) folder for a `variants_key`."""
    return SpellingFolder(dict(variants))


def spelling_folder(vocabulary: Vocabulary | None) -> SpellingFolder:
    """The (shared, cached) folder for a vocabulary's spelling variants."""
    return folder_for(variants_key(vocabulary))


# --- comparison: titles and content ----------------------------------------------------------


class TextNormaliser:
    """Folds text to comparable words using the vocabulary's spellings and acronyms."""

    def __init__(self, vocabulary: Vocabulary | None):
        self._spelling = spelling_folder(vocabulary)
        self.expansions: list[tuple[str, str]] = []
        if vocabulary is not None:
            for acronym, expansion in vocabulary.acronyms.items():
                found = " ".join(PLAIN_WORD.findall(fold_case_and_accents(expansion)))
                if len(found.split()) > 1:
                    self.expansions.append((found, acronym.casefold()))
            # Longest first so "counter terrorism local profile" wins over "counter terrorism".
            self.expansions.sort(key=lambda pair: -len(pair[0]))

    def words(self, text: str, *, min_length: int = 1) -> list[str]:
        """The comparable words of `text`: at least `min_length` letters, no stop words."""
        joined = " " + " ".join(PLAIN_WORD.findall(fold_case_and_accents(text))) + " "
        for expansion, acronym in self.expansions:
            if expansion in joined:
                joined = joined.replace(f" {expansion} ", f" {acronym} ")
                joined = joined.replace(f" {expansion}s ", f" {acronym} ")
        spelling = self._spelling
        folded = [spelling(word) for word in joined.split()]
        return [w for w in folded if len(w) >= min_length and w not in COMPARISON_STOP_WORDS]


_NORMALISERS: dict[int, tuple[Vocabulary, TextNormaliser]] = {}


def title_key(title: str, vocabulary: Vocabulary) -> str:
    """A title as the duplicate check compares it: its normalised words, space-separated.

    The index stores it per entry so `add` need not normalise every title; a change to the
    normalisation must come with a new index `SCHEMA_VERSION`."""
    found = _NORMALISERS.get(id(vocabulary))
    if found is None or found[0] is not vocabulary:
        _NORMALISERS.clear()
        found = _NORMALISERS[id(vocabulary)] = (vocabulary, TextNormaliser(vocabulary))
    return " ".join(found[1].words(title))
