"""Every field rule of the entry format, through `practicebase validate` on real files."""

from __future__ import annotations

from datetime import date

import pytest

from practicebase.validate import load_entry
from practicebase.vocabulary import load_vocabulary

LONG = "x" * 151

# (case name, field changes, message expected in the output)
ERRORS = [
    ("id-upper-case", {"id": "School-Liaison"}, "id: `School-Liaison` is not a valid id"),
    ("id-too-short", {"id": "ab"}, "must be 3 to 80 characters"),
    ("id-too-long", {"id": "a" * 81}, "must be 3 to 80 characters"),
    ("id-double-hyphen", {"id": "a--b"}, "words joined by single hyphens"),
    ("id-traversal", {"id": "'../../outside'"}, "`../../outside` is not a valid id"),
    ("id-homoglyph", {"id": "prev\u0435nt-triage"}, "CYRILLIC SMALL LETTER IE"),
    ("id-empty", {"id": "''"}, "id: is empty"),
    ("title-missing", {"title": None}, "title: required field is missing"),
    ("title-empty", {"title": "''"}, "title: is empty; it is required"),
    ("title-too-long", {"title": LONG}, "title: is 151 characters; at most 150 allowed"),
    ("title-list", {"title": "[a, b]"}, "title: must be text, not a list"),
    ("title-mapping", {"title": "{a: b}"}, "title: must be text, not a mapping"),
    ("title-two-lines", {"title": "|\n  one\n  two"}, "title: must be a single line"),
    ("force-missing", {"force": None}, "force: required field is missing"),
    ("force-typo", {"force": "West Midlnds"}, "did you mean `west-midlands`"),
    ("force-yaml11-no", {"force": "NO"}, "force: unknown force `NO`"),
    ("force-list-typo", {"force": "[kent, sussx]"}, "force[1]: unknown force `sussx`"),
    ("force-empty-list", {"force": "[]"}, "force: must list at least one value"),
    ("themes-missing", {"themes": None}, "themes: required field is missing"),
    ("themes-string", {"themes": "referrals"}, "themes: must be a list"),
    ("themes-empty", {"themes": "[]"}, "themes: must list at least one value"),
    ("themes-unknown", {"themes": "[refferals]"}, "did you mean `referrals`"),
    ("themes-too-many", {"themes": "[" + ", ".join(["online"] * 26) + "]"}, "at most 25"),
    ("summary-missing", {"summary": None}, "summary: required field is missing"),
    ("summary-too-long", {"summary": "y" * 601}, "summary: is 601 characters; at most 600"),
    ("stage-missing", {"stage": None}, "stage: required field is missing"),
    ("stage-unknown", {"stage": "tested"}, "stage: unknown value `tested`"),
    ("outcome-unknown", {"outcome": "failed"}, "outcome: unknown value `failed`"),
    ("status-unknown", {"status": "closed"}, "allowed: planned, pilot, active, ended"),
    ("started-format", {"started": "05/01/2024"}, "must be a date written YYYY-MM-DD"),
    ("last-reviewed-missing", {"last_reviewed": None}, "last_reviewed: required field"),
    ("last-reviewed-impossible", {"last_reviewed": "2024-02-30"}, "is not a valid date"),
    ("last-reviewed-quoted-impossible", {"last_reviewed": "'2023-02-29'"}, "not a valid date"),
    ("last-reviewed-datetime", {"last_reviewed": "2026-01-15 10:00:00"}, "YYYY-MM-DD"),
    ("review-due-impossible", {"review_due": "2026-13-01"}, "review_due: `2026-13-01` is not"),
    ("contact-missing", {"contact": None}, "contact: required field is missing"),
    ("contact-string", {"contact": "a@b.example.uk"}, "contact: must be a mapping"),
    ("contact-no-email", {"contact": "\n  role: Lead"}, "contact.email: required field is missing"),
    (
        "contact-no-role",
        {"contact": "\n  email: a@b.example.uk"},
        "contact.role: required field is missing",
    ),
    (
        "contact-bad-email",
        {"contact": "\n  role: Lead\n  email: not an email"},
        "contact.email: `not an email` is not an email address",
    ),
    (
        "contact-bad-phone",
        {"contact": "\n  role: Lead\n  email: a@b.example.uk\n  phone: call me"},
        "contact.phone: `call me` is not a phone number",
    ),
    ("audience-unknown", {"audience": "[kids]"}, "audience[0]: unknown value `kids`"),
    ("partners-unknown", {"partners": "[schools]"}, "partners[0]: unknown value `schools`"),
    ("ideology-unknown", {"ideology": "[far-right]"}, "ideology[0]: unknown value"),
    ("audience-string", {"audience": "children"}, "audience: must be a list"),
    ("recommendation-format", {"recommendations": "[CT4 2020 R4]"}, "like `CT4-2020-R4`"),
    ("classification-secret", {"classification": "SECRET"}, "must never be stored"),
    ("classification-top-secret", {"classification": "TOP SECRET"}, "must never be stored"),
    ("classification-unknown", {"classification": "RESTRICTED"}, "unknown value `RESTRICTED`"),
    ("sms-zero", {"sms_level": "0"}, "sms_level: `0` must be a whole number from 1 to 5"),
    ("sms-six", {"sms_level": "6"}, "whole number from 1 to 5"),
    ("sms-fraction", {"sms_level": "2.5"}, "whole number from 1 to 5"),
    ("sms-word", {"sms_level": "three"}, "whole number from 1 to 5"),
    ("related-bad-id", {"related": "[Other Entry]"}, "related[0]: `Other Entry` is not a valid"),
    ("supersedes-bad-id", {"supersedes": "../old"}, "supersedes: `../old` is not a valid id"),
    (
        "link-javascript",
        {"links": "[{title: x, url: 'javascript:alert(1)'}]"},
        "links[0].url: `javascript:` links are not allowed",
    ),
    (
        "link-file",
        {"links": "[{title: x, url: 'file:///etc/passwd'}]"},
        "`file:` links are not allowed",
    ),
    ("link-no-host", {"links": "[{title: x, url: 'https://'}]"}, "has no host name"),
    (
        "link-no-title",
        {"links": "[{url: 'https://example.org'}]"},
        "links[0].title: required field is missing",
    ),
    ("link-string", {"links": "['https://example.org']"}, "links[0]: must be a mapping"),
    ("tags-string", {"tags": "youth"}, "tags: must be a list"),
    ("tag-too-long", {"tags": "[" + "t" * 51 + "]"}, "tags[0]: is 51 characters"),
    ("tags-too-many", {"tags": "[" + ", ".join(f"t{i}" for i in range(31)) + "]"}, "at most 30"),
    ("escape-in-title", {"title": '"\\e[2J gone"'}, "title: contains U+001B (ESC)"),
]


@pytest.mark.parametrize(
    ("changes", "message"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS]
)
def test_field_rule_errors(cli, kb, write_entry, changes, message):
    path = write_entry(**changes)
    run = cli("--root", kb, "validate", path)
    assert run.code == 1, run.out
    assert message in run.out
    assert str(path) in run.out
    assert ": error: " in run.out
    assert "1 file checked: 0 valid, 1 with errors" in run.out


def test_all_problems_of_a_file_are_reported_at_once_with_lines(cli, kb, write_entry):
    path = write_entry(title=None, stage="tested", sms_level="9", last_reviewed="2024-02-30")
    run = cli("--root", kb, "validate", path)
    assert run.code == 1
    assert f"{path}: error: title: required field is missing" in run.out
    assert f"{path}:6: error: stage: unknown value `tested`" in run.out
    assert f"{path}:8: error: last_reviewed: `2024-02-30` is not a valid date" in run.out
    assert f"{path}:12: error: sms_level:" in run.out
    assert "4 errors" in run.out


# (case name, field changes, warning expected)
WARNINGS = [
    ("unknown-field", {"colour": "blue"}, "warning: colour: unknown field (ignored)"),
    ("unknown-field-typo", {"titel": "x"}, "unknown field (ignored); did you mean `title`?"),
    (
        "contact-unknown-key",
        {"contact": "\n  role: L\n  email: a@b.example.uk\n  fax: 1"},
        "contact.fax: unknown field",
    ),
    ("summary-two-paragraphs", {"summary": "|\n  one\n\n  two"}, "should be one paragraph"),
    ("force-twice", {"force": "[gmp, greater-manchester]"}, "is listed twice"),
    ("review-due-before", {"review_due": "2025-01-01"}, "review_due: is before last_reviewed"),
    ("related-self", {"related": "[school-liaison-pilot]"}, "lists the entry's own id"),
    (
        "zero-width-in-title",
        {"title": '"School\u200bliaison"'},
        "title: contains U+200B (zero width space), an invisible character",
    ),
    ("joiner-in-tag", {"tags": '["a\u200db"]'}, "tags[0]: contains U+200D (zero width joiner)"),
]


@pytest.mark.parametrize(
    ("changes", "message"), [c[1:] for c in WARNINGS], ids=[c[0] for c in WARNINGS]
)
def test_field_rule_warnings_pass_unless_strict(cli, kb, write_entry, changes, message):
    path = write_entry(**changes)
    run = cli("--root", kb, "validate", path)
    assert run.code == 0, run.out
    assert message in run.out
    assert "1 valid" in run.out
    strict = cli("--root", kb, "validate", "--strict", path)
    assert strict.code == 1
    assert message.replace("warning: ", "error: ") in strict.out


def test_missing_recommended_sections_are_a_warning(cli, kb, write_entry):
    path = write_entry(stage="untested", body="\n## Problem\n\nText.\n")
    run = cli("--root", kb, "validate", path)
    assert run.code == 0
    assert (
        "warning: body: missing recommended sections: `## What we did`, `## Outcomes`, "
        "`## Evaluation`, `## Lessons learned`, `## How to adopt`"
    ) in run.out


def test_evaluated_stage_without_evaluation_section_is_a_warning(cli, kb, write_entry):
    body = "\n## Problem\n\nA.\n\n## What we did\n\nB.\n\n## Outcomes\n\nC.\n"
    body += "\n## Lessons learned\n\nD.\n\n## How to adopt\n\nE.\n"
    path = write_entry(stage="independently-evaluated", body=body)
    run = cli("--root", kb, "validate", path)
    assert run.code == 0
    assert "stage: is `independently-evaluated` but the body has no `## Evaluation`" in run.out
    assert "missing recommended" not in run.out


def test_a_heading_inside_a_code_block_is_not_a_section(cli, kb, write_entry):
    body = "\n## Problem\n\n```\n## Evaluation\n```\n"
    path = write_entry(stage="evaluated-locally", body=body)
    run = cli("--root", kb, "validate", path)
    assert "has no `## Evaluation`" in run.out


def _load(path, vocabulary=None):
    loaded = load_entry(path, vocabulary or load_vocabulary(None))
    assert loaded.entry is not None, [p.format() for p in loaded.problems]
    return loaded.entry


def test_values_are_converted_and_stored_as_ids(write_entry):
    path = write_entry(
        force="[GMP, 'Devon and Cornwall Police', west midlands police]",
        themes="[Referrals, ONLINE]",
        stage="Evaluated-Locally",
        classification="official sensitive",
        recommendations="[ct4-2020-r4]",
        sms_level="'3'",
        links="[{title: Guide, url: 'mailto:prevent@example.police.uk'}]",
        tags="[youth, Youth, online]",
    )
    entry = _load(path)
    assert entry.forces == ("greater-manchester", "devon-and-cornwall", "west-midlands")
    assert entry.themes == ("referrals", "online")
    assert entry.stage == "evaluated-locally"
    assert entry.classification == "OFFICIAL-SENSITIVE"
    assert entry.recommendations == ("CT4-2020-R4",)
    assert entry.sms_level == 3
    assert entry.links[0].url == "mailto:prevent@example.police.uk"
    assert entry.tags == ("youth", "online")


def test_defaults(write_entry):
    entry = _load(write_entry("default-id-from-name.md", id=None))
    assert entry.id == "default-id-from-name"
    assert entry.status == "active"
    assert entry.classification == "OFFICIAL"
    assert entry.review_due == date(2027, 1, 15)
    assert entry.outcome == "promising"
    assert entry.started is None


def test_review_due_defaults_safely_from_29_february(write_entry):
    entry = _load(write_entry(last_reviewed="2024-02-29"))
    assert entry.review_due == date(2025, 2, 28)


def test_quoted_and_unquoted_dates_mean_the_same(write_entry):
    plain = _load(write_entry("a-entry.md", id=None, last_reviewed="2025-06-01"))
    quoted = _load(write_entry("b-entry.md", id=None, last_reviewed="'2025-06-01'"))
    double = _load(write_entry("c-entry.md", id=None, last_reviewed='"2025-06-01"'))
    assert plain.last_reviewed == quoted.last_reviewed == double.last_reviewed == date(2025, 6, 1)


def test_yaml_11_values_stay_text(write_entry):
    entry = _load(write_entry(id="'0755'", title="24:7", tags="[yes, no, on, off, 1e3, 0x1F]"))
    assert entry.id == "0755"
    assert entry.title == "24:7"
    assert entry.tags == ("yes", "no", "on", "off", "1e3", "0x1F")
    octal = _load(write_entry(id="0755"))
    assert octal.id == "0755"


def test_file_name_that_is_not_an_id_needs_an_id_field(cli, kb, write_entry):
    path = write_entry("School Liaison.md", id=None)
    run = cli("--root", kb, "validate", path)
    assert run.code == 1
    assert "no `id:` field and the file name `School Liaison` is not a valid id" in run.out
    assert "`school-liaison`" in run.out


def test_knowledge_base_vocabulary_extends_the_packaged_one(cli, kb, write_entry):
    (kb / "vocabulary.yaml").write_text(
        "extra_forces:\n  - {id: jersey, name: States of Jersey Police, aliases: [SOJP]}\n"
    )
    path = write_entry(force="SOJP")
    assert cli("--root", kb, "validate", path).code == 0
    assert cli("--root", kb, "add", path).code == 0
    assert (kb / "entries" / "jersey" / "school-liaison-pilot.md").is_file()


def test_secret_cannot_be_allowed_by_a_local_vocabulary(cli, kb, write_entry):
    (kb / "vocabulary.yaml").write_text("extra_classifications: [SECRET]\n")
    run = cli("--root", kb, "validate", write_entry(classification="SECRET"))
    assert run.code == 2
    assert "vocabulary.yaml: `extra_classifications`: item 1: SECRET and TOP SECRET" in run.err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("forces: 7\n", "`forces`: must be a list"),
        ("themes: {a: b}\n", "`themes`: must be a list"),
        ("extra_forces:\n  - {id: ../x, name: X}\n", "item 1: `../x` is not a valid id"),
        ("extra_forces:\n  - {id: x-force}\n", "a force needs a `name:`"),
        ("colours: [red]\n", "`colours`: is not a vocabulary list"),
        ("acronyms: [a]\n", "`acronyms`: must be a mapping"),
        ('extra_themes:\n  - id: "evil\\e[2J"\n', "contains U+001B (ESC)"),
        ("themes: &t [a]\naudience: *t\n", "YAML anchors"),
        ("- a list\n", "must be a mapping"),
    ],
)
def test_a_broken_local_vocabulary_names_the_file_and_key(cli, kb, text, message):
    (kb / "vocabulary.yaml").write_text(text)
    run = cli("--root", kb, "validate")
    assert run.code == 2
    assert "vocabulary.yaml" in run.err
    assert message in run.err


def test_an_empty_local_vocabulary_changes_nothing(cli, kb, write_entry):
    (kb / "vocabulary.yaml").write_text("# nothing yet\n")
    assert cli("--root", kb, "validate", write_entry()).code == 0
