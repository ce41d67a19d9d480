"""Snippet spans: stemming only the words that can analyse to a searched term finds exactly
the spans that analysing every word finds, over the sample entries, generated text and
awkward words, with spelling variants (listed and by rule) and multi-word expansions."""

from __future__ import annotations

import functools
import itertools
import random
import string
import sys
from pathlib import Path

import pytest
from whoosh.lang.porter import stem

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from benchmarks.words import build_word_table  # noqa: E402
from practicebase.analysis import WORD_PATTERN, expansions, joined, spelling_folder  # noqa: E402
from practicebase.search.snippets import (  # noqa: E402
    Snippets,
    candidate_starts,
    candidate_words,
)
from practicebase.textnorm import SpellingFolder  # noqa: E402
from practicebase.vocabulary import load_vocabulary  # noqa: E402

# Endings that exercise every Porter step, the -ise/-yse/-our/-tre folding rules and both.
ENDINGS = (
    "", "s", "es", "ies", "sses", "ss", "y", "ys", "yed", "ying", "ied", "ed", "ing", "eed",
    "ated", "ating", "bled", "izing", "ized", "ational", "tional", "enci", "anci", "izer",
    "bli", "alli", "entli", "eli", "ousli", "ization", "ation", "ator", "alism", "iveness",
    "fulness", "ousness", "aliti", "iviti", "biliti", "logi", "icate", "ative", "alize",
    "iciti", "ical", "ful", "ness", "al", "ance", "ence", "er", "ic", "able", "ible", "ant",
    "ement", "ment", "ent", "sion", "tion", "ou", "ism", "ate", "iti", "ous", "ive", "ize",
    "e", "ll", "ise", "ised", "isation", "yse", "ysed", "our", "ours", "oured", "tre", "tres",
)  # fmt: skip
STARTS = ("", *string.ascii_lowercase, "ay", "ey", "oy", "uy", "yy", "ya", "by", "sky", "rh")


def _sample_texts() -> list[str]:
    """The sample entries' text, whole."""
    paths = sorted((REPO / "entries").rglob("*.md")) + sorted((REPO / "entries").rglob("*.yaml"))
    assert len(paths) > 20
    return [p.read_text(encoding="utf-8") for p in paths]


def _word_list() -> list[str]:
    """Tens of thousands of lowercase words: the sample entries', the benchmark's generated
    vocabulary with Porter's and the folding rules' endings, and short made-up words."""
    words = {w.lower() for text in _sample_texts() for w in WORD_PATTERN.findall(text)}
    table = build_word_table(1).words
    words.update(table)
    words.update(base + ending for base in table[:600] for ending in ENDINGS)
    words.update(start + ending for start in STARTS for ending in ENDINGS)
    letters = "aeiouybcdlrstz"
    for n in (1, 2, 3, 4):
        words.update("".join(p) for p in itertools.product(letters, repeat=n))
    words.discard("")
    return sorted(words)


WORDS = _word_list()


def test_porter_keeps_the_first_two_letters_but_for_y_to_i() -> None:
    """What `candidate_starts` relies on: a stem begins with its word's first letter, and
    with its first two unless the second was a "y" that became "i" (or the stem is one
    letter)."""
    assert len(WORDS) > 30_000
    changed = []
    for word in WORDS:
        term = stem(word)
        assert term[:1] == word[:1], word
        if len(term) >= 2 and term[:2] != word[:2]:
            assert (word[1], term[1]) == ("y", "i"), (word, term)
            changed.append(word)
    assert "ays" in changed and stem("ies") == "i"  # both exceptions are real


def test_folding_keeps_the_first_two_letters_but_for_respelled_words() -> None:
    folder = spelling_folder(load_vocabulary())
    respelled = dict(folder.respelled())
    assert ("paediatric", "pediatric") in respelled.items()
    listed = [w for pair in respelled.items() for w in pair]
    by_rule = 0
    for word in WORDS + listed:
        folded = folder(word)
        by_rule += folded != word and word not in respelled
        if folded[:2] != word[:2]:
            assert respelled.get(word) == folded, (word, folded)
    assert by_rule > 100  # the -ise/-our/-tre rules were exercised


@functools.cache
def _analysed(fold: SpellingFolder, word: str) -> str:
    return stem(fold(word.lower()))


def _plain_spans(
    terms: set[str], fold, joinable: tuple[tuple[str, ...], ...], text: str
) -> list[tuple[int, int]]:
    """The spans as defined: analyse every word; a searched term, or a searched joined
    sequence of consecutive words."""
    words = [(m.start(), m.end(), _analysed(fold, m.group())) for m in WORD_PATTERN.finditer(text)]
    spans = {(s, e) for s, e, term in words if term in terms}
    for seq in joinable:
        if joined(seq) not in terms:
            continue
        n = len(seq)
        for i in range(len(words) - n + 1):
            if tuple(w[2] for w in words[i : i + n]) == seq:
                spans.add((words[i][0], words[i + n - 1][1]))
    return sorted(spans)


AWKWARD = (
    "Ays and ayes, eyes; the IES office. Paediatric pediatric PAEDIATRICS grey Greys. "
    "Enquiries about an enquiry, inquiries. Organisation organization organisations. "
    "Behaviour behavior; colour colours; centre centres center. Analyse analysed. "
    "e.g. don't Don’t o'clock ... a.b.c x.'y İstanbul İSTANBUL ΣΑΣ σας ΟΣΟ straße STRASSE "
    "ﬁnance Kelvin K 5 50 500 a i I y Y. Prevent Case Management; prevent  case\nmanagement. "
    "Counter Terrorism Local Profile, counter-terrorism, counter terrorism policing. "
    "Children and young people; young people; social media; youth. Programmes programme. "
    "(Prevent case, but management) counter the terrorism; young, not people."
)


def _texts() -> list[str]:
    rng = random.Random(15)
    vocabulary_words = [w for w in WORDS if len(w) > 3]
    texts = _sample_texts() + [AWKWARD]
    for _ in range(40):
        pieces = rng.choices(vocabulary_words, k=120) + rng.choices(AWKWARD.split(), k=40)
        texts.append(" ".join(w.upper() if rng.random() < 0.1 else w for w in pieces))
    return texts


def _term_sets(texts: list[str], fold, joinable, rng: random.Random) -> list[set[str]]:
    """Query-like term sets: terms of the texts' own words (so most match something), terms
    of respelled and awkward words, joined sequences, and terms nothing has."""
    analysed = sorted({stem(fold(w.lower())) for t in texts for w in WORD_PATTERN.findall(t)})
    special = sorted({stem(fold(w.lower())) for w in WORD_PATTERN.findall(AWKWARD)})
    special += [stem(fold(w)) for pair in fold.respelled() for w in pair]
    sequences = [joined(seq) for seq in joinable]
    sets = [{"case"}, {"zzzz"}, {"ai"}, {"inquiri"}, {joined(("prevent", "case", "manag"))}]
    sets += [set(special)] + [{term} for term in special if not term.isascii()]
    for _ in range(150):
        terms = set(rng.sample(analysed, rng.randint(1, 8)))
        terms.update(rng.sample(special, rng.randint(0, 3)))
        terms.update(rng.sample(sequences, rng.randint(0, 2)))
        sets.append(terms)
    sets.append({"5", "young"})  # a one-letter term: no prefilter
    return sets


@pytest.mark.parametrize(
    "variants", [None, {"enquiry": "inquiry", "whilst": "while"}], ids=["packaged", "enquiry"]
)
def test_spans_equal_analysing_every_word(variants: dict[str, str] | None) -> None:
    vocabulary = load_vocabulary()
    fold = spelling_folder(vocabulary) if variants is None else SpellingFolder(variants)
    joinable = expansions(vocabulary).joinable
    rng = random.Random(7)
    texts = _texts()
    stems: dict[str, str] = {}  # shared by every query, as a searcher shares it
    compared = marked = 0
    for terms in _term_sets(texts, fold, joinable, rng):
        # With the searcher's cache as earlier queries left it, and with a fresh one.
        shared, fresh = Snippets(terms, fold, joinable, stems), Snippets(terms, fold, joinable)
        for text in rng.sample(texts, 8) + [AWKWARD]:
            expected = _plain_spans(terms, fold, joinable, text)
            assert shared.spans(text) == expected, (sorted(terms), text[:80])
            assert fresh.spans(text) == expected, (sorted(terms), text[:80])
            compared += 1
            marked += bool(expected)
    assert compared > 1000 and marked > compared // 3
    # The shared cache holds each word's own analysis, whatever the queries were.
    assert stems and all(stem(fold(w.lower())) == t for w, t in stems.items())


def test_candidate_starts() -> None:
    fold = SpellingFolder({"enquiry": "inquiry"})
    starts = candidate_starts({"inquiri", "ai", "safeguard"}, fold)
    assert starts == frozenset({"in", "ai", "ay", "sa", "en"})
    assert candidate_starts({"young", "5"}, fold) is None


def test_candidate_words_are_the_words_with_those_starts() -> None:
    """The scanning pattern splits text into words exactly as `WORD_PATTERN` does and keeps
    those whose first two characters of text begin with a start (in any case) or hold a
    non-ASCII one."""
    rng = random.Random(3)
    texts = [*_texts(), "x.'y a..b e.g. o’clock x’’y _a_ 9.5 ’tis it’s’ ’ .'"]
    two_letter = sorted({w[:2].lower() for t in texts for w in WORD_PATTERN.findall(t)})
    for _ in range(20):
        starts = frozenset(rng.sample(two_letter, rng.randint(1, 30)))
        pattern = candidate_words(starts)
        for text in rng.sample(texts, 10) + texts[-2:]:
            expected = []
            for m in WORD_PATTERN.finditer(text):
                head = text[m.start() : m.start() + 2]  # (a one-letter word's next character)
                if not head.isascii() or any(head.lower().startswith(s) for s in starts):
                    expected.append(m.span())
            assert [m.span() for m in pattern.finditer(text)] == expected, (starts, text[:80])
