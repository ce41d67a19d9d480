"""Duplicate warnings: a near copy warns, an unrelated entry does not."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from practicebase.duplicates import duplicate_warnings

GP_BODY = """## Problem

GP practices in Kirklees made almost no Prevent referrals and those that arrived were late,
thin and hard to triage because practice staff did not know what information mattered.

## What we did

We trained practice managers in twelve surgeries, wrote a one page referral guide with the
clinical commissioning group, and set up a shared inbox monitored by the Prevent triage team.

## Outcomes

Referrals from general practice doubled over eighteen months and fewer needed follow up calls.

## Evaluation

A local comparison of referral quality scores before and after the training sessions.

## Lessons learned

Practice managers, not doctors, were the right first audience. Repeat the sessions yearly.

## How to adopt

Ask the contact for the guide, the slide deck and the inbox handling procedure.
"""

RAIL_BODY = """## Problem

Station staff saw worrying behaviour on trains and platforms but had no route to report it.

## What we did

Short briefings at depots, pocket cards with a phone number, and a named sergeant per route.

## Outcomes

Calls from rail employees rose and two individuals were safeguarded through Channel.

## Evaluation

None yet beyond counting calls received.

## Lessons learned

Shift patterns make classroom training impossible; ten minute toolbox talks work better.

## How to adopt

Borrow our pocket card design and agree a single number with your control room.
"""


def test_near_copy_with_same_title_warns_naming_existing(kb, make_entry):
    old = make_entry(
        "gp-practice-referral-pathway",
        title="GP practice referral pathway",
        body=GP_BODY,
        path=kb.entries_dir / "west-yorkshire" / "gp-practice-referral-pathway.md",
    )
    new = make_entry(
        "gp-referral-pathway-2",
        title="GP Practice Referral Pathway!",
        forces=("kent",),
        body=GP_BODY.replace("Kirklees", "Medway"),
        path=Path("/tmp/incoming/gp-referral-pathway-2.md"),
    )
    problems = duplicate_warnings(kb, [new], existing=[old])
    assert problems, "a near copy must warn"
    assert all(p.severity == "warning" for p in problems)
    assert len(problems) == 1  # one warning per existing entry
    assert problems[0].field == "title"
    assert "gp-practice-referral-pathway" in problems[0].message
    assert "entries/west-yorkshire/gp-practice-referral-pathway.md" in problems[0].message
    assert problems[0].path == "/tmp/incoming/gp-referral-pathway-2.md"


def test_copied_body_under_a_new_title_warns_on_content(kb, make_entry):
    old = make_entry("gp-practice-referral-pathway", title="GP referral pathway", body=GP_BODY)
    new = make_entry("surgery-outreach", title="Surgery outreach scheme", body=GP_BODY)
    problems = duplicate_warnings(kb, [new], existing=[old])
    assert len(problems) == 1
    assert problems[0].field is None
    assert "word sequences shared" in problems[0].message


def test_american_spelling_and_acronym_expansion_still_match_title(kb, make_entry):
    old = make_entry("pcm-review-clinic", title="PCM review clinic for radicalisation cases")
    new = make_entry(
        "pcm-clinic-2", title="Prevent Case Management review clinic for radicalization cases"
    )
    problems = duplicate_warnings(kb, [new], existing=[old])
    assert [p.field for p in problems] == ["title"]


def test_unrelated_entry_does_not_warn(kb, make_entry):
    old = make_entry(
        "gp-practice-referral-pathway", title="GP practice referral pathway", body=GP_BODY
    )
    new = make_entry("rail-staff-awareness", title="Rail staff awareness briefings", body=RAIL_BODY)
    assert duplicate_warnings(kb, [new], existing=[old]) == []


def test_same_id_is_an_update_not_a_duplicate(kb, make_entry):
    old = make_entry(
        "gp-practice-referral-pathway", title="GP practice referral pathway", body=GP_BODY
    )
    new = make_entry(
        "GP-Practice-Referral-Pathway", title="GP practice referral pathway", body=GP_BODY
    )
    assert duplicate_warnings(kb, [new], existing=[old]) == []


def test_entries_in_one_batch_are_compared_with_each_other(kb, make_entry):
    one = make_entry("triage-desk-a", title="Referral triage desk")
    two = make_entry("triage-desk-b", title="Referral triage desk")
    problems = duplicate_warnings(kb, [one, two], existing=[])
    assert {p.path for p in problems} == {"triage-desk-a", "triage-desk-b"}


def test_empty_and_odd_input_never_raises(kb, make_entry):
    assert duplicate_warnings(kb, []) == []
    odd = make_entry("odd-one", title="!!! ???", summary="", body="")
    assert duplicate_warnings(kb, [odd], existing=[odd, make_entry("x-1", title="")]) == []
    broken = make_entry("broken-one", title=None, body=None)
    assert duplicate_warnings(kb, [broken], existing=[odd]) == []
    assert duplicate_warnings(kb, [odd], existing=[broken]) == []


def test_cheap_on_ten_thousand_entries(kb, make_entry, monkeypatch):
    """Each entry is compared in detail with a handful of others, not with all of them."""
    from practicebase import duplicates

    rng = random.Random(7)
    words = [f"w{i}" for i in range(3000)]
    existing = [
        make_entry(
            f"entry-{i}",
            title=f"Prevent {words[i % 3000]} {words[(i * 7) % 3000]} scheme {i}",
            summary=" ".join(rng.choices(words, k=24)),
            body="",
        )
        for i in range(10_000)
    ]
    calls = {"title": 0, "content": 0}

    def counted(name, original):
        def wrapper(*args):
            calls[name] += 1
            return original(*args)

        return wrapper

    monkeypatch.setattr(duplicates, "_titles_alike", counted("title", duplicates._titles_alike))
    monkeypatch.setattr(duplicates, "_resemblance", counted("content", duplicates._resemblance))
    batch = existing[:500] + [make_entry("fresh-one", title="Prevent w5 w35 scheme 5", body="")]
    start = time.perf_counter()
    problems = duplicate_warnings(kb, batch, existing=existing)
    assert time.perf_counter() - start < 60  # about 2 s on an idle laptop
    assert calls["title"] + calls["content"] < 20 * len(batch)
    # the two near-same titles warn about each other; nothing else does
    assert sorted(p.path for p in problems) == ["entry-5", "fresh-one"]
    assert "entry-5'" in next(p.message for p in problems if p.path == "fresh-one")


@pytest.fixture(scope="module")
def indexed_samples(tmp_path_factory, sample_root):
    """The sample knowledge base, indexed, with its entry 'referral-triage-desk' (read only)."""
    import shutil

    from practicebase.index import rebuild_index
    from practicebase.kb import KnowledgeBase
    from practicebase.reports import load_entries

    root = tmp_path_factory.mktemp("indexed") / "kb"
    shutil.copytree(sample_root / "entries", root / "entries")
    kb = KnowledgeBase(root)
    rebuild_index(kb)
    original = next(e for e in load_entries(kb).entries if e.id == "referral-triage-desk")
    return kb, original


def test_uses_the_index_when_present(indexed_samples, make_entry):
    kb, original = indexed_samples
    retitled = make_entry(
        "kent-triage-desk",
        title="A single queue for Prevent referrals in Kent",
        summary=original.summary,
        body=original.body,
    )
    same_title = make_entry("triage-desk-two", title=original.title, body=GP_BODY)
    unrelated = make_entry("rail-briefings", title="Rail staff briefings", body=RAIL_BODY)
    problems = duplicate_warnings(kb, [retitled, same_title, unrelated])
    by_path = {p.path: p for p in problems}
    assert set(by_path) == {"kent-triage-desk", "triage-desk-two"}
    assert by_path["kent-triage-desk"].field is None  # found by shared words
    assert by_path["triage-desk-two"].field == "title"
    assert (
        "entries/greater-manchester/referral-triage-desk.yaml" in by_path["triage-desk-two"].message
    )


def test_index_finds_a_copy_with_a_new_title_and_summary(indexed_samples, make_entry):
    kb, original = indexed_samples
    # No word of the title or summary is in the knowledge base: only the body can find it.
    rewritten = make_entry(
        "essex-intake-queue",
        title="Quarterly harbour ledger",
        summary="Ledger lines reconciled each quarter by harbour volunteers.",
        body=original.body,
    )
    problems = duplicate_warnings(kb, [rewritten])
    assert len(problems) == 1 and problems[0].field is None
    assert "existing entry 'referral-triage-desk'" in problems[0].message


def test_misspelt_title_warns_but_a_different_word_does_not(kb, make_entry):
    old = make_entry("referral-triage-desk", title="Referral triage desk for schools", body="")
    typo = make_entry("referal-triage-desk", title="Referal triage desk for schools", body="")
    other = make_entry(
        "referral-triage-clinic", title="Referral triage clinic for schools", body=""
    )
    problems = duplicate_warnings(kb, [typo, other], existing=[old])
    assert [(p.path, p.field) for p in problems] == [("referal-triage-desk", "title")]


def test_half_rewritten_body_is_not_a_copy(kb, make_entry):
    sentences = [
        f"Sentence {i} about referral number {i * 7} and panel {i * 3}." for i in range(40)
    ]
    rewritten = [
        s if i % 2 else f"Completely different claim {i} regarding schools {i * 11}."
        for i, s in enumerate(sentences)
    ]
    old = make_entry("old-one", title="Alpha scheme", body=" ".join(sentences))
    near = make_entry("near-one", title="Beta scheme", body=" ".join(sentences[:36]))
    half = make_entry("half-one", title="Gamma scheme", body=" ".join(rewritten))
    problems = duplicate_warnings(kb, [near, half], existing=[old])
    assert [p.path for p in problems] == ["near-one"]
