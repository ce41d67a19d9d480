"""What's new and evidence at a glance, through the real CLI: the `added:` filter, the
"newest" and "evidence" sorts, the evidence mark in text rows and the JSON fields."""

from __future__ import annotations

import json

import pytest
from search_helpers import WriteEntry

from practicebase.cli import main
from practicebase.evidence import evidence_mark, evidence_rank
from practicebase.kb import KnowledgeBase
from practicebase.search.types import SORTS

# id -> (title, stage, sms_level, outcome, added)
ENTRIES = {
    "ind-worked": ("Alpha desk", "independently-evaluated", 3, "worked", "2026-02-01"),
    "ind-failed": ("Bravo form", "independently-evaluated", 3, "didnt-work", "2025-05-01"),
    "ind-no-sms": ("Charlie clinic", "independently-evaluated", None, "worked", "2026-02-01"),
    "local-undated": ("Delta panel", "evaluated-locally", 4, "promising", None),
    "local-new": ("Echo app", "evaluated-locally", 2, "new-innovative", "2026-01-01"),
    "untested-failed": ("Foxtrot leaflet", "untested", None, "didnt-work", "2025-12-31"),
    "untested-bare": ("Golf visits", "untested", None, None, "2026-06-01"),
}
EVIDENCE_ORDER = [
    "ind-worked",
    "ind-failed",
    "ind-no-sms",
    "local-undated",
    "local-new",
    "untested-failed",
    "untested-bare",
]
NEWEST_ORDER = [
    "untested-bare",
    "ind-worked",  # same day as ind-no-sms: by title
    "ind-no-sms",
    "local-new",
    "untested-failed",
    "ind-failed",
    "local-undated",  # no `added`: last
]


def run(kb: KnowledgeBase, capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--root", str(kb.root), *args])
    return code, capsys.readouterr().out


def ids(kb: KnowledgeBase, capsys, *args: str) -> list[str]:
    code, out = run(kb, capsys, "search", *args, "--json", "--limit", "50")
    assert code == 0, out
    return [hit["id"] for hit in json.loads(out)["hits"]]


@pytest.fixture
def corpus(kb: KnowledgeBase, write_entry: WriteEntry, capsys) -> KnowledgeBase:
    for entry_id, (title, stage, sms, outcome, added) in ENTRIES.items():
        extra = "".join(
            f"{name}: {value}\n"
            for name, value in (("sms_level", sms), ("outcome", outcome), ("added", added))
            if value is not None
        )
        write_entry(entry_id, title=title, stage=stage, body="Referral work.", extra=extra)
    code, out = run(kb, capsys, "index")
    assert code == 0, out
    return kb


def test_evidence_sort_orders_by_stage_then_sms_then_outcome_keeping_what_failed(corpus, capsys):
    assert ids(corpus, capsys, "--sort", "evidence") == EVIDENCE_ORDER
    # With words and a filter too: only the order of what matches changes.
    assert ids(corpus, capsys, "referral", "stage:untested", "--sort", "evidence") == [
        "untested-failed",
        "untested-bare",
    ]


def test_newest_sort_puts_entries_without_added_last(corpus, capsys):
    assert ids(corpus, capsys, "--sort", "newest") == NEWEST_ORDER


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("added:>=2026-01-01", {"ind-worked", "ind-no-sms", "local-new", "untested-bare"}),
        ("added:<2026-01-01", {"ind-failed", "untested-failed"}),
        ("added:2025", {"ind-failed", "untested-failed"}),
        ("added:2026-02", {"ind-worked", "ind-no-sms"}),
        ("added:2026-01-01..2026-02-01", {"ind-worked", "ind-no-sms", "local-new"}),
        ("added:=2025-12-31", {"untested-failed"}),
        # Leaving out the recent ones keeps the entries without a date.
        ("-added:>=2026-01-01", {"ind-failed", "untested-failed", "local-undated"}),
    ],
)
def test_added_filter(corpus, capsys, query, expected):
    assert set(ids(corpus, capsys, query)) == expected


def test_json_hits_carry_added_and_evidence(corpus, capsys):
    code, out = run(corpus, capsys, "search", "--json", "--limit", "50", "--sort", "evidence")
    assert code == 0
    hits = {hit["id"]: hit for hit in json.loads(out)["hits"]}
    assert hits["ind-worked"]["added"] == "2026-02-01"
    assert hits["ind-worked"]["evidence"] == {
        "stage": "independently-evaluated",
        "sms_level": 3,
        "outcome": "worked",
    }
    assert hits["local-undated"]["added"] is None
    assert hits["untested-bare"]["evidence"] == {
        "stage": "untested",
        "sms_level": None,
        "outcome": None,
    }


def test_text_rows_start_with_the_evidence_mark(corpus, capsys):
    code, out = run(corpus, capsys, "search", "--sort", "evidence", "--limit", "50")
    assert code == 0
    rows = [line for line in out.splitlines() if line[:4].strip().rstrip(".").isdigit()]
    assert rows[0] == "  1. I3+  ind-worked  Alpha desk"
    assert rows[1] == "  2. I3x  ind-failed  Bravo form"
    assert rows[3] == "  4. L4~  local-undated  Delta panel"
    assert rows[-1] == "  7. U--  untested-bare  Golf visits"


def test_search_help_offers_every_sort_and_explains_the_mark(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["search", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for sort in SORTS:
        assert sort in text
    assert "I independently evaluated" in text and "x didn't work" in text


def test_an_unknown_sort_is_a_usage_error(corpus, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--root", str(corpus.root), "search", "--sort", "oldest"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'oldest'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("stage", "sms", "outcome", "mark"),
    [
        ("independently-evaluated", 5, "worked", "I5+"),
        ("evaluated-locally", 1, "promising", "L1~"),
        ("untested", None, "new-innovative", "U-*"),
        ("untested", None, "didnt-work", "U-x"),
        ("untested", None, None, "U--"),
        ("piloted-nationally", 2, "partly-worked", "?2?"),  # values a local vocabulary adds
    ],
)
def test_evidence_mark(stage, sms, outcome, mark):
    assert evidence_mark(stage, sms, outcome) == mark
    assert len(mark) == 3 and mark.isascii() and mark.isprintable()


def test_local_stages_and_outcomes_rank_after_the_known_ones():
    assert evidence_rank("untested", None, None) < evidence_rank("piloted-nationally", 5, "worked")
    assert evidence_rank("untested", 1, "didnt-work") < evidence_rank("untested", 1, "partly")
    assert evidence_rank("untested", 1, "partly") < evidence_rank("untested", 1, None)
