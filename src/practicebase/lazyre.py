"""Regular expressions compiled on first use, so that starting a command compiles only the
patterns it runs.

About a hundred module-level patterns would otherwise be compiled by every process that
imports the core (`search` and `show` use a few of them).
"""

from __future__ import annotations

import re
from typing import Any, cast

# What a compiled pattern offers that callers use; copied onto the stand-in on first use,
# so later calls cost what a call on the compiled pattern costs.
_FORWARDED = (
    "match",
    "search",
    "fullmatch",
    "sub",
    "subn",
    "split",
    "findall",
    "finditer",
    "groups",
    "groupindex",
    "scanner",
)


class LazyPattern:
    """Stands in for `re.compile(pattern, flags)` until an attribute other than `pattern`
    is first used."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        compiled = re.compile(self.pattern, self._flags)
        for attribute in _FORWARDED:
            setattr(self, attribute, getattr(compiled, attribute))
        self.flags = compiled.flags
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_pattern({self.pattern!r}, {self._flags})"


def lazy_pattern(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, compiled when first used."""
    return cast(re.Pattern[str], LazyPattern(pattern, flags))
