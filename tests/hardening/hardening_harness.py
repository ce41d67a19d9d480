"""Hardening suite helpers: run the real CLI under limits, snapshot trees, check output.

Imported by the test modules (conftest.py puts this folder on sys.path); named uniquely so it
cannot shadow another suite's helpers.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import re
import resource
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"

CLI_TIMEOUT = 10.0
MEMORY_LIMIT = 1 << 30  # 1 GiB of address space per CLI run

# Bytes that must never reach a terminal from entry data: ESC, BEL, NUL.
_UNSAFE_BYTES = (b"\x1b", b"\x07", b"\x00")
# C1 controls and the bidi / zero-width format characters, once decoded.
_UNSAFE_CHARS = re.compile("[\x80-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069]")


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


_PR_CAPBSET_DROP = 24
_DAC_CAPABILITIES = (1, 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH


def _limit_memory_and_obey_permissions() -> None:
    """Memory limit, and for root: drop the capabilities that let root read any file, from the
    bounding set, so that the exec'd CLI obeys file permissions like an ordinary user."""
    _limit_memory()
    if os.geteuid() == 0:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        for capability in _DAC_CAPABILITIES:
            if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                os._exit(126)


def permissions_can_be_enforced() -> bool:
    """True when a run with `obey_permissions=True` cannot read a mode-000 file."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="pb-permission-probe-"))
    probe = folder / "probe"
    probe.write_text("x")
    probe.chmod(0)
    try:
        done = subprocess.run(
            [sys.executable, "-c", f"open({str(probe)!r}).read()"],
            preexec_fn=_limit_memory_and_obey_permissions,
            capture_output=True,
        )
        return done.returncode == 1 and b"PermissionError" in done.stderr
    finally:
        shutil.rmtree(folder)


@dataclass
class CliRun:
    """One finished (or timed-out) run of `python -m practicebase`."""

    args: tuple[str, ...]
    returncode: int | None  # None when it was killed for exceeding the timeout
    stdout: bytes
    stderr: bytes
    seconds: float

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", "replace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", "replace")

    @property
    def text(self) -> str:
        return self.out + self.err

    def describe(self) -> str:
        return (
            f"practicebase {' '.join(self.args)} -> {self.returncode} in {self.seconds:.2f} s\n"
            f"--- stdout ---\n{self.out[:3000]}\n--- stderr ---\n{self.err[:3000]}"
        )


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A clean environment: no root from the developer's shell, no debug tracebacks, no colour."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PRACTICEBASE_ROOT", "PRACTICEBASE_DEBUG", "FORCE_COLOR", "PYTHONWARNINGS")
    }
    env.update({"NO_COLOR": "1", "TERM": "dumb", "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "100"})
    env.update(extra or {})
    return env


def cli_command(root: Path, *args: str | os.PathLike[str]) -> list[str]:
    return [sys.executable, "-m", "practicebase", "--root", str(root), *map(str, args)]


# Variables Python itself reads at start-up: a run whose environment changes one of them needs
# a fresh interpreter, not a child of the fork server (which started with cli_env()).
_STARTUP_VARIABLES = re.compile(r"PYTHON|LANG$|LANGUAGE$|LC_")


class _CliServer:
    """The client of cli_zygote.py: one server per test session, one connection per run."""

    def __init__(self) -> None:
        import tempfile

        self.folder = Path(tempfile.mkdtemp(prefix="pb-cli-"))
        self.socket_path = str(self.folder / "cli.sock")
        self.env = cli_env()
        self.log = open(self.folder / "server.log", "wb")  # noqa: SIM115 - kept for the session
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "cli_zygote.py"), self.socket_path, str(MEMORY_LIMIT)],
            cwd=self.folder,
            env=self.env,
            stdin=subprocess.PIPE,  # the server exits when this closes (the tests ended)
            stdout=subprocess.PIPE,
            stderr=self.log,
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        if ready != b"ready\n":
            raise RuntimeError(f"the CLI fork server did not start: {self.folder / 'server.log'}")

    def close(self) -> None:
        """Stop the server (closing its stdin ends it) and remove its socket folder."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        self.process.stdout.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def serves(self, env: dict[str, str]) -> bool:
        """Whether a child of the server starts as a fresh interpreter in `env` would."""
        keys = {k for k in (*env, *self.env) if _STARTUP_VARIABLES.match(k)}
        return self.process.poll() is None and all(env.get(k) == self.env.get(k) for k in keys)

    def run(
        self,
        args: list[str],
        cwd: Path,
        env: dict[str, str],
        timeout: float,
        obey_permissions: bool = False,
    ) -> tuple[int | None, bytes, bytes]:
        import json
        import selectors
        import signal
        import socket

        deadline = time.monotonic() + timeout
        request = {
            "args": args,
            "cwd": str(cwd),
            "env": env,
            "server_dir": str(HERE),
            "obey_permissions": obey_permissions,
        }
        data = json.dumps(request).encode() + b"\n"
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            try:
                conn.connect(self.socket_path)
                sent = socket.send_fds(conn, [data], [out_w, err_w])
                conn.sendall(data[sent:])
            except OSError as exc:  # nothing was started: the caller may run it fresh
                os.close(out_r)
                os.close(err_r)
                raise _ServerUnavailable(str(exc)) from exc
            finally:
                os.close(out_w)
                os.close(err_w)
            replies = _Lines(conn)
            conn.settimeout(60)
            pid_line = replies.readline()
            if not pid_line.strip().isdigit():
                os.close(out_r)
                os.close(err_r)
                raise RuntimeError(f"the CLI fork server failed; see {self.folder}/server.log")
            pid = int(pid_line)
            chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
            timed_out = False

            def kill() -> None:
                nonlocal timed_out
                timed_out = True
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

            with selectors.DefaultSelector() as selector:
                for fd in chunks:
                    selector.register(fd, selectors.EVENT_READ)
                while selector.get_map():
                    left = deadline - time.monotonic()
                    if left <= 0 and not timed_out:
                        kill()
                    for key, _ in selector.select(None if timed_out else left):
                        chunk = os.read(key.fd, 1 << 16)
                        if chunk:
                            chunks[key.fd].append(chunk)
                        else:
                            selector.unregister(key.fd)
                            os.close(key.fd)
            if not timed_out:  # output closed; the process may still be running
                conn.settimeout(max(deadline - time.monotonic(), 0.001))
                try:
                    status = replies.readline()
                except TimeoutError:
                    kill()
            if timed_out:
                conn.settimeout(60)
                status = replies.readline()
            if not status.strip().lstrip(b"-").isdigit():
                raise RuntimeError(f"the CLI fork server failed; see {self.folder}/server.log")
            code = None if timed_out else int(status)
            return code, b"".join(chunks[out_r]), b"".join(chunks[err_r])


class _ServerUnavailable(Exception):
    pass


class _Lines:
    """Lines from a socket; a read that times out can be tried again (unlike makefile's)."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.buffer = b""

    def readline(self) -> bytes:
        while b"\n" not in self.buffer:
            chunk = self.conn.recv(4096)
            if not chunk:
                line, self.buffer = self.buffer, b""
                return line
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line + b"\n"


_SERVER: _CliServer | None = None
_SERVER_LOCK = threading.Lock()
FRESH_CLI = os.environ.get("PRACTICEBASE_TEST_FRESH_CLI", "") not in ("", "0")


def _cli_server() -> _CliServer | None:
    global _SERVER
    with _SERVER_LOCK:
        if _SERVER is None:
            _SERVER = _CliServer()
            atexit.register(_SERVER.close)
        return _SERVER


def run_cli(
    root: Path,
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    timeout: float = CLI_TIMEOUT,
    env: dict[str, str] | None = None,
    obey_permissions: bool = False,
    fresh: bool = FRESH_CLI,
) -> CliRun:
    """Run the real CLI as a separate process with a timeout and a 1 GiB memory limit.

    `obey_permissions` makes even root unable to read files its permissions deny.

    The process is a child of the fork server (cli_zygote.py), which spares it Python's
    start-up, unless `fresh` (or PRACTICEBASE_TEST_FRESH_CLI=1) or an `env` that changes what
    Python reads at start-up asks for a fresh `python -m practicebase`."""
    command = cli_command(root, *args)
    start = time.monotonic()
    full_env = cli_env(env)
    server = None if fresh or any("\0" in a for a in command) else _cli_server()
    if server is not None and server.serves(full_env):
        try:
            code, stdout, stderr = server.run(
                command[3:], cwd or root, full_env, timeout, obey_permissions
            )
            return CliRun(tuple(map(str, args)), code, stdout, stderr, time.monotonic() - start)
        except _ServerUnavailable:
            pass  # the server is gone (its process died): run it fresh instead
    try:
        done = subprocess.run(
            command,
            cwd=cwd or root,
            env=full_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            preexec_fn=_limit_memory_and_obey_permissions if obey_permissions else _limit_memory,
        )
        code: int | None = done.returncode
        stdout, stderr = done.stdout, done.stderr
    except subprocess.TimeoutExpired as exc:
        code = None
        stdout, stderr = exc.stdout or b"", exc.stderr or b""
    return CliRun(tuple(map(str, args)), code, stdout, stderr, time.monotonic() - start)


def start_cli(
    root: Path, *args: str | os.PathLike[str], cwd: Path | None = None
) -> subprocess.Popen:
    """Start the CLI without waiting (crash and concurrency tests)."""
    return subprocess.Popen(
        cli_command(root, *args),
        cwd=cwd or root,
        env=cli_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_limit_memory,
    )


def problems_with_run(run: CliRun) -> list[str]:
    """What is wrong with any CLI run whatever its input: the promises that hold for every run."""
    found = []
    if run.returncode is None:
        found.append(f"did not finish within {CLI_TIMEOUT} s")
    elif run.returncode < 0:
        found.append(f"killed by signal {-run.returncode}")
    elif run.returncode in (3, 70):
        found.append("fell through to the dispatcher's 'internal error'")
    if b"Traceback" in run.stdout or b"Traceback" in run.stderr:
        found.append("printed a traceback")
    for stream_name, data in (("stdout", run.stdout), ("stderr", run.stderr)):
        for bad in _UNSAFE_BYTES:
            if bad in data:
                found.append(f"{stream_name} holds the control byte {bad!r}")
        decoded = data.decode("utf-8", "surrogateescape")
        if re.search("[\udc80-\udcff]", decoded):
            found.append(f"{stream_name} is not valid UTF-8")
        match = _UNSAFE_CHARS.search(decoded)
        if match:
            found.append(f"{stream_name} holds the unsafe character U+{ord(match.group()):04X}")
    return found


def assert_clean_run(run: CliRun) -> None:
    """Fail with the whole transcript when a run breaks a universal promise."""
    problems = problems_with_run(run)
    assert not problems, "; ".join(problems) + "\n" + run.describe()


# ---- trees -----------------------------------------------------------------------------------

_ADDED_LINE = re.compile(rb"^added: [0-9]{4}-[0-9]{2}-[0-9]{2}\r?\n", re.MULTILINE)


def without_added_line(filed: bytes) -> bytes:
    """What `add` filed, less the one `added:` line it writes into a file that has none;
    fails unless exactly one such line is there."""
    assert len(_ADDED_LINE.findall(filed)) == 1, filed[:400]
    return _ADDED_LINE.sub(b"", filed, count=1)


def tree_digest(root: Path, exclude: Iterable[str] = ()) -> dict[str, str]:
    """Every path under `root` (relative, '/'-separated) -> what it is and a hash of its bytes.

    Symlinks are recorded by target and never followed; FIFOs and other special files by type,
    never opened. `exclude` names top-level relative paths (e.g. 'kb/entries') to skip.
    """
    excluded = {e.strip("/") for e in exclude}
    digest: dict[str, str] = {}
    if not root.exists():
        return digest
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        rel_folder = Path(folder).relative_to(root).as_posix()
        kept = []
        for name in sorted(dirnames):
            rel = name if rel_folder == "." else f"{rel_folder}/{name}"
            if rel in excluded:
                continue
            full = Path(folder, name)
            if full.is_symlink():
                digest[rel] = "link:" + os.readlink(full)
            else:
                digest[rel] = "dir"
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            rel = name if rel_folder == "." else f"{rel_folder}/{name}"
            if rel in excluded:
                continue
            full = Path(folder, name)
            info = full.lstat()
            if stat.S_ISLNK(info.st_mode):
                digest[rel] = "link:" + os.readlink(full)
            elif not stat.S_ISREG(info.st_mode):
                digest[rel] = f"special:{stat.S_IFMT(info.st_mode):o}"
            else:
                try:
                    digest[rel] = "file:" + hashlib.sha256(full.read_bytes()).hexdigest()
                except PermissionError:
                    digest[rel] = f"unreadable:{info.st_size}:{info.st_mtime_ns}"
    return digest


def diff_digests(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Human-readable differences between two tree digests."""
    lines = [f"+ {p}" for p in sorted(after.keys() - before.keys())]
    lines += [f"- {p}" for p in sorted(before.keys() - after.keys())]
    lines += [f"~ {p}" for p in sorted(before.keys() & after.keys()) if before[p] != after[p]]
    return lines


def copy_kb(source: Path, dest: Path) -> Path:
    """Copy a knowledge base keeping mtimes (so its index stays up to date) and symlinks."""
    shutil.copytree(source, dest, symlinks=True)
    return dest


# ---- entries ---------------------------------------------------------------------------------

BODY = """
## Problem

{problem}

## What we did

We ran short briefings for practice managers and gave them one referral form.

## Outcomes

Referrals from health rose from 4 to 19 a year.

## Evaluation

A local review compared two years before and after.

## Lessons learned

Practice managers, not GPs, were the people to brief.

## How to adopt

Start with one primary care network.
"""


def entry_text(
    entry_id: str,
    *,
    title: str | None = None,
    force: str = "west-yorkshire",
    themes: str = "[referrals, partner-health]",
    problem: str = "Referrals from GP practices were rare and late.",
    extra: str = "",
) -> str:
    """A valid Markdown entry (no warnings) with the given id; `extra` adds front matter lines."""
    title = title or f"Hardening entry {entry_id}"
    front = (
        f"id: {entry_id}\n"
        f"title: {title}\n"
        f"force: {force}\n"
        f"themes: {themes}\n"
        "summary: How GP practices were helped to make Prevent referrals.\n"
        "stage: evaluated-locally\n"
        "outcome: worked\n"
        "last_reviewed: 2026-01-15\n"
        "contact:\n"
        "  role: Prevent Triage Lead\n"
        "  email: prevent.triage@west-yorkshire.example.police.uk\n"
    )
    if extra:
        front += extra.rstrip("\n") + "\n"
    return "---\n" + front + "---\n" + BODY.format(problem=problem)


def write_entry(path: Path, entry_id: str, **kwargs: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(entry_text(entry_id, **kwargs), encoding="utf-8")
    return path


def make_kb(root: Path, entries: dict[str, dict[str, str]] | None = None) -> Path:
    """A knowledge base with `entries/<force>/<id>.md` for each id (kwargs for entry_text)."""
    (root / "entries").mkdir(parents=True, exist_ok=True)
    for entry_id, kwargs in (entries or {}).items():
        force = kwargs.get("force", "west-yorkshire")
        write_entry(root / "entries" / force / f"{entry_id}.md", entry_id, **kwargs)
    return root


def entry_paths(kb: Path) -> list[str]:
    """Relative paths of every file under entries/, sorted."""
    return sorted(
        p.relative_to(kb).as_posix() for p in (kb / "entries").rglob("*") if not p.is_dir()
    )


# Entries every base knowledge base holds: ids, forces and words the searches below look for.
BASE_ENTRIES: dict[str, dict[str, str]] = {
    "corpus-existing-entry": {"title": "Existing GP referral pathway"},
    "corpus-triage-desk": {
        "title": "Referral triage desk",
        "force": "greater-manchester",
        "themes": "[triage-gateway, referrals]",
        "problem": "Triage of Prevent referrals took three weeks.",
    },
    "corpus-school-network": {
        "title": "School safeguarding network",
        "force": "lancashire",
        "themes": "[partner-education]",
        "problem": "Schools did not know whom to call about a pupil.",
    },
}

# Searches whose answers must not change when a bad file is refused.
BASE_QUERIES = ("referrals", "triage", "school safeguarding", "hardening entry", "force:lancashire")

BODY_TAIL_QUERY = "practice managers"  # words in every corpus body and every base entry
QUERIES = (*BASE_QUERIES, BODY_TAIL_QUERY)
OUTSIDE = ("kb/entries", "kb/index")


@dataclass
class HazardRun:
    """Everything observed while one corpus file went through validate, add and search."""

    source: Path
    work: Path
    kb: Path
    validate: CliRun
    add: CliRun
    search: CliRun
    kb_before: dict[str, str]
    kb_after: dict[str, str]
    outside_before: dict[str, str]
    outside_after: dict[str, str]
    searches_before: dict[str, list[str]] = field(default_factory=dict)
    searches_after: dict[str, list[str]] = field(default_factory=dict)
    strict: CliRun | None = None

    @property
    def runs(self) -> list[CliRun]:
        return [r for r in (self.validate, self.add, self.search, self.strict) if r is not None]


def search_ids(kb: Path, queries: tuple[str, ...]) -> dict[str, list[str]]:
    """Ids (in rank order) and total that the real Searcher answers for each query."""
    from practicebase.kb import KnowledgeBase
    from practicebase.search import Searcher, SearchRequest

    searcher = Searcher(KnowledgeBase(kb))
    try:
        answers = {}
        for query in queries:
            result = searcher.search(SearchRequest(text=query, limit=100, with_facets=False))
            answers[query] = [hit.id for hit in result.hits] + [f"total={result.total}"]
        return answers
    finally:
        searcher.close()


_BASE_ANSWERS: dict[Path, dict[str, list[str]]] = {}
_BASE_LOCK = threading.Lock()


def base_answers(base_kb: Path) -> dict[str, list[str]]:
    """The answers of QUERIES on a base knowledge base (never changed, so asked once)."""
    with _BASE_LOCK:
        if base_kb not in _BASE_ANSWERS:
            _BASE_ANSWERS[base_kb] = search_ids(base_kb, QUERIES)
        return _BASE_ANSWERS[base_kb]


def exercise(
    base_kb: Path,
    work: Path,
    place: Callable[[Path], Path],
    *,
    strict: bool = False,
    obey_permissions: bool = False,
) -> HazardRun:
    """Copy `base_kb` into `work`, let `place(inbox)` make the input, then validate, add and
    search it with the real CLI, snapshotting the knowledge base, the rest of `work` and the
    answers of QUERIES before and after."""
    kb = copy_kb(base_kb, work / "kb")
    inbox = work / "inbox"
    inbox.mkdir()
    source = place(inbox)
    outside_before = tree_digest(work, OUTSIDE)
    kb_before = tree_digest(kb)
    searches_before = base_answers(base_kb)
    options = {"cwd": work, "obey_permissions": obey_permissions}
    validate = run_cli(kb, "validate", source, **options)
    strict_run = run_cli(kb, "validate", "--strict", source, **options) if strict else None
    add = run_cli(kb, "add", source, **options)
    search = run_cli(kb, "search", BODY_TAIL_QUERY, "--limit", "50", **options)
    return HazardRun(
        source=source,
        work=work,
        kb=kb,
        validate=validate,
        add=add,
        search=search,
        strict=strict_run,
        kb_before=kb_before,
        kb_after=tree_digest(kb),
        outside_before=outside_before,
        outside_after=tree_digest(work, OUTSIDE),
        searches_before=searches_before,
        searches_after=search_ids(kb, QUERIES),
    )
