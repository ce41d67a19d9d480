"""Careful file-system primitives shared by the index and the entry store.

- `read_regular_file`: read a small file that must be a regular file (never a FIFO, a
  device or a symbolic link), with a size cap, without blocking.
- `atomic_write` / `replace_file` / `create_file`: write a file atomically through a fresh
  temporary file (never through a link someone left at the temporary name), or create a new
  one without overwriting anything; fsynced with their folder (`fsync_dir`, `fsync_tree`).
  Every write of an entry, an index file or an export goes through these.
- `WriteLock`: an exclusive `flock` lock whose file names its holder (pid, since when), so
  "busy" can say who holds it, and a lock kept by the orphaned children of a dead holder is
  recognised as stale and broken.
- `children_die_with_me`: worker processes forked meanwhile get a parent-death signal and
  never inherit a held lock.
- `is_io_failure` / `IO_FAILURES`: the error numbers that mean the disk or an output failed
  (full, read-only, I/O error, not permitted), not damage and not a bug.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

# Writes that fail for a reason outside the program: a full disk or quota, a read-only file
# system, a device error, a file too large, no permission.
WRITE_FAILURES = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG, errno.EACCES, errno.EPERM}
)


class UnsafeFile(OSError):
    """A file that should be small and regular is not: the message says what it is."""


def describe_mode(mode: int) -> str:
    """'a symbolic link', 'a FIFO', 'a folder'... for a st_mode that is not a regular file."""
    kinds = (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def read_regular_file(path: Path | str, limit: int) -> bytes:
    """The bytes of `path`, which must be a regular file of at most `limit` bytes.

    `lstat` first (a link, a FIFO or a device is refused without being opened), then
    `O_NOFOLLOW | O_NONBLOCK` in case it was swapped meanwhile, checked again with `fstat`,
    and never more than `limit + 1` bytes read. Raises `FileNotFoundError` when it is missing
    and `UnsafeFile` (an `OSError`) for anything else wrong with it.
    """
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFile(errno.EINVAL, f"{describe_mode(info.st_mode)}, not a file", str(path))
    if info.st_size > limit:
        raise UnsafeFile(errno.EFBIG, f"larger than {limit} bytes", str(path))
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFile(errno.ELOOP, "a symbolic link, not a file", str(path)) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile(errno.EINVAL, f"{describe_mode(info.st_mode)}, not a file", str(path))
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise UnsafeFile(errno.EFBIG, f"larger than {limit} bytes", str(path))
    return data


def fsync_dir(path: Path | str) -> None:
    """fsync a folder so a rename, link or unlink in it is durable; best effort."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_tree(folder: Path) -> None:
    """fsync every file directly in `folder`, then `folder` itself; best effort."""
    for child in folder.iterdir():
        with contextlib.suppress(OSError):
            fd = os.open(child, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fsync_dir(folder)


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create `path` exclusively (never over anything, never through a link), write all of
    `data` and fsync it. Raises `FileExistsError` when anything is at `path`."""
    fd = os.open(path, _NEW_FILE | getattr(os, "O_CLOEXEC", 0), mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def create_file(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write `data` to a new file at `path`, fsynced with its folder. Refuses (with
    `FileExistsError`) anything already at `path`, a dangling link included; a failed write
    leaves no partial file."""
    try:
        _write_new(path, data, mode)
    except FileExistsError:
        raise
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    fsync_dir(path.parent)


def atomic_write(
    path: Path,
    data: bytes,
    *,
    temp: Path | None = None,
    replace: bool = True,
    before_rename: Callable[[], None] | None = None,
) -> None:
    """Write `data` to `path` atomically: a fresh temporary file beside it (`temp`, default a
    unique hidden name; whatever was at that name is removed first, and the new one is created
    exclusively, never through a link), fsynced, then moved into place and the folder fsynced.

    `replace=True` renames it over `path` (replaced whatever it is, a link included, as long
    as it is not a folder); `replace=False` links it into place without overwriting anything
    (`FileExistsError` when `path` exists). `before_rename` runs just before the move and may
    raise to refuse it. The temporary file never outlives the call.
    """
    if temp is None:
        temp = path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temp)
    moved = False
    try:
        _write_new(temp, data, 0o644)
        if before_rename is not None:
            before_rename()
        if replace:
            os.replace(temp, path)
            moved = True
        else:
            os.link(temp, path, follow_symlinks=False)
    finally:
        if not moved:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    fsync_dir(path.parent)


def replace_file(path: Path, data: bytes) -> None:
    """`atomic_write` through `<name>.tmp` (the index's files, written under its lock)."""
    atomic_write(path, data, temp=path.with_name(f"{path.name}.tmp"))


# --- processes --------------------------------------------------------------------------------


def process_start(pid: int) -> str | None:
    """The start time of process `pid` in clock ticks since boot (Linux), None when unknown:
    with the pid it names one process even after the pid is reused."""
    try:
        with open(f"/proc/{int(pid)}/stat", "rb") as fh:
            data = fh.read()
    except (OSError, ValueError):
        return None
    # The command name (field 2) may hold spaces and parentheses: fields start after the last ')'.
    fields = data[data.rfind(b")") + 2 :].split()
    return fields[19].decode() if len(fields) > 19 else None


def pid_alive(pid: int, start: str | None = None) -> bool:
    """True when process `pid` exists (and, given `start`, is the one that started then)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        pass
    if start is not None:
        now = process_start(pid)
        if now is not None and now != start:
            return False
    return True


_PR_SET_PDEATHSIG = 1
_HELD_LOCKS: list[WriteLock] = []
_DIE_WITH_ME: list[int] = []  # pids of processes whose forked children must die with them
_registered = False


def _after_fork_in_child() -> None:
    """In a forked child: let go of the parent's locks (close, never unlock: the parent still
    holds them) and, inside `children_die_with_me`, ask for SIGKILL when the parent dies."""
    for lock in list(_HELD_LOCKS):
        lock._forget_in_child()
    _HELD_LOCKS.clear()
    if _DIE_WITH_ME:
        parent = _DIE_WITH_ME[-1]
        _DIE_WITH_ME.clear()
        set_parent_death_signal()
        if os.getppid() != parent:  # the parent died before the signal was asked for
            os._exit(1)


def _register_fork_hook() -> None:
    global _registered
    if not _registered and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _registered = True


def set_parent_death_signal(sig: int | None = None) -> bool:
    """Ask the kernel to send `sig` (default SIGKILL) to this process when its parent dies
    (Linux only)."""
    import signal

    if sig is None:
        sig = signal.SIGKILL
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _hostname() -> str:
    import socket  # (imported here: a search never takes the write lock)

    return socket.gethostname()


@contextlib.contextmanager
def children_die_with_me() -> Iterator[None]:
    """Processes forked inside this block (Whoosh's writer workers) are killed by the kernel
    when this process dies, so a killed rebuild leaves no orphan behind."""
    _register_fork_hook()
    _DIE_WITH_ME.append(os.getpid())
    try:
        yield
    finally:
        _DIE_WITH_ME.pop()


# --- the write lock ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LockHolder:
    """Who holds a `WriteLock`, as its file says (all None for a holder that did not say)."""

    pid: int | None = None
    start: str | None = None
    host: str | None = None
    since: float | None = None

    def describe(self) -> str:
        if self.pid is None:
            return "another process holds the search index's write lock"
        text = f"process {self.pid}"
        if self.host and self.host != _hostname():
            text += f" on {self.host}"
        if self.since is not None:
            text += f" has held the search index's write lock for {_age(time.time() - self.since)}"
        else:
            text += " holds the search index's write lock"
        return text

    def dead(self) -> bool:
        """True when the holder named is provably gone: on this host, and its pid is free or
        belongs to a process started at another time."""
        if self.pid is None or self.host != _hostname():
            return False
        return not pid_alive(self.pid, self.start)


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


class WriteLock:
    """An exclusive lock on `path` (an `flock`, released by the kernel when its holder exits)
    whose file holds the holder's pid, start time, host and time of taking.

    Taking, breaking and reading the holder happen under a short `flock` on the folder, so a
    holder is never seen between taking the lock and writing its name. When the lock is held
    but its named holder is dead, the holders can only be processes that inherited the lock
    (the orphaned workers of a killed writer); the lock is then broken by renaming a fresh,
    locked file over the old one, which those processes keep to themselves.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.fd: int | None = None
        self.broke: LockHolder | None = None  # the dead holder whose lock was broken, if any

    def try_acquire(self) -> LockHolder | None:
        """Take the lock without waiting: None when taken, else who holds it."""
        if fcntl is None:  # pragma: no cover - not on Windows
            return None
        _register_fork_hook()
        try:
            guard = os.open(
                self.path.parent,
                os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0),
            )
        except OSError:
            guard = None
        try:
            if guard is not None:
                try:
                    fcntl.flock(guard, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return LockHolder()  # someone is taking or breaking it right now
                except OSError:
                    pass  # a file system without flock on folders: go on without the guard
            return self._acquire_guarded()
        finally:
            if guard is not None:
                os.close(guard)

    def _acquire_guarded(self) -> LockHolder | None:
        for _attempt in range(3):
            fd = self._open(self.path)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                if not holder.dead():
                    return holder
                self._break()
                self.broke = holder
                return None
            except BaseException:
                os.close(fd)
                raise
            if not _same_file(fd, self.path):  # replaced meanwhile: take the new one
                os.close(fd)
                continue
            self._took(fd)
            return None
        return LockHolder()

    @staticmethod
    def _open(path: Path) -> int:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0), 0o644)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise UnsafeFile(errno.EINVAL, "not a regular file", str(path))
        return fd

    def _break(self) -> None:
        """Rename a fresh file, locked by us, over the lock file of a dead holder."""
        fresh = self.path.with_name(f"{self.path.name}.{os.getpid()}.new")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(fresh)
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(fresh, flags | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.replace(fresh, self.path)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(fresh)
            raise
        self._took(fd)

    def _took(self, fd: int) -> None:
        self.fd = fd
        _HELD_LOCKS.append(self)
        holder = {
            "pid": os.getpid(),
            "start": process_start(os.getpid()),
            "host": _hostname(),
            "since": time.time(),
        }
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(holder).encode(), 0)

    def release(self) -> None:
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        with contextlib.suppress(ValueError):
            _HELD_LOCKS.remove(self)
        try:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _forget_in_child(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.lstat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _read_holder(fd: int) -> LockHolder:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return LockHolder()
    if not isinstance(data, dict):
        return LockHolder()

    def typed(key: str, kind: type | tuple[type, ...]):
        value = data.get(key)
        return value if isinstance(value, kind) and not isinstance(value, bool) else None

    return LockHolder(
        pid=typed("pid", int),
        start=typed("start", str),
        host=typed("host", str),
        since=typed("since", (int, float)),
    )


def is_io_failure(exc: BaseException) -> bool:
    """True for an `OSError` that means the disk or an output failed (see WRITE_FAILURES)."""
    return isinstance(exc, OSError) and exc.errno in WRITE_FAILURES
