"""Making text from entries safe to print: no control characters or escape sequences.

Replaced by U+FFFD wherever entry text is shown (terminal, app, HTML export): C0 controls
except tab and newline, DEL, C1 controls, lone surrogates, and every invisible format or
private-use character, meaning all of Unicode categories Cf and Co: bidirectional controls
(U+202A-U+202E, U+2066-U+2069, U+061C ARABIC LETTER MARK, U+200E/F), zero-width characters
(U+200B-U+200D, U+2060, U+FEFF), the tag characters U+E0000-U+E007F, the interlinear
annotation characters U+FFF9-U+FFFB, the soft hyphen, and the private-use planes. Such
characters can make a line read differently from its bytes or hide text.
"""

from __future__ import annotations

from practicebase.lazyre import lazy_pattern

# Categories Cf and Co as of Unicode 15 (tests/hardening/test_content_reliability.py checks this
# against the running Python's unicodedata), whole blocks where a block is reserved for them.
FORMAT_AND_PRIVATE = (
    "\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
    "\ue000-\uf8ff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e007f\U000f0000-\U0010ffff"
)
_CONTROLS = "\x7f-\x9f\ud800-\udfff"

# An ASCII text is safe when it is printable (U+0020-U+007E, `str.isprintable`): then
# these patterns, whose compiling costs most of a millisecond each, are not needed.
_UNSAFE = lazy_pattern(f"[\x00-\x08\x0b-\x1f{_CONTROLS}{FORMAT_AND_PRIVATE}]")
_UNSAFE_ONE_LINE = lazy_pattern(f"[\x00-\x1f{_CONTROLS}{FORMAT_AND_PRIVATE}\u2028\u2029]")


def clean_text(text: str) -> str:
    """Return `text` with unsafe characters replaced by U+FFFD; tabs and newlines are kept."""
    if text.isascii() and text.replace("\n", "").replace("\t", "").isprintable():
        return text
    return _UNSAFE.sub("\ufffd", text)


def clean_line(text: str) -> str:
    """Return `text` as one safe line: newlines and tabs become spaces, unsafe characters U+FFFD."""
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE_ONE_LINE.sub("\ufffd", text)


def has_unsafe(text: str) -> bool:
    """True when `text` holds a character `clean_text` would replace."""
    return _UNSAFE.search(text) is not None
