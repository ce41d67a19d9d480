"""Making text from entries safe to print: no control characters or escape sequences."""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and bidi/zero-width format characters
# that can make a terminal line read differently from its bytes.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)
_UNSAFE_ONE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff\u2028\u2029]"
)


def clean_text(text: str) -> str:
    """Return `text` with unsafe characters replaced by U+FFFD; tabs and newlines are kept."""
    return _UNSAFE.sub("\ufffd", text)


def clean_line(text: str) -> str:
    """Return `text` as one safe line: newlines and tabs become spaces, unsafe characters U+FFFD."""
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _UNSAFE_ONE_LINE.sub("\ufffd", text)


def has_unsafe(text: str) -> bool:
    """True when `text` holds a character `clean_text` would replace."""
    return _UNSAFE.search(text) is not None
