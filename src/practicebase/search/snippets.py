"""Snippets: the window of a hit's text holding the most matched words, with their spans."""

from __future__ import annotations

from typing import Any

from practicebase.sanitize import clean_line
from practicebase.search.ranking import segments
from practicebase.whoosh_internals import positions

SNIPPET_CHARS = 220


def shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    """`text` as one clean line of at most `limit` characters, cut at a space."""
    text = " ".join(clean_line(text).split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"


def term_characters(
    segments: list[tuple[Any, int]], field: str, btext: bytes, docnums: list[int]
) -> dict[int, list[tuple[int, int, int]]]:
    """Global docnum -> (position, start, end) of each occurrence of a term, for the sorted
    `docnums` (the hits on screen)."""
    out: dict[int, list[tuple[int, int, int]]] = {}
    for sub, offset in segments:
        reader = sub.reader()
        end = offset + reader.doc_count_all()
        local = [d - offset for d in docnums if offset <= d < end]
        for docnum, chars in positions(reader, field, btext, local, "characters").items():
            out[docnum + offset] = chars
    return out


class Snippets:
    """Highlighted snippets for the hits on screen, from stored character offsets."""

    def __init__(self, searcher: Any, terms: set[str], docnums: list[int]) -> None:
        self._chars: dict[tuple[str, int], list[tuple[int, int]]] = {}
        wanted = sorted(set(docnums))
        if not wanted:
            return
        subs = segments(searcher)
        schema = searcher.schema
        for fieldname in ("body", "summary"):
            if fieldname not in schema:
                continue
            for term in terms:
                try:
                    btext = schema[fieldname].to_bytes(term)
                except ValueError:
                    continue
                for docnum, chars in term_characters(subs, fieldname, btext, wanted).items():
                    spans = self._chars.setdefault((fieldname, docnum), [])
                    spans.extend((s, e) for _pos, s, e in chars)

    def for_doc(
        self, docnum: int, stored: dict[str, Any]
    ) -> tuple[str, tuple[tuple[int, int], ...]]:
        for fieldname in ("body", "summary"):
            spans = self._chars.get((fieldname, docnum))
            if spans:
                return fragment(stored.get(fieldname, ""), sorted(set(spans)))
        return shorten(stored.get("summary", ""), SNIPPET_CHARS), ()


def fragment(text: str, spans: list[tuple[int, int]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The window of `text` holding the most matched words, as one clean line plus spans."""
    best_start, best_count = spans[0][0], 0
    for i, (start, _end) in enumerate(spans):
        count = 0
        seen: set[str] = set()
        for s, e in spans[i:]:
            if e - start > SNIPPET_CHARS - 40:
                break
            word = text[s:e].lower()
            count += 2 if word not in seen else 1
            seen.add(word)
        if count > best_count:
            best_start, best_count = start, count
    lo = max(0, best_start - 40)
    if lo > 0:
        space = text.rfind(" ", max(0, lo - 20), best_start)
        lo = space + 1 if space >= 0 else lo
        sentence = text.rfind(". ", max(0, best_start - 60), best_start)
        if sentence >= 0:
            lo = sentence + 2
    hi = min(len(text), lo + SNIPPET_CHARS)
    if hi < len(text):
        space = text.rfind(" ", lo + SNIPPET_CHARS // 2, hi)
        hi = space if space > 0 else hi
    # Build the line, collapsing whitespace and mapping span offsets as we go.
    out: list[str] = []
    index_map: dict[int, int] = {}
    prev_space = True
    for pos in range(lo, hi):
        ch = text[pos]
        if ch.isspace():
            if prev_space:
                index_map[pos] = len(out)
                continue
            ch = " "
            prev_space = True
        else:
            prev_space = False
        index_map[pos] = len(out)
        out.append(ch)
    line = clean_line("".join(out)).rstrip()
    prefix = "…" if lo > 0 else ""
    suffix = "…" if hi < len(text) else ""
    shift = len(prefix)
    result_spans = []
    for s, e in spans:
        if s >= lo and e <= hi and s in index_map:
            start = index_map[s] + shift
            end = index_map.get(e - 1, index_map[s]) + 1 + shift
            if end <= len(line) + shift:
                result_spans.append((start, end))
    return prefix + line + suffix, tuple(result_spans)
