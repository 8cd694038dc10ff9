"""A warm simulator to fork from, so that a test run's many simulators skip the start-up cost.

Starting a simulator costs ≈ 7 s of CPU on the 2-core machine, most of it before the first
estate call: importing moto, installing the extensions, botocore reading its service models
(endpoints.json alone ≈ 1 MB of JSON, read once per botocore session) and moto creating each
service's backend and request routes on first use. A test run starts about a hundred simulators.

With ``MNEMOND_SIMULATOR_TEMPLATE=1`` in its environment, ``simulator.py`` hands its arguments
and its stdin/stdout/stderr to a *template*: one process per user and simulator source that has
done all of that once (and answered one read call per service and region, through the same WSGI
app, with no network), and that forks a child per request. The child starts its own server and
seeds its own estate exactly as a cold start would: only the work that does not depend on the
arguments is shared. The launcher process stays in place as the peer its parent started: it
passes SIGTERM/SIGINT to the child and exits with the child's status; the child watches the
same stdin, so a parent that dies still takes it along.

The template is started by the first launcher that finds none (under a lock), keyed by the
interpreter and the simulator's source files (an edited source gets a new template), and exits
after ``IDLE_SECONDS`` without a child. ``--auth`` (moto reads its setting at import) and
``--generate`` start cold. Whenever the template cannot be reached the launcher starts cold too,
so the variable changes only how fast a simulator starts, never what it serves.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
IDLE_SECONDS = 120
START_TIMEOUT_SECONDS = 90
ENV_VAR = "MNEMOND_SIMULATOR_TEMPLATE"


def wanted(args: Any) -> bool:
    """Whether this launch may use a template: asked for, and nothing that needs a cold start."""
    return os.environ.get(ENV_VAR, "") not in ("", "0") and not args.auth and not args.generate


def _key() -> str:
    digest = hashlib.sha256(sys.executable.encode())
    for name in sorted(os.listdir(HERE)):
        if name.endswith(".py"):
            info = os.stat(os.path.join(HERE, name))
            digest.update(f"{name}:{info.st_size}:{info.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def _paths() -> tuple[str, str, str]:
    directory = os.path.join(tempfile.gettempdir(), f"mnemond-simulator-{os.getuid()}")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    key = _key()
    return (
        os.path.join(directory, f"{key}.sock"),
        os.path.join(directory, f"{key}.lock"),
        os.path.join(directory, f"{key}.log"),
    )


def _connect(path: str) -> socket.socket | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        return conn
    except OSError:
        conn.close()
        return None


def _reach_or_start() -> socket.socket | None:
    path, lock_path, log_path = _paths()
    conn = _connect(path)
    if conn is not None:
        return conn
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        conn = _connect(path)
        if conn is not None:
            return conn
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, os.path.join(HERE, "simulator.py"), "--serve-template", path],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                close_fds=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            conn = _connect(path)
            if conn is not None:
                return conn
            if process.poll() is not None:
                return None
            time.sleep(0.05)
        return None


def _read_line(conn: socket.socket, buffer: bytearray) -> str | None:
    while b"\n" not in buffer:
        try:
            chunk = conn.recv(4096)
        except InterruptedError:
            continue
        if not chunk:
            return None
        buffer.extend(chunk)
    line, _, rest = bytes(buffer).partition(b"\n")
    buffer[:] = rest
    return line.decode()


def launch(argv: list[str]) -> int | None:
    """Runs the simulator as a child of the template; its exit status, or None when no template
    could be reached before anything was started (then the caller starts cold)."""
    try:
        conn = _reach_or_start()
    except OSError:
        return None
    if conn is None:
        return None
    request = json.dumps({"argv": argv, "env": dict(os.environ)}).encode() + b"\n"
    try:
        socket.send_fds(conn, [request], [0, 1, 2])
    except OSError:
        conn.close()
        return None
    buffer = bytearray()
    first = _read_line(conn, buffer)
    if first is None:
        return None  # the template went away before forking: nothing started
    child = int(first)

    def forward(signum: int, _frame: object) -> None:
        try:
            os.kill(child, signum)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    status = _read_line(conn, buffer)
    conn.close()
    # No status: the template died with the child still running; the child stops on SIGTERM or
    # at its stdin's EOF, so report a failure rather than guess.
    return int(status) if status is not None else 1


def serve(path: str, prepare: Callable[[], Any], run: Callable[[list[str], Any], int]) -> int:
    """The template: `prepare()` once, then fork `run(argv, prepared)` per connection."""
    # Started by a launcher's subprocess.Popen(start_new_session=True), the template was seen
    # inheriting a mask that blocks nearly every signal (Python 3.11's vfork path); its children
    # would then never see the SIGTERM their launcher passes on.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    prepared = prepare()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    children: dict[int, socket.socket] = {}
    idle_since = time.monotonic()
    print(f"template: ready at {path} (pid {os.getpid()})", file=sys.stderr, flush=True)
    try:
        while True:
            readable, _, _ = select.select([listener], [], [], 0.2)
            for pid, conn in list(children.items()):
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    code = os.waitstatus_to_exitcode(status)
                    try:
                        conn.sendall(f"{code if code >= 0 else 128 - code}\n".encode())
                    except OSError:
                        pass
                    conn.close()
                    del children[pid]
                    idle_since = time.monotonic()
            if not readable:
                if not children and time.monotonic() - idle_since > IDLE_SECONDS:
                    return 0
                if not os.path.exists(path):
                    return 0  # replaced or cleaned up: stop taking requests
                continue
            conn, _ = listener.accept()
            try:
                message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
                request = json.loads(message.split(b"\n", 1)[0])
            except (OSError, ValueError) as err:
                print(f"template: bad request: {err}", file=sys.stderr, flush=True)
                conn.close()
                continue
            if len(fds) != 3:
                for fd in fds:
                    os.close(fd)
                conn.close()
                continue
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    listener.close()
                    for other in children.values():
                        other.close()
                    conn.close()
                    for target, fd in enumerate(fds):
                        os.dup2(fd, target)
                        os.close(fd)
                    os.environ.clear()
                    os.environ.update(request["env"])
                    code = run(request["argv"], prepared)
                finally:
                    try:
                        sys.stdout.flush()
                        sys.stderr.flush()
                    finally:
                        os._exit(code)
            for fd in fds:
                os.close(fd)
            conn.sendall(f"{pid}\n".encode())
            children[pid] = conn
    finally:
        listener.close()
        try:
            if os.path.exists(path):
                os.unlink(path)
        except OSError:
            pass
