"""The HTML export as a browser shows it: headless Chromium loads the index page and an
OFFICIAL-SENSITIVE entry page from disk and dumps the DOM it built. Checked there: the
marking at the top and bottom, the index table's columns, stage and outcome as words,
related entries by title, and that nothing from an entry ran or loaded.

Skipped only when no Chromium binary is installed (`apt-get install chromium`; .ci/run
installs it when it can)."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from practicebase.cli import main

CHROMIUM = next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium binary on PATH: install the system package (apt-get install chromium)",
)

TABLE = """
## Evaluation

| Measure | Before | After |
| --- | --- | --- |
| Referrals | 12 | 30 |
"""


class Dom(HTMLParser):
    """What the dumped DOM holds: texts of the marking blocks, table rows as cell texts,
    every text, tags and hrefs."""

    def __init__(self) -> None:
        super().__init__()
        self.markings: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.text: list[str] = []
        self.tags: set[str] = set()
        self.hrefs: list[str] = []
        self._marking: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.add(tag)
        if tag == "a":
            self.hrefs.append(attributes.get("href") or "")
        if tag == "div" and "classification" in (attributes.get("class") or "").split():
            self._marking = []
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "div" and self._marking is not None:
            self.markings.append("".join(self._marking).strip())
            self._marking = None
        elif tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._marking is not None:
            self._marking.append(data)
        if self._cell is not None:
            self._cell.append(data)


def rendered(page: Path, profile: Path) -> Dom:
    """The DOM headless Chromium builds for `page` (a local file, nothing from the network)."""
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "<html" in result.stdout, result.stderr[-2000:]
    dom = Dom()
    dom.feed(result.stdout)
    return dom


def test_index_and_sensitive_page_in_chromium(capsys, write_entry, kb, tmp_path):
    write_entry(
        "insider-aftercare",
        title="Aftercare after an insider-risk concern",
        classification="OFFICIAL-SENSITIVE",
        stage="evaluated-locally",
        outcome="didnt-work",
        extra="related: [school-liaison]",
        did="We met each member of staff <script>document.title='ran'</script> weekly.\n" + TABLE,
    )
    write_entry(
        "school-liaison",
        title="School liaison officers",
        force="kent",
        stage="independently-evaluated",
        outcome="new-innovative",
    )
    site = tmp_path / "site"
    status = main(["--root", str(kb.root), "export", "--out", str(site), "--include-sensitive"])
    assert status == 0, capsys.readouterr().err
    profile = tmp_path / "chromium-profile"

    index = rendered(site / "index.html", profile)
    assert index.markings == ["OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE"]  # top and bottom
    table = index.tables[0]
    assert table[0] == ["Title", "Forces", "Stage", "Outcome", "Review date", "Marking"]
    rows = {row[0]: row[1:] for row in table[1:]}
    assert rows["Aftercare after an insider-risk concern"] == [
        "West Yorkshire Police",
        "evaluated locally",
        "didn't work",
        "2027-01-10",
        "OFFICIAL-SENSITIVE",
    ]
    assert rows["School liaison officers"] == [
        "Kent Police",
        "independently evaluated",
        "new / innovative",
        "2027-01-10",
        "OFFICIAL",
    ]
    assert "forces/kent.html" in index.hrefs and "themes/referrals.html" in index.hrefs
    assert "didnt-work" not in " ".join(index.text)

    page = rendered(site / "practice" / "insider-aftercare.html", profile)
    assert page.markings == ["OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE"]
    text = " ".join(" ".join(page.text).split())
    assert "need to know" in text  # the handling banner
    meta = dict(row for row in page.tables[0] if len(row) == 2)
    assert meta["Stage"] == "evaluated locally"
    assert meta["Outcome"] == "didn't work"
    assert meta["Related"] == "School liaison officers"
    assert "school-liaison.html" in page.hrefs
    assert meta["Classification"] == "OFFICIAL-SENSITIVE"
    assert ["Referrals", "12", "30"] in page.tables[1]  # the body's table, as a table
    assert "script" not in page.tags  # the entry's <script> is text, and never ran
    assert "<script>document.title='ran'</script>" in text
