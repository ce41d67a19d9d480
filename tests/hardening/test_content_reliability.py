"""Issue 16, content: any valid entry indexes, opens in the app and exports in bounded time;
an export never overwrites what is at its --out; invisible characters are replaced wherever
entry text is shown; ids a Windows checkout cannot hold are refused.

Through the real CLI (and the app driven by Pilot in a subprocess, to measure its memory)
wherever a promise is about a command; the Markdown limits' own arithmetic by properties.
"""

from __future__ import annotations

import html
import json
import os
import stat
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hardening_harness import (
    HERE,
    assert_clean_run,
    cli_env,
    copy_kb,
    diff_digests,
    make_kb,
    run_cli,
    tree_digest,
    write_entry,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from practicebase.analysis import markdown_to_text, unescape_html
from practicebase.markdown_render import (
    LIMITS,
    Limits,
    check,
    check_tokens,
    html_parser,
    render_html,
    within_limits_by_bounds,
)
from practicebase.sanitize import clean_line, clean_text

SCALE = int(os.environ.get("PRACTICEBASE_HYPOTHESIS_SCALE", "1"))


def budget(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        derandomize=SCALE == 1,
        suppress_health_check=[HealthCheck.too_slow],
    )


DIGIT_RUN = "See &#" + "1" * 4301 + "; about the quokka reference."

# The bodies of issue 16 that stalled or broke the HTML export and the app's entry view.
BRACKETS = "[" * 16_000
LINK_OPENERS = "[a](<" * 8_000
NESTED_LIST = "".join("  " * depth + "- item\n" for depth in range(600))
WIDE_TABLE = "|" + "a|" * 10_000 + "\n|" + "-|" * 10_000 + "\n"
LONG_TABLE = "|a|b|\n|-|-|\n" + "|x|y|\n" * 30_000


# ---- 1. index text never raises -------------------------------------------------------------


def test_an_entry_with_a_4301_digit_character_reference_indexes(base_kb: Path, tmp_path: Path):
    kb = copy_kb(base_kb, tmp_path / "kb")
    source = write_entry(tmp_path / "inbox" / "digit-run.md", "digit-run", problem=DIGIT_RUN)
    for args in (("validate", source), ("add", source), ("index", "--rebuild")):
        run = run_cli(kb, *args, cwd=tmp_path)
        assert_clean_run(run)
        assert run.returncode == 0, run.describe()
    search = run_cli(kb, "search", "quokka", cwd=tmp_path)
    assert_clean_run(search)
    assert "digit-run" in search.out, search.describe()


REFERENCES = st.lists(
    st.sampled_from(["&", "#", "x", "X", "0", "1", "9", "a", "F", ";", "amp", "lt", " ", "\n"])
    | st.integers(1, 5000).map(lambda n: "1" * n),
    max_size=30,
).map("".join)


@budget(200)
@given(REFERENCES)
def test_unescape_is_html_unescape_without_its_failure(text: str):
    """Wherever `html.unescape` answers, the safe version answers the same; where it raises
    (over 4,300 digits), the safe version gives U+FFFD, like any out-of-range reference."""
    try:
        expected = html.unescape(text)
    except ValueError:
        expected = None
    got = unescape_html(text)
    if expected is not None:
        assert got == expected
    markdown_to_text(text)  # never raises


def test_markdown_to_text_of_the_digit_run():
    assert markdown_to_text(DIGIT_RUN) == "See \ufffd about the quokka reference."


# ---- 1. Markdown within limits --------------------------------------------------------------

SMALL = Limits(
    characters=10**6,
    lines=10**6,
    brackets=10**6,
    nesting=3,
    table_columns=3,
    table_rows=4,
    table_cells=6,
    links=3,
    blocks=12,
)
MARKDOWN_PIECES = st.lists(
    st.sampled_from(
        ["\n", "\n", "\n\n", " ", "  ", "    ", "\t", "-", "- ", "* ", "+ ", "1. ", "2) ", ">",
         "> ", "|", "| a |", "|---|", "---", "[", "]", "(", ")", "<", ">", "![", "](", "http://x",
         "<http://x.y>", "www.x.y", "`", "```", "#", "# ", "a", "word ", "*", "_", "~~", "\\"]
    ),
    max_size=50,
).map("".join)  # fmt: skip
APP_PARSER = MarkdownIt("gfm-like", {"html": False})


@budget(400)
@given(MARKDOWN_PIECES)
def test_the_quick_bounds_never_undercount(text: str):
    """`validate` trusts the bounds read off the source to skip parsing: whenever they clear a
    body, the parsed token stream (the export's parser and the app's) is within the limits."""
    if within_limits_by_bounds(text, SMALL):
        assert check_tokens(html_parser().parse(text), SMALL) is None
        assert check_tokens(APP_PARSER.parse(text), SMALL) is None


LIMIT_CASES = {
    "16000-brackets": (BRACKETS, "brackets"),
    "8000-link-openers": (LINK_OPENERS, "brackets"),
    "600-nested-list-items": (NESTED_LIST, "characters"),
    "12-nested-lists": ("".join("  " * depth + "- item\n" for depth in range(12)), "nesting"),
    "50000-quote-marks": (">" * 50_000, "nesting"),
    "10000-column-table": (WIDE_TABLE, "table_columns"),
    "30000-row-table": (LONG_TABLE, "characters"),
    "300-row-table": ("|a|\n|-|\n" + "|x|\n" * 300, "table_rows"),
    "600-cell-table": ("|a|b|c|\n|-|-|-|\n" + "|x|y|z|\n" * 200, "table_cells"),
    "1200-links": ("[a](https://example.org) " * 1_200, "links"),
    "600-paragraphs": ("A paragraph.\n\n" * 600, "blocks"),
    "120-list-items": ("- item\n" * 120, "blocks"),
    "2500-lines": ("word\n" * 2_500, "lines"),
    "100001-characters": ("x" * 100_001, "characters"),
}


@pytest.mark.parametrize(("body", "limit"), LIMIT_CASES.values(), ids=LIMIT_CASES.keys())
def test_each_limit_is_named(body: str, limit: str):
    overflow = check(body)
    assert overflow is not None and overflow.limit == limit, overflow
    assert overflow.allowed == getattr(LIMITS, limit)
    page = render_html(body)
    assert page.startswith('<p class="notice">Shown as plain text: ')
    assert "<pre" in page


def test_a_body_within_the_limits_is_markdown():
    body = "## Problem\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[guide](https://x.y)\n"
    assert check(body) is None
    page = render_html(body)
    assert "<h2>Problem</h2>" in page and "<table>" in page and "notice" not in page


def test_rendered_html_is_inert():
    body = (
        "<script>alert(1)</script> [js](javascript:alert(2)) [ent](&#106;avascript:alert(3)) "
        "[rel](../../etc/passwd) [ok](https://example.org/a?b=1&c=2) <mailto:a@b.example> "
        "![pixel](https://tracker.example/p.gif) &#x202e;reversed &#27;[2J &#xe0041;\n"
    )
    page = render_html(body)
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;" in page
    hrefs = [part.split('"')[0] for part in page.split('href="')[1:]]
    assert hrefs == ["https://example.org/a?b=1&amp;c=2", "mailto:a@b.example"]
    assert "[image: pixel]" in page
    assert "\u202e" not in page and "\x1b" not in page and "\U000e0041" not in page
    assert clean_text(page) == page
    plain = render_html("<script>x</script>&#x202e;" + "[" * 3_000)
    assert "<script" not in plain and "&lt;script&gt;" in plain and "\u202e" not in plain


@pytest.mark.parametrize(
    "body",
    [BRACKETS, LINK_OPENERS, NESTED_LIST],
    ids=["16000-brackets", "8000-link-openers", "600-nested-list-items"],
)
def test_hostile_bodies_export_within_5_seconds(tmp_path: Path, body: str):
    kb = make_kb(
        tmp_path / "kb", {"hostile-body": {"problem": body}, "ordinary-body": {"force": "kent"}}
    )
    out = tmp_path / "site"
    run = run_cli(kb, "export", "--format", "html", "--out", out, cwd=tmp_path)
    assert_clean_run(run)
    assert run.returncode == 0, run.describe()
    assert run.seconds < 5, run.describe()
    hostile = (out / "practice" / "hostile-body.html").read_text("utf-8")
    assert "Shown as plain text" in hostile and '<pre class="plain">' in hostile
    assert html.escape(body[:200]) in hostile
    ordinary = (out / "practice" / "ordinary-body.html").read_text("utf-8")
    assert "<h2>Problem</h2>" in ordinary and "Shown as plain text" not in ordinary


def test_big_tables_open_in_the_entry_view_within_2_seconds_and_300_mb(tmp_path: Path):
    references = "Text &#x202e;desrever&#x202c; with &#xe0041; references."
    kb = make_kb(
        tmp_path / "kb",
        {
            "wide-table": {"problem": WIDE_TABLE},
            "long-table": {"problem": LONG_TABLE},
            "ordinary-body": {"force": "kent", "problem": references},
        },
    )
    validate = run_cli(kb, "validate", cwd=tmp_path)
    assert_clean_run(validate)
    assert validate.returncode == 0, validate.describe()
    assert "wide-table.md" in validate.out and "10,000 columns" in validate.out
    assert "long-table.md" in validate.out and "characters" in validate.out
    assert validate.out.count("the app and the HTML export show this body as plain text") == 2
    index = run_cli(kb, "index", cwd=tmp_path)
    assert index.returncode == 0, index.describe()
    probe = subprocess.run(
        [sys.executable, str(HERE / "tui_open_probe.py"), str(kb), "wide-table", "long-table"]
        + ["ordinary-body"],
        env=cli_env({"XDG_STATE_HOME": str(tmp_path / "state")}),  # the app records a visit
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    result = json.loads(probe.stdout.splitlines()[-1])
    wide, long, ordinary = result["entries"]
    for shown in (wide, long):
        assert shown["plain"] and shown["notice_on_screen"], shown
        # 2 s of work on a quiet machine; judged by the process's CPU time so that a loaded CI
        # machine (several times slower in wall time) cannot fail it, with a wall-time bound
        # that still catches a freeze.
        assert shown["cpu_seconds"] < 2 and shown["seconds"] < 20, result
    assert "a table has 10,000 columns" in wide["notice"]
    assert "Only the first 2,000 lines" in long["notice"]
    assert not ordinary["plain"] and not ordinary["unsafe_on_screen"], ordinary
    assert result["rss_growth_mb"] < 300, result


# ---- 2. outputs are never overwritten -------------------------------------------------------


def _device_identity(path: str) -> tuple[int, int]:
    info = os.lstat(path)
    return stat.S_IFMT(info.st_mode), info.st_rdev


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    return make_kb(tmp_path / "kb", {"alpha-practice": {}})


@pytest.mark.parametrize("target", ["existing-file", "symlink-to-file", "dangling-symlink", "fifo"])
def test_export_out_never_overwrites_or_writes_through_links(
    small_kb: Path, tmp_path: Path, target: str
):
    victim = tmp_path / "elsewhere" / "victim.txt"
    victim.parent.mkdir()
    out = tmp_path / "practice.json"
    if target == "existing-file":
        out.write_text("my unsaved work\n")
    elif target == "symlink-to-file":
        victim.write_text("precious\n")
        out.symlink_to(victim)
    elif target == "dangling-symlink":
        out.symlink_to(victim)
    else:
        os.mkfifo(out)
    before = tree_digest(tmp_path)
    for force in ([], ["--force"]):
        run = run_cli(small_kb, "export", "--format", "json", "--out", out, *force, cwd=tmp_path)
        assert_clean_run(run)
        if force and target == "existing-file":
            assert run.returncode == 0, run.describe()
            assert json.loads(out.read_text())["count"] == 1
            assert not list(tmp_path.glob(".practice.json.*")), "a temporary file was left"
        else:
            assert run.returncode == 1, run.describe()
            assert "practice.json" in run.err, run.describe()
            assert diff_digests(before, tree_digest(tmp_path)) == []


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_a_device_is_never_written_over(small_kb: Path, tmp_path: Path):
    identity = _device_identity("/dev/null")
    assert stat.S_ISCHR(identity[0])
    for force in ([], ["--force"]):
        run = run_cli(small_kb, "export", "--format", "csv", "--out", "/dev/null", *force)
        assert_clean_run(run)
        assert run.returncode == 1, run.describe()
        assert "/dev/null is a character device" in run.err, run.describe()
        assert _device_identity("/dev/null") == identity
    # `new` needs a .md name: through a link to the device, which it refuses as a link.
    link = tmp_path / "new-entry.md"
    link.symlink_to("/dev/null")
    run = run_cli(small_kb, "new", "--force", "kent", "--out", link, cwd=tmp_path)
    assert_clean_run(run)
    assert run.returncode == 1, run.describe()
    assert link.is_symlink() and _device_identity("/dev/null") == identity


def test_html_export_never_writes_through_a_folder_link(small_kb: Path, tmp_path: Path):
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    link = tmp_path / "site"
    link.symlink_to(empty, target_is_directory=True)
    before = tree_digest(tmp_path)
    run = run_cli(small_kb, "export", "--format", "html", "--out", link, cwd=tmp_path)
    assert_clean_run(run)
    assert run.returncode == 1, run.describe()
    assert "symbolic link" in run.err
    assert diff_digests(before, tree_digest(tmp_path)) == []


# ---- 3. invisible characters, Windows names -------------------------------------------------


def test_every_format_and_private_use_character_is_replaced():
    unsafe = [
        chr(c)
        for c in range(0x110000)
        if unicodedata.category(chr(c)) in ("Cf", "Co")
        or 0xE0000 <= c <= 0xE007F
        or c in (0x061C, 0xFFF9, 0xFFFA, 0xFFFB)
    ]
    text = "".join(unsafe)
    assert clean_text(text) == "\ufffd" * len(unsafe)
    assert clean_line(text) == "\ufffd" * len(unsafe)
    # What was already handled still is; ordinary text is left alone.
    assert clean_text("a\x1b[2J\x07\u202e\u200bz\tok\n") == "a\ufffd[2J\ufffd\ufffd\ufffdz\tok\n"
    assert clean_text("Café – naïve “quotes” 😀 عربى") == "Café – naïve “quotes” 😀 عربى"


INVISIBLE = "\u061c \U000e0041\U000e007f \ufff9\ufffa\ufffb \u00ad \ue000 \U000f0000"


def test_invisible_characters_never_reach_the_terminal_or_the_html(base_kb: Path, tmp_path: Path):
    kb = copy_kb(base_kb, tmp_path / "kb")
    problem = f"Hidden [{INVISIBLE}] and decoded [&#x61c;&#xe0041;&#xfff9;] characters."
    source = write_entry(
        tmp_path / "inbox" / "invisible.md", "invisible-characters", problem=problem
    )
    add = run_cli(kb, "add", source, cwd=tmp_path)
    assert add.returncode == 0, add.describe()
    show = run_cli(kb, "show", "invisible-characters", cwd=tmp_path)
    out = tmp_path / "site"
    export = run_cli(kb, "export", "--out", out, cwd=tmp_path)
    assert export.returncode == 0, export.describe()
    page = (out / "practice" / "invisible-characters.html").read_text("utf-8")
    for shown in (show.out, page):
        assert "Hidden [" in shown
        for character in set(INVISIBLE) - {" "}:
            assert character not in shown, f"U+{ord(character):04X}"
    assert "decoded [\ufffd\ufffd\ufffd]" in page


def test_ids_a_windows_checkout_cannot_hold_are_refused(base_kb: Path, tmp_path: Path):
    inbox = tmp_path / "inbox"
    for entry_id in ("con", "nul", "com1", "lpt9", "aux-practice"):
        write_entry(inbox / f"{entry_id}.md", entry_id)
    # No `id:` line: the file name is the id, and `prn.md` is as unusable as `id: prn`.
    text = (inbox / "aux-practice.md").read_text().replace("id: aux-practice\n", "")
    (inbox / "prn.md").write_text(text)
    run = run_cli(base_kb, "validate", inbox, cwd=tmp_path)
    assert_clean_run(run)
    assert run.returncode == 1, run.describe()
    for name in ("con", "nul", "com1", "lpt9", "prn"):
        line = next(line for line in run.out.splitlines() if f"{name}.md:" in line)
        assert "error: id:" in line and "Windows reserves it" in line, run.out
    # A reserved name inside a longer id is fine.
    assert not [
        line for line in run.out.splitlines() if "aux-practice.md" in line and "error" in line
    ]
