"""Helpers shared by the foundation tests (conftest.py puts this folder on sys.path; the
name is unique so it never clashes with other test folders' helpers)."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

BODY = """
## Problem

Referrals from schools arrived late and incomplete.

## What we did

We set up a weekly call with Designated Safeguarding Leads.

## Outcomes

Referral quality improved over six months.

## Evaluation

A local audit of 120 referrals before and after.

## Lessons learned

Start with the schools that refer most.

## How to adopt

Ask the contact below for the call agenda.
"""

# Field -> the YAML text after `field:` (so tests can write anything, valid or not).
VALID_FIELDS: dict[str, str] = {
    "id": "school-liaison-pilot",
    "title": "School liaison pilot",
    "force": "west-midlands",
    "themes": "[partner-education, referrals]",
    "summary": "A weekly call between the Prevent team and school safeguarding leads.",
    "stage": "evaluated-locally",
    "outcome": "promising",
    "last_reviewed": "2026-01-15",
    "contact": (
        "\n  role: Prevent Schools Lead\n  email: prevent.schools@west-midlands.example.police.uk"
    ),
}


def without_added_line(filed: bytes, day: date | None = None) -> bytes:
    """What `add` filed, less the one `added: DAY` line it inserts (today by default); fails
    unless that line is there exactly once."""
    stamp = (day or date.today()).isoformat().encode("ascii")
    line = re.compile(rb"^added: " + stamp + rb"\r?\n", re.MULTILINE)
    assert len(line.findall(filed)) == 1, filed
    return line.sub(b"", filed, count=1)


def front_matter(fields: dict[str, str | None]) -> str:
    """YAML lines for `fields`, skipping those set to None."""
    return "".join(f"{key}: {value}\n" for key, value in fields.items() if value is not None)


def entry_text(form: str = "md", body: str = BODY, **changes: str | None) -> str:
    """A valid entry's text with `changes` applied (None removes a field)."""
    fields = {**VALID_FIELDS, **changes}
    if form == "md":
        return "---\n" + front_matter(fields) + "---\n" + body
    indented = "".join(f"  {line}\n" if line else "\n" for line in body.strip("\n").split("\n"))
    return front_matter(fields) + "body: |\n" + indented


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def assert_clean(text: str) -> None:
    """No traceback and no control characters (other than newline and tab) in output."""
    assert "Traceback" not in text, text
    assert "internal error" not in text, text
    bad = [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]
    assert not bad, f"control characters in output: {bad!r}"


def run_subprocess(*args: str | os.PathLike[str], timeout: float = 30) -> Run:
    """`python -m practicebase ARGS` as a real process."""
    proc = subprocess.run(
        [sys.executable, "-m", "practicebase", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    result = Run(proc.returncode, proc.stdout, proc.stderr)
    assert_clean(result.text)
    return result


def tree_digest(root: Path) -> dict[str, str]:
    """Every path under `root` -> its kind and a hash of its bytes (links never followed)."""
    digest: dict[str, str] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs:
            digest[os.path.relpath(os.path.join(folder, name), root)] = "dir"
        for name in files:
            full = os.path.join(folder, name)
            info = os.lstat(full)
            rel = os.path.relpath(full, root)
            if stat.S_ISREG(info.st_mode):
                digest[rel] = hashlib.sha256(Path(full).read_bytes()).hexdigest()
            else:
                digest[rel] = f"special:{stat.S_IFMT(info.st_mode)}"
    return digest
