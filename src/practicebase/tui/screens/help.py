"""The help screen (F1): every key of every screen, read from the bindings themselves."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from practicebase.evidence import LEGEND as EVIDENCE_LEGEND

NAVIGATION_KEYS = (
    ("up / down", "Move through results, facets, similar practice or the table"),
    ("enter", "Open the highlighted entry, toggle a filter, or search a table cell"),
    ("tab / shift+tab", "Move between the search box, filters, results and preview"),
    ("ctrl+p", "Command palette: every action, and jump to an entry by title"),
    ("mouse", "Click rows and links; links ask before they open"),
    ("a letter", "Typed in the results or filters, goes to the search box"),
)

QUERY_LANGUAGE = (
    ("gp referrals", "Entries with the words, those with all of them first"),
    ('"case management"', "The words together, as a phrase"),
    ("force:gmp theme:online", "Only entries with this value (also stage:, outcome:, status:)"),
    ("-online  -force:kent", "Leave out entries with this word or value"),
    ("radical*", "Words starting with radical"),
    ("is:due", "Entries due for review"),
    ("referral OR triage", "Either word"),
)
"""The query language in brief (docs/search.md has all of it)."""


def binding_rows(app: App, sections: list[tuple[str, list[BindingType]]]) -> Text:
    """A plain-text table of the keys in `sections`, using the keys as currently mapped."""
    out = Text()
    for title, bindings in sections:
        out.append(f"{title}\n", "bold underline")
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            keys = ", ".join(
                app.get_key_display(Binding(key, binding.action))
                for key in current_keys(app, binding)
            )
            out.append(f"  {keys:<16}", "bold")
            out.append(f"{binding.description or binding.action:<24}")
            out.append(f"{binding.id or ''}\n", "dim")
        out.append("\n")
    out.append("Moving around\n", "bold underline")
    for key, what in NAVIGATION_KEYS:
        out.append(f"  {key:<16}", "bold")
        out.append(f"{what}\n")
    out.append("\nEvidence mark in each result row (e.g. I3+)\n", "bold underline")
    for meaning in EVIDENCE_LEGEND:
        out.append(f"  {meaning}\n")
    out.append("\nSearching (the same as `practicebase search`)\n", "bold underline")
    for example, what in QUERY_LANGUAGE:
        out.append(f"  {example:<24}", "bold")
        out.append(f"{what}\n")
    out.append(
        "\nRemap a key by its id (right-hand column), for example:\n"
        "  PRACTICEBASE_KEYMAP='search.sort=ctrl+o;app.coverage=f9' practicebase\n",
        "dim",
    )
    return out


def current_keys(app: App, binding: Binding) -> list[str]:
    """The keys of `binding` now, after any remapping, as typed (`ctrl+l`)."""
    keymap = getattr(app, "_keymap", {}) or {}
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    return [key.strip() for key in keys.split(",") if key.strip()]


class HelpScreen(ModalScreen[None]):
    """Lists every key; escape, F1 or q closes it."""

    BINDINGS = [
        Binding("escape,f1,q", "close", "Close", id="help.close"),
    ]

    def __init__(self, sections: list[tuple[str, list[BindingType]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Text("practicebase keys", "bold"), markup=False)
            yield Static(binding_rows(self.app, self.sections), id="help-keys", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
