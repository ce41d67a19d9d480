"""The user's own state: the day of their last visit to each knowledge base.

Kept in `$XDG_STATE_HOME/practicebase/visits.json` (default `~/.local/state/practicebase/`),
never inside a knowledge base: the knowledge base is shared, a visit is one person's. Each
knowledge base is keyed by its resolved root, so two paths to one knowledge base share a
visit. The file is written atomically (a temporary file beside it, then a rename), so a
reader never sees half of it; a file that cannot be read is treated as no visit, and the
problem is returned so the app can say so once.

Core module: no Textual or Rich.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from practicebase.fsutil import atomic_write

STATE_ENV_VAR = "XDG_STATE_HOME"
VISITS_FILE = "visits.json"
VISITS_FORMAT = "practicebase-visits"
MAX_VISITS_BYTES = 1_000_000


def state_dir() -> Path:
    """`$XDG_STATE_HOME/practicebase`, or `~/.local/state/practicebase` when it is unset or
    not an absolute path (as the XDG base directory specification says)."""
    configured = os.environ.get(STATE_ENV_VAR, "")
    base = Path(configured) if configured and os.path.isabs(configured) else None
    if base is None:
        base = Path.home() / ".local" / "state"
    return base / "practicebase"


@dataclass(frozen=True)
class Visit:
    """What starting the app found and did: the previous visit's day (None on a first visit
    or when it could not be read) and, when the state folder could not be read or written,
    a one-line problem naming it."""

    previous: date | None
    problem: str = ""


class StateError(Exception):
    """The state file could not be read or written; the message names it and says why."""


def _key(root: Path) -> str:
    return str(root.resolve())


def _read_visits(path: Path) -> dict[str, str]:
    """The visits file as {resolved root: ISO day}; {} when there is none yet."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_VISITS_BYTES + 1)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_VISITS_BYTES:
        raise StateError(f"{path} is larger than {MAX_VISITS_BYTES:,} bytes; not read")
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise StateError(f"{path} is not a practicebase visits file ({exc})") from exc
    visits = document.get("visits") if isinstance(document, dict) else None
    if not isinstance(visits, dict):
        raise StateError(f"{path} is not a practicebase visits file (no 'visits' table)")
    return {k: v for k, v in visits.items() if isinstance(k, str) and isinstance(v, str)}


def last_visit(root: Path, folder: Path | None = None) -> date | None:
    """The day of the last recorded visit to the knowledge base at `root`, or None."""
    visits = _read_visits((folder or state_dir()) / VISITS_FILE)
    day = visits.get(_key(root))
    try:
        return date.fromisoformat(day) if day else None
    except ValueError:
        return None


def record_visit(root: Path, day: date, folder: Path | None = None) -> None:
    """Record `day` as the last visit to the knowledge base at `root`, keeping the others.

    Refuses (StateError) a state folder inside the knowledge base: nothing of one person's
    is ever written into a shared knowledge base.
    """
    folder = folder or state_dir()
    resolved_root = root.resolve()
    try:
        inside = folder.resolve().is_relative_to(resolved_root)
    except OSError:
        inside = False
    if inside:
        raise StateError(
            f"the state folder {folder} is inside the knowledge base; set {STATE_ENV_VAR} to "
            "a folder of your own"
        )
    path = folder / VISITS_FILE
    try:
        visits = _read_visits(path)
    except StateError:
        visits = {}  # unreadable: start again rather than never record a visit
    visits[_key(root)] = day.isoformat()
    document = {"format": VISITS_FORMAT, "version": 1, "visits": dict(sorted(visits.items()))}
    data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(path, data)
    except OSError as exc:
        raise StateError(f"cannot write {path}: {exc.strerror or exc}") from exc


def visit(root: Path, today: date, folder: Path | None = None) -> Visit:
    """Read the previous visit to `root`, then record `today` as the latest: what the app does
    once at start, so what is new stays marked for the whole session. Never raises: a state
    folder that cannot be read or written is returned as the problem."""
    problems: list[str] = []
    previous: date | None = None
    try:
        previous = last_visit(root, folder)
    except StateError as exc:
        problems.append(str(exc))
    try:
        record_visit(root, today, folder)
    except StateError as exc:
        problems.append(str(exc))
    except Exception as exc:  # noqa: BLE001 - the app must start whatever the state folder is
        problems.append(f"cannot record the visit: {exc}")
    return Visit(previous, "; ".join(problems))
