"""User key remapping: `PRACTICEBASE_KEYMAP="search.sort=ctrl+o;app.help=f10,question_mark"`.

Every binding in the app has an id (shown in the help screen's source, e.g. `search.sort`);
Textual's keymap maps ids to new keys, comma-separated when several.
"""

from __future__ import annotations

KEYMAP_ENV_VAR = "PRACTICEBASE_KEYMAP"


def parse_keymap(text: str) -> dict[str, str]:
    """`id=keys` pairs separated by semicolons; malformed pairs are ignored."""
    keymap: dict[str, str] = {}
    for pair in text.split(";"):
        binding_id, sep, keys = pair.partition("=")
        if sep and binding_id.strip() and keys.strip():
            keymap[binding_id.strip()] = keys.strip()
    return keymap
