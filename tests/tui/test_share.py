"""Sharing from the app: saving the results or one entry as Markdown or HTML, with the marking
at top and bottom and OFFICIAL-SENSITIVE entries only after a confirmation; copying a summary."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from textual.widgets import Button
from tui_helpers import palette_choose, settle, type_query, wait_for
from tui_kb import TODAY

from practicebase.tui.app import PracticebaseApp
from practicebase.tui.dialogs.save import ConfirmSensitive, SaveDialog
from practicebase.tui.screens.entry import EntryScreen
from practicebase.tui.screens.help import HelpScreen
from practicebase.tui.screens.search import SearchScreen

HOSTILE_TITLE = "[@click=app.quit]x[/] referrals [bold]markup[/bold]"
RESULTS_FILE = f"practicebase-results-{TODAY.isoformat()}"


@pytest.fixture(autouse=True)
def _in_tmp_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Documents are saved relative to the current folder: make it a fresh one."""
    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def status_text(app: PracticebaseApp) -> str:
    status = app.search_screen.query_one("#status")
    return " ".join(v.plain for v in status.variants)


async def press_for(pilot, key: str, screen_type: type) -> None:
    """Press `key` and wait until a screen of `screen_type` is on top."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type), screen_type.__name__)


async def open_save_dialog(pilot, key: str = "f4") -> SaveDialog:
    """Press the save key and wait for the file dialog (past any confirmation)."""
    await press_for(pilot, key, SaveDialog)
    return pilot.app.screen


async def save_as(pilot, dialog: SaveDialog, name: str | None = None, fmt: str = "md") -> None:
    """Choose a format (and a name), press Save, and wait until the file is written (the dialog
    closes) or refused (the dialog says why)."""
    if fmt == "html":
        await pilot.click("#as-html")
        await wait_for(pilot, lambda: dialog.format == "html", "the HTML format chosen")
    if name is not None:
        dialog.query_one("#save-name").value = name
    problem = dialog.query_one("#save-problem")
    problem.update("")

    def answered() -> bool:
        said = str(problem.render())
        return pilot.app.screen is not dialog or (bool(said) and not said.startswith("Saving"))

    # Pressed through the button's own API: a click could land where the button was before the
    # emptied problem line moved it.
    dialog.query_one("#save", Button).press()
    await wait_for(pilot, answered, "the save answered")


def rendered_markdown(text: str) -> str:
    """The HTML a Markdown viewer with raw HTML enabled would show for `text`."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


async def test_save_results_as_markdown_with_marking_and_hostile_title_as_text(
    kb, _in_tmp_folder: Path
) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_query(pilot, "referrals force:kent")
        dialog = await open_save_dialog(pilot)
        assert dialog.query_one("#save-name").value == f"{RESULTS_FILE}.md"
        await save_as(pilot, dialog)
        assert app.screen is app.search_screen
        saved = _in_tmp_folder / f"{RESULTS_FILE}.md"
        text = saved.read_text(encoding="utf-8")
        lines = text.strip().splitlines()
        assert lines[0] == "**OFFICIAL**" and lines[-1] == "**OFFICIAL**"
        assert "Search: referrals force:kent" in text
        # The title reads as itself: no link, no HTML, no markup in any Markdown viewer.
        html = rendered_markdown(text)
        assert "<a " not in html.split("How to adopt")[0]
        assert HOSTILE_TITLE in html.replace("&quot;", '"')
        assert "Saved 1 entry to" in status_text(app)
        assert f"{RESULTS_FILE}.md" in status_text(app)


async def test_save_results_as_html_every_hit_not_only_the_page(kb, _in_tmp_folder: Path) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_query(pilot, "-online")  # every entry but the OFFICIAL-SENSITIVE one
        screen = app.search_screen
        screen.limit = 2  # as if only two rows had been paged in
        screen.search_now()
        await settle(pilot)
        assert len(screen.last_result.hits) == 2 < screen.last_result.total
        dialog = await open_save_dialog(pilot)
        await save_as(pilot, dialog, fmt="html")
        saved = _in_tmp_folder / f"{RESULTS_FILE}.html"
        text = saved.read_text(encoding="utf-8")
        assert text.count('<div class="classification">OFFICIAL</div>') == 2
        assert text.index("classification") < text.index("<h1>")
        assert text.rindex("classification") > text.rindex("</section>")
        assert text.count("<section ") == screen.last_result.total
        assert "<h2>[@click=app.quit]x[/] referrals [bold]markup[/bold]</h2>" in text
        assert "<script" not in text


async def test_sensitive_results_need_confirmation_naming_how_many(
    kb, _in_tmp_folder: Path
) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_query(pilot, "referrals")
        total = app.search_screen.last_result.total
        # Declining saves nothing.
        await press_for(pilot, "f4", ConfirmSensitive)
        question = str(app.screen.query_one("#sensitive-question").render())
        assert f"1 of the {total} entries to save is OFFICIAL-SENSITIVE" in question
        await press_for(pilot, "n", SearchScreen)
        assert list(_in_tmp_folder.iterdir()) == []
        # Without them: the file says they were left out and holds none.
        await press_for(pilot, "f4", ConfirmSensitive)
        await press_for(pilot, "w", SaveDialog)
        await save_as(pilot, app.screen, name="without.md")
        text = (_in_tmp_folder / "without.md").read_text(encoding="utf-8")
        assert "Online harms desk" not in text
        assert "1 OFFICIAL-SENSITIVE entry is not included." in text
        assert text.startswith("**OFFICIAL**\n")
        # Including them: marked OFFICIAL-SENSITIVE at the top, the bottom and the entry.
        await press_for(pilot, "f4", ConfirmSensitive)
        await press_for(pilot, "y", SaveDialog)
        await save_as(pilot, app.screen, name="with.md")
        text = (_in_tmp_folder / "with.md").read_text(encoding="utf-8")
        lines = text.strip().splitlines()
        assert lines[0] == "**OFFICIAL-SENSITIVE**"
        assert lines[-1].startswith("OFFICIAL-SENSITIVE: share")
        assert lines[-3] == "**OFFICIAL-SENSITIVE**"
        assert text.count("**OFFICIAL-SENSITIVE**") == 3  # top, the entry, bottom
        assert "Online harms desk" in text
        assert "1 OFFICIAL-SENSITIVE" in status_text(app)


async def test_save_entry_and_no_overwrite(kb, _in_tmp_folder: Path) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_entry("gp-referral-pathway")
        await settle(pilot)
        existing = _in_tmp_folder / "practicebase-gp-referral-pathway.html"
        existing.write_text("someone else's file", encoding="utf-8")
        dialog = await open_save_dialog(pilot)
        assert dialog.query_one("#save-name").value == "practicebase-gp-referral-pathway.md"
        await save_as(pilot, dialog, fmt="html")
        # The file in the way is untouched; the dialog says so and stays open.
        assert existing.read_text(encoding="utf-8") == "someone else's file"
        assert app.screen is dialog
        problem = str(dialog.query_one("#save-problem").render())
        assert "Not saved" in problem and "already exists" in problem
        await save_as(pilot, dialog, name="gp.html")
        assert isinstance(app.screen, EntryScreen)
        text = (_in_tmp_folder / "gp.html").read_text(encoding="utf-8")
        assert "<h1>GP practice referral pathway</h1>" in text
        assert text.count('<div class="classification">OFFICIAL</div>') == 2
        assert "Saved 1 entry to gp.html" in status_text(app)


async def test_sensitive_entry_declined_saves_nothing(kb, _in_tmp_folder: Path) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_entry("online-harms-desk")
        await settle(pilot)
        await press_for(pilot, "f4", ConfirmSensitive)
        assert not app.screen.query("#without")  # nothing would be left to save
        await pilot.press("w")  # so "without" does nothing
        assert isinstance(app.screen, ConfirmSensitive)
        await press_for(pilot, "escape", EntryScreen)
        assert list(_in_tmp_folder.iterdir()) == []


@pytest.fixture
def unwritable_folder(_in_tmp_folder: Path):
    """A folder no new file can be made in: read-only for a user, /sys for root (whom file
    permissions do not stop)."""
    if os.geteuid() != 0:
        locked = _in_tmp_folder / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        yield locked
        locked.chmod(0o700)
        assert list(locked.iterdir()) == []
        return
    if not Path("/sys/kernel").is_dir():
        pytest.skip("running as root with no /sys: no folder refuses a new file")
    yield Path("/sys")


async def test_unwritable_folder_is_said_and_the_app_keeps_working(
    kb, _in_tmp_folder: Path, unwritable_folder: Path
) -> None:
    (_in_tmp_folder / "a-file").write_text("not a folder", encoding="utf-8")
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_query(pilot, "force:kent")
        dialog = await open_save_dialog(pilot)
        for name, said in (
            (str(unwritable_folder / "practicebase-results.md"), "permission denied"),
            ("missing/results.md", "does not exist"),
            ("a-file/results.md", "is not a folder"),
        ):
            await save_as(pilot, dialog, name=name)
            problem = str(dialog.query_one("#save-problem").render())
            assert "Not saved" in problem and said in problem, problem
            assert not dialog.query_one("#save").disabled
        await press_for(pilot, "escape", SearchScreen)
        await type_query(pilot, "schools")
        assert app.search_screen.last_result.total >= 1
    assert not (unwritable_folder / "practicebase-results.md").exists()
    assert sorted(p.name for p in _in_tmp_folder.iterdir()) == ["a-file"] + (
        ["locked"] if unwritable_folder.parent == _in_tmp_folder else []
    )


async def test_save_refuses_the_entries_folder(kb, _in_tmp_folder: Path) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_query(pilot, "force:kent")
        dialog = await open_save_dialog(pilot)
        await save_as(pilot, dialog, name=str(kb.entries_dir / "x.md"))
        assert "refusing to write" in str(dialog.query_one("#save-problem").render())
    assert not (kb.entries_dir / "x.md").exists()


async def test_copy_summary(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_entry("school-referral-clinic")
        await settle(pilot)
        await pilot.press("c")
        assert app.clipboard.splitlines() == [
            "School referral clinic for designated safeguarding leads",
            "Forces: West Midlands Police",
            "Evidence: evaluated locally, outcome: promising",
            "Contact: Prevent Lead, prevent.school-referral-clinic@example.police.uk",
        ]
        app.open_entry("online-harms-desk")
        await settle(pilot)
        await pilot.press("c")
        lines = app.clipboard.splitlines()
        assert lines[0] == lines[-2] == "OFFICIAL-SENSITIVE"
        assert "Online harms desk for social media concerns" in lines


async def test_keys_in_help_and_palette(kb) -> None:
    app = PracticebaseApp(kb, today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press_for(pilot, "f1", HelpScreen)
        keys = str(app.screen.query_one("#help-keys").render())
        lines = keys.splitlines()
        for binding_id, words in (
            ("search.save", "Save"),
            ("entry.save", "Save"),
            ("entry.copy-summary", "Copy summary"),
        ):
            [line] = [line for line in lines if line.endswith(binding_id)]
            assert line.split()[:2] == (["f4", words] if "save" in binding_id else ["c", "Copy"])
        await press_for(pilot, "escape", SearchScreen)
        app.open_entry("gp-referral-pathway")
        await settle(pilot)
        await palette_choose(pilot, "copy summ", "Copy summary")
        assert app.clipboard.startswith("GP practice referral pathway\n")
