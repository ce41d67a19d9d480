"""Helpers for the search tests: valid entry files and a small shared corpus."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from practicebase.kb import KnowledgeBase

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_ENTRIES = REPO_ROOT / "entries"

SECTIONS = ("Problem", "What we did", "Outcomes", "Evaluation", "Lessons learned", "How to adopt")


def entry_text(
    entry_id: str,
    *,
    title: str | None = None,
    force: str = "west-yorkshire",
    themes: str = "[referrals]",
    summary: str | None = None,
    body: str = "",
    stage: str = "evaluated-locally",
    last_reviewed: str = "2026-06-01",
    extra: str = "",
) -> str:
    """A valid Markdown entry; `body` becomes the Problem section's text."""
    sections = "\n".join(
        f"## {name}\n\n{body if i == 0 else f'{name} of the practice.'}\n"
        for i, name in enumerate(SECTIONS)
    )
    return (
        "---\n"
        f"id: {entry_id}\n"
        f"title: {title or 'Practice ' + entry_id}\n"
        f"force: {force}\n"
        f"themes: {themes}\n"
        f"summary: {summary or 'Summary of ' + entry_id + '.'}\n"
        f"stage: {stage}\n"
        f"last_reviewed: {last_reviewed}\n"
        "contact:\n"
        "  role: Prevent Lead\n"
        "  email: prevent@west-yorkshire.example.police.uk\n"
        f"{extra}"
        "---\n\n"
        f"{sections}"
    )


WriteEntry = Callable[..., Path]


# A small knowledge base that the query tests share (built once per module that asks).
CORPUS: dict[str, dict[str, str]] = {
    "gp-referrals": {
        "title": "Helping GP practices make Prevent referrals",
        "summary": "A primary care pathway so GP surgeries refer radicalisation concerns early.",
        "body": "GP practices in our organisation were unsure how to make radicalisation "
        "referrals. We worked with the Integrated Care Board on a single pathway and "
        "changed behaviour in 40 surgeries. The programme trained practice managers.",
        "force": "west-yorkshire",
        "themes": "[referrals, partner-health]",
        "extra": "outcome: worked\ntags: [primary care, gp]\n",
    },
    "us-screening": {
        "title": "A radicalization screening tool for referrers",
        "summary": "An organization-wide program to analyze behavior at the referral stage.",
        "body": "The center tested a scored screening form. The program did not improve "
        "referral quality and the organization stopped it after six months.",
        "force": "essex",
        "themes": "[referrals, triage-gateway]",
        "stage": "untested",
        "extra": "outcome: didnt-work\nstatus: ended\n",
    },
    "pcm-clinic": {
        "title": "Review clinic for long cases",
        "summary": "A fortnightly clinic where the PCM supervisor reviews long-running cases.",
        "body": "Every PCM case open for six months comes to the clinic. Officers bring the "
        "case file and a health practitioner attends.",
        "force": "west-midlands",
        "themes": "[case-management]",
        "extra": "outcome: promising\n",
    },
    "case-handover": {
        "title": "Structured handover between forces",
        "summary": "When a person supported under Prevent Case Management moves area.",
        "body": "Information was passed by email and often late. A standard summary and a "
        "joint call now go with every move.",
        "force": "merseyside",
        "themes": "[case-management, information-sharing]",
        "stage": "untested",
        "extra": "outcome: new-innovative\nstatus: pilot\n",
    },
    "school-leads": {
        "title": "A network for school safeguarding leads",
        "summary": "Termly meetings for Designated Safeguarding Leads across the county.",
        "body": "Designated Safeguarding Leads met each term with the Prevent officer to "
        "discuss pupils they were worried about and internet safety.",
        "force": "lancashire",
        "themes": "[partner-education, training-awareness]",
        "last_reviewed": "2024-05-01",
        "extra": "outcome: promising\naudience: [children]\n",
    },
    "online-youth": {
        "title": "Online referrals about teenagers",
        "summary": "Looking at what young people share on social media before triage.",
        "body": "Referrals about youths and their online activity were triaged by an "
        "officer trained in platforms popular with teenagers.",
        "force": "south-wales",
        "themes": "[online, referrals]",
        "last_reviewed": "2024-03-15",
        "extra": "outcome: promising\naudience: [children, young-adults]\n",
    },
    "neighbourhood-watch": {
        "title": "Neighbourhood teams and the centre of the community",
        "summary": "Neighbourhood officers trained to spot concerns and defence of the community.",
        "body": "The neighbourhood policing teams worked from the community centre. A "
        "licence agreement with the council covered the room.",
        "force": "greater-manchester",
        "themes": "[community-engagement]",
        "extra": "outcome: worked\n",
    },
}


def write_corpus(kb: KnowledgeBase) -> None:
    for entry_id, fields in CORPUS.items():
        force = fields["force"]
        path = kb.entries_dir / force / f"{entry_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(entry_text(entry_id, **fields), encoding="utf-8")
