"""The practice entry model: plain dataclasses that cross every layer.

Reading files into these (front matter or pure YAML, safely) lives in `parse.py`;
the rules that turn raw fields into an `Entry` live in `validate.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]
EntryForm = Literal["md", "yaml"]

RECOMMENDED_SECTIONS = (
    "Problem",
    "What we did",
    "Outcomes",
    "Evaluation",
    "Lessons learned",
    "How to adopt",
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, as `path:line: severity: field: message`."""

    path: str
    line: int | None
    severity: Severity
    field: str | None
    message: str

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        what = f"{self.field}: {self.message}" if self.field else self.message
        return f"{where}: {self.severity}: {what}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True)
class Contact:
    """Who to ask about a practice; a role mailbox outlives staff moves."""

    role: str
    email: str
    name: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Link:
    """A titled http(s) or mailto link."""

    title: str
    url: str


@dataclass(frozen=True)
class Entry:
    """One validated practice entry. Vocabulary values are stored as ids."""

    id: str
    title: str
    forces: tuple[str, ...]
    themes: tuple[str, ...]
    summary: str
    stage: str
    last_reviewed: date
    review_due: date
    contact: Contact
    body: str = ""
    outcome: str | None = None
    status: str = "active"
    started: date | None = None
    # When the entry joined the knowledge base (`add` sets it); None in files copied in by hand.
    added: date | None = None
    audience: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    ideology: tuple[str, ...] = ()
    recommendations: tuple[str, ...] = ()
    classification: str = "OFFICIAL"
    sms_level: int | None = None
    related: tuple[str, ...] = ()
    supersedes: str | None = None
    links: tuple[Link, ...] = ()
    tags: tuple[str, ...] = ()
    form: EntryForm = "md"
    path: Path | None = field(default=None, compare=False)

    def is_due(self, today: date | None = None) -> bool:
        """True when the review date has passed."""
        return self.review_due < (today or date.today())

    @property
    def is_sensitive(self) -> bool:
        return self.classification == "OFFICIAL-SENSITIVE"


class EntryError(Exception):
    """An input could not be read as a valid entry; `problems` says every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = problems[0].format() if problems else "invalid entry"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)
