"""A fork server for CLI runs: each run is a new process, without paying Python's start-up.

A fresh `python -m practicebase` spends most of its time starting Python and importing
Whoosh, PyYAML and our modules; the hardening suite makes hundreds of such runs. Here one
server process starts once (in the environment `cli_env()` gives), imports those modules and
nothing else (no command is run, so no cache or state is filled), and forks a child per run.
The child is a separate process exactly as far as the tests look: its own cwd, environment,
stdin from /dev/null, stdout and stderr on their own pipes, the 1 GiB address-space limit,
killed with SIGKILL at the timeout, and an exit status from `raise SystemExit(main())` in
`practicebase/__main__.py`, run as `python -m` runs it. An uncaught exception prints its
traceback and exits 1, as the interpreter does.

For a run that must obey file permissions as root, the child drops the capabilities that let
root read any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) from its bounding, effective and
permitted sets: what the fresh run gets by dropping them from the bounding set before exec.

What it cannot give, `run_cli` leaves to a fresh interpreter: runs whose environment changes a
variable Python reads at start-up. PRACTICEBASE_TEST_FRESH_CLI=1 sends every run to a fresh
interpreter; tests/hardening/test_cli_zygote.py checks the two agree.

Protocol, one Unix-socket connection per run: the client sends a JSON request with the write
ends of its stdout and stderr pipes (SCM_RIGHTS); a waiter process forked by the server
forks the CLI child, sends back "pid\n", waits for it and sends "status\n" (negative for a
signal, as subprocess reports it).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys

# Modules a fresh CLI run would import anyway on its way to a command (the TUI is left out).
PRELOAD = (
    "practicebase.cli",
    "practicebase.commands.common",
    "practicebase.commands.add",
    "practicebase.commands.export",
    "practicebase.commands.index",
    "practicebase.commands.new",
    "practicebase.commands.report",
    "practicebase.commands.search",
    "practicebase.commands.show",
    "practicebase.commands.validate",
    "practicebase.duplicates",
    "practicebase.entry",
    "practicebase.export",
    "practicebase.export_html",
    "practicebase.index",
    "practicebase.kb",
    "practicebase.parse",
    "practicebase.query",
    "practicebase.reports",
    "practicebase.sanitize",
    "practicebase.search",
    "practicebase.store",
    "practicebase.validate",
    "practicebase.vocabulary",
    "whoosh.searching",
    "whoosh.writing",
    "whoosh.highlight",
    "yaml",
)


def _preload() -> None:
    import importlib

    for name in PRELOAD:
        # A module that fails to import is left for the child to fail on, as a fresh run does.
        with contextlib.suppress(Exception):
            importlib.import_module(name)


_DAC_CAPABILITIES = (1, 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH


def _obey_permissions() -> None:
    """For root: lose the capabilities that let it read any file, from the bounding set (as
    the fresh run does before exec) and from this process's effective and permitted sets
    (which exec would have recomputed from the bounding set)."""
    if os.geteuid() != 0:
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in _DAC_CAPABILITIES:
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            os._exit(126)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # two of {effective, permitted, inheritable}
    if libc.capget(header, data) != 0:
        os._exit(126)
    mask = ~sum(1 << c for c in _DAC_CAPABILITIES) & 0xFFFFFFFF
    for slot in (0, 1, 2):  # the low words hold capabilities 0-31
        data[slot] &= mask
    if libc.capset(header, data) != 0:
        os._exit(126)


def _run_cli_in_child(request: dict, out_fd: int, err_fd: int, memory_limit: int) -> None:
    """In the forked child: become `python -m practicebase ARGS`, then exit. Never returns."""
    import resource
    import runpy
    import threading
    import traceback

    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        if request["obey_permissions"]:
            _obey_permissions()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        for fd in (null, out_fd, err_fd):
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # `python -m` puts the working directory first on sys.path.
        sys.path[:] = [os.getcwd(), *(p for p in sys.path[1:] if p != request["server_dir"])]
        sys.argv = ["-m", *request["args"]]
        try:
            runpy.run_module("practicebase", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:  # noqa: BLE001 - what the interpreter does with it
            traceback.print_exc()
            code = 1
        threading._shutdown()  # type: ignore[attr-defined] - wait for non-daemon threads
        import atexit

        atexit._run_exitfuncs()
        try:
            sys.stdout.flush()
        except Exception:  # noqa: BLE001 - the interpreter exits 120 when stdout fails
            code = 120
        sys.stderr.flush()
    finally:
        os._exit(code & 0xFF)


def _serve_one(conn: socket.socket, listener: socket.socket, memory_limit: int) -> None:
    """In the waiter: fork the CLI child, report its pid, wait, report its status."""
    message, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 2)
    while not message.endswith(b"\n"):
        more = conn.recv(1 << 20)
        if not more:
            os._exit(1)
        message += more
    request = json.loads(message)
    out_fd, err_fd = fds
    pid = os.fork()
    if pid == 0:
        listener.close()
        conn.close()
        _run_cli_in_child(request, out_fd, err_fd, memory_limit)
    os.close(out_fd)
    os.close(err_fd)
    conn.sendall(f"{pid}\n".encode())
    _, status = os.waitpid(pid, 0)
    conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
    conn.close()
    os._exit(0)


def serve(path: str, memory_limit: int) -> None:
    """The server's main loop: accept a connection, fork a waiter for it, reap waiters.

    It ends when its stdin closes, that is when the test process that started it is gone
    (a pytest-xdist worker ends without running atexit), and removes its folder."""
    import select

    _preload()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        readable, _, _ = select.select([listener, sys.stdin], [], [], 5.0)
        if sys.stdin in readable and not os.read(sys.stdin.fileno(), 1):
            import shutil

            shutil.rmtree(os.path.dirname(path), ignore_errors=True)  # the socket and the log
            return
        if listener not in readable:
            continue
        conn, _ = listener.accept()
        if os.fork() == 0:
            try:
                _serve_one(conn, listener, memory_limit)
            finally:
                os._exit(1)
        conn.close()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
