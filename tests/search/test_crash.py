"""A rebuild killed with SIGKILL at any moment leaves a searchable index, old or new."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest
from search_helpers import entry_text

from practicebase.index import update_index
from practicebase.kb import KnowledgeBase
from practicebase.search import Searcher, SearchRequest

ENTRIES = 24

REBUILD = """
import sys, time
from pathlib import Path
from practicebase.kb import KnowledgeBase
from practicebase.index import rebuild_index

def progress(done, total):
    print(done, flush=True)
    time.sleep(0.002)

rebuild_index(KnowledgeBase(Path(sys.argv[1])), progress=progress)
print("done", flush=True)
"""


def write_all(kb: KnowledgeBase, word: str) -> None:
    for i in range(ENTRIES):
        path = kb.entries_dir / "kent" / f"entry-{i:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            entry_text(f"entry-{i:03d}", force="kent", body=f"The {word} practice number {i}."),
            encoding="utf-8",
        )


def contents(kb: KnowledgeBase) -> tuple[int, int]:
    with Searcher(kb) as s:
        alpha = s.search(SearchRequest(text="alphaword", limit=100, with_facets=False)).total
        beta = s.search(SearchRequest(text="betaword", limit=100, with_facets=False)).total
    return alpha, beta


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_rebuild_killed_at_random_moments_keeps_old_or_new_index(kb):
    rng = random.Random(20261129)
    write_all(kb, "alphaword")
    update_index(kb)
    assert contents(kb) == (ENTRIES, 0)
    word = "alphaword"
    for _round in range(6):
        word = "betaword" if word == "alphaword" else "alphaword"
        write_all(kb, word)
        stop_after = rng.randint(0, ENTRIES + 1)  # ENTRIES + 1: during commit or the switch
        proc = subprocess.Popen(
            [sys.executable, "-c", REBUILD, str(kb.root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert proc.stdout is not None
        for lines, _line in enumerate(proc.stdout, 1):
            if lines > stop_after:
                break
        time.sleep(rng.random() * 0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()

        state = contents(kb)
        assert state in ((ENTRIES, 0), (0, ENTRIES)), state

    # After the last kill, an update brings the files' content in; a rebuild leaves one
    # generation directory (partial ones from killed rebuilds are removed).
    newest = (ENTRIES, 0) if word == "alphaword" else (0, ENTRIES)
    assert update_index(kb).problems == []
    assert contents(kb) == newest
    from practicebase.index import rebuild_index

    rebuild_index(kb)
    generations = [p for p in kb.index_dir.iterdir() if p.name.startswith("gen-")]
    assert len(generations) == 1
    assert contents(kb) == newest
