"""The app opens at once on a knowledge base `practicebase init` made."""

from __future__ import annotations

from tui_helpers import settle
from tui_kb import TODAY

from practicebase.actions import init_knowledge_base
from practicebase.kb import KnowledgeBase
from practicebase.tui.app import PracticebaseApp


async def test_the_app_opens_on_a_new_knowledge_base(tmp_path) -> None:
    root = init_knowledge_base(tmp_path / "prevent-kb").root
    app = PracticebaseApp(KnowledgeBase(root), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.searcher is not None
        shown = str(app.search_screen.query_one("#results").get_option_at_index(0).prompt)
        assert "no entries yet" in shown
        assert not app.index_problems
