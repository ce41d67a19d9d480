"""The Searcher over a small real index: every query form, widening, facets, snippets."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from search_helpers import CORPUS, write_corpus

from practicebase.index import update_index
from practicebase.kb import KnowledgeBase
from practicebase.search import Searcher, SearchRequest, SearchResult


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("corpus") / "kb"
    (root / "entries").mkdir(parents=True)
    kb = KnowledgeBase(root)
    write_corpus(kb)
    report = update_index(kb)
    assert report.problems == [] and report.total == len(CORPUS)
    with Searcher(kb) as s:
        yield s


def run(searcher: Searcher, text: str, **kwargs: object) -> SearchResult:
    return searcher.search(SearchRequest(text=text, limit=50, **kwargs))  # type: ignore[arg-type]


def found(searcher: Searcher, text: str, **kwargs: object) -> list[str]:
    return [h.id for h in run(searcher, text, **kwargs).hits]


# --- plain words, ranking ---------------------------------------------------------------


def test_all_words_rank_first_but_most_words_still_appear(searcher):
    ids = found(searcher, "referral screening organization")
    assert ids[0] == "us-screening"  # the only entry with all three
    assert "gp-referrals" in ids  # has two of them


def test_natural_question_finds_the_practice(searcher):
    ids = found(searcher, "how do other forces get GP practices to make referrals")
    assert ids[0] == "gp-referrals"


def test_title_matches_outrank_body_matches(searcher):
    ids = found(searcher, "clinic")
    assert ids[0] == "pcm-clinic"


def test_total_counts_every_match_not_just_the_page(searcher):
    result = searcher.search(SearchRequest(text="referrals", limit=1))
    assert len(result.hits) == 1 and result.total >= 3


def test_paging_returns_the_next_hits(searcher):
    every = found(searcher, "referrals")
    page = searcher.search(SearchRequest(text="referrals", offset=1, limit=2))
    assert [h.id for h in page.hits] == every[1:3]


def test_empty_query_lists_everything_by_title(searcher):
    result = run(searcher, "")
    assert result.total == len(CORPUS)
    titles = [h.title.casefold() for h in result.hits]
    assert titles == sorted(titles)


# --- query forms ---------------------------------------------------------------------------


def test_phrase_needs_adjacent_words(searcher):
    assert found(searcher, '"screening tool"') == ["us-screening"]
    assert found(searcher, '"tool screening"') == []


def test_or_and_not(searcher):
    assert set(found(searcher, "clinic OR handover")) == {"pcm-clinic", "case-handover"}
    assert "us-screening" not in found(searcher, "referrals -screening")
    assert "us-screening" not in found(searcher, "referrals NOT screening")
    assert set(found(searcher, "referrals NOT screening")) >= {"gp-referrals", "online-youth"}


def test_negated_filter_and_negation_alone(searcher):
    ids = found(searcher, "-force:essex")
    assert "us-screening" not in ids and len(ids) == len(CORPUS) - 1


@pytest.mark.parametrize(
    "query",
    ["force:gmp", "force:greater-manchester", 'force:"Greater Manchester Police"', "force:GMP"],
)
def test_force_filter_accepts_ids_names_and_aliases(searcher, query):
    assert found(searcher, query) == ["neighbourhood-watch"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("theme:case-management", {"pcm-clinic", "case-handover"}),
        ('theme:"case management"', {"pcm-clinic", "case-handover"}),
        ("stage:untested", {"us-screening", "case-handover"}),
        ("outcome:didnt-work", {"us-screening"}),
        ("status:pilot", {"case-handover"}),
        ("audience:children", {"school-leads", "online-youth"}),
        ("classification:official", set(CORPUS)),
        ('tag:"primary care"', {"gp-referrals"}),
        ("title:clinic", {"pcm-clinic"}),
    ],
)
def test_field_filters(searcher, query, expected):
    assert set(found(searcher, query)) == expected


def test_filter_combines_with_words_and_same_field_filters_or(searcher):
    assert found(searcher, "referrals force:essex") == ["us-screening"]
    both = searcher.search(
        SearchRequest(text="", filters=(("force", "essex"), ("force", "west-yorkshire")))
    )
    assert {h.id for h in both.hits} == {"us-screening", "gp-referrals"}
    narrowed = searcher.search(
        SearchRequest(text="referrals", filters=(("force", "essex"), ("stage", "untested")))
    )
    assert [h.id for h in narrowed.hits] == ["us-screening"]


def test_words_with_a_filter_that_matches_nothing(searcher):
    result = run(searcher, "referrals force:kent")
    assert (result.total, result.hits) == (0, ())
    assert run(searcher, "referrals -referrals").total == 0


def test_prefix(searcher):
    assert set(found(searcher, "neighbour*")) == {"neighbourhood-watch"}
    assert set(found(searcher, "radicali*")) >= {"gp-referrals", "us-screening"}


def test_short_prefix_is_a_plain_word(searcher):
    run(searcher, "ne*")  # does not expand to every word starting "ne"; must not raise


def test_as_you_type_treats_the_last_word_as_a_prefix(searcher):
    typed = searcher.search(SearchRequest(text="handov", as_you_type=True))
    assert [h.id for h in typed.hits] == ["case-handover"]
    finished = searcher.search(SearchRequest(text="handover ", as_you_type=True))
    assert [h.id for h in finished.hits] == ["case-handover"]


def test_date_filters_are_exact_days(searcher):
    assert set(found(searcher, "reviewed:<2024-05-01")) == {"online-youth"}
    assert set(found(searcher, "reviewed:<=2024-05-01")) == {"online-youth", "school-leads"}
    assert set(found(searcher, "reviewed:2024-05-01")) == {"school-leads"}
    assert set(found(searcher, "reviewed:2024-05")) == {"school-leads"}
    assert set(found(searcher, "reviewed:2024")) == {"school-leads", "online-youth"}
    assert set(found(searcher, "reviewed:2024-01-01..2024-04-01")) == {"online-youth"}
    later = set(found(searcher, "reviewed:>=2026-01-01"))
    assert later == set(CORPUS) - {"school-leads", "online-youth"}


def test_due_filters(searcher):
    assert set(found(searcher, "is:due")) == {"school-leads", "online-youth"}
    assert set(found(searcher, "due:<today")) == {"school-leads", "online-youth"}
    hits = run(searcher, "is:due").hits
    assert all(h.is_due and h.review_due < date.today() for h in hits)


# --- spelling variants, acronyms, synonyms ------------------------------------------------


@pytest.mark.parametrize(
    ("query", "british", "american"),
    [
        ("radicalization", "gp-referrals", "us-screening"),
        ("radicalisation", "gp-referrals", "us-screening"),
        ("organization", "gp-referrals", "us-screening"),
        ("organisation", "gp-referrals", "us-screening"),
        ("behavior", "gp-referrals", "us-screening"),
        ("behaviour", "gp-referrals", "us-screening"),
        ("program", "gp-referrals", "us-screening"),
        ("programme", "gp-referrals", "us-screening"),
        ("center", "neighbourhood-watch", "us-screening"),
        ("centre", "neighbourhood-watch", "us-screening"),
    ],
)
def test_spelling_variants_match_both_ways(searcher, query, british, american):
    ids = found(searcher, query)
    assert british in ids and american in ids


def test_neighborhood_defense_license_match_british_spellings(searcher):
    for query in ("neighborhood", "defense", "license"):
        assert "neighbourhood-watch" in found(searcher, query)


def test_acronym_finds_expansion_and_back(searcher):
    assert set(found(searcher, "PCM")) >= {"pcm-clinic", "case-handover"}
    assert set(found(searcher, '"Prevent Case Management"')) >= {"pcm-clinic", "case-handover"}
    assert set(found(searcher, "prevent case management")) >= {"pcm-clinic", "case-handover"}
    assert found(searcher, "DSL") == ["school-leads"]
    assert "school-leads" in found(searcher, "DSLs")
    assert found(searcher, "ICB") == ["gp-referrals"]


def test_synonyms_widen_but_rank_below_exact_words(searcher):
    internet = run(searcher, "internet").hits
    ids = [h.id for h in internet]
    assert "school-leads" in ids  # says "internet"
    assert "online-youth" in ids  # says "online" and "social media"
    assert "online-youth" in found(searcher, "teenagers")
    # The same words typed exactly score higher than when reached through a synonym.
    exact = {h.id: h.score for h in run(searcher, "online").hits}
    widened = {h.id: h.score for h in internet}
    assert exact["online-youth"] > widened["online-youth"]


# --- typos and suggestions -------------------------------------------------------------


def test_a_typo_is_searched_as_its_closest_spelling(searcher):
    result = run(searcher, "handovr")
    assert [h.id for h in result.hits] == ["case-handover"]
    assert result.corrections == (("handovr", ("handover",)),)
    assert result.suggestion == "handover"


def test_suggestion_keeps_the_rest_of_the_query(searcher):
    result = run(searcher, "clinc force:west-midlands")
    assert [h.id for h in result.hits] == ["pcm-clinic"]
    assert result.suggestion == "clinic force:west-midlands"


def test_known_words_are_not_corrected(searcher):
    result = run(searcher, "clinic")
    assert result.corrections == () and result.suggestion is None


def test_force_typo_is_corrected(searcher):
    result = run(searcher, "force:lancashre")
    assert [h.id for h in result.hits] == ["school-leads"]
    assert result.corrections == (("force:lancashre", ("lancashire",)),)


# --- facets, snippets, hits ------------------------------------------------------------


def test_facets_count_all_hits(searcher):
    result = searcher.search(SearchRequest(text="referrals", limit=1))
    facets = result.facets
    assert set(facets) >= {"force", "theme", "stage", "outcome", "status"}
    themes = dict(facets["theme"])
    assert themes["referrals"] == 3
    assert sum(n for _v, n in facets["stage"]) == result.total
    counts = [n for _v, n in facets["theme"]]
    assert counts == sorted(counts, reverse=True)
    assert dict(facets["classification"]) == {"OFFICIAL": result.total}


def test_no_facets_when_not_asked(searcher):
    assert searcher.search(SearchRequest(text="referrals", with_facets=False)).facets == {}


def test_snippet_marks_the_matched_words(searcher):
    [hit] = run(searcher, "surgeries pathway").hits[:1]
    assert hit.id == "gp-referrals"
    marked = [hit.snippet[a:b].lower() for a, b in hit.snippet_spans]
    assert "surgeries" in marked
    assert all(0 <= a < b <= len(hit.snippet) for a, b in hit.snippet_spans)
    assert "\n" not in hit.snippet and "##" not in hit.snippet


def test_snippet_marks_spelling_variants(searcher):
    hit = next(h for h in run(searcher, "behavior").hits if h.id == "gp-referrals")
    assert [hit.snippet[a:b] for a, b in hit.snippet_spans] == ["behaviour"]


def test_hit_fields(searcher):
    [hit] = [h for h in run(searcher, "handover").hits]
    assert hit.forces == ("merseyside",)
    assert hit.force_names == ("Merseyside Police",)
    assert hit.themes == ("case-management", "information-sharing")
    assert (hit.stage, hit.outcome, hit.status) == ("untested", "new-innovative", "pilot")
    assert hit.classification == "OFFICIAL"
    assert hit.path == "entries/merseyside/case-handover.md"
    assert hit.score > 0


@pytest.mark.parametrize("sort", ["reviewed", "title"])
def test_sorts(searcher, sort):
    hits = run(searcher, "referrals", sort=sort).hits
    if sort == "title":
        keys = [h.title.casefold() for h in hits]
        assert keys == sorted(keys)
    else:
        keys = [h.last_reviewed for h in hits]
        assert keys == sorted(keys, reverse=True)


# --- other API -------------------------------------------------------------------------


def test_more_like_this_prefers_other_forces(searcher):
    hits = searcher.more_like_this("gp-referrals", limit=3)
    assert hits and all(h.id != "gp-referrals" for h in hits)
    assert {"us-screening", "online-youth"} & {h.id for h in hits}
    assert all(h.snippet for h in hits)
    assert searcher.more_like_this("no-such-entry") == ()


def test_more_like_this_puts_the_same_force_last(kb, write_entry):
    text = "Referral triage desk with a single queue and a decision within three days."
    write_entry("own-desk", body=text, title="Referral triage desk")
    write_entry("own-twin", body=text, title="Referral triage desk copy")
    write_entry("other-desk", force="kent", body=text + " Kent version.", title="Triage desk")
    write_entry("unrelated", force="essex", body="Football for young people.", title="Sport")
    update_index(kb)
    with Searcher(kb) as s:
        hits = s.more_like_this("own-desk", limit=5)
    ids = [h.id for h in hits]
    assert ids[0] == "other-desk"
    assert ids.index("other-desk") < ids.index("own-twin")


def test_entry_titles_and_coverage(searcher):
    entry = searcher.entry("pcm-clinic")
    assert entry is not None and entry.title == "Review clinic for long cases"
    assert searcher.entry("no-such-entry") is None
    titles = searcher.titles()
    assert len(titles) == len(CORPUS)
    assert ("pcm-clinic", "Review clinic for long cases") in titles
    pairs = searcher.coverage_pairs()
    assert (("merseyside",), ("case-management", "information-sharing")) in pairs
    assert len(pairs) == len(CORPUS)


def test_searcher_is_safe_from_several_threads(searcher):
    expected = found(searcher, "referrals")
    errors: list[BaseException] = []
    answers: list[list[str]] = []

    def work() -> None:
        try:
            for _ in range(10):
                answers.append(found(searcher, "referrals"))
                searcher.refresh()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(a == expected for a in answers)


# --- hostile input -----------------------------------------------------------------------

HOSTILE = [
    '"unclosed quote',
    "referrals AND",
    "OR",
    "NOT",
    "force:",
    'force:"',
    "theme:",
    "reviewed:>=",
    "reviewed:2024-13-45",
    "due:<yesterday..",
    "is:",
    "-",
    "--",
    "*",
    "a*",
    "(((",
    ")))",
    "[]{}^~\\",
    "title:",
    "field:value",
    "\x00\x1b[31m",
    "x" * 10_000,
    "referrals " * 2_000,
    "é" * 300,
    "🙂 referrals",
    "force:gmp OR",
    "OR OR OR referrals",
    "NOT NOT referrals",
    '"" referrals',
    "referrals:",
    ":::",
    "title:*",
    "tag:*",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_never_raise(searcher, text):
    result = run(searcher, text)
    assert result.total >= 0
    assert result.elapsed_ms < 5_000


def test_degraded_queries_still_search_the_words(searcher):
    assert found(searcher, '"screening tool')[0] == "us-screening"
    assert found(searcher, "handover AND")[0] == "case-handover"
    assert found(searcher, "handover OR")[0] == "case-handover"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=80))
def test_any_text_never_raises(searcher, text):
    assert run(searcher, text).total >= 0
    assert searcher.search(SearchRequest(text=text, as_you_type=True)).total >= 0
