"""Every file of the bad-input corpus through the real CLI: `validate`, `add`, then `search`.

Each hazard runs in its own copy of a small indexed knowledge base, inside a work folder that
also holds the inbox the file is added from. The runs are done once, several at a time (they
are subprocesses), and the tests below check one promise each over all of them.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hardening_harness import (
    BODY_TAIL_QUERY,
    CORPUS,
    HazardRun,
    assert_clean_run,
    diff_digests,
    exercise,
    problems_with_run,
    run_cli,
)

from practicebase.entry import Entry


@dataclass(frozen=True)
class Expect:
    """What must happen to one corpus file.

    verdict: "accept" (valid, filed intact), "warn" (valid with a warning), "reject" (refused by
    validate and add), "add-reject" (valid on its own, refused by add against the knowledge base).
    message: a regex (case-insensitive) the output must match; None when only the file name and
    a non-zero exit are required. check: what the filed entry must hold.
    """

    verdict: str
    message: str | None = None
    check: Callable[[Entry], None] | None = None


def _title(expected: str) -> Callable[[Entry], None]:
    def check(entry: Entry) -> None:
        assert entry.title == expected

    return check


def _booleans_are_text(entry: Entry) -> None:
    assert entry.title == "Yes"
    assert [t.lower() for t in entry.tags] == ["on", "off", "y", "n", "yes", "no", "true", "false"]


def _sexagesimal_is_text(entry: Entry) -> None:
    assert entry.title == "24:7"
    assert list(entry.tags) == ["1:30", "190:20:30"]


def _floats_are_text(entry: Entry) -> None:
    assert entry.title == "1e3"
    assert [t.lower() for t in entry.tags] == [".inf", ".nan", "0x1f"]


def _octal_id(entry: Entry) -> None:
    assert entry.id == "0755"


def _dates(entry: Entry) -> None:
    assert entry.last_reviewed == date(2026, 1, 15)
    assert entry.started == date(2025, 9, 1)
    assert entry.review_due == date(2027, 1, 15)


def _rules_kept(entry: Entry) -> None:
    assert "A part after a rule." in entry.body
    assert "## How to adopt" in entry.body
    assert entry.body.count("\n---\n") >= 2
    assert entry.body.rstrip().endswith("The end: ---")


def _bom_crlf(entry: Entry) -> None:
    assert entry.id == "bom-crlf"
    assert entry.title == "Hardening corpus entry bom-crlf"
    assert "\ufeff" not in entry.id + entry.title
    assert "## What we did" in entry.body and "Start with one primary care network." in entry.body


def _html_is_text(entry: Entry) -> None:
    assert '<script>alert("x")</script>' in entry.body
    assert '<img src=x onerror="alert(1)">' in entry.body


def _rich_in_body(entry: Entry) -> None:
    assert "[bold]not bold[/] [/] [link=x]y" in entry.body


ID = r"\bid\b"
HAZARDS: dict[str, Expect] = {
    # YAML must never construct objects, follow aliases or honour tags.
    "unsafe-tag-python-object-apply.md": Expect("reject", r"tag"),
    "unsafe-tag-python-object-new.yaml": Expect("reject", r"tag"),
    "unsafe-tag-python-name.yaml": Expect("reject", r"tag"),
    "alias-bomb.yaml": Expect("reject", r"alias|anchor"),
    "anchor-and-alias.md": Expect("reject", r"alias|anchor"),
    "binary-tag.yaml": Expect("reject", r"tag|binary"),
    "custom-tag.md": Expect("reject", r"tag"),
    # YAML 1.1 surprises: everything is text.
    "yaml11-boolean-force-no.md": Expect("reject", r"force.*\bNO\b"),
    "yaml11-booleans-as-text.md": Expect("accept", check=_booleans_are_text),
    "sexagesimal-title.md": Expect("accept", check=_sexagesimal_is_text),
    "float-looking-title.md": Expect("accept", check=_floats_are_text),
    "octal-looking-id.md": Expect("accept", check=_octal_id),
    "dates-quoted-and-unquoted.md": Expect("accept", check=_dates),
    "impossible-date.md": Expect("reject", r"last_reviewed.*not a valid date"),
    "datetime-not-date.md": Expect("reject", r"last_reviewed"),
    # YAML structure.
    "duplicate-keys.md": Expect("reject", r"duplicate"),
    "tab-indentation.md": Expect("reject", r"\btabs?\b"),
    "deep-nesting-flow-5000.md": Expect("reject"),
    "deep-nesting-block-5000.yaml": Expect("reject"),
    "non-string-key.md": Expect("reject"),
    "null-key.md": Expect("reject"),
    "lone-surrogate-escape.md": Expect("reject", r"unicode|surrogate|escape"),
    "multiple-documents.yaml": Expect("reject", r"document"),
    "yaml-syntax-error.yaml": Expect("reject", r"line|column"),
    # Fields.
    "missing-required-fields.md": Expect(
        "reject",
        r"(?s)(?=.*force)(?=.*themes)(?=.*summary)(?=.*stage)(?=.*last_reviewed)"
        r"(?=.*contact)",
    ),
    "unknown-field.md": Expect("warn", r"warning.*colour|colour.*warning"),
    "string-where-list-belongs.md": Expect("reject", r"links"),
    "mapping-where-string-belongs.md": Expect("reject", r"title"),
    "title-100000-chars.md": Expect("reject", r"title"),
    "empty-strings.md": Expect("reject", r"(?s)(?=.*title)(?=.*summary)"),
    "empty-id.md": Expect("reject", ID),
    "sms-level-out-of-range.md": Expect("reject", r"sms_level"),
    "classification-secret.md": Expect("reject", r"classification.*SECRET|SECRET.*classification"),
    "classification-top-secret.md": Expect("reject", r"classification"),
    "link-javascript.md": Expect("reject", r"url|link"),
    "link-file.md": Expect("reject", r"url|link"),
    "contact-email-invalid.md": Expect("reject", r"email"),
    # Front matter shape.
    "empty-front-matter.md": Expect("reject"),
    "front-matter-list.md": Expect("reject", r"mapping"),
    "front-matter-scalar.md": Expect("reject", r"mapping"),
    "missing-closing-delimiter.md": Expect("reject", r"closing|---"),
    "missing-closing-delimiter-later-rule.md": Expect("reject"),
    "rules-inside-body.md": Expect("accept", check=_rules_kept),
    "no-front-matter.md": Expect("reject", r"front matter"),
    "empty-file.md": Expect("reject", r"empty"),
    "whitespace-only.md": Expect("reject", r"empty|front matter"),
    "front-matter-not-at-start.md": Expect("reject", r"front matter|---"),
    # Bytes and encodings.
    "bom-crlf.md": Expect("accept", check=_bom_crlf),
    "cp1252-bytes.md": Expect("reject", r"UTF-8"),
    "nul-bytes.md": Expect("reject", r"NUL|control|U\+0000|\\x00"),
    "nul-bytes-in-body.md": Expect("reject", r"NUL|control|U\+0000|\\x00"),
    "utf16-file.md": Expect("reject", r"UTF-8|NUL|control|encod"),
    # Ids, paths and look-alikes.
    "id-path-traversal.md": Expect("reject", ID),
    "id-absolute-path.md": Expect("reject", ID),
    "force-path-traversal.md": Expect("reject", r"force"),
    "homoglyph-id.md": Expect("reject", ID),
    "homoglyph-force.md": Expect("reject", r"force"),
    "bidi-override-title.md": Expect("reject", r"title"),
    "zero-width-id.md": Expect("reject", ID),
    "zero-width-title.md": Expect("accept", check=_title("Prevent\u200b\u2060 triage")),
    "bidi-in-body.md": Expect("warn", r"bidirectional"),
    "id-differs-only-in-case.md": Expect("reject", ID),
    "same-id-as-existing.md": Expect("add-reject", r"corpus-existing-entry"),
    "id-with-spaces.md": Expect("reject", ID),
    # Markup and terminal escapes: markup in data is text; escapes are refused.
    "html-script-in-body.md": Expect("accept", check=_html_is_text),
    "csv-formula-title.md": Expect(
        "accept", check=_title('=HYPERLINK("https://evil.example/","Open")')
    ),
    "ansi-screen-clear-in-title.md": Expect("reject", r"title"),
    "osc52-clipboard-in-summary.md": Expect("reject", r"summary"),
    "osc-window-title-in-contact.md": Expect("reject", r"contact|role"),
    "osc8-hyperlink-in-tags.md": Expect("reject", r"tags"),
    "ansi-osc-in-body.md": Expect("reject", r"body|control"),
    "c1-control-in-title.md": Expect("reject", r"title"),
    "bel-in-title.md": Expect("reject", r"title"),
    "rich-markup-balanced-title.md": Expect(
        "accept", check=_title("[bold red]Urgent[/bold red] [@click=app.quit]quit[/]")
    ),
    "rich-markup-unbalanced-title.md": Expect(
        "accept", check=_title("[/bold] closing first [link=file:///etc/passwd] [red")
    ),
    "rich-markup-in-body.md": Expect("accept", check=_rich_in_body),
    # Markdown that backtracking regular expressions take minutes over: valid, so accepted,
    # and indexed (rendered to text) within the time limit like any other entry; past a
    # Markdown limit (docs/entry-format.md) with a warning that it is shown as plain text.
    "markdown-many-blank-lines.md": Expect("warn", r"20,0\d\d lines.*plain text"),
    "markdown-many-brackets.md": Expect("warn", r"40,000 `\[` characters.*plain text"),
    "markdown-many-emphasis-marks.md": Expect("accept"),
    "markdown-spaces-before-tab.md": Expect("accept"),
    "markdown-heading-of-hashes.md": Expect("warn", r"100,\d\d\d characters.*plain text"),
}

ACCEPTED = ("accept", "warn")


def test_every_corpus_file_has_an_expectation() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.is_file() and p.name != "ruff.toml"}
    assert files == set(HAZARDS), (
        f"unlisted: {sorted(files - set(HAZARDS))}; missing: {sorted(set(HAZARDS) - files)}"
    )


# ---- running every hazard once ---------------------------------------------------------------


def exercise_corpus_file(name: str, base_kb: Path, work: Path) -> HazardRun:
    def place(inbox: Path) -> Path:
        return Path(shutil.copy2(CORPUS / name, inbox / name))

    return exercise(base_kb, work, place, strict=HAZARDS[name].verdict == "warn")


@pytest.fixture(scope="module")
def corpus_runs(base_kb: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, HazardRun]:
    """Run every hazard (subprocesses, several at once) and keep what was observed."""
    top = tmp_path_factory.mktemp("corpus")
    workers = max(2, (os.cpu_count() or 2) * 2)
    with ThreadPoolExecutor(workers) as pool:
        futures = {
            name: pool.submit(exercise_corpus_file, name, base_kb, top / name.replace(".", "_"))
            for name in HAZARDS
        }
        return {name: future.result() for name, future in futures.items()}


# Bugs in the code under test still open when this suite was last changed:
# (test function, corpus file) -> the bug. Strict, so a fixed bug fails its marker loudly.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def hazards(test: str, selected: list[str]) -> pytest.MarkDecorator:
    """Parametrize `test` over `selected` files, its known bugs marked as strict xfails."""
    params = [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[(test, n)]))
        if (test, n) in KNOWN_BUGS
        else n
        for n in selected
    ]
    return pytest.mark.parametrize("name", params)


# ---- the promises ----------------------------------------------------------------------------


@hazards("test_no_traceback_timeout_or_terminal_escape", sorted(HAZARDS))
def test_no_traceback_timeout_or_terminal_escape(corpus_runs: dict[str, HazardRun], name: str):
    hazard = corpus_runs[name]
    problems = [f"{r.args[0]}: {p}" for r in hazard.runs for p in problems_with_run(r)]
    assert not problems, "\n".join(problems) + "\n" + "\n".join(r.describe() for r in hazard.runs)


@hazards("test_verdict_exit_status_and_message", sorted(HAZARDS))
def test_verdict_exit_status_and_message(corpus_runs: dict[str, HazardRun], name: str):
    hazard, expect = corpus_runs[name], HAZARDS[name]
    validate, add = hazard.validate, hazard.add
    if expect.verdict in ACCEPTED:
        assert validate.returncode == 0, validate.describe()
        assert add.returncode == 0, add.describe()
    elif expect.verdict == "add-reject":
        assert validate.returncode == 0, validate.describe()
        assert add.returncode not in (0, None), add.describe()
    else:
        assert validate.returncode not in (0, None), validate.describe()
        assert add.returncode not in (0, None), add.describe()
    if expect.verdict == "warn":
        assert hazard.strict is not None and hazard.strict.returncode == 1, hazard.strict.describe()
    checked = [add] if expect.verdict == "add-reject" else [validate, add]
    if expect.verdict != "accept":
        for run in checked:
            assert name in run.text, f"the message does not name the file\n{run.describe()}"
            if expect.message:
                assert re.search(expect.message, run.text, re.IGNORECASE), (
                    f"expected /{expect.message}/\n{run.describe()}"
                )
            # One clear message, not a dump of the file (the 100,000-character title).
            assert len(run.text) < 4000, run.describe()


@hazards("test_nothing_written_outside_entries_and_index", sorted(HAZARDS))
def test_nothing_written_outside_entries_and_index(corpus_runs: dict[str, HazardRun], name: str):
    hazard = corpus_runs[name]
    changed = diff_digests(hazard.outside_before, hazard.outside_after)
    assert not changed, f"written outside entries/ and index/: {changed}"
    assert not list(hazard.work.rglob("pwned*")), "content from the file was executed"
    assert not Path("/tmp/practicebase-hardening-absolute-pwned").exists()


REFUSED_NAMES = sorted(n for n, e in HAZARDS.items() if e.verdict not in ACCEPTED)


@hazards("test_refused_add_leaves_kb_byte_identical", REFUSED_NAMES)
def test_refused_add_leaves_kb_byte_identical(corpus_runs: dict[str, HazardRun], name: str):
    hazard = corpus_runs[name]
    assert diff_digests(hazard.kb_before, hazard.kb_after) == []


@hazards("test_index_answers_the_same_searches", REFUSED_NAMES)
def test_index_answers_the_same_searches(corpus_runs: dict[str, HazardRun], name: str):
    """(Accepted files add one entry: see test_accepted_entry_is_filed_intact.)"""
    hazard = corpus_runs[name]
    assert hazard.searches_after == hazard.searches_before


ACCEPTED_NAMES = sorted(n for n, e in HAZARDS.items() if e.verdict in ACCEPTED)


@hazards("test_accepted_entry_is_filed_intact", ACCEPTED_NAMES)
def test_accepted_entry_is_filed_intact(corpus_runs: dict[str, HazardRun], name: str):
    from practicebase.kb import KnowledgeBase
    from practicebase.validate import load_entry

    hazard, expect = corpus_runs[name], HAZARDS[name]
    assert hazard.add.returncode == 0, hazard.add.describe()  # before parsing it in-process
    vocabulary = KnowledgeBase(hazard.kb).vocabulary
    source = load_entry(hazard.work / "inbox" / name, vocabulary)
    assert source.entry is not None, [p.format() for p in source.problems]
    entry = source.entry
    suffix = Path(name).suffix
    stored_rel = f"entries/{entry.forces[0]}/{entry.id}{suffix}"
    changed = diff_digests(hazard.kb_before, hazard.kb_after)
    outside_index = [c for c in changed if not c[2:].startswith("index/")]
    assert set(outside_index) <= {f"+ {stored_rel}", f"+ entries/{entry.forces[0]}"}, changed
    assert f"+ {stored_rel}" in outside_index, changed
    stored = load_entry(hazard.kb / stored_rel, vocabulary)
    assert stored.entry is not None, [p.format() for p in stored.problems]
    # Filed as it was, with the `added` date `add` writes into a file that has none.
    assert stored.entry == dataclasses.replace(entry, added=entry.added or date.today())
    if expect.check:
        expect.check(stored.entry)
    # add updated the index: the new entry is found, the others still are.
    found = hazard.searches_after[BODY_TAIL_QUERY]
    assert entry.id in found
    assert set(hazard.searches_before[BODY_TAIL_QUERY][:-1]) <= set(found)
    assert entry.id in hazard.search.out, hazard.search.describe()


LITERALS = {
    "rich-markup-balanced-title.md": "[bold red]Urgent[/bold red] [@click=app.quit]quit[/]",
    "rich-markup-unbalanced-title.md": "[/bold] closing first [link=file:///etc/passwd] [red",
    "rich-markup-in-body.md": "[bold]not bold[/] [/] [link=x]y",
    "html-script-in-body.md": '<script>alert("x")</script>',
}


@hazards("test_show_prints_accepted_hostile_entries_safely", ACCEPTED_NAMES)
def test_show_prints_accepted_hostile_entries_safely(corpus_runs: dict[str, HazardRun], name):
    """`show` prints the whole entry: markup and HTML appear literally, nothing unsafe."""
    from practicebase.kb import KnowledgeBase
    from practicebase.validate import load_entry

    hazard = corpus_runs[name]
    assert hazard.add.returncode == 0, hazard.add.describe()  # before parsing it in-process
    loaded = load_entry(hazard.work / "inbox" / name, KnowledgeBase(hazard.kb).vocabulary)
    assert loaded.entry is not None
    show = run_cli(hazard.kb, "show", loaded.entry.id, cwd=hazard.work)
    assert_clean_run(show)
    assert show.returncode == 0, show.describe()
    if name in LITERALS:
        assert LITERALS[name] in show.out, show.describe()
    if name.startswith("rich-markup") and "title" in name:
        assert LITERALS[name] in hazard.search.out, hazard.search.describe()


def test_alias_bomb_is_refused_quickly(corpus_runs: dict[str, HazardRun]):
    hazard = corpus_runs["alias-bomb.yaml"]
    assert hazard.validate.seconds < 5, hazard.validate.describe()
