"""Spelling help people can trust: which typed words the knowledge base does not hold, and
which corrections are confident enough to search without asking.

A word is looked up as typed (lowercased, before stemming) in the words the indexed entries
actually contain (`WordList`), and in its British/American folded form. Only a word the
entries do not hold can be corrected, only to a word they hold, never to a stop word. A
correction is confident when it is within one edit (two for words over five letters) and
clearly the likeliest: at least `CLEAR_LEAD` times as common as the next candidate as close.
A "did you mean" for a word that finds little needs a candidate seen in at least
`SUGGEST_ENTRIES` entries (a spelling seen in fewer could itself be a typo) and three times
as often as the word typed.
"""

from __future__ import annotations

from collections.abc import Callable

from practicebase.analysis import STOP_WORDS, WordList

CLEAR_LEAD = 2.0
SUGGEST_ENTRIES = 3
CANDIDATES = 3


class Spelling:
    """Spelling lookups over one index generation's word list."""

    def __init__(self, words: WordList, fold: Callable[[str], str]) -> None:
        self.words = words
        self.fold = fold

    def known(self, word: str) -> bool:
        """True when the entries hold `word` as typed, or in its other national spelling."""
        lower = word.lower()
        if lower in self.words:
            return True
        folded = self.fold(lower)
        return folded != lower and folded in self.words

    def candidates(self, word: str, n: int = CANDIDATES) -> list[str]:
        """Known words nearest to `word` (one edit, two for longer words), commonest first;
        never a stop word."""
        lower = word.lower()
        if len(lower) < 3 or len(lower) > 30 or lower.isdigit():
            return []
        maxdist = 1 if len(lower) <= 5 else 2
        try:
            close = self.words.closest(lower, maxdist, n + 4)
        except Exception:  # noqa: BLE001 - a damaged word list only costs the spelling help
            return []
        return [w for w in close if w not in STOP_WORDS and len(w) >= 3][:n]

    def confident(self, word: str) -> str | None:
        """The correction to search instead of `word` without asking, or None."""
        close = self.candidates(word)
        if not close:
            return None
        best = self.words.frequency(close[0])
        if len(close) > 1 and best < CLEAR_LEAD * self.words.frequency(close[1]):
            return None
        return close[0]

    def suggestion_for(self, word: str) -> str | None:
        """A "did you mean" for a word that finds little: a known word seen in several entries
        and far more often than the word typed."""
        lower = word.lower()
        if len(lower) < 4:
            return None
        close = self.candidates(lower, n=1)
        if not close:
            return None
        own = self.words.frequency(lower)
        if self.words.frequency(close[0]) > max(SUGGEST_ENTRIES - 1, own * 3):
            return close[0]
        return None
