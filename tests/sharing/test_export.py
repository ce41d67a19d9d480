"""Export contents: the HTML site is safe and complete; JSON and CSV round-trip the fields."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from practicebase.entry import Contact, Entry, Link
from practicebase.export import (
    CSV_COLUMNS,
    ExportError,
    check_destination,
    export_csv,
    export_json,
    select_entries,
)
from practicebase.export_html import PAGES_DIR, SITE_MARKER, write_site

TODAY = date(2026, 11, 29)

HOSTILE_BODY = """## Problem

<script>alert('x')</script>

<img src=x onerror="alert(1)">

Click [here](javascript:alert(1)) or [there](JAVASCRIPT:alert(2)) or [data](data:text/html,hi)
or [entity](&#106;avascript:alert(3)) or [ok](https://example.org/guide) or
<span onclick="alert(4)">span</span> or <mailto:prevent@example.police.uk> or
![pixel](https://tracker.example.com/p.gif) or <a href="javascript:alert(5)">raw</a>.

<iframe src="https://evil.example.com"></iframe>

| a | b |
|---|---|
| <b onmouseover=alert(6)>x</b> | y |

```
<script>in code</script>
```
"""


class PageParser(HTMLParser):
    """Collects what a safety check needs from one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.event_attributes: list[tuple[str, str]] = []
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.event_attributes.append((name, value or ""))
            if name.lower() == "href":
                self.hrefs.append(value or "")
            if name.lower() == "src":
                self.srcs.append(value or "")

    def handle_data(self, data):
        self.text.append(data)


def parse_page(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def assert_safe(page: PageParser) -> None:
    assert "script" not in page.tags
    assert "iframe" not in page.tags
    assert "img" not in page.tags
    assert page.event_attributes == []
    assert page.srcs == []
    for href in page.hrefs:
        lowered = href.strip().lower()
        assert lowered.startswith(("https://", "http://", "mailto:")) or (
            lowered.endswith(".html") or lowered.startswith("#")
        ), href
        assert "javascript" not in lowered


@pytest.fixture
def sample_entries(make_entry):
    return [
        make_entry(
            "gp-referral-pathway",
            title="GP referral pathway",
            forces=("west-yorkshire",),
            themes=("referrals", "partner-health"),
            related=("joint-channel-secretariat", "not-exported"),
            links=(Link("Guide", "https://example.org/guide"),),
            tags=("gp", "health"),
            audience=("adults",),
            started=date(2024, 5, 1),
            sms_level=3,
            outcome="worked",
        ),
        make_entry(
            "joint-channel-secretariat",
            title="Joint <Channel> secretariat & panel",
            forces=("north-wales", "gwent"),
            themes=("channel-pmap",),
            body=HOSTILE_BODY,
            review_due=date(2025, 1, 1),
        ),
        make_entry(
            "staff-vulnerability-support",
            title="Staff vulnerability support",
            forces=("sussex",),
            themes=("staff-resilience",),
            classification="OFFICIAL-SENSITIVE",
            contact=Contact(
                "Wellbeing Lead", "wellbeing@sussex.example.police.uk", "A Person", "01632 960000"
            ),
        ),
    ]


def test_sensitive_entries_left_out_unless_asked(sample_entries):
    default = select_entries(sample_entries)
    assert [e.id for e in default.entries] == ["gp-referral-pathway", "joint-channel-secretariat"]
    assert default.sensitive_left_out == 1
    everything = select_entries(sample_entries, include_sensitive=True)
    assert len(everything.entries) == 3
    assert everything.sensitive_left_out == 0
    only = select_entries(sample_entries, include_sensitive=True, only_ids={"GP-Referral-Pathway"})
    assert [e.id for e in only.entries] == ["gp-referral-pathway"]


def test_html_site_is_safe_complete_and_marked(tmp_path, sample_entries, vocabulary):
    selection = select_entries(sample_entries)
    out = tmp_path / "site"
    pages = write_site(out, selection.entries, vocabulary, sensitive_left_out=1, today=TODAY)
    assert pages == len(list(out.rglob("*.html"))) == 10  # 2 entries, 3 forces, 3 themes
    index = parse_page(out / "index.html")
    assert_safe(index)
    linked = {h for h in index.hrefs if h.startswith(PAGES_DIR + "/")}
    assert linked == {
        f"{PAGES_DIR}/gp-referral-pathway.html",
        f"{PAGES_DIR}/joint-channel-secretariat.html",
    }
    index_text = " ".join(index.text)
    assert "OFFICIAL" in index_text and "OFFICIAL-SENSITIVE entries are not included" in index_text
    assert "Staff vulnerability support" not in (out / "index.html").read_text()
    assert not (out / PAGES_DIR / "staff-vulnerability-support.html").exists()
    # grouped by theme and by force with counts
    assert "Channel panels" in index_text and "Gwent Police" in index_text and "(1)" in index_text
    for href in linked:
        page = parse_page(out / href)
        assert_safe(page)
        text = " ".join(page.text)
        assert "OFFICIAL" in text
        assert "OFFICIAL-SENSITIVE" not in text
    hostile = out / PAGES_DIR / "joint-channel-secretariat.html"
    raw = hostile.read_text()
    page = parse_page(hostile)
    text = " ".join(page.text)
    assert "<script>alert('x')</script>" in text  # shown as text, not run
    assert "Joint <Channel> secretariat & panel" in text
    assert "https://example.org/guide" in page.hrefs
    assert "mailto:prevent@example.police.uk" in page.hrefs
    assert "here" in text and "[image: pixel]" in text
    assert "due for review" in text
    assert "<script" not in raw.replace("&lt;script", "")
    good = parse_page(out / PAGES_DIR / "gp-referral-pathway.html")
    assert "joint-channel-secretariat.html" in good.hrefs  # related, exported: linked
    assert "not-exported" in " ".join(good.text)
    assert (out / SITE_MARKER).is_file()


def test_html_sensitive_included_carries_banner(tmp_path, sample_entries, vocabulary):
    selection = select_entries(sample_entries, include_sensitive=True)
    out = tmp_path / "site"
    write_site(out, selection.entries, vocabulary, today=TODAY)
    page = out / PAGES_DIR / "staff-vulnerability-support.html"
    parsed = parse_page(page)
    assert_safe(parsed)
    text = " ".join(parsed.text)
    assert text.count("OFFICIAL-SENSITIVE") >= 3  # top and bottom marking, banner
    assert "need to know" in text
    assert "OFFICIAL-SENSITIVE" in " ".join(parse_page(out / "index.html").text)
    other = " ".join(parse_page(out / PAGES_DIR / "gp-referral-pathway.html").text)
    assert "need to know" not in other


def test_html_refuses_foreign_folder_and_replaces_own_export(tmp_path, sample_entries, vocabulary):
    foreign = tmp_path / "docs"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        write_site(foreign, sample_entries, vocabulary, today=TODAY)
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]
    out = tmp_path / "site"
    write_site(out, sample_entries, vocabulary, today=TODAY)
    write_site(out, sample_entries[:1], vocabulary, today=TODAY)
    assert sorted(p.name for p in (out / PAGES_DIR).iterdir()) == ["gp-referral-pathway.html"]


def test_destination_inside_entries_or_index_refused(kb):
    (kb.root / "index").mkdir()
    for bad in (kb.entries_dir / "x", kb.root / "index" / "site", kb.entries_dir, kb.root):
        with pytest.raises(ExportError, match="refusing"):
            check_destination(kb, bad)
    assert check_destination(kb, kb.root / "site") == (kb.root / "site").resolve()
    assert check_destination(kb, kb.root / "export.json") == (kb.root / "export.json").resolve()


def test_json_round_trips_every_field(sample_entries, vocabulary):
    document = json.loads(export_json(sample_entries, vocabulary, today=TODAY))
    assert document["format"] == "practicebase-export" and document["version"] == 1
    assert document["count"] == 3
    by_id = {r["id"]: r for r in document["entries"]}
    for entry in sample_entries:
        record = by_id[entry.id]
        assert record["title"] == entry.title
        assert tuple(record["forces"]) == entry.forces
        assert tuple(record["themes"]) == entry.themes
        assert record["summary"] == entry.summary
        assert record["body"] == entry.body
        assert record["stage"] == entry.stage and record["status"] == entry.status
        assert record["outcome"] == entry.outcome
        assert record["last_reviewed"] == entry.last_reviewed.isoformat()
        assert record["review_due"] == entry.review_due.isoformat()
        assert record["started"] == (entry.started.isoformat() if entry.started else None)
        assert record["contact"] == {
            "role": entry.contact.role,
            "email": entry.contact.email,
            "name": entry.contact.name,
            "phone": entry.contact.phone,
        }
        assert [Link(**link) for link in record["links"]] == list(entry.links)
        for name in ("audience", "partners", "ideology", "recommendations", "related", "tags"):
            assert tuple(record[name]) == getattr(entry, name)
        assert record["classification"] == entry.classification
        assert record["sms_level"] == entry.sms_level
        assert record["supersedes"] == entry.supersedes
    assert by_id["joint-channel-secretariat"]["force_names"] == [
        "North Wales Police",
        "Gwent Police",
    ]
    assert by_id["joint-channel-secretariat"]["is_due"] is True


def test_csv_round_trips_the_metadata(sample_entries):
    text = export_csv(sample_entries)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert len(rows) == 3
    by_id = {r["id"]: r for r in rows}
    for entry in sample_entries:
        row = by_id[entry.id]
        assert row["title"] == entry.title
        assert tuple(row["forces"].split("; ")) == entry.forces
        assert tuple(row["themes"].split("; ")) == entry.themes
        assert row["summary"] == entry.summary
        assert row["last_reviewed"] == entry.last_reviewed.isoformat()
        assert row["review_due"] == entry.review_due.isoformat()
        assert row["contact_email"] == entry.contact.email
        assert row["contact_name"] == (entry.contact.name or "")
        assert row["classification"] == entry.classification
        assert row["sms_level"] == ("" if entry.sms_level is None else str(entry.sms_level))
        assert tuple(filter(None, row["tags"].split("; "))) == entry.tags
        assert tuple(filter(None, row["related"].split("; "))) == entry.related
    assert by_id["gp-referral-pathway"]["links"] == "Guide <https://example.org/guide>"


def test_csv_neutralises_spreadsheet_formulas(make_entry):
    entry = make_entry("formula-title", title='=HYPERLINK("http://x")', summary="+1 more")
    row = next(csv.DictReader(io.StringIO(export_csv([entry]))))
    assert row["title"] == '\'=HYPERLINK("http://x")'
    assert row["summary"] == "'+1 more"


def entry_from_record(record: dict) -> Entry:
    """Rebuild an Entry from a JSON export record (the inverse the structure promises)."""

    def day(value):
        return date.fromisoformat(value) if value else None

    return Entry(
        id=record["id"],
        title=record["title"],
        forces=tuple(record["forces"]),
        themes=tuple(record["themes"]),
        summary=record["summary"],
        stage=record["stage"],
        last_reviewed=day(record["last_reviewed"]),
        review_due=day(record["review_due"]),
        contact=Contact(**record["contact"]),
        body=record["body"],
        outcome=record["outcome"],
        status=record["status"],
        started=day(record["started"]),
        added=day(record["added"]),
        audience=tuple(record["audience"]),
        partners=tuple(record["partners"]),
        ideology=tuple(record["ideology"]),
        recommendations=tuple(record["recommendations"]),
        classification=record["classification"],
        sms_level=record["sms_level"],
        related=tuple(record["related"]),
        supersedes=record["supersedes"],
        links=tuple(Link(**link) for link in record["links"]),
        tags=tuple(record["tags"]),
        form=record["form"],
    )


def test_json_rebuilds_equal_entries(sample_entries, vocabulary, sample_root):
    from practicebase.kb import KnowledgeBase
    from practicebase.reports import load_entries

    document = json.loads(export_json(sample_entries, vocabulary))
    assert [entry_from_record(r) for r in document["entries"]] == sample_entries
    kb = KnowledgeBase(sample_root)
    entries = sorted(load_entries(kb).entries, key=lambda e: e.id)
    document = json.loads(export_json(entries, kb.vocabulary, kb=kb))
    assert [entry_from_record(r) for r in document["entries"]] == entries
