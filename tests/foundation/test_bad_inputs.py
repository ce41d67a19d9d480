"""Every bad input named in the entry format issue: a named error, never a traceback."""

from __future__ import annotations

import os
import time

import pytest
from foundation_helpers import (
    VALID_FIELDS,
    entry_text,
    front_matter,
    tree_digest,
    without_added_line,
)

from practicebase.parse import MAX_DEPTH

VALID_MD = entry_text("md")
FM = front_matter(VALID_FIELDS)

# (case name, file name, file bytes, message expected)
BAD_FILES = [
    ("empty-file", "e.md", b"", "error: file is empty"),
    ("whitespace-only", "e.md", b"  \n\n", "error: file is empty"),
    ("no-front-matter", "e.md", b"# Title\n\nJust text.\n", "no front matter"),
    (
        "front-matter-not-first",
        "e.md",
        ("\n" + VALID_MD).encode(),
        "no front matter: a .md entry must start with a line `---`",
    ),
    (
        "missing-closing-fence",
        "e.md",
        ("---\n" + FM).encode(),
        ":1: error: front matter has no closing `---` line",
    ),
    (
        "missing-closing-fence-later-rule",
        "e.md",
        ("---\n" + FM + "\nSome body text here.\n\n---\n\nMore text.\n").encode(),
        "add the closing `---` before it",
    ),
    (
        "missing-closing-fence-heading",
        "e.md",
        ("---\n" + FM + "\n## Problem\n\nText.\n\n---\n").encode(),
        ":14: error: a Markdown heading inside the front matter: the closing `---` line is missing",
    ),
    ("empty-front-matter", "e.md", b"---\n---\nbody\n", "front matter is empty"),
    ("comment-only-front-matter", "e.md", b"---\n# nothing\n---\nbody\n", "is empty"),
    (
        "front-matter-list",
        "e.md",
        b"---\n- a\n- b\n---\n",
        ":2: error: front matter must be a mapping of `field: value` lines, not a list",
    ),
    ("front-matter-scalar", "e.md", b"---\njust words\n---\n", "not a single value"),
    ("yaml-file-list", "e.yaml", b"- a\n- b\n", "file must be a mapping"),
    (
        "yaml-syntax-error",
        "e.md",
        ("---\n" + FM + "tags: [a, b\n---\n").encode(),
        ":14: error: YAML syntax error at column 1: did not find expected ',' or ']'",
    ),
    (
        "tab-indentation",
        "e.md",
        ("---\n" + FM + "tags:\n\t- a\n---\n").encode(),
        ":14: error: tab character in the indentation: YAML indentation must use spaces",
    ),
    (
        "duplicate-keys",
        "e.md",
        ("---\n" + FM + "title: Again\n---\n").encode(),
        ":13: error: title: duplicate key `title` (first at line 3)",
    ),
    (
        "duplicate-nested-keys",
        "e.md",
        ("---\n" + FM + "  role: Again\n---\n").encode(),
        "duplicate key `contact.role`",
    ),
    (
        "multiple-documents",
        "e.yaml",
        (front_matter(VALID_FIELDS) + "---\ntitle: second\n").encode(),
        "more than one YAML document",
    ),
    (
        "multiple-documents-in-front-matter",
        "e.md",
        ("---\n" + FM + "...\ntitle: second\n---\n").encode(),
        "more than one YAML document",
    ),
    (
        "python-tag",
        "e.md",
        b"---\ntitle: !!python/object/apply:os.system ['touch /tmp/pwned']\n---\n",
        "YAML tags such as `!!python/object/apply:os.system` are not allowed",
    ),
    ("binary-tag", "e.yaml", b"title: !!binary aGVsbG8=\n", "`!!binary` are not allowed"),
    ("str-tag", "e.yaml", b"title: !!str 24:7\n", "`!!str` are not allowed"),
    ("local-tag", "e.yaml", b"title: !mine x\n", "`!mine` are not allowed"),
    ("anchor", "e.yaml", b"title: &t x\nsummary: *t\n", "YAML anchors (`&name`) are not allowed"),
    (
        "merge-key",
        "e.yaml",
        b"<<: {title: x}\n",
        "key `<<` is not a field name",
    ),
    ("non-string-key", "e.yaml", b"1: x\ntitle: y\n", ":1: error: key `1` is not a field name"),
    ("null-key", "e.yaml", b"~: x\n", "key `~` is not a field name"),
    ("bool-key", "e.yaml", b"yes: x\n", "key `yes` is not a field name"),
    ("complex-key", "e.yaml", b"? [a, b]\n: x\n", "a key must be a plain word"),
    (
        "non-utf8",
        "e.md",
        b"---\ntitle: caf\xe9 \x93quoted\x94\n---\n",
        ":2: error: not valid UTF-8: byte 0xe9 at offset 14",
    ),
    ("utf16", "e.md", "---\ntitle: x\n---\n".encode("utf-16"), "the file is UTF-16"),
    (
        "nul-in-field",
        "e.md",
        b"---\ntitle: a\x00b\n---\n",
        ":2: error: U+0000 (NUL) in the front matter at column 9",
    ),
    (
        "esc-in-body",
        "e.md",
        ("---\n" + FM + "---\n\x1b]52;c;ZXZpbA==\x07\n").encode(),
        ":14: error: U+001B (ESC) in the body at column 1",
    ),
    (
        "escaped-control-in-field",
        "e.yaml",
        (FM + 'tags: ["\\x9b31m"]\n').encode(),
        "tags[0]: contains U+009B (CSI)",
    ),
    ("lone-surrogate-escape", "e.yaml", b'title: "\\ud800"\n', "YAML syntax error"),
    ("body-in-md-front-matter", "e.md", ("---\n" + FM + "body: x\n---\n").encode(), "body:"),
    ("yaml-body-not-text", "e.yaml", (FM + "body: [a]\n").encode(), "body: must be text"),
    ("wrong-extension", "e.txt", VALID_MD.encode(), "must end in .md, .yaml or .yml"),
]


@pytest.mark.parametrize(
    ("name", "data", "message"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_bad_file_is_refused_with_a_named_error(cli, kb, write_entry, name, data, message):
    path = write_entry(name, data=data)
    run = cli("--root", kb, "validate", path)
    assert run.code == 1, run.out
    assert message in run.out, run.out
    assert str(path) in run.out
    before = tree_digest(kb)
    add = cli("--root", kb, "add", path)
    assert add.code == 1
    assert message in add.out
    assert "0 added, 1 failed" in add.out
    assert tree_digest(kb) == before


def test_bom_and_crlf_are_accepted(cli, kb, write_entry):
    data = ("\ufeff" + VALID_MD).replace("\n", "\r\n").encode()
    path = write_entry(data=data)
    run = cli("--root", kb, "validate", path)
    assert run.code == 0, run.out
    assert "0 errors, 0 warnings" in run.out
    assert cli("--root", kb, "add", path).code == 0
    stored = kb / "entries" / "west-midlands" / "school-liaison-pilot.md"
    # filed byte for byte, as validated, with the `added` line in the file's line endings
    assert without_added_line(stored.read_bytes()) == data


def test_rules_inside_a_valid_body_are_kept_intact(write_entry):
    from practicebase.validate import load_entry
    from practicebase.vocabulary import load_vocabulary

    body = "\n## Problem\n\nA.\n\n---\n\n## What we did\n\n---\nB.\n"
    loaded = load_entry(write_entry(body=body), load_vocabulary(None))
    assert loaded.entry is not None
    assert loaded.entry.body == body


def test_alias_bomb_is_refused_in_milliseconds(cli, kb, write_entry):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    path = write_entry("bomb.yaml", data=("\n".join(lines) + "\n").encode())
    started = time.perf_counter()
    run = cli("--root", kb, "validate", path)
    assert time.perf_counter() - started < 0.5
    assert run.code == 1
    assert ":1: error: YAML anchors (`&name`) are not allowed" in run.out


@pytest.mark.parametrize("style", ["flow", "block"])
def test_deep_nesting_is_refused_before_it_is_built(cli, kb, write_entry, style):
    if style == "flow":
        text = "title: " + "[" * 5000 + "]" * 5000 + "\n"
    else:
        text = "".join(" " * i + f"k{i}:\n" for i in range(300)) + " " * 300 + "v\n"
    path = write_entry("deep.yaml", data=text.encode())
    started = time.perf_counter()
    run = cli("--root", kb, "validate", path)
    assert time.perf_counter() - started < 1
    assert run.code == 1
    assert f"nesting deeper than {MAX_DEPTH} levels" in run.out


def test_nesting_up_to_the_limit_is_not_a_nesting_error(cli, kb, write_entry):
    deep = "[" * (MAX_DEPTH - 1) + "x" + "]" * (MAX_DEPTH - 1)
    path = write_entry(tags=deep)
    run = cli("--root", kb, "validate", path)
    assert "nesting deeper" not in run.out
    assert "tags[0]: must be text, not a list" in run.out


def test_file_over_the_size_limit_is_refused_before_reading(cli, kb, write_entry):
    path = write_entry(data=VALID_MD.encode() + b"x" * (1024 * 1024))
    run = cli("--root", kb, "validate", path)
    assert run.code == 1
    assert "bytes, over the 1 MiB limit" in run.out


def test_file_just_under_the_size_limit_is_read(cli, kb, write_entry):
    data = VALID_MD.encode()
    data += b"y" * (1024 * 1024 - len(data))
    run = cli("--root", kb, "validate", write_entry(data=data))
    assert run.code == 0, run.out


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.md"
    path.write_text(VALID_MD.replace("School liaison pilot", "CANARY-SECRET-TITLE"))
    return path


@pytest.mark.parametrize("kind", ["to-secret", "loop", "dangling"])
def test_symlinks_are_refused(cli, kb, outside, secret, kind):
    link = outside / "link.md"
    target = {"to-secret": secret, "loop": link, "dangling": outside / "gone.md"}[kind]
    link.symlink_to(target)
    for command in ("validate", "add"):
        run = cli("--root", kb, command, link)
        assert run.code == 1
        assert f"{link}: error: is a symbolic link" in run.out
        assert "CANARY" not in run.text
    assert tree_digest(kb) == {"entries": "dir"}


def test_symlinked_folder_is_refused(cli, kb, outside, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "x.md").write_text(VALID_MD)
    (outside / "linked").symlink_to(real, target_is_directory=True)
    run = cli("--root", kb, "add", outside / "linked")
    assert run.code == 1
    assert "is a symbolic link" in run.out


def test_symlink_inside_entries_is_reported_by_validate(cli, kb, secret):
    (kb / "entries" / "kent").mkdir()
    (kb / "entries" / "kent" / "leak.md").symlink_to(secret)
    run = cli("--root", kb, "validate")
    assert run.code == 1
    assert "leak.md: error: is a symbolic link" in run.out
    assert "CANARY" not in run.text


def test_fifo_is_refused_without_blocking(cli, kb, outside):
    fifo = outside / "pipe.md"
    os.mkfifo(fifo)
    for command in ("validate", "add"):
        run = cli("--root", kb, command, fifo)
        assert run.code == 1
        assert "is not a regular file (it is a FIFO)" in run.out


def test_directory_named_like_an_entry(cli, kb, outside):
    folder = outside / "x.md"
    folder.mkdir()
    run = cli("--root", kb, "validate", folder)
    assert run.code == 1
    assert "no entry files in this folder" in run.out
    add = cli("--root", kb, "add", folder)
    assert add.code == 1
    assert "no entry files in this folder" in add.out


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(cli, kb, write_entry):
    path = write_entry()
    path.chmod(0)
    run = cli("--root", kb, "validate", path)
    assert run.code == 1
    assert "cannot read: permission denied" in run.out


def test_missing_path(cli, kb, outside):
    run = cli("--root", kb, "validate", outside / "nope.md")
    assert run.code == 1
    assert "nope.md: error: no such file or folder" in run.out


def test_hostile_values_never_reach_the_terminal(cli, kb, write_entry):
    # A quoted key with escapes is an unknown field; its name is printed, made safe.
    path = write_entry(**{'"\\e]0;owned\\a"': "x"})
    run = cli("--root", kb, "validate", path)
    assert "\x1b" not in run.text
    assert "\x07" not in run.text
    assert run.code == 1  # control characters in a key are refused


def test_huge_lists_are_refused_early(cli, kb, write_entry):
    path = write_entry(tags="[" + ",".join(["a"] * 300_000) + "]")
    started = time.perf_counter()
    run = cli("--root", kb, "validate", path)
    assert time.perf_counter() - started < 2
    assert run.code == 1
    assert "tags: a list with more than 1,000 items" in run.out
