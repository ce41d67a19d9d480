"""Text from entries is made safe for a terminal."""

import pytest

from practicebase.sanitize import clean_line, clean_text, has_unsafe


@pytest.mark.parametrize(
    "hostile",
    [
        "\x1b[2J",  # clear screen
        "\x1b]52;c;aGVsbG8=\x07",  # OSC 52 clipboard write
        "\x1b]0;title\x07",  # window title
        "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",  # hyperlink
        "\x9b31m",  # C1 CSI
        "nul\x00byte",
        "bidi\u202eevil",
        "zero\u200bwidth",
        "lone\udc80surrogate",
    ],
)
def test_hostile_sequences_are_neutralised(hostile: str) -> None:
    cleaned = clean_text(hostile)
    assert not has_unsafe(cleaned)
    for char in ("\x1b", "\x07", "\x00", "\x9b", "\u202e", "\u200b", "\udc80"):
        assert char not in cleaned
    cleaned.encode("utf-8")  # printable without errors


def test_newlines_and_tabs_survive_clean_text_but_not_clean_line() -> None:
    assert clean_text("a\n\tb") == "a\n\tb"
    assert clean_line("a\r\n\tb\nc") == "a  b c"


def test_ordinary_text_is_unchanged() -> None:
    text = "Prevent Case Management – “PCM” in Wrexham; café £5"
    assert clean_text(text) == text


def test_every_ascii_character_is_cleaned_as_the_rules_say() -> None:
    """ASCII text takes a shortcut (printable means safe): each of the 128 characters is
    kept or replaced exactly as the rules say, alone and inside text."""
    for code in range(128):
        char = chr(code)
        unsafe = code < 0x20 or code == 0x7F
        kept_by_text = char if not unsafe or char in "\t\n" else "\ufffd"
        kept_by_line = " " if char in "\t\n" else kept_by_text
        assert clean_text(f"a{char}b") == f"a{kept_by_text}b"
        assert clean_line(f"a{char}b") == f"a{kept_by_line}b"
        assert clean_line(f"a\r\n{char}") == f"a {kept_by_line}"
