"""Duplicate warnings: an entry that looks like a different existing entry.

So a force updates an existing write-up rather than adding a second one, `validate` and
`add` warn (never fail, unless `--strict`) when an entry is very similar to an entry with a
different id. Two measures, both cheap and documented in docs/sharing.md:

- Title: titles are normalised (`practicebase.textnorm`: case, punctuation, accents and stop
  words dropped; British and American spellings and acronym expansions folded, so "Prevent
  Case Management clinic" and "PCM clinic" match). Similar when the word sets' Jaccard
  similarity is at least `TITLE_WORDS_THRESHOLD`, or when they differ only by one word each
  and those two words are at least `TYPO_RATIO_THRESHOLD` alike (`difflib` ratio: a misspelling).
- Content: the three-word sequences ("shingles") of summary and body, after dropping stop
  words and words under 3 letters and folding spellings. Similar when the estimated share of
  shingles the two have in common (Jaccard resemblance, estimated from a bottom-k MinHash
  sketch of `SKETCH_SIZE` hashes) is at least `CONTENT_THRESHOLD`, and each has at least
  `CONTENT_MIN_SHINGLES` shingles. Unrelated write-ups on the same topic share words but
  almost no word sequences; a copy with edits keeps most of them.

Candidates come from maps of title words (each entry's rarest words) and of sketch hashes
to entries, so checking one entry against 10,000 compares only a handful. Existing entries
come from the caller (`existing=`, e.g. what `validate` already loaded), else the search
index when present (all titles, and the content of the entries two searches find: for the
title and summary words, and for the body's rarest words), else the entry files.
"""

from __future__ import annotations

import contextlib
import difflib
import heapq
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from practicebase.entry import Entry, Problem
from practicebase.index import index_records
from practicebase.kb import KnowledgeBase
from practicebase.lazyre import lazy_pattern
from practicebase.store import load_all
from practicebase.textnorm import TextNormaliser

TITLE_WORDS_THRESHOLD = 0.8
TYPO_RATIO_THRESHOLD = 0.8
CONTENT_THRESHOLD = 0.5
CONTENT_MIN_SHINGLES = 20
SKETCH_SIZE = 64
# How many of a new entry's rarest body words search for a copy with a new title and summary.
RARE_BODY_WORDS = 8

_HEADING = lazy_pattern(r"^ {0,3}#{1,6}[^\n]*$", re.MULTILINE)
# How every duplicate warning's message starts (`is_duplicate_warning`).
SIMILAR_TO = "very similar to existing entry"
# A sketch value in more than this share of entries is boilerplate: not used to find candidates.
COMMON_SHINGLE_SHARE = 0.02


class _Doc(NamedTuple):
    """One entry reduced to what the comparison needs (a named tuple: one is made per
    indexed title, 10,000 at a time)."""

    id: str
    path: str
    title_words: frozenset[str]
    title_text: str
    # Bottom-k MinHash sketch of the content's shingles; None when the content is not known.
    sketch: frozenset[int] | None
    shingles: int = 0


def is_duplicate_warning(problem: Problem) -> bool:
    """True for a warning `duplicate_warnings` made."""
    return problem.message.startswith(SIMILAR_TO)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def duplicate_warnings(
    kb: KnowledgeBase,
    entries: Sequence[Entry],
    *,
    existing: Iterable[Entry] | None = None,
) -> list[Problem]:
    """Warnings for each of `entries` that is very similar to an entry with a different id.

    `existing` is the knowledge base's entries when the caller has them already; otherwise
    they are read from the index or the entry files. The entries being checked are compared
    with each other too. An entry with the same id (case-insensitively) as an existing one is
    an update of it, not a duplicate. Never raises: when nothing can be read, returns [].
    """
    try:
        vocabulary = kb.vocabulary
    except Exception:  # a broken vocabulary.yaml is reported elsewhere
        vocabulary = None
    try:
        return _warnings(kb, TextNormaliser(vocabulary), list(entries), existing)
    except (AttributeError, TypeError, ValueError, OSError, RecursionError):
        # Malformed input (not a real Entry) gets no hint rather than a crash.
        return []


def _warnings(
    kb: KnowledgeBase, norm: TextNormaliser, entries: list[Entry], existing: Iterable[Entry] | None
) -> list[Problem]:
    new_docs = [_doc(kb, norm, entry) for entry in entries]
    if not new_docs:
        return []
    if existing is not None:
        corpus = [_doc(kb, norm, entry) for entry in existing]
    else:
        corpus = _corpus_from_index(kb, norm, entries) or _corpus_from_files(kb, norm)
    by_id: dict[str, _Doc] = {doc.id.casefold(): doc for doc in corpus}
    for doc in new_docs:
        by_id[doc.id.casefold()] = doc
    matcher = _Matcher(list(by_id.values()))
    problems: list[Problem] = []
    for entry, doc in zip(entries, new_docs, strict=True):
        problems.extend(matcher.warnings(entry, doc))
    return problems


def _display_path(kb: KnowledgeBase, path: Path | str | None, fallback: str) -> str:
    if path is None:
        return fallback
    path = Path(path)
    try:
        return str(path.resolve().relative_to(kb.root.resolve()))
    except (ValueError, OSError):
        return str(path)


def _doc(kb: KnowledgeBase, norm: TextNormaliser, entry: Entry) -> _Doc:
    title_words = norm.words(entry.title)
    # Headings are the same in most entries ("## What we did"): leave them out.
    body = _HEADING.sub(" ", entry.body)
    content = norm.words(f"{entry.summary}\n{body}", min_length=3)
    return _Doc(
        id=entry.id,
        path=_display_path(kb, entry.path, entry.id),
        title_words=frozenset(title_words),
        title_text=" ".join(title_words),
        sketch=_sketch(content),
        shingles=max(0, len(content) - 2),
    )


def _corpus_from_files(kb: KnowledgeBase, norm: TextNormaliser) -> list[_Doc]:
    try:
        loaded = load_all(kb)
    except Exception:
        return []
    return [_doc(kb, norm, item.entry) for item in loaded if item.entry is not None]


def _corpus_from_index(
    kb: KnowledgeBase, norm: TextNormaliser, entries: Sequence[Entry]
) -> list[_Doc] | None:
    """Titles of every indexed entry, with the content of those search finds for each entry.

    Two searches per entry: its title words in titles with its summary words in summaries (a
    near copy keeps most of them where they were, and those posting lists are a tenth of the
    body's), and its rarest body words in bodies (a copy with a rewritten title and summary
    still shares them); a near copy is among the first hits of one or the other.
    """
    if not kb.index_dir.is_dir():
        return None
    try:
        # Start-up time: the searcher loads Whoosh, wanted only when there is an index.
        from practicebase.search import Searcher, SearchRequest

        # Ids, files and titles in one pass over the index's columns: no entry file is read
        # or searched for (globbing entries/ per title took 2 s per 1,000 entries).
        records = index_records(kb)
        if records is None:
            return None
        searcher = Searcher(kb)
    except Exception:
        return None
    try:
        full: dict[str, Entry] = {}
        for entry in entries:
            words = [
                f"title:{word}"
                for word in list(dict.fromkeys(norm.words(entry.title, min_length=3)))[:8]
            ]
            words += [
                f"summary:{word}"
                for word in list(dict.fromkeys(norm.words(entry.summary, min_length=4)))[:12]
            ]
            # The body's rarest words find a copy whose title and summary were rewritten.
            body_words = norm.words(_HEADING.sub(" ", entry.body), min_length=5)
            rare = searcher.rarest_words(body_words, RARE_BODY_WORDS)
            for text in (" ".join(words), " ".join(f"body:{word}" for word in rare)):
                if not text:
                    continue
                request = SearchRequest(text=text, limit=8, with_facets=False, with_snippets=False)
                for hit in searcher.search(request).hits:
                    if hit.id not in full:
                        found = searcher.entry(hit.id)
                        if found is not None:
                            full[hit.id] = found
        docs = [_doc(kb, norm, entry) for entry in full.values()]
        # Normalised titles as the index stored them (normalising 10,000 titles here took a
        # tenth of a second), and only those sharing a word with a title being checked: no
        # other can be alike (`_titles_alike` needs a common word).
        wanted = set().union(*(norm.words(entry.title) for entry in entries))
        titles = []
        for rel, record in records.items():
            if record.id not in full and not wanted.isdisjoint(record.title_key.split()):
                titles.append((record.title.casefold(), record.id, rel, record.title_key))
        titles.sort()
        for _title, entry_id, rel, key in titles:
            docs.append(_Doc(entry_id, rel, frozenset(key.split()), key, None))
        return docs
    except Exception:
        return None
    finally:
        with contextlib.suppress(Exception):
            searcher.close()


class _Matcher:
    """Finds similar documents through word-to-document maps of titles and content."""

    def __init__(self, docs: list[_Doc]):
        self.docs = docs
        self.title_index = _inverted(doc.title_words for doc in docs)
        self.sketch_index = _inverted(doc.sketch or frozenset() for doc in docs)
        self.common_postings = max(20, int(COMMON_SHINGLE_SHARE * len(docs)))

    def warnings(self, entry: Entry, doc: _Doc) -> list[Problem]:
        own_id = doc.id.casefold()
        where = str(entry.path) if entry.path is not None else entry.id
        problems: list[Problem] = []
        seen: set[str] = set()
        for other, how in self._similar(doc):
            if other.id.casefold() == own_id or other.id in seen:
                continue
            seen.add(other.id)
            problems.append(
                Problem(
                    path=where,
                    line=None,
                    severity="warning",
                    field=None if how.startswith("content") else "title",
                    message=(
                        f"{SIMILAR_TO} '{other.id}' ({other.path}): "
                        f"{_reason(how)}; update that entry instead of adding a new one, "
                        "or make the difference clear"
                    ),
                )
            )
        return problems

    def _similar(self, doc: _Doc) -> Iterable[tuple[_Doc, str]]:
        for index in _candidates(self.title_index, doc.title_words, TITLE_WORDS_THRESHOLD):
            other = self.docs[index]
            if other is doc:
                continue
            if doc.title_text and doc.title_text == other.title_text:
                yield other, "same title"
            elif _titles_alike(doc, other):
                yield other, "title"
        if not doc.sketch or doc.shingles < CONTENT_MIN_SHINGLES:
            return
        shared: dict[int, int] = {}
        for value in doc.sketch:
            postings = self.sketch_index.get(value, ())
            if len(postings) <= self.common_postings:
                for index in postings:
                    shared[index] = shared.get(index, 0) + 1
        for index, count in shared.items():
            other = self.docs[index]
            if other is doc or not other.sketch or other.shingles < CONTENT_MIN_SHINGLES:
                continue
            # A resemblance of t needs about t * k shared sketch values; allow for estimation.
            if count < CONTENT_THRESHOLD * min(len(doc.sketch), len(other.sketch)) / 2:
                continue
            score = _resemblance(doc.sketch, other.sketch)
            if score >= CONTENT_THRESHOLD:
                yield other, f"content:{score:.2f}"


def _titles_alike(a: _Doc, b: _Doc) -> bool:
    """Word sets overlap by `TITLE_WORDS_THRESHOLD`, or differ only by one misspelt word."""
    common = a.title_words & b.title_words
    if len(common) / len(a.title_words | b.title_words) >= TITLE_WORDS_THRESHOLD:
        return True
    only_a, only_b = a.title_words - common, b.title_words - common
    if len(common) < 2 or len(only_a) != 1 or len(only_b) != 1:
        return False
    (word_a,), (word_b,) = only_a, only_b
    # Numbers and short words differ on purpose ("phase 2", "phase 3"), not by a slip.
    if min(len(word_a), len(word_b)) < 4 or not (word_a.isalpha() and word_b.isalpha()):
        return False
    matcher = difflib.SequenceMatcher(None, word_a, word_b)
    return matcher.ratio() >= TYPO_RATIO_THRESHOLD


def _sketch(words: list[str]) -> frozenset[int]:
    """The `SKETCH_SIZE` smallest hashes of the three-word shingles of `words`."""
    shingles = {hash((words[i], words[i + 1], words[i + 2])) for i in range(len(words) - 2)}
    return frozenset(heapq.nsmallest(SKETCH_SIZE, shingles))


def _resemblance(a: frozenset[int], b: frozenset[int]) -> float:
    """Estimated Jaccard resemblance of two shingle sets from their bottom-k sketches."""
    union = heapq.nsmallest(SKETCH_SIZE, a | b)
    if not union:
        return 0.0
    return sum(1 for value in union if value in a and value in b) / len(union)


def _reason(how: str) -> str:
    if how == "same title":
        return "same title"
    if how == "title":
        return "near-same title"
    score = how.split(":", 1)[1]
    return f"about {float(score):.0%} of summary and body word sequences shared"


def _inverted(word_sets: Iterable[frozenset[str]] | Iterable[frozenset[int]]) -> dict:
    index: defaultdict[object, list[int]] = defaultdict(list)
    for position, words in enumerate(word_sets):
        for word in words:
            index[word].append(position)
    return dict(index)


def _candidates(index: dict[str, list[int]], words: frozenset[str], threshold: float) -> set[int]:
    """Documents sharing one of the rarest words of `words` (prefix filtering for Jaccard).

    Any set with Jaccard similarity >= threshold shares at least one of the
    `len - ceil(threshold * len) + 1` rarest words. At least two words are used, so a set
    that differs by one (misspelt) word is found through the other.
    """
    if not words:
        return set()
    ranked = sorted(words, key=lambda w: (len(index.get(w, ())), w))
    prefix = max(2, len(ranked) - math.ceil(threshold * len(ranked)) + 1)
    found: set[int] = set()
    for word in ranked[:prefix]:
        found.update(index.get(word, ()))
    return found
