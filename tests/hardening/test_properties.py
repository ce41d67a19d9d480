"""Property tests: parsing any text is total, and a valid entry survives writing and reading."""

from __future__ import annotations

import dataclasses
import os
from datetime import date, timedelta

import pytest
from hardening_harness import entry_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from practicebase.entry import Contact, Entry, EntryError, Link, Problem
from practicebase.validate import load_entry_bytes, parse_entry_text, render_entry
from practicebase.vocabulary import load_vocabulary

VOCABULARY = load_vocabulary(None)
FORMS = st.sampled_from(["md", "yaml"])
# Modest example counts keep the suite fast; set PRACTICEBASE_HYPOTHESIS_SCALE=20 to search
# twenty times harder locally. CI runs are derandomized so they cannot flake.
SCALE = int(os.environ.get("PRACTICEBASE_HYPOTHESIS_SCALE", "1"))


def budget(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        derandomize=SCALE == 1,
        suppress_health_check=[HealthCheck.too_slow],
    )


FAST = budget(150)

# ---- any text ------------------------------------------------------------------------------

# Pieces of YAML and Markdown syntax, glued together at random, reach the parser's corners far
# more often than uniformly random text does.
TOKENS = [
    "---", "...", "\n", "\n", "\n", " ", "  ", "\t", "-", "- ", ":", ": ", "?", "[", "]", "{",
    "}", ",", "&a", "*a", "!!python/object/apply:os.system", "!!binary", "!x", "|", ">", "#",
    "'", '"', "\\e", "\\x00", "\\ud800", "%YAML 1.1", "%TAG", "id", "title", "force", "themes",
    "contact", "role", "email", "links", "url", "body", "NO", "yes", "~", "null", "24:7",
    "0755", "2024-02-30", "2026-01-15", "west-yorkshire", "referrals", "\ufeff", "\r\n",
    "\x00", "\x1b[2J", "\u202e", "\u200b", "## Problem", "é", "\U0001f600", "a" * 200,
]  # fmt: skip
TOKEN_TEXT = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


@st.composite
def mutated_entry(draw: st.DrawFn) -> str:
    """A valid entry with a few random insertions, deletions and line swaps."""
    text = entry_text("mutated-entry")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "token", "swap"]))
        if action == "insert":
            text = text[:at] + draw(st.text(max_size=8)) + text[at:]
        elif action == "token":
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        else:
            lines = text.split("\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


ANY_TEXT = st.one_of(
    st.text(),
    TOKEN_TEXT,
    st.builds(lambda a, b: f"---\n{a}\n---\n{b}", TOKEN_TEXT, st.text(max_size=50)),
    mutated_entry(),
)


def _assert_problems(problems: list[Problem]) -> None:
    assert problems, "an EntryError must say at least one reason"
    for problem in problems:
        assert isinstance(problem, Problem)
        assert isinstance(problem.format(), str) and problem.message


@FAST
@given(text=ANY_TEXT, form=FORMS)
def test_parsing_any_text_gives_an_entry_or_entry_error(text: str, form: str) -> None:
    try:
        entry = parse_entry_text(
            text, form=form, source=f"any.{form}", vocabulary=VOCABULARY, default_id="any-text"
        )
    except EntryError as exc:
        _assert_problems(exc.problems)
    else:
        assert isinstance(entry, Entry)


@FAST
@given(
    data=st.one_of(
        st.binary(max_size=300),
        ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
        mutated_entry().map(lambda t: t.encode("cp1252", "replace")),
    ),
    suffix=st.sampled_from([".md", ".yaml", ".yml"]),
)
def test_loading_any_bytes_never_raises(data: bytes, suffix: str) -> None:
    from pathlib import Path

    loaded = load_entry_bytes(data, path=Path(f"any{suffix}"), vocabulary=VOCABULARY)
    assert (loaded.entry is None) == any(p.is_error for p in loaded.problems)


# ---- valid entries round-trip -----------------------------------------------------------------

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
SAFE_CHARS = st.characters(
    blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"),
    blacklist_characters=BIDI + "\ufeff",
)
YAML_AWKWARD = st.sampled_from(
    ["NO", "yes", "~", "null", "24:7", "0755", "1e3", "- x", "#", ": ", "'", '"', "[a]", "{b}",
     "&a", "*a", "!!str", "%", "@", "`", "|", ">", "?", "---", "..."]
)  # fmt: skip


def line_text(max_len: int) -> st.SearchStrategy[str]:
    """Non-empty single-line text without surrounding whitespace, YAML look-alikes included."""
    piece = st.one_of(st.text(SAFE_CHARS, min_size=1, max_size=12), YAML_AWKWARD, st.just(" "))
    return (
        st.lists(piece, min_size=1, max_size=8)
        .map("".join)
        .map(lambda t: t.strip()[:max_len].strip())
        .filter(bool)
    )


def para_text(max_len: int) -> st.SearchStrategy[str]:
    return st.lists(line_text(80), min_size=1, max_size=4).map(
        lambda lines: "\n".join(lines)[:max_len].strip()
    )


SLUG = st.from_regex(r"[a-z0-9]{3,10}(-[a-z0-9]{1,6}){0,3}", fullmatch=True)
FORCE_IDS = [f.id for f in VOCABULARY.forces]
THEMES = [t.id for t in VOCABULARY.themes]


def some(values: list[str], min_size: int = 0, max_size: int = 4) -> st.SearchStrategy:
    return st.lists(st.sampled_from(values), min_size=min_size, max_size=max_size, unique=True).map(
        tuple
    )


def unique_casefold(items: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.casefold(), item)
    return tuple(seen.values())


BODY_LINES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn")), max_size=40),
    st.sampled_from(
        ["## Problem", "## What we did", "---", "***", "```", "<script>x</script>", "", "  "]
    ),
)


@st.composite
def valid_entries(draw: st.DrawFn) -> Entry:
    last_reviewed = draw(st.dates(date(2000, 1, 1), date(2026, 11, 1)))
    return Entry(
        id=draw(SLUG),
        title=draw(line_text(150)),
        forces=draw(some(FORCE_IDS, 1, 3)),
        themes=draw(some(THEMES, 1, 4)),
        summary=draw(para_text(600)),
        stage=draw(st.sampled_from(VOCABULARY.stages)),
        last_reviewed=last_reviewed,
        review_due=last_reviewed + timedelta(days=draw(st.integers(0, 800))),
        contact=Contact(
            role=draw(line_text(100)),
            email=draw(
                st.from_regex(r"[a-z]{1,10}(\.[a-z]{1,6})?@[a-z]{2,8}\.example\.uk", fullmatch=True)
            ),
            name=draw(st.none() | line_text(60)),
            phone=draw(st.none() | st.from_regex(r"\+?[0-9]{5,14}", fullmatch=True)),
        ),
        body=draw(st.lists(BODY_LINES, max_size=12).map("\n".join)),
        outcome=draw(st.none() | st.sampled_from(VOCABULARY.outcomes)),
        status=draw(st.sampled_from(VOCABULARY.statuses)),
        started=draw(st.none() | st.dates(date(1990, 1, 1), date(2026, 1, 1))),
        audience=draw(some([t.id for t in VOCABULARY.audience])),
        partners=draw(some([t.id for t in VOCABULARY.partners])),
        ideology=draw(some([t.id for t in VOCABULARY.ideology])),
        recommendations=draw(
            st.lists(
                st.from_regex(r"CT[0-9]-20[0-9]{2}-R[0-9]{1,2}", fullmatch=True),
                max_size=3,
                unique=True,
            ).map(tuple)
        ),
        classification=draw(st.sampled_from(["OFFICIAL", "OFFICIAL-SENSITIVE"])),
        sms_level=draw(st.none() | st.integers(1, 5)),
        related=draw(st.lists(SLUG, max_size=3, unique=True).map(tuple)),
        supersedes=draw(st.none() | SLUG),
        links=draw(
            st.lists(
                st.builds(
                    Link,
                    title=line_text(80),
                    url=st.from_regex(
                        r"(https?://example\.org/[a-z0-9_/-]{0,20}|mailto:a@example\.org)",
                        fullmatch=True,
                    ),
                ),
                max_size=3,
            ).map(tuple)
        ),
        tags=draw(st.lists(line_text(50), max_size=5).map(unique_casefold)),
        form=draw(FORMS),
    )


@FAST
@given(entry=valid_entries(), form=FORMS)
def test_valid_entry_rendered_and_read_back_is_equal(entry: Entry, form: str) -> None:
    text = render_entry(entry, form)
    back = parse_entry_text(
        text, form=form, source=f"{entry.id}.{form}", vocabulary=VOCABULARY, default_id=entry.id
    )
    assert back == dataclasses.replace(entry, form=form)


@pytest.mark.parametrize("form", ["md", "yaml"])
def test_render_keeps_yaml_look_alikes_as_text(form: str) -> None:
    """The cases the random round trip is most likely to miss, pinned."""
    entry = parse_entry_text(
        entry_text("look-alikes", title="'24:7'", extra="tags: ['NO', '0755', 'yes', '~']"),
        form="md",
        source="look-alikes.md",
        vocabulary=VOCABULARY,
        default_id="look-alikes",
    )
    text = render_entry(entry, form)
    back = parse_entry_text(
        text, form=form, source=f"x.{form}", vocabulary=VOCABULARY, default_id="look-alikes"
    )
    assert back.title == "24:7"
    assert back.tags == ("NO", "0755", "yes", "~")


# ---- any query ---------------------------------------------------------------------------------

QUERY_TOKENS = [
    '"', "'", "(", ")", "*", "-", "+", ":", "^", "~", "\\", "/", "AND", "OR", "NOT", " ", " ",
    "force:", "theme:", "stage:", "reviewed:>=", "due:<", "is:due", "today", "2024-02-30",
    "title:", "tag:", "referrals", "triage", "radicalization", "pcm", "gmp", "west-yorkshire",
    "[bold]", "\x1b[2J", "\x00", "\u202e", "\ud800", "é", "*:*", "{", "}", "[", "]", "a" * 300,
]  # fmt: skip
QUERIES = st.one_of(
    st.text(max_size=80), st.lists(st.sampled_from(QUERY_TOKENS), max_size=25).map("".join)
)


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory):
    from hardening_harness import BASE_ENTRIES, make_kb

    from practicebase.index import rebuild_index
    from practicebase.kb import KnowledgeBase
    from practicebase.search import Searcher

    kb = KnowledgeBase(make_kb(tmp_path_factory.mktemp("query-kb") / "kb", BASE_ENTRIES))
    rebuild_index(kb)
    searcher = Searcher(kb)
    yield searcher
    searcher.close()


@budget(120)
@given(text=QUERIES, sort=st.sampled_from(["relevance", "reviewed", "title"]))
def test_any_query_gives_a_result(small_index, text: str, sort: str) -> None:
    """Whatever is typed (half a query, stray syntax, escapes), search answers; never raises."""
    from practicebase.search import SearchRequest, SearchResult

    result = small_index.search(SearchRequest(text=text, sort=sort, limit=5))
    assert isinstance(result, SearchResult)
    assert 0 <= len(result.hits) <= 5 and result.total >= len(result.hits)
