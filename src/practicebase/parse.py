"""Safe reading of entry files into raw fields with line numbers.

Everything here treats the file as hostile: symlinks and non-regular files are refused, the
size is checked before reading, bytes must be strict UTF-8, and YAML is read from the parser's
event stream so that only mappings, lists and strings ever come back. No tag, anchor or alias
is honoured (an alias bomb is refused at its first anchor), nesting is capped before anything
is built, and every scalar stays the text that was written (`NO`, `24:7` and `0755` are text).
Field rules (what a title or a date must be) live in `validate.py`.
"""

from __future__ import annotations

import errno
import functools
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from practicebase.entry import EntryError, EntryForm, Problem
from practicebase.lazyre import lazy_pattern
from practicebase.sanitize import FORMAT_AND_PRIVATE

try:  # the C parser is much faster; both produce the same events
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 20
MAX_ITEMS = 1000  # per list or mapping: far above any valid entry, and stops huge ones early
MAX_REPORTED_CHARACTERS = 5

ENTRY_SUFFIXES: dict[str, EntryForm] = {".md": "md", ".yaml": "yaml", ".yml": "yaml"}

BOM = "\ufeff"

# Characters never allowed in an entry: C0 controls except tab and newline (a carriage
# return left after CRLF is normalised is one of them), DEL, C1 controls, surrogates and the
# two non-characters YAML forbids. These are what turn a terminal into an attack surface.
_CONTROL = lazy_pattern("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Bidirectional controls make text display in a different order from its characters; line
# and paragraph separators break lines where YAML and terminals disagree. Errors in fields.
_BIDI = lazy_pattern("[\u202a-\u202e\u2066-\u2069\u061c\u2028\u2029]")
# Every other invisible format or private-use character (what `sanitize` replaces on
# display: categories Cf and Co, the tag block, U+FFF9-FFFB): allowed (some scripts need
# them) but worth a warning in fields.
_INVISIBLE = lazy_pattern(f"[{FORMAT_AND_PRIVATE}]")
_FENCE = lazy_pattern(r"^---[ \t]*$")
_HEADING_IN_FRONT_MATTER = lazy_pattern(r"^#{2,6}[ \t]+\S")

_CONTROL_NAMES = {
    0x00: "NUL",
    0x07: "BEL",
    0x08: "backspace",
    0x0B: "vertical tab",
    0x0C: "form feed",
    0x0D: "carriage return",
    0x1B: "ESC",
    0x7F: "DEL",
    0x85: "NEL",
    0x9B: "CSI",
    0x9D: "OSC",
}

_INVISIBLE_NAMES = {
    0x200B: "zero width space",
    0x200C: "zero width non-joiner",
    0x200D: "zero width joiner",
    0x200E: "left-to-right mark",
    0x200F: "right-to-left mark",
    0x2060: "word joiner",
    0xFEFF: "zero width no-break space",
}

_STR_TAG = "tag:yaml.org,2002:str"
_NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})

Path_ = tuple[str | int, ...]
"""Where a value sits: ("contact", "email"), ("themes", 0)."""


@dataclass
class RawEntry:
    """An entry file read safely but not yet validated.

    `fields` holds only dicts (str keys), lists and strings; a value written as empty, `~` or
    `null` is None. `lines` maps a value's place, e.g. `("title",)` or `("themes", 2)`, to its
    1-based line in the file. `body` is the Markdown body (for .md the text after the closing
    `---`, for .yaml the `body:` field, else "") and `body_line` its first line.
    """

    source: str
    form: EntryForm
    fields: dict[str, Any]
    lines: dict[Path_, int] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    problems: list[Problem] = field(default_factory=list)

    def line(self, *where: str | int) -> int | None:
        """The line of `where`, or of its nearest enclosing value that has one."""
        place: Path_ = tuple(where)
        while place:
            if place in self.lines:
                return self.lines[place]
            place = place[:-1]
        return None


def form_for(path: Path) -> EntryForm | None:
    """The entry form a file name implies, or None when it is not an entry file name."""
    return ENTRY_SUFFIXES.get(path.suffix.lower())


def read_entry_bytes(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file, refusing symlinks, devices, FIFOs and oversized files.

    Raises `EntryError` with one problem naming the reason. The size is checked with lstat
    before opening and again on the open descriptor, and at most `max_bytes + 1` bytes are
    read, so a file that grows meanwhile cannot exhaust memory. O_NONBLOCK keeps a FIFO that
    appears between the checks from blocking the open.
    """
    source = str(path)

    def refuse(message: str) -> EntryError:
        return EntryError([Problem(source, None, "error", None, message)])

    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise refuse("no such file") from None
    except OSError as exc:
        raise refuse(f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode):
        raise refuse("is a symbolic link; entries must be regular files (symlinks are refused)")
    if not stat.S_ISREG(info.st_mode):
        raise refuse(f"is not a regular file (it is {_kind(info.st_mode)})")
    if info.st_size > max_bytes:
        raise refuse(f"file is {info.st_size:,} bytes, over the {_size(max_bytes)} limit")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise refuse("is a symbolic link; entries must be regular files") from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise refuse("cannot read: permission denied") from None
        raise refuse(f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise refuse(f"is not a regular file (it is {_kind(info.st_mode)})")
        if info.st_size > max_bytes:
            raise refuse(f"file is {info.st_size:,} bytes, over the {_size(max_bytes)} limit")
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0:
            try:
                chunk = os.read(fd, min(remaining, 1 << 16))
            except OSError as exc:
                raise refuse(f"cannot read: {exc.strerror or exc}") from None
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            raise refuse(f"file is over the {_size(max_bytes)} limit")
        return data
    finally:
        os.close(fd)


def decode_text(data: bytes, source: str) -> str:
    """Strict UTF-8 text with a BOM removed and CRLF line endings turned into LF.

    Raises `EntryError` naming the byte offset (and line) of the first invalid byte.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1]
        line = data.count(b"\n", 0, exc.start) + 1
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            hint = " (the file is UTF-16; save it as UTF-8)"
        else:
            hint = " (the file may be Windows-1252 or Latin-1; save it as UTF-8)"
        raise EntryError(
            [
                Problem(
                    source,
                    line,
                    "error",
                    None,
                    f"not valid UTF-8: byte 0x{bad.hex()} at offset {exc.start}{hint}",
                )
            ]
        ) from None
    if text.startswith(BOM):
        text = text[1:]
    return text.replace("\r\n", "\n")


def read_raw_entry(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> RawEntry:
    """Read and split an entry file safely; raises `EntryError` when nothing usable remains."""
    form = form_for(path)
    if form is None:
        raise EntryError(
            [
                Problem(
                    str(path),
                    None,
                    "error",
                    None,
                    "not an entry file name: it must end in .md, .yaml or .yml",
                )
            ]
        )
    data = read_entry_bytes(path, max_bytes=max_bytes)
    return parse_raw_bytes(data, form=form, source=str(path))


def parse_raw_bytes(data: bytes, *, form: EntryForm, source: str) -> RawEntry:
    """`parse_raw_text` of strictly decoded bytes."""
    return parse_raw_text(decode_text(data, source), form=form, source=source)


def parse_raw_text(text: str, *, form: EntryForm, source: str) -> RawEntry:
    """Split and parse entry text into raw fields.

    Raises `EntryError` when the fields cannot be read at all (no front matter, YAML errors,
    unsafe YAML ...). Problems that still leave fields to check (control characters in the
    body) are returned in `RawEntry.problems`, so every problem of a file is reported at once.
    """
    if text.startswith(BOM):
        text = text[1:]
    text = text.replace("\r\n", "\n")
    if not text.strip():
        raise EntryError([Problem(source, None, "error", None, "file is empty")])
    if form == "md":
        return _parse_markdown(text, source)
    return _parse_yaml_form(text, source)


def _parse_markdown(text: str, source: str) -> RawEntry:
    lines = text.split("\n")
    if not _FENCE.match(lines[0]):
        raise EntryError(
            [
                Problem(
                    source,
                    1,
                    "error",
                    None,
                    "no front matter: a .md entry must start with a line `---`, then the "
                    "fields, then a line `---`, then the body",
                )
            ]
        )
    closing = next((i for i in range(1, len(lines)) if _FENCE.match(lines[i])), None)
    if closing is None:
        raise EntryError(
            [
                Problem(
                    source,
                    1,
                    "error",
                    None,
                    "front matter has no closing `---` line: add one after the fields",
                )
            ]
        )
    for number in range(1, closing):
        if _HEADING_IN_FRONT_MATTER.match(lines[number]):
            raise EntryError(
                [
                    Problem(
                        source,
                        number + 1,
                        "error",
                        None,
                        "a Markdown heading inside the front matter: the closing `---` line "
                        "is missing after the fields (it must come before the body)",
                    )
                ]
            )
    yaml_text = "\n".join(lines[1:closing])
    if not yaml_text.strip():
        raise EntryError(
            [
                Problem(
                    source,
                    1,
                    "error",
                    None,
                    "front matter is empty: it must hold the entry's fields",
                )
            ]
        )
    body = "\n".join(lines[closing + 1 :])
    body_line = closing + 2
    problems = _control_problems(yaml_text, source, first_line=2, where="front matter")
    if problems:
        problems += _control_problems(body, source, first_line=body_line, where="body")
        raise EntryError(problems)
    fields, positions = _parse_mapping(yaml_text, source, first_line=2, missing_fence_hint=True)
    if "body" in fields:
        raise EntryError(
            [
                Problem(
                    source,
                    positions.get(("body",)),
                    "error",
                    "body",
                    "a .md entry's body goes below the closing `---`, not in a `body:` field",
                )
            ]
        )
    raw = RawEntry(source, "md", fields, positions, body, body_line)
    if _may_hide_unsafe(yaml_text):
        raw.problems += _value_problems(fields, positions, source)
    raw.problems += _control_problems(body, source, first_line=body_line, where="body")
    raw.problems += _bidi_problems(body, source, first_line=body_line)
    return raw


def _parse_yaml_form(text: str, source: str) -> RawEntry:
    problems = _control_problems(text, source, first_line=1, where="file")
    if problems:
        raise EntryError(problems)
    fields, positions = _parse_mapping(text, source, first_line=1, missing_fence_hint=False)
    raw = RawEntry(source, "yaml", fields, positions)
    if _may_hide_unsafe(text):
        raw.problems += _value_problems(fields, positions, source)
    body = fields.pop("body", None)
    if isinstance(body, str):
        raw.body = body
        raw.body_line = positions.get(("body",), 1)
        raw.problems += _bidi_problems(body, source, first_line=raw.body_line, exact=False)
    elif body is not None:
        raw.problems.append(
            Problem(
                source,
                positions.get(("body",)),
                "error",
                "body",
                "must be text: use a block, e.g. `body: |` then the Markdown indented below it",
            )
        )
    return raw


def parse_yaml_mapping(text: str, source: str) -> dict[str, Any]:
    """A whole YAML file as a plain dict of dicts, lists and strings, read as safely as an
    entry (no tags, anchors, aliases or duplicate keys); raises `EntryError`."""
    problems = _control_problems(text, source, first_line=1, where="file")
    if problems:
        raise EntryError(problems)
    fields, positions = _parse_mapping(text, source, first_line=1, missing_fence_hint=False)
    problems = _value_problems(fields, positions, source)
    if problems:
        raise EntryError(problems)
    return fields


def _control_problems(text: str, source: str, *, first_line: int, where: str) -> list[Problem]:
    """One error per control character (the first few), with line and column."""
    problems: list[Problem] = []
    matches = _CONTROL.finditer(text)
    count = 0
    for match in matches:
        count += 1
        if count > MAX_REPORTED_CHARACTERS:
            continue
        offset = match.start()
        line = text.count("\n", 0, offset)
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        problems.append(
            Problem(
                source,
                first_line + line,
                "error",
                None,
                f"{describe_character(match.group())} in the {where} at column {column}; "
                "control characters are not allowed",
            )
        )
    if count > MAX_REPORTED_CHARACTERS:
        problems.append(
            Problem(
                source,
                None,
                "error",
                None,
                f"{count - MAX_REPORTED_CHARACTERS} more control characters in the {where}",
            )
        )
    return problems


def _bidi_problems(text: str, source: str, *, first_line: int, exact: bool = True) -> list[Problem]:
    match = _BIDI.search(text)
    if match is None:
        return []
    line = first_line + text.count("\n", 0, match.start()) if exact else first_line
    return [
        Problem(
            source,
            line,
            "warning",
            "body",
            f"{describe_character(match.group())}: such characters can make text display "
            "differently from what it says",
        )
    ]


def _may_hide_unsafe(yaml_text: str) -> bool:
    """False when no value can hold a control or bidi character: the raw text has already
    been scanned for control characters, and only escapes (`\\`) can make new ones."""
    return (
        "\\" in yaml_text
        or _BIDI.search(yaml_text) is not None
        or _INVISIBLE.search(yaml_text) is not None
    )


def _value_problems(
    fields: dict[str, Any], positions: dict[Path_, int], source: str
) -> list[Problem]:
    """Errors for control characters (e.g. from YAML escapes like `\\e`) in any value and
    for bidirectional controls in any value but the body; warnings for invisible ones."""
    problems: list[Problem] = []
    pending: list[tuple[Path_, Any]] = [((key,), value) for key, value in fields.items()]
    pending.reverse()
    while pending and len(problems) < MAX_REPORTED_CHARACTERS:
        path, value = pending.pop()
        if isinstance(value, dict):
            pending += reversed([((*path, k), v) for k, v in value.items()])
        elif isinstance(value, list):
            pending += reversed([((*path, i), v) for i, v in enumerate(value)])
        elif isinstance(value, str):
            match = _CONTROL.search(value)
            if match is None and path != ("body",):
                match = _BIDI.search(value)
            if match is None and path != ("body",):
                invisible = _INVISIBLE.search(value)
                if invisible is not None:
                    problems.append(
                        Problem(
                            source,
                            positions.get(path),
                            "warning",
                            clip(_dotted(path)),
                            f"contains {describe_character(invisible.group())}, an invisible "
                            "character; remove it unless it is needed",
                        )
                    )
            if match is not None:
                kind = "control" if _CONTROL.match(match.group()) else "display-changing"
                problems.append(
                    Problem(
                        source,
                        positions.get(path),
                        "error",
                        clip(_dotted(path)),
                        f"contains {describe_character(match.group())}; "
                        f"{kind} characters are not allowed",
                    )
                )
    return problems


def _dotted(path: Path_) -> str:
    text = str(path[0])
    for part in path[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def clip(text: str, limit: int = 60) -> str:
    """`text` cut to `limit` characters (with an ellipsis) for quoting in a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_character(char: str) -> str:
    """`U+001B (ESC)`: a character named safely, never the character itself."""
    code = ord(char)
    name = _CONTROL_NAMES.get(code)
    if name is None and code in _INVISIBLE_NAMES:
        name = _INVISIBLE_NAMES[code]
    elif name is None and code in (0x2028, 0x2029):
        name = "line separator" if code == 0x2028 else "paragraph separator"
    elif name is None and 0xD800 <= code <= 0xDFFF:
        name = "lone surrogate"
    elif name is None and 0x202A <= code <= 0x2069:
        name = "bidirectional control"
    elif name is None and code < 0x20:
        name = "control character"
    elif name is None and 0x80 <= code <= 0x9F:
        name = "C1 control character"
    return f"U+{code:04X} ({name})" if name else f"U+{code:04X}"


def find_unsafe(value: str) -> str | None:
    """The first control, bidirectional or line separator character in `value`, else None."""
    match = _CONTROL.search(value) or _BIDI.search(value)
    return match.group() if match else None


# --- YAML from events -------------------------------------------------------------------


class _Refused(Exception):
    """The YAML uses something we never accept; carries the problem."""

    def __init__(self, line: int | None, message: str, field_name: str | None = None):
        super().__init__(message)
        self.line = line
        self.message = message
        self.field_name = field_name


_resolver = yaml.resolver.Resolver()


def _parse_mapping(
    text: str, source: str, *, first_line: int, missing_fence_hint: bool
) -> tuple[dict[str, Any], dict[Path_, int]]:
    """The YAML document in `text` as a plain dict, plus the line of every key and item."""
    offset = first_line - 1
    try:
        value, positions = _build(yaml.parse(text, Loader=_Loader), offset)
    except _Refused as exc:
        raise EntryError(
            [Problem(source, exc.line, "error", exc.field_name, exc.message)]
        ) from None
    except yaml.MarkedYAMLError as exc:
        raise EntryError([_syntax_problem(exc, text, source, offset, missing_fence_hint)]) from None
    except yaml.YAMLError as exc:
        raise EntryError(
            [Problem(source, None, "error", None, f"YAML error: {_one_line(str(exc))}")]
        ) from None
    except RecursionError:  # defensive: the depth cap should make this impossible
        raise EntryError(
            [Problem(source, None, "error", None, f"nesting deeper than {MAX_DEPTH} levels")]
        ) from None
    where = "front matter" if missing_fence_hint else "file"
    if value is None:
        raise EntryError(
            [
                Problem(
                    source,
                    None,
                    "error",
                    None,
                    f"{where} is empty: it must hold the entry's fields",
                )
            ]
        )
    if not isinstance(value, dict):
        kind = "a list" if isinstance(value, list) else "a single value"
        raise EntryError(
            [
                Problem(
                    source,
                    first_line,
                    "error",
                    None,
                    f"{where} must be a mapping of `field: value` lines, not {kind}",
                )
            ]
        )
    return value, positions


def _syntax_problem(
    exc: yaml.MarkedYAMLError, text: str, source: str, offset: int, missing_fence_hint: bool
) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    what = _one_line(exc.problem or exc.context or "invalid YAML")
    if exc.context_mark and "scanning a quoted scalar" in (exc.context or ""):
        # An unclosed quote is found only where the text ends: name where it opens.
        mark, what = exc.context_mark, f"a quote that is never closed ({what})"
    line = mark.line + 1 + offset if mark else None
    column = mark.column + 1 if mark else None
    if "<document start>" in what:
        return Problem(
            source,
            line,
            "error",
            None,
            "more than one YAML document: text after a `...` line; an entry is one document",
        )
    if "nesting depth" in what:
        return Problem(source, line, "error", None, f"nesting deeper than {MAX_DEPTH} levels")
    tab_line = _tab_indented_line(text)
    if tab_line is not None:
        return Problem(
            source,
            tab_line + 1 + offset,
            "error",
            None,
            "tab character in the indentation: YAML indentation must use spaces",
        )
    where = f" at column {column}" if column else ""
    message = f"YAML syntax error{where}: {what}"
    if "escape" in what:
        message += " (escapes such as `\\ud800` that do not make a character are refused)"
    if missing_fence_hint and _has_prose_line(text, mark.line if mark else 0):
        message += " (if the body starts above this line, add the closing `---` before it)"
    return Problem(source, line, "error", None, message)


def _has_prose_line(text: str, up_to: int) -> bool:
    """True when a line up to `up_to` (0-based) looks like body text rather than YAML."""
    for line in text.split("\n")[: up_to + 1]:
        if line and line[0] not in " -#[{'\"" and ":" not in line:
            return True
    return False


def _tab_indented_line(text: str) -> int | None:
    for number, line in enumerate(text.split("\n")):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            return number
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Collection:
    """A mapping or list being built from events."""

    __slots__ = ("value", "is_list", "path", "key", "key_line", "seen")

    def __init__(self, value: dict[str, Any] | list[Any], path: Path_):
        self.value = value
        self.is_list = isinstance(value, list)
        self.path = path
        self.key: str | None = None
        self.key_line = 0
        self.seen: dict[str, int] = {}


_SCALAR = yaml.ScalarEvent
_MAPPING_START = yaml.MappingStartEvent
_SEQUENCE_START = yaml.SequenceStartEvent
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_STARTS = (_MAPPING_START, _SEQUENCE_START)


def _build(events: Any, offset: int) -> tuple[Any, dict[Path_, int]]:
    """Build plain values from YAML events, refusing anything but mappings, lists and text.

    Iterative, so depth costs no recursion; the depth cap is checked as each collection
    starts, long before a deeply nested document could be built.
    """
    positions: dict[Path_, int] = {}
    stack: list[_Collection] = []
    root: Any = None
    documents = 0
    have_root = False

    def line_of(event: Any) -> int:
        return event.start_mark.line + 1 + offset if event.start_mark else offset + 1

    def place(value: Any, event: Any) -> Path_:
        """Attach `value` to the innermost collection; returns the value's path."""
        nonlocal root, have_root
        if not stack:
            root, have_root = value, True
            return ()
        top = stack[-1]
        if len(top.value) >= MAX_ITEMS:
            kind = "list" if top.is_list else "mapping"
            raise _Refused(
                line_of(event),
                f"a {kind} with more than {MAX_ITEMS:,} items",
                field_name=_dotted(top.path) if top.path else None,
            )
        if top.is_list:
            path = (*top.path, len(top.value))
            top.value.append(value)  # type: ignore[union-attr]
            positions[path] = line_of(event)
            return path
        assert top.key is not None
        path = (*top.path, top.key)
        top.value[top.key] = value  # type: ignore[call-overload]
        positions[path] = top.key_line
        top.key = None
        return path

    for event in events:
        kind = type(event)
        if kind is _SCALAR or kind in _STARTS:
            if event.anchor is not None:
                raise _Refused(
                    line_of(event), "YAML anchors (`&name`) are not allowed; write the value out"
                )
            if event.tag is not None:
                raise _Refused(
                    line_of(event), f"YAML tags such as `{_short_tag(event.tag)}` are not allowed"
                )
            top = stack[-1] if stack else None
            wants_key = top is not None and not top.is_list and top.key is None
            if kind is _SCALAR:
                if wants_key:
                    assert top is not None
                    top.key, top.key_line = _key(event, line_of(event), top)
                    continue
                text = event.value
                place(None if not event.style and text in _NULL_WORDS else text, event)
                continue
            if wants_key:
                raise _Refused(line_of(event), "a key must be a plain word, not a list or mapping")
            if len(stack) >= MAX_DEPTH:
                raise _Refused(line_of(event), f"nesting deeper than {MAX_DEPTH} levels")
            container: dict[str, Any] | list[Any] = {} if kind is _MAPPING_START else []
            stack.append(_Collection(container, place(container, event)))
        elif kind in _ENDS:
            stack.pop()
        elif kind is yaml.AliasEvent:
            raise _Refused(
                line_of(event), "YAML aliases (`*name`) are not allowed; write the value out"
            )
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Refused(
                    line_of(event),
                    "more than one YAML document: an entry is a single document "
                    "(remove the extra `---` or `...`)",
                )
    if not have_root:
        return None, positions
    return root, positions


@functools.lru_cache(maxsize=512)
def _plain_key_is_text(text: str) -> bool:
    """True when YAML 1.1 would read the unquoted key `text` as text (not a number, bool...)."""
    if text in _NULL_WORDS:
        return False
    return _resolver.resolve(yaml.ScalarNode, text, (True, False)) == _STR_TAG


def _key(event: yaml.ScalarEvent, line: int, top: _Collection) -> tuple[str, int]:
    text = event.value
    if not event.style and not (
        _plain_key_is_text(text) if len(text) <= 64 else _plain_key_is_text.__wrapped__(text)
    ):
        shown = clip(text) if text else "(empty)"
        raise _Refused(
            line,
            f"key `{shown}` is not a field name (YAML would read it as a number, "
            "true/false or null); field names are words such as `title`",
        )
    unsafe = find_unsafe(text)
    if unsafe is not None:
        raise _Refused(line, f"key contains {describe_character(unsafe)}")
    if text in top.seen:
        where = _dotted((*top.path, clip(text)))
        raise _Refused(
            line,
            f"duplicate key `{where}` (first at line {top.seen[text]})",
            field_name=where,
        )
    top.seen[text] = line
    return text, line


def _short_tag(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    if tag.startswith(prefix):
        return "!!" + tag[len(prefix) :]
    return tag


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a plain file"


def _size(n: int) -> str:
    if n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB"
    if n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n:,}-byte"
