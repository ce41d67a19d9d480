"""The query language parser: clauses from typed text, never an exception."""

from __future__ import annotations

from datetime import date

from practicebase.query import (
    MAX_CLAUSES,
    DateRange,
    Due,
    Filter,
    Phrase,
    Words,
    last_word_prefix,
    parse,
    parse_date_filter,
)

TODAY = date(2026, 11, 29)


def atoms(text: str) -> list[tuple[bool, list[object]]]:
    return [(c.negated, c.atoms) for c in parse(text, today=TODAY).clauses]


def test_words_phrases_filters_and_negation():
    assert atoms('gp "case management" -online force:"Greater Manchester Police"') == [
        (False, [Words(("gp",))]),
        (False, [Phrase(("case", "management"))]),
        (True, [Words(("online",))]),
        (False, [Filter("force", "Greater Manchester Police")]),
    ]


def test_or_groups_and_not():
    assert atoms("clinic OR handover NOT pcm") == [
        (False, [Words(("clinic",)), Words(("handover",))]),
        (True, [Words(("pcm",))]),
    ]


def test_half_typed_input_degrades_to_words():
    assert atoms('"unclosed quote') == [(False, [Words(("unclosed", "quote"))])]
    assert atoms("referrals AND") == [(False, [Words(("referrals",))])]
    assert atoms("force:") == [(False, [Words(("force",))])]
    assert atoms("colour:red") == [(False, [Words(("colour", "red"))])]
    assert atoms("((( ---") == []
    assert len(parse("x " * 10_000).clauses) <= MAX_CLAUSES


def test_dates_are_exact_ranges():
    assert parse_date_filter("last_reviewed", ">=2024-01-01", TODAY) == DateRange(
        "last_reviewed", date(2024, 1, 1), None
    )
    assert parse_date_filter("last_reviewed", ">2024-02", TODAY) == DateRange(
        "last_reviewed", date(2024, 3, 1), None
    )
    assert parse_date_filter("review_due", "<today", TODAY) == DateRange(
        "review_due", None, date(2026, 11, 28)
    )
    assert parse_date_filter("last_reviewed", "2024", TODAY) == DateRange(
        "last_reviewed", date(2024, 1, 1), date(2024, 12, 31)
    )
    assert parse_date_filter("last_reviewed", "2024-02-30", TODAY) is None
    assert atoms("is:due") == [(False, [Due()])]


def test_prefix_and_typing():
    assert atoms("radical*") == [(False, [Words(("radical",), prefix=True)])]
    assert last_word_prefix("referrals rad")
    assert not last_word_prefix("referrals ")
    assert not last_word_prefix('"open phrase')
