"""The real app under a pseudo-terminal: hostile entries never put their escapes on the wire."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from tui_kb import BIDI_MARKERS, ESCAPE_MARKERS, make_kb, write_hostile_files

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

READY = b"GP practice referral pathway"


def read_until(fd: int, wanted: bytes, timeout: float) -> bytes:
    """Read everything the app writes until `wanted` appears (and a little more) or timeout."""
    data = b""
    deadline = time.monotonic() + timeout
    seen_at: float | None = None
    while time.monotonic() < deadline:
        if seen_at is not None and time.monotonic() - seen_at > 0.5:
            break
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
        if seen_at is None and wanted in data:
            seen_at = time.monotonic()
    return data


def test_real_app_under_a_pty_writes_no_escape_sequences_from_data(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")
    write_hostile_files(root)
    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "COLUMNS": "140",
        "LINES": "40",
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    env.pop("PRACTICEBASE_ROOT", None)
    env.pop("TEXTUAL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "practicebase", "--root", str(root)],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
        start_new_session=True,
        close_fds=True,
    )
    os.close(terminal)
    try:
        written = read_until(controller, READY, timeout=30)
        assert READY in written, written[-2000:]
        os.write(controller, b"reversed")  # the entry with bidi controls in its body
        written += read_until(controller, b"Bidi body", timeout=10)
        assert b"Bidi body" in written
        os.write(controller, b"\x11")  # ctrl+q
        written += read_until(controller, b"\x00never", timeout=5)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(controller)
    assert b"[@click=app.quit]x[/]" in written  # the markup title, shown literally
    assert b"desrever" in written  # the body was on screen, its controls replaced
    for marker in ESCAPE_MARKERS + BIDI_MARKERS:
        assert marker.encode("utf-8") not in written, repr(marker)
    assert b"Traceback" not in written
